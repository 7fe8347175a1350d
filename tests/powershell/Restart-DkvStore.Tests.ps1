# Restart-DkvStore against the reference manager: a rolling restart of ten nodes never has two nodes down (the
# manager's accounting maxDown, and each node's stop after the previous node's start in the request log) and loses
# nothing; the restart stops at the first failure with SKIPPED rows, one RestartFailed error whose RecommendedAction
# says how to go on, and a warning; a manager without the start endpoint; -WhatIf sends nothing; -NodeTimeoutSec
# gives a TIMEOUT that brings the node back; a re-run is safe; PowerShell.Stop() and Ctrl+C in the middle bring the
# node being restarted back and say so; bad input is refused before anything is sent. -Confirm answered at a real
# prompt is in ShouldProcess.Tests.ps1.

BeforeDiscovery {
    $script:Refused = @(
        @{ Command = 'Restart-DkvStore -Name OrdersStore -NodeTimeoutSec 0'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Restart-DkvStore -Name OrdersStore -NodeTimeoutSec 86401'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Restart-DkvStore -Name OrdersStore -NodeTimeoutSec -5'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Restart-DkvStore -Name OrdersStore -TimeoutSec 0'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Restart-DkvStore -Name OrdersStore -Port 0'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Restart-DkvStore -Name OrdersStore -Parallel'; ErrorId = 'NamedParameterNotFound' }
        @{ Command = 'Restart-DkvStore -Name OrdersStore -Force'; ErrorId = 'NamedParameterNotFound' }
        @{ Command = 'Restart-DkvStore -Name OrdersStore -FailFast'; ErrorId = 'NamedParameterNotFound' }
    )
    $script:BadNames = @(
        @{ Case = "-Name ''"; Parameters = @{ Name = '' }; Message = 'Store name is empty. Give the name of an existing store.' }
        @{ Case = "-InstanceName ''"; Parameters = @{ Name = 'OrdersStore'; InstanceName = '' }; Message = 'Instance name is empty. Give the name of an existing node.' }
        @{ Case = "-InstanceName orders-9"; Parameters = @{ Name = 'OrdersStore'; InstanceName = 'orders-9' }; Message = '*orders-9*' }
    )
}

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1", "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
    $null = Import-DkvTestModule

    function Split-Stream {
        # Output merged with warnings (3>&1) -> Rows, Warnings.
        param([AllowNull()][object[]]$Merged)
        [pscustomobject]@{
            Rows     = @($Merged | Where-Object { $null -ne $_ -and $_.PSObject.TypeNames -contains 'Clustron.Dkv.RestartResult' })
            Warnings = @($Merged | Where-Object { $_ -is [System.Management.Automation.WarningRecord] } | ForEach-Object Message)
        }
    }

    function Get-RowText {
        param([AllowNull()][object[]]$Rows)
        @($Rows | ForEach-Object { '{0} {1}' -f $_.Action, $_.Result })
    }

    function Get-NodePost {
        # The node stop and start requests the managers received, oldest first. A restart first sends each running
        # node a start, which answers 409 (AlreadyRunning) and changes nothing, to learn that the node can be started
        # again before stopping it; those are left out unless -WithProbes.
        param([Parameter(Mandatory)][psobject]$Manager, [switch]$WithProbes)
        $log = Get-DkvTestLog -Manager $Manager
        @($log | Where-Object {
                $_.method -eq 'POST' -and $_.path -match '/instances/[^/]+/(stop|start)$' -and
                ($WithProbes -or -not ($_.path.EndsWith('/start') -and $_.status -eq 409))
            })
    }

    function Get-NodeRequest {
        # "stop orders-1" / "start orders-1" for Get-NodePost's requests.
        param([Parameter(Mandatory)][psobject]$Manager, [switch]$WithProbes)
        @(Get-NodePost -Manager $Manager -WithProbes:$WithProbes |
                ForEach-Object { '{0} {1}' -f $_.path.Split('/')[-1], [Uri]::UnescapeDataString($_.path.Split('/')[-2]) })
    }

    function Assert-OnlyFirstNodeTouched {
        # orders-1 was stopped and started again (a start answered 409 InstanceStopping is sent again once the node
        # is Stopped); no other node got a request.
        param([Parameter(Mandatory)][psobject]$Manager)
        $requests = @(Get-NodeRequest -Manager $Manager)
        $requests[0] | Should -Be 'stop orders-1'
        $requests | Should -Contain 'start orders-1'
        @($requests | Where-Object { $_ -notmatch ' orders-1$' }) | Should -BeNullOrEmpty
    }

    function New-TenNodeLayout {
        # BigStore: big-1 .. big-10 over the three managers (.11, .12, .13, .11, ...), 30 partitions, 1 backup.
        $nodes = for ($i = 1; $i -le 10; $i++) {
            @{ name = "big-$i"; server = "127.0.0.1$(1 + ($i - 1) % 3)"; clustronPort = 7810 + $i; clientPort = 7860 + $i }
        }
        $layout = @{ stores = @(@{ name = 'BigStore'; partitions = 30; backups = 1; instances = @($nodes) }) }
        $file = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'dkv-ten-' + [Guid]::NewGuid().ToString('N') + '.json')
        [System.IO.File]::WriteAllText($file, ($layout | ConvertTo-Json -Depth 5))
        $file
    }
}

Describe 'Restart-DkvStore' -Tag Windows {
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
        It 'has -Name, -InstanceName (several), -Managers, -Port, -TimeoutSec and -NodeTimeoutSec, and no -Parallel, -FailFast, -ThrottleLimit or -Force' {
            $expected = [ordered]@{
                Name = 'String'; InstanceName = 'String[]'; Managers = 'String[]'; Port = 'Int32'; TimeoutSec = 'Int32'; NodeTimeoutSec = 'Int32'
            }
            Assert-DkvTestParameter -Command Restart-DkvStore -Expected $expected -Mandatory Name
            $command = Get-Command Restart-DkvStore
            foreach ($name in 'Parallel', 'FailFast', 'ThrottleLimit', 'Force') { $command.Parameters.ContainsKey($name) | Should -BeFalse -Because $name }
            $binding = $command.ScriptBlock.Attributes | Where-Object { $_ -is [System.Management.Automation.CmdletBindingAttribute] }
            $binding.SupportsShouldProcess | Should -BeTrue
            $binding.ConfirmImpact | Should -Be Medium
        }

        It 'defaults to port 7801 and 30 seconds' {
            Assert-DkvTestDefaultPortAndTimeout -Command Restart-DkvStore
        }

        It '<Command> is refused by parameter binding (<ErrorId>) before anything is sent' -ForEach $script:Refused {
            Connect-DkvTestSession $script:Manager
            $caught = Invoke-DkvTestRefused -Manager $script:Manager -Command $Command -ErrorIdPrefix $ErrorId -CommandName Restart-DkvStore
            if ($Command -match 'NodeTimeoutSec') { $caught.Exception.Message | Should -Match 'NodeTimeoutSec' }
        }

        It 'the bad name <Case> is one error saying what is wrong, and nothing is restarted' -ForEach $script:BadNames {
            Connect-DkvTestSession $script:Manager
            $output = @(Restart-DkvStore @Parameters -ErrorVariable failures -ErrorAction SilentlyContinue; 'went on')
            $output | Should -Be @('went on')
            $failures.Count | Should -Be 1
            $failures[0].Exception.Message | Should -BeLike $Message
            Get-NodeRequest -Manager $script:Manager | Should -BeNullOrEmpty
            Assert-DkvTestNothingHeld
        }
    }

    Context 'A rolling restart' {
        It 'restarts the demo store node by node: every row SUCCESS with its downtime, the store Active and safe after' {
            Connect-DkvTestSession $script:Manager
            $rows = @(Restart-DkvStore -Name OrdersStore -ErrorVariable failures)
            $failures.Count | Should -Be 0
            Get-RowText $rows | Should -Be @('RestartInstance:orders-1 SUCCESS', 'RestartInstance:orders-2 SUCCESS', 'RestartInstance:orders-3 SUCCESS')
            foreach ($row in $rows) {
                $row.PSObject.TypeNames | Should -Contain 'Clustron.Dkv.RestartResult'
                $row.Downtime | Should -BeOfType [TimeSpan]
                $row.Downtime | Should -BeGreaterThan ([TimeSpan]::Zero)
                $row.Message | Should -Match '^Running; down \d+\.\d\d s$'
            }
            Get-NodeRequest -Manager $script:Manager |
                Should -Be @('stop orders-1', 'start orders-1', 'stop orders-2', 'start orders-2', 'stop orders-3', 'start orders-3')
            # Each node is asked whether it can be started again (409 AlreadyRunning) before its stop.
            Get-NodeRequest -Manager $script:Manager -WithProbes | Select-Object -First 3 | Should -Be @('start orders-1', 'stop orders-1', 'start orders-1')
            $store = Get-DkvStore -Name OrdersStore
            $store.State | Should -Be Active
            $store.Safe | Should -BeTrue
            (Get-DkvTestAccounting $script:Manager).lost | Should -Be 0
            Assert-DkvTestNothingHeld
        }

        It 'does not stop a node while another one is already down: RestartFailed names it, nothing is stopped' {
            # orders-3 crashed (or someone stopped it) before the roll: stopping orders-1 would make two down.
            Connect-DkvTestSession $script:Manager
            $null = Stop-DkvStore -Name OrdersStore -InstanceName orders-3 -Force
            Clear-DkvTestLog $script:Manager
            $rows = @(Restart-DkvStore -Name OrdersStore -ErrorVariable failures -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
            Get-RowText $rows | Should -Be @('RestartInstance:orders-1 FAILED', 'RestartInstance:orders-2 SKIPPED', 'RestartInstance:orders-3 SKIPPED')
            $rows[0].Message | Should -BeLike 'not restarted: orders-3 is Stopped (on 127.0.0.13), so stopping orders-1 now would take two nodes down;*the node was not stopped'
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'RestartFailed,Restart-DkvStore'
            $failures[0].TargetObject | Should -Be 'orders-1'
            Get-NodeRequest -Manager $script:Manager | Should -BeNullOrEmpty
            (Get-DkvTestAccounting $script:Manager).maxDown | Should -Be 1
            Get-DkvTestStatus $script:Manager -Instance orders-1 | Should -Be Running
            Assert-DkvTestNothingHeld
        }

        It 'restarts ten nodes with never two down and nothing lost' -Tag OwnManager {
            $layout = New-TenNodeLayout
            $ten = Start-DkvTestManager -Layout $layout
            try {
                $rows = @(Restart-DkvStore -Name BigStore -Managers (Get-DkvTestAddressList $ten) -TimeoutSec 300 -ErrorVariable failures)
                $failures.Count | Should -Be 0
                Get-RowText $rows | Should -Be @(1..10 | ForEach-Object { "RestartInstance:big-$_ SUCCESS" })
                foreach ($row in $rows) { $row.Downtime | Should -BeGreaterThan ([TimeSpan]::Zero) -Because $row.Instance }
                $accounting = Get-DkvTestAccounting -Manager $ten -Store BigStore
                $accounting.maxDown | Should -Be 1 -Because 'never two nodes down at once'
                $accounting.lost | Should -Be 0
                # From the request log: each node's stop comes after the previous node's start, one node at a time.
                Get-NodeRequest -Manager $ten | Should -Be @(1..10 | ForEach-Object { "stop big-$_"; "start big-$_" })
                $posts = @(Get-NodePost -Manager $ten)
                for ($i = 2; $i -lt $posts.Count; $i += 2) {
                    $posts[$i].startMs | Should -BeGreaterOrEqual $posts[$i - 1].endMs -Because "$($posts[$i].path) comes after the previous start"
                }
                @((Get-DkvTestInstance -Manager $ten -Store BigStore).instances | Where-Object status -NE Running).Count | Should -Be 0
                Assert-DkvTestNothingHeld
            }
            finally {
                Stop-DkvTestManager $ten
                Remove-Item -LiteralPath $layout -ErrorAction SilentlyContinue
            }
        }

        It 'a re-run is safe: it restarts every node again and loses nothing' {
            Connect-DkvTestSession $script:Manager
            $null = Restart-DkvStore -Name OrdersStore
            $rows = @(Restart-DkvStore -Name OrdersStore -ErrorVariable failures)
            $failures.Count | Should -Be 0
            @($rows | Where-Object Result -NE SUCCESS).Count | Should -Be 0
            $accounting = Get-DkvTestAccounting $script:Manager
            ($accounting.lost, $accounting.maxDown) | Should -Be @(0, 1)
        }

        It '-InstanceName restarts only the named nodes, in the store''s order; node objects piped are one restart' {
            Connect-DkvTestSession $script:Manager
            $rows = @(Restart-DkvStore -Name OrdersStore -InstanceName orders-3, orders-1)
            Get-RowText $rows | Should -Be @('RestartInstance:orders-1 SUCCESS', 'RestartInstance:orders-3 SUCCESS')
            Clear-DkvTestLog $script:Manager
            $piped = @((Get-DkvStore OrdersStore).Instances | Where-Object InstanceName -NE orders-1 | Restart-DkvStore)
            Get-RowText $piped | Should -Be @('RestartInstance:orders-2 SUCCESS', 'RestartInstance:orders-3 SUCCESS')
            Get-NodeRequest -Manager $script:Manager | Should -Be @('stop orders-2', 'start orders-2', 'stop orders-3', 'start orders-3')
        }

        It 'reports progress with the library''s phase as status and the share of nodes done' {
            $runspace = New-DkvTestRunspace -Manager $script:Manager
            try {
                $run = Invoke-DkvTestRunspace -Runspace $runspace -Script 'Restart-DkvStore -Name OrdersStore'
                $run.Errors.Count | Should -Be 0
                $statuses = @($run.Progress | Where-Object RecordType -EQ Processing | ForEach-Object StatusDescription)
                $statuses | Where-Object { $_ -match '^Restarting orders-2 \(2 of 3\): ' } | Should -Not -BeNullOrEmpty
                @($run.Progress | Where-Object RecordType -EQ Processing | ForEach-Object PercentComplete) | Should -Contain 33
                $run.Progress[-1].RecordType | Should -Be Completed
            }
            finally { $runspace.Dispose() }
        }
    }

    Context 'Stopping at the first failure' {
        It 'a manager that fails: FAILED at that node, later nodes SKIPPED, one RestartFailed error saying how to go on' {
            Connect-DkvTestSession $script:Manager
            Set-DkvTestFault -Manager $script:Manager -HostName 127.0.0.12 -Fault 500
            $out = Split-Stream @(Restart-DkvStore -Name OrdersStore -ErrorVariable failures -ErrorAction SilentlyContinue 3>&1)
            Get-RowText $out.Rows | Should -Be @('RestartInstance:orders-1 SUCCESS', 'RestartInstance:orders-2 FAILED', 'RestartInstance:orders-3 SKIPPED')
            $out.Rows[2].Message | Should -Be 'not restarted: the rolling restart stopped at orders-2'
            $out.Rows[2].Downtime | Should -BeNullOrEmpty
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'RestartFailed,Restart-DkvStore'
            $failures[0].TargetObject | Should -Be 'orders-2'
            $failures[0].ErrorDetails.RecommendedAction | Should -Match 'Restart-DkvStore -Name OrdersStore -InstanceName (orders-2,)?orders-3$'
            @($out.Warnings | Where-Object { $_ -match "rolling restart of store 'OrdersStore' stopped at orders-2" }).Count | Should -Be 1
            Get-NodeRequest -Manager $script:Manager | Should -Not -Contain 'stop orders-3'
            (Get-DkvTestAccounting $script:Manager).maxDown | Should -BeLessOrEqual 1
            Assert-DkvTestNothingHeld
        }

        It 'a manager without the start endpoint: the first node FAILED saying so and not stopped, the rest not restarted' -Tag OwnManager {
            $bare = Start-DkvTestManager -ArgumentList '--no-start-endpoint'
            try {
                $out = Split-Stream @(Restart-DkvStore -Name OrdersStore -Managers (Get-DkvTestAddressList $bare) -ErrorVariable failures -ErrorAction SilentlyContinue 3>&1)
                Get-RowText $out.Rows | Should -Be @('RestartInstance:orders-1 FAILED', 'RestartInstance:orders-2 SKIPPED', 'RestartInstance:orders-3 SKIPPED')
                $out.Rows[0].Message | Should -Match 'no start endpoint'
                $out.Rows[0].Message | Should -Match 'the node was not stopped'
                $failures.Count | Should -Be 1
                $failures[0].ErrorDetails.RecommendedAction |
                    Should -Be 'Once the cause is fixed, run: Restart-DkvStore -Name OrdersStore -InstanceName orders-1,orders-2,orders-3'
                @(Get-NodeRequest -Manager $bare -WithProbes | Where-Object { $_ -like 'stop *' }) | Should -BeNullOrEmpty
                Get-DkvTestStatusText -Manager $bare | Should -Be @('orders-1 Running', 'orders-2 Running', 'orders-3 Running')

                # Node objects piped are ONE rolling restart: it stops at the first of them that fails.
                Reset-DkvTestManager $bare
                $nodes = (Get-DkvStore OrdersStore -Managers (Get-DkvTestAddressList $bare)).Instances | Where-Object InstanceName -NE orders-1
                $out = Split-Stream @($nodes | Restart-DkvStore -Managers (Get-DkvTestAddressList $bare) -ErrorVariable failures -ErrorAction SilentlyContinue 3>&1)
                Get-RowText $out.Rows | Should -Be @('RestartInstance:orders-2 FAILED', 'RestartInstance:orders-3 SKIPPED')
                $out.Rows[1].Message | Should -Be 'not restarted: the rolling restart stopped at orders-2'
                Get-NodeRequest -Manager $bare | Should -Not -Contain 'stop orders-3'
            }
            finally { Stop-DkvTestManager $bare }
        }

        It '-NodeTimeoutSec: a node over its limit is TIMEOUT, started again, and the restart stops there' -Tag OwnManager {
            $slow = Start-DkvTestManager -ArgumentList '--stop-delay-ms', '2500'
            try {
                $out = Split-Stream @(Restart-DkvStore -Name OrdersStore -Managers (Get-DkvTestAddressList $slow) -NodeTimeoutSec 1 -ErrorVariable failures -ErrorAction SilentlyContinue 3>&1)
                Get-RowText $out.Rows | Should -Be @('RestartInstance:orders-1 TIMEOUT', 'RestartInstance:orders-2 SKIPPED', 'RestartInstance:orders-3 SKIPPED')
                $out.Rows[0].Message | Should -Match 'started again'
                $failures.Count | Should -Be 1
                $failures[0].FullyQualifiedErrorId | Should -Be 'RestartTimedOut,Restart-DkvStore'
                $failures[0].ErrorDetails.RecommendedAction | Should -Match 'Restart-DkvStore -Name OrdersStore -InstanceName orders-1,orders-2,orders-3$'
                Wait-DkvTestCondition { (Get-DkvTestStatus $slow -Instance orders-1) -eq 'Running' } 'orders-1 is Running again'
                Assert-OnlyFirstNodeTouched -Manager $slow
                (Get-DkvTestAccounting $slow).lost | Should -Be 0
            }
            finally { Stop-DkvTestManager $slow }
        }
    }

    Context 'PowerShell.Stop() while a stop request is on its way' {
        It 'the node is brought back and reported, nothing else is restarted, everything is freed' {
            # The shared manager (so this runs in the Windows pass too): orders-1's manager answers 1.5 s late, so
            # the pipeline is stopped while orders-1's stop request is in flight.
            Set-DkvTestFault -Manager $script:Manager -HostName 127.0.0.11 -Fault latency:1500
            $runspace = New-DkvTestRunspace -Manager $script:Manager
            try {
                $pipeline = Start-DkvTestPipeline -Runspace $runspace -Script 'Restart-DkvStore -Name OrdersStore -TimeoutSec 60'
                try {
                    Wait-DkvTestCondition {
                        $log = Get-DkvTestLog -Manager $script:Manager
                        @($log | Where-Object { $_.method -eq 'POST' -and $_.path.EndsWith('/orders-1/stop') }).Count -gt 0
                    } 'orders-1''s stop request arrived'
                    $pipeline.PowerShell.Stop()
                    $pipeline.Pending.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(15)) | Should -BeTrue -Because 'the recovery is bounded'
                    $pipeline.PowerShell.InvocationStateInfo.State | Should -Be Stopped
                }
                finally { $pipeline.PowerShell.Dispose() }
                $report = Invoke-DkvTestRunspace -Runspace $runspace -Script '& (Get-Module Clustron.Dkv) { $script:DkvLastInterruptReport }'
                "$($report.Output)" | Should -Match 'orders-1 was started again'
                Get-DkvTestRunspaceLive $runspace | Should -Be '0/0'
            }
            finally { $runspace.Dispose() }
            Set-DkvTestFault -Manager $script:Manager -HostName 127.0.0.11 -Fault none
            Wait-DkvTestCondition { (Get-DkvTestStatus $script:Manager -Instance orders-1) -eq 'Running' } 'orders-1 is Running again'
            Assert-OnlyFirstNodeTouched -Manager $script:Manager
            (Get-DkvTestAccounting $script:Manager).lost | Should -Be 0
        }
    }

    Context '-WhatIf' {
        It 'lists each node with its manager and sends nothing but discovery' {
            Connect-DkvTestSession $script:Manager
            $file = [System.IO.Path]::Combine($TestDrive, 'transcript-' + [Guid]::NewGuid().ToString('N') + '.txt')
            $null = Start-Transcript -Path $file -UseMinimalHeader
            try { $output = @(Restart-DkvStore -Name OrdersStore -WhatIf) }
            finally { $null = Stop-Transcript }
            $output.Count | Should -Be 0
            $text = [System.IO.File]::ReadAllText($file)
            foreach ($i in 1..3) {
                $text | Should -Match ('What if: Performing the operation "Restart node" on target "node orders-{0} of store OrdersStore on manager 127\.0\.0\.1{0}:\d+"' -f $i)
            }
            @((Get-DkvTestLog $script:Manager) | Where-Object method -NE GET).Count | Should -Be 0
        }
    }

    Context 'Ctrl+C in the middle' -Tag OwnManager {
        BeforeAll {
            # Slow graceful stops, so the pipeline can be stopped while orders-1 is being restarted.
            $script:Slow = Start-DkvTestManager -ArgumentList '--stop-delay-ms', '2000'
        }

        AfterAll {
            Stop-DkvTestManager $script:Slow
        }

        BeforeEach {
            Reset-DkvTestManager $script:Slow
        }

        It 'PowerShell.Stop() brings the node being restarted back, restarts nothing else and frees everything' {
            $runspace = New-DkvTestRunspace -Manager $script:Slow
            try {
                $pipeline = Start-DkvTestPipeline -Runspace $runspace -Script 'Restart-DkvStore -Name OrdersStore -TimeoutSec 60'
                try {
                    Wait-DkvTestCondition { (Get-DkvTestStatus $script:Slow -Instance orders-1) -eq 'Stopping' } 'orders-1 is Stopping'
                    $pipeline.PowerShell.Stop()
                    $pipeline.Pending.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(15)) | Should -BeTrue -Because 'the recovery is bounded'
                    $pipeline.PowerShell.InvocationStateInfo.State | Should -Be Stopped
                }
                finally { $pipeline.PowerShell.Dispose() }
                (Get-DkvTestStatus $script:Slow -Instance orders-1) | Should -BeIn @('Starting', 'Running')
                $report = Invoke-DkvTestRunspace -Runspace $runspace -Script '& (Get-Module Clustron.Dkv) { $script:DkvLastInterruptReport }'
                $report.Output[0] | Should -Match '^orders-1 was started again'
                $report.Output[1] | Should -Be ("The rolling restart of store 'OrdersStore' was interrupted. Restarted: none. " +
                    'Not restarted: orders-2, orders-3 (Restart-DkvStore -Name OrdersStore -InstanceName orders-2,orders-3).')
                Get-DkvTestRunspaceLive $runspace | Should -Be '0/0'
            }
            finally { $runspace.Dispose() }
            Assert-OnlyFirstNodeTouched -Manager $script:Slow
            (Get-DkvTestAccounting $script:Slow).lost | Should -Be 0
        }

        It 'a node no targeted manager runs is not among the nodes the report says to restart' {
            # orders-3's server is not targeted: its row is SKIPPED "not restarted: server ...", and restarting it
            # with the same managers would skip it again.
            $two = (Get-DkvTestAddressList -Manager $script:Slow -Count 2) -join ','
            $runspace = New-DkvTestRunspace -Manager $script:Slow
            try {
                $pipeline = Start-DkvTestPipeline -Runspace $runspace -Script "Restart-DkvStore -Name OrdersStore -TimeoutSec 60 -Managers $two"
                try {
                    Wait-DkvTestCondition { (Get-DkvTestStatus $script:Slow -Instance orders-1) -eq 'Stopping' } 'orders-1 is Stopping'
                    $pipeline.PowerShell.Stop()
                    $pipeline.Pending.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(15)) | Should -BeTrue -Because 'the recovery is bounded'
                }
                finally { $pipeline.PowerShell.Dispose() }
                $report = Invoke-DkvTestRunspace -Runspace $runspace -Script '& (Get-Module Clustron.Dkv) { $script:DkvLastInterruptReport }'
                $report.Output[0] | Should -Match '^orders-1 was started again'
                $report.Output[1] | Should -Be ("The rolling restart of store 'OrdersStore' was interrupted. Restarted: none. " +
                    'Not restarted: orders-2 (Restart-DkvStore -Name OrdersStore -InstanceName orders-2).')
            }
            finally { $runspace.Dispose() }
            Wait-DkvTestCondition { (Get-DkvTestStatus $script:Slow -Instance orders-1) -eq 'Running' } 'orders-1 is Running again'
        }

        It 'typed into a console: the console says the node was started again, and the prompt comes back' -Tag Terminal {
            $terminal = Start-DkvTestTerminal -Manager $script:Slow
            try {
                $at = $terminal.Prompt
                Send-DkvTestTerminal -Terminal $terminal -Text 'Restart-DkvStore -Name OrdersStore -TimeoutSec 60'
                Wait-DkvTestCondition { (Get-DkvTestStatus $script:Slow -Instance orders-1) -eq 'Stopping' } 'orders-1 is Stopping'
                Send-DkvTestTerminal -Terminal $terminal -Key C-c
                $terminal.Prompt = $at + 1
                $screen = Wait-DkvTestTerminal -Terminal $terminal -TimeoutSec 20
                $text = Get-DkvTestTerminalSection -Screen $screen -From $at -To ($at + 1)
                $text | Should -Match 'WARNING: orders-1 was started again'
                $live = Invoke-DkvTestTerminal -Terminal $terminal -Command '$l = & (Get-Module Clustron.Dkv) { $script:DkvLive }; "LIVE {0}/{1}" -f $l.Allocations, $l.Operations'
                $live | Should -Match 'LIVE 0/0'
            }
            finally { Stop-DkvTestTerminal $terminal }
            Assert-OnlyFirstNodeTouched -Manager $script:Slow
        }
    }

    Context 'Help' {
        It 'has a synopsis, examples and a description of every parameter' {
            $help = Get-Help Restart-DkvStore -Full
            $help.Synopsis | Should -Match 'rolling restart'
            @($help.Examples.Example).Count | Should -BeGreaterOrEqual 4
            foreach ($name in 'Name', 'InstanceName', 'Managers', 'Port', 'TimeoutSec', 'NodeTimeoutSec') {
                $parameter = $help.Parameters.Parameter | Where-Object Name -EQ $name
                "$($parameter.Description.Text)" | Should -Not -BeNullOrEmpty -Because $name
            }
        }
    }
}
