# Issue 23: Ctrl+C (PowerShell.Stop()) and -TimeoutSec are honoured at once while a request is in flight to a manager
# that accepts the connection and never answers, or drips its answer, whatever command is waiting: Stop-, Start-,
# Restart- and Get-DkvStore and the -WhatIf plan. The reported case: a whole-store stop whose orders-1 is stopped, then
# orders-2's request goes to 127.0.0.12, which never answers; Ctrl+C a second later.
#
# Bounds are behaviour, generous for two shared cores: PowerShell.Stop() returns within 0.75 s, the console prompt is
# back within 1.5 s of Ctrl+C, a -TimeoutSec 2 command returns within 3 s. A wait that waited for the attempt in flight
# would take its share of the deadline (5 s or more with -TimeoutSec 30). Typical figures: bench/README.md ("cancel").

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1", "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
    $script:Manager = Start-DkvTestManager
    $null = Import-DkvTestModule

    $script:StopDeadline = [TimeSpan]::FromSeconds(0.75)
    $script:PromptDeadline = [TimeSpan]::FromSeconds(1.5)

    function Assert-DkvNothingSentAfter {
        # No request reaches a manager after the command returned at -ReturnedAt (Get-DkvTestNow ticks), watched for
        # 1.5 s from then: longer than the library's longest pause between polls, and than a connect under way may
        # take (1 s). Each request's arrival is compared with that moment (Get-DkvTestLateRequest).
        param([Parameter(Mandatory)][long]$ReturnedAt)
        Get-DkvTestLateRequest -Manager $script:Manager -ReturnedAt $ReturnedAt | Should -BeNullOrEmpty -Because 'nothing is sent after the command returned'
    }

    function Wait-DkvSilentRequest {
        # Until a request to -HostName is in flight (logged, unanswered), and then a little longer.
        param([Parameter(Mandatory)][string]$HostName, [string]$Method = '*')
        Wait-DkvTestCondition {
            @((Get-DkvTestLog $script:Manager) | Where-Object { $_.manager -eq $HostName -and $_.method -like $Method -and $_.status -eq 0 }).Count -gt 0
        } "a request ($Method) to $HostName is in flight"
        [System.Threading.Thread]::Sleep(300)
    }

    function Stop-DkvWhileSilent {
        # Runs -Script in the test's runspace, waits until its request to -HostName is in flight, then
        # PowerShell.Stop(): the pipeline must be over within the deadline, hold no native memory or handle, and send
        # nothing after. Returns the output so far and the request log as it was when the pipeline was over.
        param([Parameter(Mandatory)][string]$Script, [Parameter(Mandatory)][string]$HostName, [string]$Method = '*')
        $pipeline = Start-DkvTestPipeline -Runspace $script:Runspace -Script $Script
        try {
            Wait-DkvSilentRequest -HostName $HostName -Method $Method
            $took = Stop-DkvTestPipeline -Pipeline $pipeline
            $log = Get-DkvTestLog $script:Manager
            $took | Should -BeLessThan $script:StopDeadline
        }
        finally { $pipeline.PowerShell.Dispose() }
        Get-DkvTestRunspaceLive $script:Runspace | Should -Be '0/0'
        Assert-DkvNothingSentAfter -ReturnedAt $pipeline.ReturnedAt
        [pscustomobject]@{ Output = @($pipeline.Output); Log = $log }
    }

    function Get-DkvRowText {
        param([AllowNull()][object[]]$Output, [Parameter(Mandatory)][string]$TypeName)
        @($Output | Where-Object { $null -ne $_ -and $_.PSObject.TypeNames -contains $TypeName } |
                ForEach-Object { "$($_.Instance) $($_.Result)" } | Sort-Object)
    }
}

AfterAll {
    Stop-DkvTestManager $script:Manager
}

Describe 'PowerShell.Stop() while a manager never answers' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
        $script:Runspace = New-DkvTestRunspace -Manager $script:Manager
    }

    AfterEach {
        $script:Runspace.Dispose()
    }

    It 'Stop-DkvStore: during orders-2''s request, after orders-1 was stopped (the reported case)' {
        Set-DkvTestFault $script:Manager -HostName 127.0.0.12 -Fault hang
        $run = Stop-DkvWhileSilent -Script 'Stop-DkvStore -Name OrdersStore -TimeoutSec 30' -HostName 127.0.0.12
        Get-DkvRowText $run.Output -TypeName Clustron.Dkv.StopResult | Should -Be @('orders-1 SUCCESS')
        # A passive whole-store stop checks the store's safety once: the request in flight is orders-2's stop itself.
        @($run.Log | Where-Object StopInstance -NE $null | ForEach-Object { "$($_.StopInstance) $($_.status)" }) | Should -Be @('orders-1 202', 'orders-2 0')
    }

    It 'Stop-DkvStore: while the safety answer drips in' {
        Set-DkvTestFault $script:Manager -HostName 127.0.0.12 -Fault drip
        $run = Stop-DkvWhileSilent -Script 'Stop-DkvStore -Name OrdersStore -InstanceName orders-2 -TimeoutSec 30' -HostName 127.0.0.12
        @($run.Log | Where-Object StopInstance -NE $null) | Should -BeNullOrEmpty
    }

    It 'Start-DkvStore: while the start request is never answered' {
        $null = Invoke-DkvTestRunspace -Runspace $script:Runspace -Script 'Stop-DkvStore -Name OrdersStore -InstanceName orders-2 -Force'
        Get-DkvTestStatus $script:Manager -Instance orders-2 | Should -Be Stopped
        Set-DkvTestFault $script:Manager -HostName 127.0.0.12 -Fault hang
        $null = Stop-DkvWhileSilent -Script 'Start-DkvStore -Name OrdersStore -InstanceName orders-2 -TimeoutSec 30' -HostName 127.0.0.12 -Method POST
    }

    It 'Restart-DkvStore: while the start check before the first stop is never answered (nothing to bring back)' {
        Set-DkvTestFault $script:Manager -HostName 127.0.0.11 -Fault hang
        $managers = "127.0.0.12:$($script:Manager.Port),127.0.0.11:$($script:Manager.Port),127.0.0.13:$($script:Manager.Port)"
        $run = Stop-DkvWhileSilent -Script "Restart-DkvStore -Name OrdersStore -TimeoutSec 30 -Managers $managers" -HostName 127.0.0.11 -Method POST
        $report = Invoke-DkvTestRunspace -Runspace $script:Runspace -Script '& (Get-Module Clustron.Dkv) { $script:DkvLastInterruptReport }'
        "$($report.Output)" | Should -Not -Match 'started again|DOWN' -Because 'no stop was sent, so no node was brought back'
        @($run.Log | Where-Object StopInstance -NE $null) | Should -BeNullOrEmpty
    }

    It 'Get-DkvStore: while discovery is never answered' {
        Set-DkvTestFault $script:Manager -HostName 127.0.0.11 -Fault hang
        $run = Stop-DkvWhileSilent -Script 'Get-DkvStore -Name OrdersStore' -HostName 127.0.0.11
        $run.Output | Should -BeNullOrEmpty
    }

    It 'Stop-DkvStore -WhatIf: while the plan''s discovery drips in' {
        Set-DkvTestFault $script:Manager -HostName 127.0.0.11 -Fault drip
        $run = Stop-DkvWhileSilent -Script 'Stop-DkvStore -Name OrdersStore -WhatIf' -HostName 127.0.0.11
        @($run.Log | Where-Object method -NE GET) | Should -BeNullOrEmpty
    }
}

Describe '-TimeoutSec while a manager never answers' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
    }

    It 'a -TimeoutSec 2 stop returns within 3 s with a TIMEOUT row that says the stop was not sent' {
        Set-DkvTestFault $script:Manager -HostName 127.0.0.12 -Fault hang
        Connect-DkvTestSession $script:Manager
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $rows = @(Stop-DkvStore -Name OrdersStore -InstanceName orders-2 -TimeoutSec 2 -ErrorAction SilentlyContinue -ErrorVariable failures)
        $returnedAt = Get-DkvTestNow
        $took = $watch.Elapsed
        $log = Get-DkvTestLog $script:Manager
        $took | Should -BeLessThan ([TimeSpan]::FromSeconds(3))
        $rows.Count | Should -Be 1
        $rows[0].Result | Should -Be TIMEOUT
        $rows[0].Message | Should -Match '^timed out after 2 s.*(the stop was not sent|before the stop was sent)'
        @($failures | ForEach-Object FullyQualifiedErrorId) | Should -Be @('StopTimedOut,Stop-DkvStore')
        Assert-DkvNothingSentAfter -ReturnedAt $returnedAt
    }
}

Describe '-FailFast while a manager never answers' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
    }

    It 'the first failure ends the command at once, although orders-2''s request is still in flight' {
        # orders-1's manager resets every request (FAILED after its attempts, within a second); orders-2's takes its
        # request and never answers: its attempt alone would take 10 s of the 30.
        Set-DkvTestFault $script:Manager -HostName 127.0.0.11 -Fault reset
        Set-DkvTestFault $script:Manager -HostName 127.0.0.12 -Fault hang
        $port = $script:Manager.Port
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $failure = $null
        try { $null = Stop-DkvStore -Name OrdersStore -Managers "127.0.0.13:$port", "127.0.0.12:$port", "127.0.0.11:$port" -Parallel -Force -FailFast -TimeoutSec 30 }
        catch { $failure = $_ }
        $returnedAt = Get-DkvTestNow
        $took = $watch.Elapsed
        $log = Get-DkvTestLog $script:Manager
        $failure | Should -Not -BeNullOrEmpty
        $failure.FullyQualifiedErrorId | Should -Be 'StopFailed,Stop-DkvStore'
        $failure.TargetObject | Should -Be 'orders-1'
        $took | Should -BeLessThan ([TimeSpan]::FromSeconds(3))
        @($log | Where-Object { $_.manager -eq '127.0.0.12' -and $_.status -eq 0 }).Count | Should -BeGreaterThan 0 -Because 'orders-2''s request was in flight'
        Assert-DkvNothingSentAfter -ReturnedAt $returnedAt
    }
}

Describe 'Ctrl+C typed into a pwsh console while a manager never answers' -Tag Terminal {
    BeforeAll {
        $script:Terminal = Start-DkvTestTerminal -Manager $script:Manager
    }

    AfterAll {
        Stop-DkvTestTerminal $script:Terminal
    }

    It 'during orders-2''s request, after orders-1 was stopped: the prompt is back at once, and the console says the store stays Passive' {
        Reset-DkvTestManager $script:Manager
        Set-DkvTestFault $script:Manager -HostName 127.0.0.12 -Fault hang
        $managers = (Get-DkvTestAddressList $script:Manager) -join ','
        $at = $script:Terminal.Prompt
        Send-DkvTestTerminal -Terminal $script:Terminal -Text "Stop-DkvStore -Name OrdersStore -Managers $managers -TimeoutSec 30"
        Wait-DkvSilentRequest -HostName 127.0.0.12
        [System.Threading.Thread]::Sleep(700)
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        Send-DkvTestTerminal -Terminal $script:Terminal -Key C-c
        $script:Terminal.Prompt = $at + 1
        $screen = Wait-DkvTestTerminal -Terminal $script:Terminal -TimeoutSec 30
        $took = $watch.Elapsed
        $log = Get-DkvTestLog $script:Manager
        $took | Should -BeLessThan $script:PromptDeadline
        $text = Get-DkvTestTerminalSection -Screen $screen -From $at -To ($at + 1)
        $text | Should -Match "WARNING: Store 'OrdersStore' stays Passive"
        $text | Should -Not -Match 'Exception'
        Assert-DkvNothingSentAfter -ReturnedAt (Get-DkvTestPromptTime -Terminal $script:Terminal -Prompt ($at + 1))
        @($log | Where-Object StopInstance -NE $null | ForEach-Object { "$($_.StopInstance) $($_.status)" }) | Should -Be @('orders-1 202', 'orders-2 0')
    }
}

Describe 'Ctrl+C during a rolling restart whose node is down' -Tag OwnManager, Terminal {
    BeforeAll {
        $script:Slow = Start-DkvTestManager -ArgumentList '--stop-delay-ms', '2500'
    }

    AfterAll {
        Stop-DkvTestManager $script:Slow
    }

    It 'the console says the node is being brought back while it waits, then that it was started again' {
        $terminal = Start-DkvTestTerminal -Manager $script:Slow
        try {
            $at = $terminal.Prompt
            Send-DkvTestTerminal -Terminal $terminal -Text 'Restart-DkvStore -Name OrdersStore -TimeoutSec 60'
            Wait-DkvTestCondition { (Get-DkvTestStatus $script:Slow -Instance orders-1) -eq 'Stopping' } 'orders-1 is Stopping'
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            Send-DkvTestTerminal -Terminal $terminal -Key C-c
            # Within the prompt deadline the console already says what it waits for, long before the node is back.
            $screen = Wait-DkvTestTerminal -Terminal $terminal -Pattern 'WARNING: Bringing orders-1 back before returning' -TimeoutSec 10
            $watch.Elapsed | Should -BeLessThan $script:PromptDeadline
            $screen | Should -Not -Match "DKV\[$($at + 1)\]> "
            $terminal.Prompt = $at + 1
            $screen = Wait-DkvTestTerminal -Terminal $terminal -TimeoutSec 20
            $text = Get-DkvTestTerminalSection -Screen $screen -From $at -To ($at + 1)
            $text | Should -Match '(?s)Bringing orders-1 back.*WARNING: orders-1 was started again'
        }
        finally { Stop-DkvTestTerminal $terminal }
        Wait-DkvTestCondition { (Get-DkvTestStatus $script:Slow -Instance orders-1) -eq 'Running' } 'orders-1 is Running again'
        (Get-DkvTestAccounting $script:Slow).lost | Should -Be 0
    }
}
