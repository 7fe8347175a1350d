# The seven examples of the reference (shared/reference/stop-dkvstore.txt) as written, with 127.0.0.x for 10.0.0.x,
# run against the reference manager and judged from the rows and the manager's request log. The manager listens on
# a free port, not 7801: examples that name no port get it through $PSDefaultParameterValues (the engine's own
# mechanism), so their text stays as documented. Ported from the xUnit ExamplesTests.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1", "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
    $script:Manager = Start-DkvTestManager
    $null = Import-DkvTestModule

    function Invoke-Example {
        # Runs an example's text (lines joined with "`n", backtick continuations kept) in a child scope of the
        # caller, so the caller's $PSDefaultParameterValues apply. (Pester runs tests with $ErrorActionPreference Stop,
        # so any error an example writes also ends the test.)
        param([Parameter(Mandatory)][string]$Text)
        $Error.Clear()
        $block = [scriptblock]::Create($Text)
        @(& $block)
    }

    function Assert-NoFailure {
        $Error.Count | Should -Be 0 -Because "the example writes no error: $($Error -join '; ')"
        Assert-DkvTestNothingHeld
    }
}

AfterAll {
    Stop-DkvTestManager $script:Manager
}

Describe 'The seven examples of the reference' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
    }

    It 'Example 1 stops all nodes of a store, each through its own manager' {
        Connect-DkvTestSession $script:Manager -ByPort
        $rows = Invoke-Example 'Stop-DkvStore -Name OrdersStore'
        Assert-NoFailure
        Get-DkvTestRowText $rows | Should -Be (Get-DkvTestExpectedRowText $script:Manager '.11 orders-1 SUCCESS', '.12 orders-2 SUCCESS', '.13 orders-3 SUCCESS')
        @($rows.Message | Select-Object -Unique) | Should -Be @('Stopped')
        Get-DkvTestStopText $script:Manager | Should -Be (Get-DkvTestExpectedStopText '.11 orders-1', '.12 orders-2', '.13 orders-3')
        Get-DkvTestStatusText $script:Manager | Should -Be @('orders-1 Stopped', 'orders-2 Stopped', 'orders-3 Stopped')
        Get-DkvTestStatusText $script:Manager -Store CartStore | Should -Be @('cart-1 Running', 'cart-2 Running')
    }

    It 'Example 2 stops a specific node' {
        Connect-DkvTestSession $script:Manager -ByPort
        $rows = Invoke-Example 'Stop-DkvStore -Name OrdersStore -InstanceName orders-1'
        Assert-NoFailure
        Get-DkvTestRowText $rows | Should -Be (Get-DkvTestExpectedRowText $script:Manager '.11 orders-1 SUCCESS')
        Get-DkvTestStopText $script:Manager | Should -Be (Get-DkvTestExpectedStopText '.11 orders-1')
        Get-DkvTestStatusText $script:Manager | Should -Be @('orders-1 Stopped', 'orders-2 Running', 'orders-3 Running')
    }

    It 'Example 3 force-stops a node with ?force=true' {
        Connect-DkvTestSession $script:Manager -ByPort
        $rows = Invoke-Example 'Stop-DkvStore -Name OrdersStore -InstanceName orders-1 -Force'
        Assert-NoFailure
        Get-DkvTestRowText $rows | Should -Be (Get-DkvTestExpectedRowText $script:Manager '.11 orders-1 SUCCESS')
        Get-DkvTestStopText $script:Manager | Should -Be (Get-DkvTestExpectedStopText '.11 orders-1 force=true')
        Get-DkvTestStatusText $script:Manager | Should -Be @('orders-1 Stopped', 'orders-2 Running', 'orders-3 Running')
    }

    It 'Example 4 uses the connected session and skips the node of a server that is not connected' {
        $PSDefaultParameterValues = @{ 'Connect-DkvManager:Port' = $script:Manager.Port }
        $output = Invoke-Example "Connect-DkvManager -Managers 127.0.0.11,127.0.0.12`nStop-DkvStore -Name OrdersStore"
        Assert-NoFailure
        $session = @($output | Where-Object { $_.PSObject.TypeNames -contains 'Clustron.Dkv.Session' })
        $session.Count | Should -Be 1
        @($session[0].Managers) | Should -Be @("http://127.0.0.11:$($script:Manager.Port)", "http://127.0.0.12:$($script:Manager.Port)")
        Get-DkvTestRowText $output | Should -Be (Get-DkvTestExpectedRowText $script:Manager '.11 orders-1 SUCCESS', '.12 orders-2 SUCCESS', '.13 orders-3 SKIPPED')
        ($output | Where-Object { $_.Result -eq 'SKIPPED' }).Message | Should -BeLike '*127.0.0.13*'
        Get-DkvTestStopText $script:Manager | Should -Be (Get-DkvTestExpectedStopText '.11 orders-1', '.12 orders-2')
        Get-DkvTestStatusText $script:Manager | Should -Be @('orders-1 Stopped', 'orders-2 Stopped', 'orders-3 Running')
    }

    It 'Example 5 stops nodes on specific managers without a session' {
        $PSDefaultParameterValues = @{ 'Stop-DkvStore:Port' = $script:Manager.Port }
        $rows = Invoke-Example "Stop-DkvStore ```n-Name OrdersStore ```n-Managers 127.0.0.11,127.0.0.12"
        Assert-NoFailure
        Get-DkvTestRowText $rows | Should -Be (Get-DkvTestExpectedRowText $script:Manager '.11 orders-1 SUCCESS', '.12 orders-2 SUCCESS', '.13 orders-3 SKIPPED')
        Get-DkvTestStopText $script:Manager | Should -Be (Get-DkvTestExpectedStopText '.11 orders-1', '.12 orders-2')
        $log = Get-DkvTestLog -Manager $script:Manager
        @($log | Where-Object manager -EQ '127.0.0.13').Count | Should -Be 0 -Because '.13 was not named'
    }

    It 'Example 6 stops nodes across managers in parallel' {
        $PSDefaultParameterValues = @{ 'Stop-DkvStore:Port' = $script:Manager.Port }
        $rows = Invoke-Example "Stop-DkvStore ```n-Name OrdersStore ```n-Managers 127.0.0.11,127.0.0.12,127.0.0.13 ```n-Parallel"
        Assert-NoFailure
        Get-DkvTestRowText $rows | Should -Be (Get-DkvTestExpectedRowText $script:Manager '.11 orders-1 SUCCESS', '.12 orders-2 SUCCESS', '.13 orders-3 SUCCESS')
        Get-DkvTestStopText $script:Manager | Should -Be (Get-DkvTestExpectedStopText '.11 orders-1', '.12 orders-2', '.13 orders-3')
        Get-DkvTestStatusText $script:Manager | Should -Be @('orders-1 Stopped', 'orders-2 Stopped', 'orders-3 Stopped')
    }

    It 'Example 7 with -FailFast and no failure stops everything' {
        Connect-DkvTestSession $script:Manager -ByPort
        $rows = Invoke-Example "Stop-DkvStore ```n-Name OrdersStore ```n-FailFast"
        Assert-NoFailure
        Get-DkvTestRowText $rows | Should -Be (Get-DkvTestExpectedRowText $script:Manager '.11 orders-1 SUCCESS', '.12 orders-2 SUCCESS', '.13 orders-3 SUCCESS')
        Get-DkvTestStopText $script:Manager | Should -Be (Get-DkvTestExpectedStopText '.11 orders-1', '.12 orders-2', '.13 orders-3')
    }

    It 'a graceful whole-store stop makes the store passive first and never forces' {
        Connect-DkvTestSession $script:Manager -ByPort
        $rows = Invoke-Example 'Stop-DkvStore -Name OrdersStore'
        Assert-NoFailure
        $log = Get-DkvTestLog -Manager $script:Manager
        $puts = @($log | Where-Object { $_.method -eq 'PUT' -and $_.path -eq '/admin/v1/stores/OrdersStore/state' })
        $puts.Count | Should -Be 1
        $stops = @($log | Where-Object { $null -ne $_.StopInstance })
        $stops.Count | Should -Be 3
        foreach ($stop in $stops) {
            $stop.seq | Should -BeGreaterThan $puts[0].seq -Because "the stop of $($stop.StopInstance) must come after the store is made passive"
            $stop.query | Should -Be '' -Because 'a graceful stop is never forced'
        }
        (Get-DkvTestInstance -Manager $script:Manager).state | Should -Be 'Passive'
        @($rows.Result | Select-Object -Unique) | Should -Be @('SUCCESS')
    }
}

Describe 'The examples of Restart-DkvStore''s help, as written' -Tag Windows {
    BeforeAll {
        # Each example's code from Get-Help, with 127.0.0.x for 10.0.0.x: the help and this test cannot drift apart.
        $script:RestartExamples = @((Get-Help Restart-DkvStore -Full).Examples.Example | ForEach-Object { ($_.Code -replace '10\.0\.0\.', '127.0.0.').Trim() })
    }

    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
        Connect-DkvTestSession $script:Manager -ByPort
    }

    It 'Example 1 restarts every node, one at a time, each row with its downtime' {
        $script:RestartExamples[0] | Should -Be 'Restart-DkvStore -Name OrdersStore -TimeoutSec 600'
        $rows = Invoke-Example $script:RestartExamples[0]
        Assert-NoFailure
        @($rows | ForEach-Object { '{0} {1}' -f $_.Action, $_.Result }) |
            Should -Be @('RestartInstance:orders-1 SUCCESS', 'RestartInstance:orders-2 SUCCESS', 'RestartInstance:orders-3 SUCCESS')
        @($rows | Where-Object { $_.Downtime -le [TimeSpan]::Zero }).Count | Should -Be 0
        (Get-DkvTestAccounting $script:Manager).maxDown | Should -Be 1
    }

    It 'Example 2 restarts the nodes of one server' {
        $rows = Invoke-Example $script:RestartExamples[1]
        Assert-NoFailure
        @($rows | ForEach-Object { '{0} {1}' -f $_.Action, $_.Result }) | Should -Be @('RestartInstance:orders-2 SUCCESS')
        (Get-DkvTestLog $script:Manager -Stops).StopInstance | Should -Be 'orders-2'
    }

    It 'Example 3 (-WhatIf) restarts nothing' {
        $rows = Invoke-Example $script:RestartExamples[2]
        Assert-NoFailure
        $rows.Count | Should -Be 0
        @((Get-DkvTestLog $script:Manager) | Where-Object method -NE GET).Count | Should -Be 0
    }

    It 'Example 4 (-NodeTimeoutSec) restarts every node within its limit' {
        $rows = Invoke-Example $script:RestartExamples[3]
        Assert-NoFailure
        @($rows | Where-Object Result -EQ SUCCESS).Count | Should -Be 3
    }
}
