# Ctrl+C. In a console it stops the running pipeline (PowerShell.Stop()); the module waits on the native operation in
# 100 ms turns and cancels it in a finally block, so the stop ends promptly, the rows written so far stay, nothing is
# sent afterwards, no native memory or operation handle is left (Get-DkvLive 0/0) and a graceful stop under way is
# never turned into a forced one. Ported from the xUnit CancelTests and SlowStopCancelTests (PowerShell.Stop() on a
# hosted engine): here PowerShell.Stop() on a runspace of this pwsh, and Ctrl+C typed into an interactive pwsh in tmux.
#
# Deadlines (behaviour, not speed): PowerShell.Stop() returns within 0.5 s + 0.25 s of slack for a loaded two-core
# machine; at a console the prompt is back within 1.5 s of Ctrl+C (that, plus the console host printing the prompt
# and tmux being polled). A wait that ignored the stop would take the whole -TimeoutSec (30 s) against a hanging
# manager, or the whole migration (many seconds) of a graceful stop.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1", "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
    $script:Manager = Start-DkvTestManager
    $null = Import-DkvTestModule

    $script:StopDeadline = [TimeSpan]::FromSeconds(0.75)
    $script:PromptDeadline = [TimeSpan]::FromSeconds(1.5)

    function Get-DkvRow {
        # "instance RESULT" of the StopResult rows, sorted.
        param([AllowNull()][object[]]$Output)
        @($Output | Where-Object { $null -ne $_ -and $_.PSObject.TypeNames -contains 'Clustron.Dkv.StopResult' } |
                ForEach-Object { "$($_.Instance) $($_.Result)" } | Sort-Object)
    }

    function Assert-DkvNothingSentAfter {
        # No request reaches the manager after the command returned at -ReturnedAt (Get-DkvTestNow; the pipeline's
        # ReturnedAt, or Get-DkvTestPromptTime at a console), watched for 1.5 s from then: longer than the library's
        # longest pause between polls (1 s), so a stop, a poll or a retry still going on after Ctrl+C would show.
        # Each request's arrival is compared with that moment (Get-DkvTestLateRequest): a snapshot of the log taken
        # after Dispose and a round trip missed a request sent in between. Without -ReturnedAt: from now (weaker).
        param([Parameter(Mandatory)][psobject]$Manager, [long]$ReturnedAt = 0)
        if ($ReturnedAt -eq 0) { $ReturnedAt = Get-DkvTestNow }
        Get-DkvTestLateRequest -Manager $Manager -ReturnedAt $ReturnedAt | Should -BeNullOrEmpty -Because 'nothing is sent after the command returned'
    }

    function Get-DkvTerminalLive {
        param([Parameter(Mandatory)][psobject]$Terminal)
        $text = Invoke-DkvTestTerminal -Terminal $Terminal -Command '$l = & (Get-Module Clustron.Dkv) { $script:DkvLive }; "LIVE {0}/{1}" -f $l.Allocations, $l.Operations'
        if ($text -match 'LIVE (\d+/\d+)') { return $Matches[1] }
        $text
    }

    function Wait-DkvCommandOutput {
        # Waits until the command typed at prompt -At has printed something matching -Pattern.
        param([Parameter(Mandatory)][psobject]$Terminal, [Parameter(Mandatory)][int]$At, [Parameter(Mandatory)][string]$Pattern)
        Wait-DkvTestCondition {
            (Get-DkvTestTerminalSection -Screen (Read-DkvTestTerminal -Terminal $Terminal) -From $At -To ($At + 1)) -match $Pattern
        } "the console shows /$Pattern/" -TimeoutSec 10
    }

    function Send-DkvCtrlC {
        # Types Ctrl+C into the terminal; returns how long until the next prompt was shown, and the screen section of
        # the interrupted command.
        param([Parameter(Mandatory)][psobject]$Terminal, [Parameter(Mandatory)][int]$At)
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        Send-DkvTestTerminal -Terminal $Terminal -Key C-c
        $Terminal.Prompt = $At + 1
        $screen = Wait-DkvTestTerminal -Terminal $Terminal -TimeoutSec 30
        $took = $watch.Elapsed
        Write-Verbose "the prompt was back $([int]$took.TotalMilliseconds) ms after Ctrl+C"
        [pscustomobject]@{ Took = $took; Text = (Get-DkvTestTerminalSection -Screen $screen -From $At -To ($At + 1)) }
    }
}

AfterAll {
    Stop-DkvTestManager $script:Manager
}

Describe 'PowerShell.Stop() in process' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
        $script:Runspace = New-DkvTestRunspace -Manager $script:Manager
    }

    AfterEach {
        $script:Runspace.Dispose()
    }

    It 'during a request to a hanging manager ends within the deadline, keeping the rows so far' {
        Set-DkvTestFault $script:Manager -HostName 127.0.0.13 -Fault hang
        $pipeline = Start-DkvTestPipeline -Runspace $script:Runspace -Script 'Stop-DkvStore -Name OrdersStore'
        try {
            Wait-DkvTestCondition { $pipeline.Output.Count -ge 2 } 'orders-1 and orders-2 are reported'
            Wait-DkvTestCondition { @((Get-DkvTestLog $script:Manager -Stops) | Where-Object manager -EQ 127.0.0.13).Count -gt 0 } 'the stop of orders-3 is in flight'
            $took = Stop-DkvTestPipeline -Pipeline $pipeline
            # 127.0.0.13 answers again: a stop of orders-3 sent from now on would apply (the hanging one never does).
            Set-DkvTestFault $script:Manager -HostName 127.0.0.13 -Fault none
            $took | Should -BeLessThan $script:StopDeadline
            Get-DkvRow $pipeline.Output | Should -Be @('orders-1 SUCCESS', 'orders-2 SUCCESS')
        }
        finally { $pipeline.PowerShell.Dispose() }
        Get-DkvTestRunspaceLive $script:Runspace | Should -Be '0/0'
        Assert-DkvNothingSentAfter -Manager $script:Manager -ReturnedAt $pipeline.ReturnedAt
        Get-DkvTestStatus $script:Manager -Instance orders-3 | Should -Be Running
        # The runspace is usable again at once.
        $next = Invoke-DkvTestRunspace -Runspace $script:Runspace -Script 'Stop-DkvStore -Name CartStore'
        $next.Errors | Should -BeNullOrEmpty
        Get-DkvRow $next.Output | Should -Be @('cart-1 SUCCESS', 'cart-2 SUCCESS')
    }

    It 'Start-DkvStore during a request to a hanging manager ends within the deadline, keeping the rows so far' {
        # The start runs the stop's wait loop; this proves the loop honours Stop() for it too.
        $null = Invoke-DkvTestRunspace -Runspace $script:Runspace -Script 'Stop-DkvStore -Name OrdersStore'
        Set-DkvTestFault $script:Manager -HostName 127.0.0.13 -Fault hang
        Clear-DkvTestLog $script:Manager
        $pipeline = Start-DkvTestPipeline -Runspace $script:Runspace -Script 'Start-DkvStore -Name OrdersStore'
        try {
            Wait-DkvTestCondition { $pipeline.Output.Count -ge 2 } 'orders-1 and orders-2 are reported'
            Wait-DkvTestCondition {
                $log = Get-DkvTestLog $script:Manager
                @($log | Where-Object { $_.manager -eq '127.0.0.13' -and $_.method -eq 'POST' -and $_.path -like '*/start' }).Count -gt 0
            } 'the start of orders-3 is in flight'
            $took = Stop-DkvTestPipeline -Pipeline $pipeline
            # A start of orders-3 (or the store made Active) sent from now on would apply.
            Set-DkvTestFault $script:Manager -HostName 127.0.0.13 -Fault none
            $took | Should -BeLessThan $script:StopDeadline
            @($pipeline.Output | Where-Object { $null -ne $_ -and $_.PSObject.TypeNames -contains 'Clustron.Dkv.StartResult' } |
                    ForEach-Object { "$($_.Instance) $($_.Result)" } | Sort-Object) | Should -Be @('orders-1 SUCCESS', 'orders-2 SUCCESS')
        }
        finally { $pipeline.PowerShell.Dispose() }
        Get-DkvTestRunspaceLive $script:Runspace | Should -Be '0/0'
        Assert-DkvNothingSentAfter -Manager $script:Manager -ReturnedAt $pipeline.ReturnedAt
        Get-DkvTestStatus $script:Manager -Instance orders-3 | Should -Be Stopped
        $log = Get-DkvTestLog $script:Manager
        @($log | Where-Object { $_.method -eq 'PUT' }).Count | Should -Be 0 -Because 'a cancelled start never makes the store Active'
        (Get-DkvTestInstance $script:Manager).state | Should -Be Passive
    }

    It 'during discovery against a hanging manager ends within the deadline and sends no stop' {
        Set-DkvTestFault $script:Manager -HostName 127.0.0.11 -Fault hang
        $pipeline = Start-DkvTestPipeline -Runspace $script:Runspace -Script 'Stop-DkvStore -Name OrdersStore'
        try {
            Wait-DkvTestCondition { @((Get-DkvTestLog $script:Manager) | Where-Object { $_.method -eq 'GET' -and $_.status -eq 0 }).Count -gt 0 } 'discovery is in flight'
            [System.Threading.Thread]::Sleep(300)
            $took = Stop-DkvTestPipeline -Pipeline $pipeline
            # 127.0.0.11 answers again: a discovery or a stop sent from now on would go through.
            Set-DkvTestFault $script:Manager -HostName 127.0.0.11 -Fault none
            $took | Should -BeLessThan $script:StopDeadline
            Get-DkvRow $pipeline.Output | Should -BeNullOrEmpty
        }
        finally { $pipeline.PowerShell.Dispose() }
        Get-DkvTestRunspaceLive $script:Runspace | Should -Be '0/0'
        Assert-DkvNothingSentAfter -Manager $script:Manager -ReturnedAt $pipeline.ReturnedAt
        (Get-DkvTestLog $script:Manager) | Where-Object method -NE GET | Should -BeNullOrEmpty
        (Get-DkvTestInstance $script:Manager).instances | ForEach-Object { $_.status | Should -Be Running }
    }

    It 'between turns of a parallel stop ends within the deadline' {
        foreach ($hostName in $script:Manager.Hosts) { Set-DkvTestFault $script:Manager -HostName $hostName -Fault latency:3000 }
        $managers = (Get-DkvTestAddressList $script:Manager) -join "','"
        $pipeline = Start-DkvTestPipeline -Runspace $script:Runspace -Script "Stop-DkvStore -Name OrdersStore -Parallel -Managers '$managers'"
        try {
            Wait-DkvTestCondition { (Get-DkvTestLog $script:Manager).Count -gt 0 } 'the first request is in flight'
            [System.Threading.Thread]::Sleep(300)
            $took = Stop-DkvTestPipeline -Pipeline $pipeline
            $took | Should -BeLessThan $script:StopDeadline
        }
        finally { $pipeline.PowerShell.Dispose() }
        Get-DkvTestRunspaceLive $script:Runspace | Should -Be '0/0'
    }
}

Describe 'Ctrl+C typed into a pwsh console' -Tag Terminal {
    BeforeAll {
        $script:Terminal = Start-DkvTestTerminal -Manager $script:Manager
    }

    AfterAll {
        Stop-DkvTestTerminal $script:Terminal
    }

    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
    }

    It 'during a stop of a node whose manager hangs: the prompt is back within the deadline, the rows so far printed' {
        # The table flows once a row comes more than 0.3 s after the first (orders-2's manager answers 1 s late):
        # pwsh's formatter holds the first rows to size the columns, and rows still held at Ctrl+C are never shown.
        Set-DkvTestFault $script:Manager -HostName 127.0.0.12 -Fault latency:1000
        Set-DkvTestFault $script:Manager -HostName 127.0.0.13 -Fault hang
        $at = $script:Terminal.Prompt
        Send-DkvTestTerminal -Terminal $script:Terminal -Text 'Stop-DkvStore -Name OrdersStore'
        Wait-DkvTestCondition { @((Get-DkvTestLog $script:Manager -Stops) | Where-Object manager -EQ 127.0.0.13).Count -gt 0 } 'the stop of orders-3 is in flight'
        Wait-DkvCommandOutput -Terminal $script:Terminal -At $at -Pattern 'StopInstance:orders-2'
        $interrupted = Send-DkvCtrlC -Terminal $script:Terminal -At $at
        # 127.0.0.13 answers again: a stop of orders-3 sent from now on would apply (the hanging one never does).
        Set-DkvTestFault $script:Manager -HostName 127.0.0.13 -Fault none
        $interrupted.Took | Should -BeLessThan $script:PromptDeadline
        $interrupted.Text | Should -Match '(?m)^127\.0\.0\.11:\d+ StopInstance:orders-1 SUCCESS   Stopped$'
        $interrupted.Text | Should -Match '(?m)^127\.0\.0\.12:\d+ StopInstance:orders-2 SUCCESS   Stopped$'
        $interrupted.Text | Should -Not -Match 'StopInstance:orders-3'
        # The store was made Passive first: the console says it stays so, and what was stopped.
        $interrupted.Text | Should -Match "WARNING: Store 'OrdersStore' stays Passive"
        ($interrupted.Text -replace '\s+', ' ') | Should -Match 'Stopped: orders-1, orders-2\. Not stopped, or still stopping: orders-3\.'
        $interrupted.Text | Should -Not -Match 'Exception'
        Get-DkvTerminalLive $script:Terminal | Should -Be '0/0'
        Assert-DkvNothingSentAfter -Manager $script:Manager -ReturnedAt (Get-DkvTestPromptTime -Terminal $script:Terminal -Prompt ($at + 1))
        Get-DkvTestStatus $script:Manager -Instance orders-3 | Should -Be Running
    }

    It 'during discovery against a hanging manager: the prompt is back within the deadline and no stop was sent' {
        Set-DkvTestFault $script:Manager -HostName 127.0.0.11 -Fault hang
        $at = $script:Terminal.Prompt
        Send-DkvTestTerminal -Terminal $script:Terminal -Text 'Stop-DkvStore -Name OrdersStore'
        Wait-DkvTestCondition { @((Get-DkvTestLog $script:Manager) | Where-Object { $_.method -eq 'GET' -and $_.status -eq 0 }).Count -gt 0 } 'discovery is in flight'
        [System.Threading.Thread]::Sleep(300)
        $interrupted = Send-DkvCtrlC -Terminal $script:Terminal -At $at
        # 127.0.0.11 answers again: a discovery or a stop sent from now on would go through.
        Set-DkvTestFault $script:Manager -HostName 127.0.0.11 -Fault none
        $interrupted.Took | Should -BeLessThan $script:PromptDeadline
        $interrupted.Text | Should -Not -Match 'StopInstance:'
        $interrupted.Text | Should -Not -Match 'Exception'
        Get-DkvTerminalLive $script:Terminal | Should -Be '0/0'
        Assert-DkvNothingSentAfter -Manager $script:Manager -ReturnedAt (Get-DkvTestPromptTime -Terminal $script:Terminal -Prompt ($at + 1))
        (Get-DkvTestLog $script:Manager) | Where-Object method -NE GET | Should -BeNullOrEmpty
        (Get-DkvTestInstance $script:Manager).instances | ForEach-Object { $_.status | Should -Be Running }
    }
}

Describe 'Ctrl+C during a long graceful stop' -Tag OwnManager {
    # Each partition migration takes 1 s on this manager, so a graceful stop of one node of an Active store takes
    # many seconds. CartStore as a whole is made passive first (no migrations, done at once), then orders-1 alone.
    BeforeAll {
        $script:SlowManager = Start-DkvTestManager -ArgumentList '--migration-ms', '1000'
        $script:Script = "[pscustomobject]@{ Name = 'CartStore' }, [pscustomobject]@{ Name = 'OrdersStore'; InstanceName = 'orders-1' } | Stop-DkvStore"
    }

    AfterAll {
        Stop-DkvTestManager $script:SlowManager
    }

    BeforeEach {
        Reset-DkvTestManager $script:SlowManager
        Disconnect-DkvManager
    }

    It 'PowerShell.Stop() ends within the deadline, keeps the rows so far and never forces' {
        $runspace = New-DkvTestRunspace -Manager $script:SlowManager
        try {
            $pipeline = Start-DkvTestPipeline -Runspace $runspace -Script $script:Script
            try {
                Wait-DkvTestCondition { $pipeline.Output.Count -ge 2 } "CartStore's two nodes are reported"
                Wait-DkvTestCondition { (Get-DkvTestStatus $script:SlowManager -Instance orders-1) -eq 'Stopping' } 'orders-1 is Stopping'
                [System.Threading.Thread]::Sleep(300)
                $took = Stop-DkvTestPipeline -Pipeline $pipeline
                $took | Should -BeLessThan $script:StopDeadline
                Get-DkvRow $pipeline.Output | Should -Be @('cart-1 SUCCESS', 'cart-2 SUCCESS')
            }
            finally { $pipeline.PowerShell.Dispose() }
            Get-DkvTestRunspaceLive $runspace | Should -Be '0/0'
        }
        finally { $runspace.Dispose() }
        Assert-DkvNothingSentAfter -Manager $script:SlowManager -ReturnedAt $pipeline.ReturnedAt
        # Left to the manager's own graceful stop: still migrating, no force sent, nothing lost.
        Get-DkvTestStatus $script:SlowManager -Instance orders-1 | Should -Be Stopping
        (Get-DkvTestLog $script:SlowManager) | Where-Object { $_.query -match 'force' } | Should -BeNullOrEmpty
        (Get-DkvTestAccounting $script:SlowManager).lost | Should -Be 0
    }

    It 'typed into a console: the prompt is back within the deadline, the rows so far printed, never forced' -Tag Terminal {
        # cart-2's manager answers 1 s late so the table flows before orders-1's long stop.
        Set-DkvTestFault $script:SlowManager -HostName 127.0.0.12 -Fault latency:1000
        $terminal = Start-DkvTestTerminal -Manager $script:SlowManager
        try {
            $at = $terminal.Prompt
            Send-DkvTestTerminal -Terminal $terminal -Text $script:Script
            Wait-DkvTestCondition { (Get-DkvTestStatus $script:SlowManager -Instance orders-1) -eq 'Stopping' } 'orders-1 is Stopping'
            Wait-DkvCommandOutput -Terminal $terminal -At $at -Pattern 'StopInstance:cart-2'
            [System.Threading.Thread]::Sleep(300)
            $interrupted = Send-DkvCtrlC -Terminal $terminal -At $at
            $returnedAt = Get-DkvTestPromptTime -Terminal $terminal -Prompt ($at + 1)
            $interrupted.Took | Should -BeLessThan $script:PromptDeadline
            $interrupted.Text | Should -Match '(?m)^127\.0\.0\.11:\d+ StopInstance:cart-1 SUCCESS   Stopped$'
            $interrupted.Text | Should -Match '(?m)^127\.0\.0\.12:\d+ StopInstance:cart-2 SUCCESS   Stopped$'
            $interrupted.Text | Should -Not -Match 'orders-1'
            $interrupted.Text | Should -Not -Match 'Exception'
            Get-DkvTerminalLive $terminal | Should -Be '0/0'
        }
        finally { Stop-DkvTestTerminal $terminal }
        Assert-DkvNothingSentAfter -Manager $script:SlowManager -ReturnedAt $returnedAt
        Get-DkvTestStatus $script:SlowManager -Instance orders-1 | Should -Be Stopping
        (Get-DkvTestLog $script:SlowManager) | Where-Object { $_.query -match 'force' } | Should -BeNullOrEmpty
        (Get-DkvTestAccounting $script:SlowManager).lost | Should -Be 0
    }
}

Describe 'Ctrl+C during a passive whole-store stop' -Tag OwnManager {
    # Each node stays Stopping for 3 s, so the pipeline is stopped after the store was made Passive and before its
    # nodes are all stopped: the store stays Passive, which the operator must hear, with the way back.
    BeforeAll {
        $script:SlowStops = Start-DkvTestManager -ArgumentList '--stop-delay-ms', '3000'
    }

    AfterAll {
        Stop-DkvTestManager $script:SlowStops
    }

    It 'PowerShell.Stop() says the store stays Passive and how to go on; Start-DkvStore then makes it Active' {
        $runspace = New-DkvTestRunspace -Manager $script:SlowStops
        try {
            $pipeline = Start-DkvTestPipeline -Runspace $runspace -Script 'Stop-DkvStore -Name OrdersStore'
            try {
                Wait-DkvTestCondition { (Get-DkvTestStatus $script:SlowStops -Instance orders-1) -eq 'Stopping' } 'orders-1 is Stopping'
                $took = Stop-DkvTestPipeline -Pipeline $pipeline
                $took | Should -BeLessThan $script:StopDeadline
            }
            finally { $pipeline.PowerShell.Dispose() }
            $report = Invoke-DkvTestRunspace -Runspace $runspace -Script '& (Get-Module Clustron.Dkv) { $script:DkvLastInterruptReport }'
            @($report.Output).Count | Should -Be 1
            "$($report.Output)" | Should -BeLike "Store 'OrdersStore' stays Passive: the stop was interrupted after the store was made Passive*Stopped: none. Not stopped, or still stopping: orders-1, orders-2, orders-3. *Start-DkvStore -Name OrdersStore.*Stop-DkvStore -Name OrdersStore."
            (Get-DkvTestAccounting $script:SlowStops).state | Should -Be Passive

            $rows = Invoke-DkvTestRunspace -Runspace $runspace -Script 'Start-DkvStore -Name OrdersStore -TimeoutSec 30'
            @($rows.Output | Where-Object { $_.Result -ne 'SUCCESS' }) | Should -BeNullOrEmpty
            (Get-DkvTestAccounting $script:SlowStops).state | Should -Be Active
            (Get-DkvTestAccounting $script:SlowStops).lost | Should -Be 0
        }
        finally { $runspace.Dispose() }
    }

    It 'a node-by-node stop interrupted says nothing of a Passive store' {
        $runspace = New-DkvTestRunspace -Manager $script:SlowStops
        try {
            Reset-DkvTestManager $script:SlowStops
            $pipeline = Start-DkvTestPipeline -Runspace $runspace -Script 'Stop-DkvStore -Name OrdersStore -InstanceName orders-1'
            try {
                Wait-DkvTestCondition { (Get-DkvTestStatus $script:SlowStops -Instance orders-1) -eq 'Stopping' } 'orders-1 is Stopping'
                $null = Stop-DkvTestPipeline -Pipeline $pipeline
            }
            finally { $pipeline.PowerShell.Dispose() }
            $report = Invoke-DkvTestRunspace -Runspace $runspace -Script '& (Get-Module Clustron.Dkv) { $script:DkvLastInterruptReport }'
            @($report.Output) | Should -BeNullOrEmpty
            (Get-DkvTestAccounting $script:SlowStops).state | Should -Be Active
        }
        finally { $runspace.Dispose() }
    }
}
