# Stop-DkvStore's surface: its parameters as the reference (shared/reference/stop-dkvstore.txt) names them, every
# validation refused before anything is sent (the manager's request log stays empty), the defaults (port 7801,
# 30 s), Get-Help (synopsis, the seven examples as written, every parameter described), the session and the
# -Managers override, routing and SKIPPED rows, and the not-found errors. Ported from the xUnit ParameterTests and
# HelpTests; the examples themselves run in Examples.Tests.ps1, timing and fail-fast in StopBehaviour.Tests.ps1.

BeforeDiscovery {
    Import-Module "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
    # Invalid values of typed parameters: refused by parameter binding, with the engine's ErrorId, before anything is
    # sent.
    $script:InvalidValues = @(
        @{ Command = 'Stop-DkvStore -Name OrdersStore -Port 0'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Stop-DkvStore -Name OrdersStore -Port 65536'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Stop-DkvStore -Name OrdersStore -Port -1'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Stop-DkvStore -Name OrdersStore -TimeoutSec 0'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Stop-DkvStore -Name OrdersStore -TimeoutSec -1'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Stop-DkvStore -Name OrdersStore -TimeoutSec 86401'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Stop-DkvStore -Name OrdersStore -ThrottleLimit 0'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Stop-DkvStore -Name OrdersStore -ThrottleLimit 1025'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Stop-DkvStore -Name OrdersStore -Port abc'; ErrorId = 'ParameterArgumentTransformationError' }
        @{ Command = "Stop-DkvStore -Name OrdersStore -Managers ''"; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Stop-DkvStore -Name OrdersStore -Managers @()'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Stop-DkvStore -Name OrdersStore -Bogus'; ErrorId = 'NamedParameterNotFound' }
    )
    # Names are the library's to check (the module's README): each bad name is one InvalidArgument error of the
    # command, with a message that says what is wrong; nothing is sent and the script goes on.
    $script:BadNames = @(
        @{ Case = "-Name ''"; Parameters = @{ Name = '' }; Target = ''; Message = 'Store name is empty. Give the name of an existing store.' }
        # A [string] parameter binds $null as '': the same error, never "no store".
        @{ Case = '-Name $null'; Parameters = @{ Name = $null }; Target = ''; Message = 'Store name is empty. Give the name of an existing store.' }
        @{ Case = "-Name '   '"; Parameters = @{ Name = '   ' }; Target = '   '; Message = 'Store name is empty. Give the name of an existing store.' }
        @{ Case = '-Name "`t"'; Parameters = @{ Name = "`t" }; Target = "`t"; Message = 'Store name is empty. Give the name of an existing store.' }
        @{ Case = "-Name ' OrdersStore'"; Parameters = @{ Name = ' OrdersStore' }; Target = ' OrdersStore'; Message = "Store name ' OrdersStore' starts or ends with white space. Remove it." }
        @{ Case = "-InstanceName ''"; Parameters = @{ Name = 'OrdersStore'; InstanceName = '' }; Target = 'OrdersStore'; Message = 'Instance name is empty. Give the name of an existing node.' }
        @{ Case = "-InstanceName '  '"; Parameters = @{ Name = 'OrdersStore'; InstanceName = '  ' }; Target = 'OrdersStore'; Message = 'Instance name is empty. Give the name of an existing node.' }
        @{ Case = "-InstanceName ' orders-1'"; Parameters = @{ Name = 'OrdersStore'; InstanceName = ' orders-1' }; Target = ' orders-1'; Message = "Instance name ' orders-1' starts or ends with white space. Remove it." }
    )
    # Manager addresses the library rejects ({port} is the reference manager's port).
    $script:BadAddresses = Get-DkvTestBadAddress
}

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1", "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
    $script:Manager = Start-DkvTestManager
    $null = Import-DkvTestModule

    # The seven examples of the reference, as written (10.0.0.x as in the document).
    $script:ReferenceExamples = @(
        'Stop-DkvStore -Name OrdersStore'
        'Stop-DkvStore -Name OrdersStore -InstanceName orders-1'
        'Stop-DkvStore -Name OrdersStore -InstanceName orders-1 -Force'
        "Connect-DkvManager -Managers 10.0.0.11,10.0.0.12`nStop-DkvStore -Name OrdersStore"
        "Stop-DkvStore ```n-Name OrdersStore ```n-Managers 10.0.0.11,10.0.0.12"
        "Stop-DkvStore ```n-Name OrdersStore ```n-Managers 10.0.0.11,10.0.0.12,10.0.0.13 ```n-Parallel"
        "Stop-DkvStore ```n-Name OrdersStore ```n-FailFast"
    )
}

AfterAll {
    Stop-DkvTestManager $script:Manager
}

Describe 'Stop-DkvStore' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
    }

    Context 'Parameters' {
        It 'has the reference parameters with their types, and only -Name is mandatory' {
            $expected = [ordered]@{
                Name = 'String'; InstanceName = 'String'; Force = 'SwitchParameter'; Managers = 'String[]'; Port = 'Int32'
                TimeoutSec = 'Int32'; Parallel = 'SwitchParameter'; FailFast = 'SwitchParameter'; WhatIf = 'SwitchParameter'
                Confirm = 'SwitchParameter'
            }
            Assert-DkvTestParameter -Command Stop-DkvStore -Expected $expected -Mandatory Name
        }

        It 'defaults to port 7801 and 30 seconds' {
            Assert-DkvTestDefaultPortAndTimeout -Command Stop-DkvStore
        }

        It '<Command> is refused by parameter binding (<ErrorId>) before anything is sent' -ForEach $script:InvalidValues {
            Connect-DkvTestSession $script:Manager
            $record = Invoke-DkvTestRefused -Manager $script:Manager -Command $Command -ErrorIdPrefix $ErrorId
            $record.FullyQualifiedErrorId | Should -BeLike '*,Stop-DkvStore'
        }

        It 'the bad name <Case> is one InvalidArgument error saying what is wrong, nothing is sent and the script goes on' -ForEach $script:BadNames {
            Connect-DkvTestSession $script:Manager
            $Error.Clear()
            $output = @(Stop-DkvStore @Parameters -ErrorVariable failures -ErrorAction SilentlyContinue; 'went on')
            $output | Should -Be @('went on') -Because 'no row is written and the script goes on'
            $failures.Count | Should -Be 1
            $Error.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -BeExactly 'InvalidArgument,Stop-DkvStore'
            $failures[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $failures[0].Exception.Message | Should -BeExactly $Message
            $failures[0].TargetObject | Should -BeExactly $Target
            (Get-DkvTestLog -Manager $script:Manager).Count | Should -Be 0 -Because 'nothing may be sent for a bad name'
            Assert-DkvTestNothingHeld
        }

        It 'the bad manager address <Address> is refused, naming it, before anything is sent' -ForEach $script:BadAddresses {
            Assert-DkvTestAddressRefused -Manager $script:Manager -Address $Address -Command 'Stop-DkvStore -Name OrdersStore -Managers' -CommandName Stop-DkvStore
        }

        It 'accepts the boundary values, and a port in the address wins over -Port' {
            $rows = @(Stop-DkvStore -Name OrdersStore -InstanceName orders-1 -Managers (Get-DkvTestAddress -Manager $script:Manager -Index 0) `
                    -Port 65535 -TimeoutSec 86400 -ErrorVariable failures)
            $failures.Count | Should -Be 0
            Get-DkvTestRowText $rows | Should -Be (Get-DkvTestExpectedRowText $script:Manager '.11 orders-1 SUCCESS')
            $rows = @(Stop-DkvStore -Name OrdersStore -InstanceName orders-2 -Managers (Get-DkvTestAddress -Manager $script:Manager -Index 1) `
                    -Port 1 -TimeoutSec 1 -ErrorVariable failures)
            $failures.Count | Should -Be 0
            Get-DkvTestRowText $rows | Should -Be (Get-DkvTestExpectedRowText $script:Manager '.12 orders-2 SUCCESS')
            Get-DkvTestStopText $script:Manager | Should -Be (Get-DkvTestExpectedStopText '.11 orders-1', '.12 orders-2')
        }

        It '-Port applies to addresses without one' {
            $rows = @(Stop-DkvStore -Name OrdersStore -InstanceName orders-1 -Managers 127.0.0.11 -Port $script:Manager.Port -ErrorVariable failures)
            $failures.Count | Should -Be 0
            Get-DkvTestRowText $rows | Should -Be (Get-DkvTestExpectedRowText $script:Manager '.11 orders-1 SUCCESS')
        }
    }

    Context 'Not found' {
        It 'an unknown node is one InstanceNotFound error listing the nodes, and nothing is stopped' {
            Connect-DkvTestSession $script:Manager
            $Error.Clear()
            $rows = @(Stop-DkvStore -Name OrdersStore -InstanceName orders-9 -ErrorVariable failures -ErrorAction SilentlyContinue)
            $failures.Count | Should -Be 1
            $Error.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'InstanceNotFound,Stop-DkvStore'
            $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            foreach ($node in 'orders-1', 'orders-2', 'orders-3') { $failures[0].Exception.Message | Should -BeLike "*$node*" }
            $rows.Count | Should -Be 0
            (Get-DkvTestLog -Manager $script:Manager -Stops).Count | Should -Be 0
            Assert-DkvTestNothingHeld
        }

        It 'an unknown store is one non-terminating StoreNotFound error and the script goes on' {
            Connect-DkvTestSession $script:Manager
            $Error.Clear()
            $output = @(Stop-DkvStore -Name NoSuchStore -ErrorVariable failures -ErrorAction SilentlyContinue; 'went on')
            $failures.Count | Should -Be 1
            $Error.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'StoreNotFound,Stop-DkvStore'
            $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $failures[0].TargetObject | Should -Be 'NoSuchStore'
            $output | Should -Contain 'went on'
            (Get-DkvTestLog -Manager $script:Manager -Stops).Count | Should -Be 0
        }

        It 'without -Managers and without a session it terminates with the reference message' {
            $Error.Clear()
            $caught = $null
            $output = @(try { Stop-DkvStore -Name OrdersStore; 'went on' } catch { $caught = $_ })
            $output | Should -Not -Contain 'went on'
            $caught.FullyQualifiedErrorId | Should -Be 'NoManagers,Stop-DkvStore'
            $caught.Exception.Message | Should -Be 'No managers connected. Use Connect-DkvManager or specify -Managers.'
            $Error.Count | Should -Be 1
            (Get-DkvTestLog -Manager $script:Manager).Count | Should -Be 0
        }
    }

    Context 'Session and -Managers' {
        It 'uses the Connect-DkvManager session: its managers, its port' {
            $null = Connect-DkvManager -Managers 127.0.0.11, 127.0.0.12, 127.0.0.13 -Port $script:Manager.Port
            $rows = @(Stop-DkvStore -Name CartStore -ErrorVariable failures)
            $failures.Count | Should -Be 0
            Get-DkvTestRowText $rows | Should -Be (Get-DkvTestExpectedRowText $script:Manager '.11 cart-1 SUCCESS', '.12 cart-2 SUCCESS')
            Get-DkvTestStopText $script:Manager | Should -Be (Get-DkvTestExpectedStopText '.11 cart-1', '.12 cart-2')
        }

        It '-Managers overrides the session for that call only' {
            $null = Connect-DkvManager -Managers (Get-DkvTestAddress -Manager $script:Manager -Index 0)
            $rows = @(Stop-DkvStore -Name OrdersStore -InstanceName orders-2 -Managers (Get-DkvTestAddress -Manager $script:Manager -Index 1))
            Get-DkvTestRowText $rows | Should -Be (Get-DkvTestExpectedRowText $script:Manager '.12 orders-2 SUCCESS')
            $log = Get-DkvTestLog -Manager $script:Manager
            @($log | Where-Object manager -NE '127.0.0.12').Count | Should -Be 0 -Because 'the session manager .11 is not asked during the override'
            # The session is unchanged: orders-3's server is not among its managers, so the node is SKIPPED.
            $rows = @(Stop-DkvStore -Name OrdersStore -InstanceName orders-3)
            Get-DkvTestRowText $rows | Should -Be (Get-DkvTestExpectedRowText $script:Manager '.13 orders-3 SKIPPED')
            Get-DkvTestStopText $script:Manager | Should -Be (Get-DkvTestExpectedStopText '.12 orders-2')
        }

        It 'a node on a server that is not targeted is a SKIPPED row naming that server, not an error, and is not sent' {
            $Error.Clear()
            $rows = @(Stop-DkvStore -Name OrdersStore -Managers (Get-DkvTestAddressList -Manager $script:Manager -Count 2) -ErrorVariable failures)
            $failures.Count | Should -Be 0
            $Error.Count | Should -Be 0
            Get-DkvTestRowText $rows | Should -Be (Get-DkvTestExpectedRowText $script:Manager '.11 orders-1 SUCCESS', '.12 orders-2 SUCCESS', '.13 orders-3 SKIPPED')
            ($rows | Where-Object Result -EQ 'SKIPPED').Message | Should -BeLike '*127.0.0.13*'
            $log = Get-DkvTestLog -Manager $script:Manager
            @($log | Where-Object manager -EQ '127.0.0.13').Count | Should -Be 0
            Get-DkvTestStatus -Manager $script:Manager -Instance orders-3 | Should -Be 'Running'
        }

        It 'a result row has Manager, Action, Result, Message, Store and Instance' {
            Connect-DkvTestSession $script:Manager
            $row = Stop-DkvStore -Name OrdersStore -InstanceName orders-1
            $row.PSObject.TypeNames | Should -Contain 'Clustron.Dkv.StopResult'
            $row.Manager | Should -Be (Get-DkvTestAddress -Manager $script:Manager -Index 0)
            $row.Action | Should -Be 'StopInstance:orders-1'
            $row.Result | Should -Be 'SUCCESS'
            $row.Message | Should -Be 'Stopped'
            $row.Store | Should -Be 'OrdersStore'
            $row.Instance | Should -Be 'orders-1'
        }
    }

    Context 'Help' {
        It 'has the reference synopsis and the seven examples as written' {
            $help = Get-Help Stop-DkvStore -Full
            $help.Synopsis | Should -BeExactly 'Stops one or more nodes of a Clustron Distributed Key-Value (DKV) store.'
            $examples = @(foreach ($example in $help.examples.example) { $example.code.Replace("`r`n", "`n").Trim() })
            $examples.Count | Should -Be 7
            for ($i = 0; $i -lt 7; $i++) { $examples[$i] | Should -BeExactly $script:ReferenceExamples[$i] -Because "example $($i + 1)" }
        }

        It 'describes every parameter' {
            $undocumented = Get-DkvTestUndocumentedParameter -Command Stop-DkvStore
            $undocumented | Should -BeNullOrEmpty
        }
    }
}
