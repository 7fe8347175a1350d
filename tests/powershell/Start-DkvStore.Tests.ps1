# Start-DkvStore against the reference manager: a whole-store start after a passive whole-store stop starts every
# node before the store is made Active again (request log) and loses nothing (accounting); one node; a safe re-run;
# a node whose manager fails is a FAILED row, one StartFailed error and a warning that the store stays Passive; a
# manager without the start endpoint; -WhatIf sends nothing; the parameters are Stop-DkvStore's without -Force; bad
# names are InvalidArgument as for the stop. The shared private functions (StopOperation.ps1, StopApproval.ps1)
# are the stop's, so progress, Ctrl+C and the prompt are covered by the stop's tests.

BeforeDiscovery {
    $script:BadNames = @(
        @{ Case = "-Name ''"; Parameters = @{ Name = '' }; Target = ''; Message = 'Store name is empty. Give the name of an existing store.' }
        @{ Case = "-Name ' OrdersStore'"; Parameters = @{ Name = ' OrdersStore' }; Target = ' OrdersStore'; Message = "Store name ' OrdersStore' starts or ends with white space. Remove it." }
        @{ Case = "-InstanceName ''"; Parameters = @{ Name = 'OrdersStore'; InstanceName = '' }; Target = 'OrdersStore'; Message = 'Instance name is empty. Give the name of an existing node.' }
        @{ Case = "-InstanceName ' orders-1'"; Parameters = @{ Name = 'OrdersStore'; InstanceName = ' orders-1' }; Target = ' orders-1'; Message = "Instance name ' orders-1' starts or ends with white space. Remove it." }
    )
}

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1", "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
    $null = Import-DkvTestModule

    function Split-Stream {
        # Output merged with warnings (3>&1) -> Rows, Warnings.
        param([AllowNull()][object[]]$Merged)
        [pscustomobject]@{
            Rows     = @($Merged | Where-Object { $null -ne $_ -and $_.PSObject.TypeNames -contains 'Clustron.Dkv.StartResult' })
            Warnings = @($Merged | Where-Object { $_ -is [System.Management.Automation.WarningRecord] } | ForEach-Object Message)
        }
    }

    function Get-RowText {
        param([AllowNull()][object[]]$Rows)
        @($Rows | ForEach-Object { '{0} {1} {2}' -f $_.Action, $_.Result, $_.Message })
    }

    function Get-StartRequest {
        # The manager's POST .../instances/{node}/start requests, oldest first.
        param([Parameter(Mandatory)][psobject]$Manager)
        # Get-DkvTestLog writes its list as one object: held in a variable first, it is filtered row by row.
        $log = Get-DkvTestLog -Manager $Manager
        @($log | Where-Object { $_.method -eq 'POST' -and $_.path -like '*/start' })
    }

    function Get-StatePut {
        param([Parameter(Mandatory)][psobject]$Manager)
        $log = Get-DkvTestLog -Manager $Manager
        @($log | Where-Object { $_.method -eq 'PUT' -and $_.path -like '*/state' })
    }

    function Get-WhatIfText {
        # "What if:" lines go to the host, not to a stream, so a transcript of this pwsh's console host is read back.
        param([Parameter(Mandatory)][scriptblock]$ScriptBlock)
        $file = [System.IO.Path]::Combine($TestDrive, 'transcript-' + [Guid]::NewGuid().ToString('N') + '.txt')
        $null = Start-Transcript -Path $file -UseMinimalHeader
        try { $output = & $ScriptBlock }
        finally { $null = Stop-Transcript }
        [pscustomobject]@{ Output = @($output); Text = [System.IO.File]::ReadAllText($file).Replace("`r`n", "`n") }
    }
}

Describe 'Start-DkvStore' -Tag Windows {
    BeforeAll {
        $script:Manager = Start-DkvTestManager
    }

    AfterAll {
        Stop-DkvTestManager $script:Manager
    }

    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
        $Error.Clear()
    }

    Context 'Parameters' {
        It 'has the execution parameters of Stop-DkvStore, the same defaults, and no -Force' {
            $start = Get-Command Start-DkvStore
            $stop = Get-Command Stop-DkvStore
            foreach ($name in 'Name', 'InstanceName', 'Managers', 'Port', 'TimeoutSec', 'Parallel', 'FailFast', 'ThrottleLimit') {
                $start.Parameters[$name].ParameterType | Should -Be $stop.Parameters[$name].ParameterType -Because $name
                @($start.Parameters[$name].Aliases) | Should -Be @($stop.Parameters[$name].Aliases) -Because $name
            }
            $start.Parameters.ContainsKey('Force') | Should -BeFalse
            $start.Parameters['Name'].Attributes.Where({ $_ -is [System.Management.Automation.ParameterAttribute] })[0].Mandatory | Should -BeTrue
            $defaults = Get-DkvTestParameterDefault -Command Start-DkvStore
            $defaults.Port | Should -Be '7801'
            $defaults.TimeoutSec | Should -Be '30'
            $defaults.ThrottleLimit | Should -Be '32'
            $start.ImplementingType | Should -BeNullOrEmpty
            $metadata = [System.Management.Automation.CommandMetadata]::new($start)
            $metadata.SupportsShouldProcess | Should -BeTrue
            $metadata.ConfirmImpact | Should -Be 'Medium'
        }

        It '-Force is refused by parameter binding and nothing is sent' {
            $caught = $null
            try { Start-DkvStore -Name OrdersStore -Force -Managers (Get-DkvTestAddressList $script:Manager) } catch { $caught = $_ }
            $caught.FullyQualifiedErrorId | Should -BeExactly 'NamedParameterNotFound,Start-DkvStore'
            (Get-DkvTestLog -Manager $script:Manager).Count | Should -Be 0
        }

        It '-TimeoutSec 0 and -ThrottleLimit 0 are refused by parameter binding' {
            foreach ($parameters in @(@{ TimeoutSec = 0 }, @{ ThrottleLimit = 0 }, @{ Port = 0 })) {
                $caught = $null
                try { Start-DkvStore -Name OrdersStore -Managers 127.0.0.11 @parameters } catch { $caught = $_ }
                $caught.FullyQualifiedErrorId | Should -BeExactly 'ParameterArgumentValidationError,Start-DkvStore'
            }
            (Get-DkvTestLog -Manager $script:Manager).Count | Should -Be 0
        }

        It 'the bad name <Case> is one InvalidArgument error saying what is wrong, and nothing is sent' -ForEach $script:BadNames {
            Connect-DkvTestSession $script:Manager
            $Error.Clear()
            $output = @(Start-DkvStore @Parameters -ErrorVariable failures -ErrorAction SilentlyContinue; 'went on')
            $output | Should -Be @('went on')
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -BeExactly 'InvalidArgument,Start-DkvStore'
            $failures[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $failures[0].Exception.Message | Should -BeExactly $Message
            $failures[0].TargetObject | Should -BeExactly $Target
            (Get-DkvTestLog -Manager $script:Manager).Count | Should -Be 0
            Assert-DkvTestNothingHeld
        }

        It 'without -Managers and without a session it terminates with NoManagers' {
            $caught = $null
            try { $null = Start-DkvStore -Name OrdersStore } catch { $caught = $_ }
            $caught.FullyQualifiedErrorId | Should -BeExactly 'NoManagers,Start-DkvStore'
        }

        It 'has help with a synopsis, examples and every parameter described' {
            $help = Get-Help Start-DkvStore -Full
            $help.Synopsis | Should -BeLike 'Starts one or more nodes*'
            @($help.examples.example).Count | Should -BeGreaterOrEqual 3
            ($help.examples.example.code -join "`n") | Should -Match 'Start-DkvStore -Name OrdersStore -WhatIf'
            foreach ($parameter in $help.parameters.parameter) {
                ($parameter.description.Text -join ' ') | Should -Not -BeNullOrEmpty -Because $parameter.name
            }
        }
    }

    Context 'Starting' {
        It 'after a passive whole-store stop, starts every node before it makes the store Active, and loses nothing' {
            Connect-DkvTestSession $script:Manager
            $stopped = @(Stop-DkvStore -Name OrdersStore)
            @($stopped.Result) | Should -Be @('SUCCESS', 'SUCCESS', 'SUCCESS')
            (Get-DkvTestInstance $script:Manager).state | Should -Be Passive
            Clear-DkvTestLog $script:Manager

            $run = Split-Stream @(Start-DkvStore -Name OrdersStore 3>&1)
            $Error.Count | Should -Be 0
            $run.Warnings | Should -BeNullOrEmpty
            Get-RowText ($run.Rows | Sort-Object Instance) | Should -Be @(
                'StartInstance:orders-1 SUCCESS Running', 'StartInstance:orders-2 SUCCESS Running', 'StartInstance:orders-3 SUCCESS Running')
            foreach ($index in 0..2) {
                $row = $run.Rows | Where-Object Instance -EQ ('orders-{0}' -f ($index + 1))
                $row.Manager | Should -Be (Get-DkvTestAddress $script:Manager -Index $index)
                $row.Store | Should -Be 'OrdersStore'
                $row.Duration | Should -BeOfType [TimeSpan]
            }
            $instances = Get-DkvTestInstance $script:Manager
            $instances.state | Should -Be Active
            $instances.instances | ForEach-Object { $_.status | Should -Be Running }
            $starts = Get-StartRequest $script:Manager
            $puts = Get-StatePut $script:Manager
            $starts.Count | Should -Be 3
            $puts.Count | Should -Be 1
            foreach ($start in $starts) { $start.seq | Should -BeLessThan $puts[0].seq }
            (Get-DkvTestAccounting $script:Manager).lost | Should -Be 0
            Assert-DkvTestNothingHeld
        }

        It 'starts one node, through its own manager, and leaves the store state alone' {
            Connect-DkvTestSession $script:Manager
            $null = Stop-DkvStore -Name OrdersStore -InstanceName orders-2
            Clear-DkvTestLog $script:Manager
            $rows = @(Start-DkvStore -Name OrdersStore -InstanceName orders-2)
            Get-RowText $rows | Should -Be @('StartInstance:orders-2 SUCCESS Running')
            $rows[0].PSObject.TypeNames[0] | Should -Be 'Clustron.Dkv.StartResult'
            $rows[0].Manager | Should -Be (Get-DkvTestAddress $script:Manager -Index 1)
            Get-DkvTestStatus $script:Manager -Instance orders-2 | Should -Be Running
            (Get-StartRequest $script:Manager).Count | Should -Be 1
            (Get-StatePut $script:Manager).Count | Should -Be 0
        }

        It 'a re-run on a running store is SUCCESS already running for every node and sends no PUT' {
            Connect-DkvTestSession $script:Manager
            $rows = @(Start-DkvStore -Name OrdersStore)
            $Error.Count | Should -Be 0
            @($rows.Result) | Should -Be @('SUCCESS', 'SUCCESS', 'SUCCESS')
            $rows | ForEach-Object { $_.Message | Should -BeLike '*already running*' }
            (Get-StatePut $script:Manager).Count | Should -Be 0
            (Get-DkvTestInstance $script:Manager).state | Should -Be Active
        }

        It 'pipes like Stop-DkvStore: store names, and node objects from Get-DkvStore' {
            Connect-DkvTestSession $script:Manager
            $null = Stop-DkvStore -Name OrdersStore -InstanceName orders-1
            $null = Stop-DkvStore -Name CartStore -InstanceName cart-2
            $rows = @((Get-DkvStore -Name OrdersStore).Instances | Where-Object InstanceName -EQ orders-1 | Start-DkvStore)
            Get-RowText $rows | Should -Be @('StartInstance:orders-1 SUCCESS Running')
            $rows = @('CartStore' | Start-DkvStore)
            @($rows | Where-Object Instance -EQ cart-2).Message | Should -Be 'Running'
        }

        It 'a node whose manager answers 500 is a FAILED row, one StartFailed error for that node, and the store stays Passive' {
            Connect-DkvTestSession $script:Manager
            $null = Stop-DkvStore -Name OrdersStore
            Set-DkvTestFault -Manager $script:Manager -HostName 127.0.0.12 -Fault 500
            Clear-DkvTestLog $script:Manager
            $Error.Clear()
            $run = Split-Stream @(Start-DkvStore -Name OrdersStore -ErrorVariable failures -ErrorAction SilentlyContinue 3>&1)
            $failed = @($run.Rows | Where-Object Result -EQ FAILED)
            @($failed.Instance) | Should -Be @('orders-2')
            @($run.Rows | Where-Object Result -EQ SUCCESS).Count | Should -Be 2
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -BeExactly 'StartFailed,Start-DkvStore'
            $failures[0].TargetObject | Should -BeExactly 'orders-2'
            $failures[0].CategoryInfo.Category | Should -Be 'InvalidResult'
            $failures[0].Exception.Message | Should -BeLike "Starting node 'orders-2' of store 'OrdersStore' through * failed: *"
            @($run.Warnings | Where-Object { $_ -like "Store 'OrdersStore' was not made Active*orders-2*" }).Count | Should -Be 1
            (Get-StatePut $script:Manager).Count | Should -Be 0
            Set-DkvTestFault -Manager $script:Manager -HostName 127.0.0.12 -Fault none
            (Get-DkvTestInstance $script:Manager).state | Should -Be Passive
            Assert-DkvTestNothingHeld
        }

        It '-FailFast makes the first FAILED row a terminating StartFailed error' {
            Connect-DkvTestSession $script:Manager
            $null = Stop-DkvStore -Name OrdersStore -InstanceName orders-2
            Set-DkvTestFault -Manager $script:Manager -HostName 127.0.0.12 -Fault 500
            $caught = $null
            try { $null = Start-DkvStore -Name OrdersStore -InstanceName orders-2 -FailFast } catch { $caught = $_ }
            $caught.FullyQualifiedErrorId | Should -BeExactly 'StartFailed,Start-DkvStore'
            Assert-DkvTestNothingHeld
        }
    }

    Context '-WhatIf' {
        It 'lists every node with its manager and sends no POST or PUT' {
            Connect-DkvTestSession $script:Manager -ByPort
            $null = Stop-DkvStore -Name OrdersStore
            Clear-DkvTestLog $script:Manager
            $shown = Get-WhatIfText { Start-DkvStore -Name OrdersStore -WhatIf -ErrorVariable failures; $failures }
            $shown.Output | Should -BeNullOrEmpty
            foreach ($index in 0..2) {
                $node = 'orders-{0}' -f ($index + 1)
                $address = Get-DkvTestAddress $script:Manager -Index $index
                $shown.Text | Should -Match ([regex]::Escape("What if: Performing the operation `"Start node`" on target `"node $node of store OrdersStore on manager $address`"."))
            }
            ([regex]::Matches($shown.Text, 'What if: ')).Count | Should -Be 3
            $log = Get-DkvTestLog $script:Manager
            $log.Count | Should -BeGreaterThan 0
            $log | Where-Object method -NE GET | Should -BeNullOrEmpty
            $instances = Get-DkvTestInstance $script:Manager
            $instances.state | Should -Be Passive
            $instances.instances | ForEach-Object { $_.status | Should -Be Stopped }
        }
    }
}

Describe 'Start-DkvStore on a manager without the start endpoint' -Tag OwnManager {
    BeforeAll {
        $script:Old = Start-DkvTestManager -ArgumentList '--no-start-endpoint'
    }

    AfterAll {
        Stop-DkvTestManager $script:Old
    }

    It 'is a FAILED row that says the manager has no start endpoint, and one StartFailed error' {
        $managers = Get-DkvTestAddressList $script:Old
        $null = Stop-DkvStore -Name OrdersStore -InstanceName orders-1 -Managers $managers
        $rows = @(Start-DkvStore -Name OrdersStore -InstanceName orders-1 -Managers $managers -ErrorVariable failures -ErrorAction SilentlyContinue)
        $rows.Count | Should -Be 1
        $rows[0].Result | Should -Be 'FAILED'
        $rows[0].Message | Should -BeLike '*has no start endpoint*nothing was started*'
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeExactly 'StartFailed,Start-DkvStore'
        $failures[0].TargetObject | Should -BeExactly 'orders-1'
        Get-DkvTestStatus $script:Old -Instance orders-1 | Should -Be Stopped
    }
}
