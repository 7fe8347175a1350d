# Stop-DkvStore's surface: its parameters as the reference (shared/reference/stop-dkvstore.txt) names them, every
# validation refused before anything is sent (the manager's request log stays empty), the defaults (port 7801,
# 30 s), Get-Help (synopsis, the seven examples as written, every parameter described), the session and the
# -Managers override, routing and SKIPPED rows, and the not-found errors. Ported from the xUnit ParameterTests and
# HelpTests; the examples themselves run in Examples.Tests.ps1, timing and fail-fast in StopBehaviour.Tests.ps1.

BeforeDiscovery {
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
    $script:BadAddresses = @(
        @{ Address = 'http://127.0.0.11:{port}/admin' }
        @{ Address = 'http://127.0.0.11:{port}/?x=1' }
        @{ Address = '127.0.0.11:0' }
        @{ Address = '127.0.0.11:65536' }
        @{ Address = '127.0.0.11:port' }
        @{ Address = 'user@127.0.0.11' }
        @{ Address = 'http://' }
        @{ Address = 'ftp://127.0.0.11' }
    )
}

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1" -Force
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
    $script:CommonParameters = @('Verbose', 'Debug', 'ErrorAction', 'WarningAction', 'InformationAction', 'ProgressAction',
        'ErrorVariable', 'WarningVariable', 'InformationVariable', 'OutVariable', 'OutBuffer', 'PipelineVariable')

    function Connect-AllManagers {
        $null = Connect-DkvManager -Managers (Get-DkvTestAddressList -Manager $script:Manager)
    }

    function Get-RowText {
        # Result rows as "manager|action|result", sorted, one string.
        param([AllowNull()][object[]]$Rows)
        $lines = @(foreach ($row in $Rows) {
                if ($null -ne $row -and $row.PSObject.TypeNames -contains 'Clustron.Dkv.StopResult') {
                    '{0}|{1}|{2}' -f $row.Manager, $row.Action, $row.Result
                }
            })
        (@($lines | Sort-Object) -join "`n")
    }

    function Get-ExpectedRowText {
        # '.11 orders-1 SUCCESS' -> "127.0.0.11:PORT|StopInstance:orders-1|SUCCESS", sorted, one string.
        param([string[]]$Expected)
        $lines = foreach ($line in $Expected) {
            $host_, $instance, $result = $line -split ' '
            '127.0.0{0}:{1}|StopInstance:{2}|{3}' -f $host_, $script:Manager.Port, $instance, $result
        }
        (@($lines | Sort-Object) -join "`n")
    }

    function Get-StopText {
        # The stop requests the managers received, as "host|instance|query", sorted, one string.
        $stops = Get-DkvTestLog -Manager $script:Manager -Stops
        (@(foreach ($stop in $stops) { '{0}|{1}|{2}' -f $stop.manager, $stop.StopInstance, $stop.query }) | Sort-Object) -join "`n"
    }

    function Get-ExpectedStopText {
        # '.11 orders-1' or '.11 orders-1 force=true' -> "127.0.0.11|orders-1|force=true", sorted, one string.
        param([string[]]$Expected)
        $lines = foreach ($line in $Expected) {
            $parts = @($line -split ' ')
            $query = ''
            if ($parts.Count -gt 2) { $query = $parts[2] }
            '127.0.0{0}|{1}|{2}' -f $parts[0], $parts[1], $query
        }
        (@($lines | Sort-Object) -join "`n")
    }

    function Assert-NothingHeld {
        # The module holds no native allocation and no operation handle between commands.
        $live = Get-DkvLive
        $live.Allocations | Should -Be 0 -Because 'no native allocation may outlive a command'
        $live.Operations | Should -Be 0 -Because 'no operation handle may outlive a command'
    }

    function Invoke-Refused {
        # Runs the command text in try/catch; it must be refused (terminating), with nothing after it run, exactly
        # one ErrorRecord in $Error and no request sent. Returns the caught record.
        param([Parameter(Mandatory)][string]$Command, [Parameter(Mandatory)][string]$ErrorIdPrefix)
        $Error.Clear()
        $caught = $null
        $output = @(try { & ([scriptblock]::Create($Command + "`n'not refused'")) } catch { $caught = $_ })
        $caught | Should -Not -BeNullOrEmpty -Because "'$Command' must be refused"
        $output | Should -Not -Contain 'not refused'
        $caught.FullyQualifiedErrorId | Should -BeLike "$ErrorIdPrefix*"
        $Error.Count | Should -Be 1
        (Get-DkvTestLog -Manager $script:Manager).Count | Should -Be 0 -Because 'nothing may be sent for a refused command'
        $caught
    }
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
            $parameters = (Get-Command Stop-DkvStore).Parameters
            $expected = [ordered]@{
                Name = 'String'; InstanceName = 'String'; Force = 'SwitchParameter'; Managers = 'String[]'; Port = 'Int32'
                TimeoutSec = 'Int32'; Parallel = 'SwitchParameter'; FailFast = 'SwitchParameter'; WhatIf = 'SwitchParameter'
                Confirm = 'SwitchParameter'
            }
            foreach ($name in $expected.Keys) {
                $parameters.ContainsKey($name) | Should -BeTrue -Because "Stop-DkvStore needs -$name"
                $parameters[$name].ParameterType.Name | Should -Be $expected[$name] -Because "-$name's type"
                $mandatory = @($parameters[$name].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] } |
                        ForEach-Object { $_.Mandatory }) -contains $true
                $mandatory | Should -Be ($name -eq 'Name') -Because "-$name's Mandatory"
            }
        }

        It 'defaults to port 7801 and 30 seconds' {
            $defaults = @{}
            foreach ($parameter in (Get-Command Stop-DkvStore).ScriptBlock.Ast.Body.ParamBlock.Parameters) {
                if ($null -ne $parameter.DefaultValue) { $defaults[$parameter.Name.VariablePath.UserPath] = $parameter.DefaultValue.Extent.Text }
            }
            $defaults['Port'] | Should -Be '7801'
            $defaults['TimeoutSec'] | Should -Be '30'
            # And in effect: an address without a port is tried on 7801 (127.0.0.19 is loopback where nothing listens).
            $rows = @(Stop-DkvStore -Name OrdersStore -Managers 127.0.0.19 -ErrorVariable failures -ErrorAction SilentlyContinue)
            $rows.Count | Should -Be 0
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'ManagerUnreachable,Stop-DkvStore'
            $failures[0].Exception.Message | Should -BeLike '*127.0.0.19:7801*'
        }

        It '<Command> is refused by parameter binding (<ErrorId>) before anything is sent' -ForEach $script:InvalidValues {
            Connect-AllManagers
            $record = Invoke-Refused -Command $Command -ErrorIdPrefix $ErrorId
            $record.FullyQualifiedErrorId | Should -BeLike '*,Stop-DkvStore'
        }

        It 'the bad name <Case> is one InvalidArgument error saying what is wrong, nothing is sent and the script goes on' -ForEach $script:BadNames {
            Connect-AllManagers
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
            Assert-NothingHeld
        }

        It 'the bad manager address <Address> is refused, naming it, before anything is sent' -ForEach $script:BadAddresses {
            $bad = $Address.Replace('{port}', [string]$script:Manager.Port)
            $good = Get-DkvTestAddress -Manager $script:Manager -Index 1
            $record = Invoke-Refused -Command "Stop-DkvStore -Name OrdersStore -Managers '$good','$bad'" -ErrorIdPrefix 'InvalidManagerAddress,'
            $record.FullyQualifiedErrorId | Should -Be 'InvalidManagerAddress,Stop-DkvStore'
            $record.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $record.Exception.Message | Should -BeLike "*$([WildcardPattern]::Escape($bad))*"
        }

        It 'accepts the boundary values, and a port in the address wins over -Port' {
            $rows = @(Stop-DkvStore -Name OrdersStore -InstanceName orders-1 -Managers (Get-DkvTestAddress -Manager $script:Manager -Index 0) `
                    -Port 65535 -TimeoutSec 86400 -ErrorVariable failures)
            $failures.Count | Should -Be 0
            Get-RowText $rows | Should -Be (Get-ExpectedRowText '.11 orders-1 SUCCESS')
            $rows = @(Stop-DkvStore -Name OrdersStore -InstanceName orders-2 -Managers (Get-DkvTestAddress -Manager $script:Manager -Index 1) `
                    -Port 1 -TimeoutSec 1 -ErrorVariable failures)
            $failures.Count | Should -Be 0
            Get-RowText $rows | Should -Be (Get-ExpectedRowText '.12 orders-2 SUCCESS')
            Get-StopText | Should -Be (Get-ExpectedStopText '.11 orders-1', '.12 orders-2')
        }

        It '-Port applies to addresses without one' {
            $rows = @(Stop-DkvStore -Name OrdersStore -InstanceName orders-1 -Managers 127.0.0.11 -Port $script:Manager.Port -ErrorVariable failures)
            $failures.Count | Should -Be 0
            Get-RowText $rows | Should -Be (Get-ExpectedRowText '.11 orders-1 SUCCESS')
        }
    }

    Context 'Not found' {
        It 'an unknown node is one InstanceNotFound error listing the nodes, and nothing is stopped' {
            Connect-AllManagers
            $Error.Clear()
            $rows = @(Stop-DkvStore -Name OrdersStore -InstanceName orders-9 -ErrorVariable failures -ErrorAction SilentlyContinue)
            $failures.Count | Should -Be 1
            $Error.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'InstanceNotFound,Stop-DkvStore'
            $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            foreach ($node in 'orders-1', 'orders-2', 'orders-3') { $failures[0].Exception.Message | Should -BeLike "*$node*" }
            $rows.Count | Should -Be 0
            (Get-DkvTestLog -Manager $script:Manager -Stops).Count | Should -Be 0
            Assert-NothingHeld
        }

        It 'an unknown store is one non-terminating StoreNotFound error and the script goes on' {
            Connect-AllManagers
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
            Get-RowText $rows | Should -Be (Get-ExpectedRowText '.11 cart-1 SUCCESS', '.12 cart-2 SUCCESS')
            Get-StopText | Should -Be (Get-ExpectedStopText '.11 cart-1', '.12 cart-2')
        }

        It '-Managers overrides the session for that call only' {
            $null = Connect-DkvManager -Managers (Get-DkvTestAddress -Manager $script:Manager -Index 0)
            $rows = @(Stop-DkvStore -Name OrdersStore -InstanceName orders-2 -Managers (Get-DkvTestAddress -Manager $script:Manager -Index 1))
            Get-RowText $rows | Should -Be (Get-ExpectedRowText '.12 orders-2 SUCCESS')
            $log = Get-DkvTestLog -Manager $script:Manager
            @($log | Where-Object manager -NE '127.0.0.12').Count | Should -Be 0 -Because 'the session manager .11 is not asked during the override'
            # The session is unchanged: orders-3's server is not among its managers, so the node is SKIPPED.
            $rows = @(Stop-DkvStore -Name OrdersStore -InstanceName orders-3)
            Get-RowText $rows | Should -Be (Get-ExpectedRowText '.13 orders-3 SKIPPED')
            Get-StopText | Should -Be (Get-ExpectedStopText '.12 orders-2')
        }

        It 'a node on a server that is not targeted is a SKIPPED row naming that server, not an error, and is not sent' {
            $Error.Clear()
            $rows = @(Stop-DkvStore -Name OrdersStore -Managers (Get-DkvTestAddressList -Manager $script:Manager -Count 2) -ErrorVariable failures)
            $failures.Count | Should -Be 0
            $Error.Count | Should -Be 0
            Get-RowText $rows | Should -Be (Get-ExpectedRowText '.11 orders-1 SUCCESS', '.12 orders-2 SUCCESS', '.13 orders-3 SKIPPED')
            ($rows | Where-Object Result -EQ 'SKIPPED').Message | Should -BeLike '*127.0.0.13*'
            $log = Get-DkvTestLog -Manager $script:Manager
            @($log | Where-Object manager -EQ '127.0.0.13').Count | Should -Be 0
            Get-DkvTestStatus -Manager $script:Manager -Instance orders-3 | Should -Be 'Running'
        }

        It 'a result row has Manager, Action, Result, Message, Store and Instance' {
            Connect-AllManagers
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
            $help = @{}
            foreach ($parameter in (Get-Help Stop-DkvStore -Full).parameters.parameter) {
                $help[$parameter.name] = (@($parameter.description | ForEach-Object { $_.Text }) -join ' ')
            }
            $undocumented = @(foreach ($name in (Get-Command Stop-DkvStore).Parameters.Keys) {
                    if ($script:CommonParameters -notcontains $name -and "$($help[$name])".Trim().Length -lt 10) { $name }
                })
            $undocumented | Should -BeNullOrEmpty
        }
    }
}
