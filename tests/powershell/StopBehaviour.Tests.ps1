# -TimeoutSec, -Parallel, -FailFast and routing, judged from the rows and the reference manager's request log
# (each request's manager, start and end): parallel stops overlap on the managers, sequential ones do not; the
# deadline is one for the whole stop; -FailFast ends at the first failure and starts nothing after it; each node
# is stopped through the manager on its own server. Ported from the xUnit StopBehaviourTests.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1", "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
    # The reference manager's default --stop-delay-ms: how long a node stays Stopping once it has nothing to hand off.
    $script:StopDelayMs = 50
    $script:Manager = Start-DkvTestManager
    $null = Import-DkvTestModule

    function Get-ResultByInstance {
        param([AllowNull()][object[]]$Rows)
        $results = @{}
        foreach ($row in $Rows) {
            if ($null -ne $row -and $row.PSObject.TypeNames -contains 'Clustron.Dkv.StopResult') { $results[$row.Instance] = $row.Result }
        }
        $results
    }

    function Format-Log {
        param([AllowNull()][object[]]$Log)
        (@($Log | ForEach-Object { '#{0} {1} {2} {3}?{4} -> {5} [{6}..{7}]' -f $_.seq, $_.manager, $_.method, $_.path, $_.query, $_.status, $_.startMs, $_.endMs }) -join "`n")
    }

    function Get-StopSpan {
        # A node's stop on its manager: from its POST to the end of the last request on that manager after it (the
        # polls until Stopped), in manager time (ms), and at least the manager's stop delay: waiting nodes share one
        # store poll, so the polls about this node may have gone to another manager.
        $log = Get-DkvTestLog -Manager $script:Manager
        $spans = foreach ($stop in @($log | Where-Object { $null -ne $_.StopInstance })) {
            $after = @($log | Where-Object { $_.manager -eq $stop.manager -and $_.seq -ge $stop.seq })
            $lastRequest = [long]($after | Measure-Object -Property endMs -Maximum).Maximum
            [pscustomobject]@{
                Instance = $stop.StopInstance
                Start    = [long]$stop.startMs
                End      = [Math]::Max($lastRequest, [long]$stop.startMs + $script:StopDelayMs)
            }
        }
        [pscustomobject]@{ Spans = @($spans | Sort-Object Start); Log = (Format-Log $log) }
    }

    function Get-Record {
        # -ErrorVariable keeps a terminating error as the exception that carries the record (module README).
        param($Item)
        if ($Item -is [System.Management.Automation.ErrorRecord]) { return $Item }
        $Item.ErrorRecord
    }
}

AfterAll {
    Stop-DkvTestManager $script:Manager
}

Describe 'Stop-DkvStore behaviour' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
        $Error.Clear()
    }

    Context 'Deadlines' {
        It 'a hanging manager gives a TIMEOUT row and one StopTimedOut error within the deadline, never a forced stop' {
            Set-DkvTestFault -Manager $script:Manager -HostName 127.0.0.12 -Fault hang
            Connect-DkvTestSession $script:Manager
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $rows = @(Stop-DkvStore -Name OrdersStore -InstanceName orders-2 -TimeoutSec 2 -ErrorVariable failures -ErrorAction SilentlyContinue)
            $clock.Stop()
            # A deadline bound, not a speed claim: -TimeoutSec 2 must be honoured within a second of slack.
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 3
            Get-DkvTestRowText $rows | Should -Be (Get-DkvTestExpectedRowText $script:Manager '.12 orders-2 TIMEOUT')
            $rows[0].Message | Should -BeLike 'timed out after 2 s*'
            $failures.Count | Should -Be 1
            $Error.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'StopTimedOut,Stop-DkvStore'
            $failures[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
            $failures[0].TargetObject | Should -Be 'orders-2'
            $log = Get-DkvTestLog -Manager $script:Manager
            @($log | Where-Object { $_.query -like '*force*' }).Count | Should -Be 0 -Because (Format-Log $log)
            Assert-DkvTestNothingHeld
        }

        It '-TimeoutSec is one deadline for the whole stop, not one per request' {
            # Every manager answers 700 ms late: a whole-store graceful stop needs more than 2 s of requests, so with
            # -TimeoutSec 2 some nodes end TIMEOUT and the call still returns within the deadline (+1 s).
            foreach ($hostName in $script:Manager.Hosts) { Set-DkvTestFault -Manager $script:Manager -HostName $hostName -Fault 'latency:700' }
            Connect-DkvTestSession $script:Manager
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $rows = @(Stop-DkvStore -Name OrdersStore -TimeoutSec 2 -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
            $clock.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 3
            $rows.Count | Should -Be 3
            @($rows | Where-Object Result -EQ 'TIMEOUT').Count | Should -BeGreaterThan 0
            Assert-DkvTestNothingHeld
        }
    }

    Context 'Parallel and sequential' {
        It '-Parallel stops on different managers overlap in time' {
            Connect-DkvTestSession $script:Manager
            $rows = @(Stop-DkvStore -Name OrdersStore -Parallel)
            $Error.Count | Should -Be 0
            Get-DkvTestRowText $rows | Should -Be (Get-DkvTestExpectedRowText $script:Manager '.11 orders-1 SUCCESS', '.12 orders-2 SUCCESS', '.13 orders-3 SUCCESS')
            $result = Get-StopSpan
            $result.Spans.Count | Should -Be 3
            foreach ($a in $result.Spans) {
                foreach ($b in $result.Spans) {
                    if ($a.Instance -eq $b.Instance) { continue }
                    ($a.Start -lt $b.End -and $b.Start -lt $a.End) | Should -BeTrue -Because "$($a.Instance) and $($b.Instance) must overlap:`n$($result.Log)"
                }
            }
        }

        It 'without -Parallel the stops do not overlap: each begins after the previous one is done' {
            Connect-DkvTestSession $script:Manager
            $rows = @(Stop-DkvStore -Name OrdersStore)
            $Error.Count | Should -Be 0
            $rows.Count | Should -Be 3
            $result = Get-StopSpan
            $result.Spans.Count | Should -Be 3
            for ($i = 1; $i -lt $result.Spans.Count; $i++) {
                $result.Spans[$i].Start | Should -BeGreaterOrEqual $result.Spans[$i - 1].End -Because (
                    "$($result.Spans[$i].Instance) began before $($result.Spans[$i - 1].Instance) was done:`n$($result.Log)")
            }
        }

        It '-Parallel with forced stops overlaps too' {
            foreach ($hostName in $script:Manager.Hosts) { Set-DkvTestFault -Manager $script:Manager -HostName $hostName -Fault 'latency:300' }
            Connect-DkvTestSession $script:Manager
            $rows = @(Stop-DkvStore -Name OrdersStore -Force -Parallel)
            $Error.Count | Should -Be 0
            $rows.Count | Should -Be 3
            $stops = Get-DkvTestLog -Manager $script:Manager -Stops
            $stops.Count | Should -Be 3
            @($stops | ForEach-Object query | Select-Object -Unique) | Should -Be @('force=true')
            foreach ($a in $stops) {
                foreach ($b in $stops) {
                    if ($a.seq -eq $b.seq) { continue }
                    ($a.startMs -lt $b.endMs -and $b.startMs -lt $a.endMs) | Should -BeTrue -Because "$($a.StopInstance) and $($b.StopInstance) must overlap:`n$(Format-Log $stops)"
                }
            }
        }
    }

    Context 'FailFast' {
        It '-FailFast makes the first failure terminating and starts nothing after it' {
            Set-DkvTestFault -Manager $script:Manager -HostName 127.0.0.12 -Fault 500
            Connect-DkvTestSession $script:Manager
            $caught = $null
            $output = @(try { Stop-DkvStore -Name OrdersStore -FailFast -WarningAction SilentlyContinue -ErrorVariable failures; 'went on' } catch { $caught = $_ })
            $caught | Should -Not -BeNullOrEmpty
            $caught.FullyQualifiedErrorId | Should -Be 'StopFailed,Stop-DkvStore'
            $failures.Count | Should -Be 1
            (Get-Record $failures[0]).FullyQualifiedErrorId | Should -Be 'StopFailed,Stop-DkvStore'
            $caught.TargetObject | Should -Be 'orders-2'
            $Error.Count | Should -Be 1
            $output | Should -Not -Contain 'went on'
            $results = Get-ResultByInstance $output
            $results['orders-1'] | Should -Be 'SUCCESS'
            $results['orders-2'] | Should -Be 'FAILED'
            if ($results.ContainsKey('orders-3')) { $results['orders-3'] | Should -Be 'CANCELLED' }
            $stops = Get-DkvTestLog -Manager $script:Manager -Stops
            @($stops | Where-Object StopInstance -EQ 'orders-3').Count | Should -Be 0
            Get-DkvTestStatus -Manager $script:Manager -Instance orders-3 | Should -Be 'Running'
            Assert-DkvTestNothingHeld
        }

        It 'without -FailFast the stop goes on after a failure, with one StopFailed error' {
            Set-DkvTestFault -Manager $script:Manager -HostName 127.0.0.11 -Fault 500
            Connect-DkvTestSession $script:Manager
            # .11 fails discovery too, so .12 answers it and the store is made passive there.
            $rows = @(Stop-DkvStore -Name OrdersStore -ErrorVariable failures -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
            Get-DkvTestRowText $rows | Should -Be (Get-DkvTestExpectedRowText $script:Manager '.11 orders-1 FAILED', '.12 orders-2 SUCCESS', '.13 orders-3 SUCCESS')
            $failures.Count | Should -Be 1
            $Error.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'StopFailed,Stop-DkvStore'
            $failures[0].TargetObject | Should -Be 'orders-1'
        }

        It '-FailFast on a node whose manager does not answer cancels the rest' {
            # The hanging manager gets its share of the time (docs/manager-api.md, "Managers that do not answer"),
            # then its node is FAILED: no answer, naming the manager.
            Set-DkvTestFault -Manager $script:Manager -HostName 127.0.0.12 -Fault hang
            Connect-DkvTestSession $script:Manager
            $caught = $null
            $output = @(try { Stop-DkvStore -Name OrdersStore -FailFast -TimeoutSec 2 -WarningAction SilentlyContinue -ErrorVariable failures; 'went on' } catch { $caught = $_ })
            $caught | Should -Not -BeNullOrEmpty
            $caught.FullyQualifiedErrorId | Should -Be 'StopFailed,Stop-DkvStore'
            $caught.CategoryInfo.Category | Should -Be 'ConnectionError'
            $caught.Exception.Message | Should -BeLike "*no answer from manager $(Get-DkvTestAddress $script:Manager -Index 1)*"
            $caught.TargetObject | Should -Be 'orders-2'
            $failures.Count | Should -Be 1
            (Get-Record $failures[0]).FullyQualifiedErrorId | Should -Be 'StopFailed,Stop-DkvStore'
            $Error.Count | Should -Be 1
            $output | Should -Not -Contain 'went on'
            $results = Get-ResultByInstance $output
            $results['orders-1'] | Should -Be 'SUCCESS'
            $results['orders-2'] | Should -Be 'FAILED'
            if ($results.ContainsKey('orders-3')) { $results['orders-3'] | Should -Be 'CANCELLED' }
            $stops = Get-DkvTestLog -Manager $script:Manager -Stops
            @($stops | Where-Object StopInstance -EQ 'orders-3').Count | Should -Be 0
            Assert-DkvTestNothingHeld
        }
    }

    Context 'Routing' {
        It 'each node is stopped through the manager on its own server, whichever manager answered discovery' {
            $managers = [string[]]@(Get-DkvTestAddressList -Manager $script:Manager)
            [Array]::Reverse($managers)
            $rows = @(Stop-DkvStore -Name OrdersStore -Managers $managers)
            Get-DkvTestRowText $rows | Should -Be (Get-DkvTestExpectedRowText $script:Manager '.11 orders-1 SUCCESS', '.12 orders-2 SUCCESS', '.13 orders-3 SUCCESS')
            $log = Get-DkvTestLog -Manager $script:Manager
            $log[0].manager | Should -Be '127.0.0.13' -Because "discovery asks the first manager named:`n$(Format-Log $log)"
            foreach ($stop in @($log | Where-Object { $null -ne $_.StopInstance })) {
                $stop.manager | Should -Be ('127.0.0.1' + $stop.StopInstance.Substring($stop.StopInstance.Length - 1)) -Because "$($stop.StopInstance) lives on its own server"
            }
        }

        It 'a node whose server is among no targeted manager is SKIPPED, and the others still stop' {
            $rows = @(Stop-DkvStore -Name CartStore -Managers (Get-DkvTestAddress -Manager $script:Manager -Index 1))
            Get-DkvTestRowText $rows | Should -Be (Get-DkvTestExpectedRowText $script:Manager '.11 cart-1 SKIPPED', '.12 cart-2 SUCCESS')
            $Error.Count | Should -Be 0
            $stops = Get-DkvTestLog -Manager $script:Manager -Stops
            @($stops | ForEach-Object StopInstance) | Should -Be @('cart-2')
            Get-DkvTestStatus -Manager $script:Manager -Store CartStore -Instance cart-1 | Should -Be 'Running'
        }
    }
}
