# Stores are stopped during incidents, when some managers are down (issue 11). A manager that does not answer
# costs only its own node: the healthy nodes after it are stopped, the call keeps its deadline, nothing is sent
# after it returns, and a -FailFast stop that ends after progress was shown closes the progress bar and leaves
# exactly one error. Judged from the rows and the reference manager's request log.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1" -Force
    $script:Manager = Start-DkvTestManager
    $null = Import-DkvTestModule

    function Get-Row([object[]]$Rows, [string]$Instance) {
        @($Rows | Where-Object { $_.PSObject.TypeNames -contains 'Clustron.Dkv.StopResult' -and $_.Instance -eq $Instance })
    }

    function Get-StoppedInstance {
        @((Get-DkvTestLog -Manager $script:Manager -Stops) | ForEach-Object { $_.StopInstance } | Sort-Object -Unique)
    }
}

AfterAll { Stop-DkvTestManager $script:Manager }

Describe 'A manager that does not answer, in the middle of three' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
    }

    It 'a <Fault> manager costs only its own node: the next node is stopped, within TimeoutSec + 1 s' -ForEach @(
        @{ Fault = 'hang' }
        @{ Fault = 'reset' }
        @{ Fault = 'malformed' }
    ) {
        Set-DkvTestFault -Manager $script:Manager -HostName '127.0.0.12' -Fault $Fault
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $rows = Stop-DkvStore -Name OrdersStore -Managers (Get-DkvTestAddressList -Manager $script:Manager) -TimeoutSec 12 `
            -ErrorAction SilentlyContinue -ErrorVariable failures
        $clock.Stop()
        $returnedAt = Get-DkvTestNow
        # 127.0.0.12 answers again: a stop of orders-2 sent from now on would apply (one sent to the faulty manager
        # never did), so "orders-2 Running" below says that nothing stopped it after the command returned.
        Set-DkvTestFault -Manager $script:Manager -HostName '127.0.0.12' -Fault none
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 13
        @($rows).Count | Should -Be 3
        (Get-Row $rows 'orders-1').Result | Should -Be 'SUCCESS'
        (Get-Row $rows 'orders-3').Result | Should -Be 'SUCCESS'
        (Get-Row $rows 'orders-2').Result | Should -BeIn @('FAILED', 'TIMEOUT')
        (Get-Row $rows 'orders-2').Message | Should -Not -BeNullOrEmpty
        @($failures).Count | Should -Be 1
        $failures[0].TargetObject | Should -Be 'orders-2'
        Get-StoppedInstance | Should -Contain 'orders-3'
        Get-DkvTestStatus -Manager $script:Manager -Instance 'orders-3' | Should -Be 'Stopped'
        Get-DkvTestLateRequest -Manager $script:Manager -ReturnedAt $returnedAt | Should -BeNullOrEmpty -Because 'nothing is sent after the command returned'
        # A node's stop goes through its own manager only, never around a manager that does not answer.
        @((Get-DkvTestLog -Manager $script:Manager -Stops) | Where-Object { $_.StopInstance -eq 'orders-2' -and $_.manager -ne '127.0.0.12' }) |
            Should -BeNullOrEmpty
        Get-DkvTestStatus -Manager $script:Manager -Instance 'orders-2' | Should -Be 'Running'
        (Get-DkvLive).Operations | Should -Be 0
    }

    It 'a flapping manager (every other answer a reset) still gets its node stopped' -Tag OwnManager {
        # Retried within its share of the time: a lost connection is not the same as "not safe yet".
        Set-DkvTestFault -Manager $script:Manager -HostName '127.0.0.12' -Fault 'flap'
        $rows = Stop-DkvStore -Name OrdersStore -InstanceName orders-2 -Managers (Get-DkvTestAddressList -Manager $script:Manager) `
            -TimeoutSec 20
        $rows.Result | Should -Be 'SUCCESS'
        Get-DkvTestStatus -Manager $script:Manager -Instance 'orders-2' | Should -Be 'Stopped'
    }
}

Describe 'Nothing runs after the command returns' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
    }

    It '-Parallel -FailFast with a hanging manager: no request starts after the call returned' {
        Set-DkvTestFault -Manager $script:Manager -HostName '127.0.0.12' -Fault 'hang'
        Set-DkvTestFault -Manager $script:Manager -HostName '127.0.0.13' -Fault 'latency:1500'
        $caught = $null
        try {
            $null = Stop-DkvStore -Name OrdersStore -Managers (Get-DkvTestAddressList -Manager $script:Manager) -TimeoutSec 3 `
                -Parallel -FailFast
        }
        catch { $caught = $_ }
        $returnedAt = Get-DkvTestNow
        $caught | Should -Not -BeNullOrEmpty
        # Watched longer than any request the call could still have had in hand (latency 1.5 s); each request's
        # arrival compared with the moment the call returned (a count taken after the return missed one sent in
        # between).
        Get-DkvTestLateRequest -Manager $script:Manager -ReturnedAt $returnedAt -WatchMs 2500 | Should -BeNullOrEmpty
        (Get-DkvLive).Operations | Should -Be 0
    }

    It 'a -FailFast stop that ends after progress was shown closes the progress bar and leaves one error' {
        $runspace = [runspacefactory]::CreateRunspace()
        $runspace.Open()
        $ps = [PowerShell]::Create()
        $ps.Runspace = $runspace
        try {
            $null = $ps.AddScript(@"
`$ProgressPreference = 'Continue'
Import-Module '$((Get-DkvTestModulePath).Replace("'", "''"))'
`$Error.Clear()
try { Stop-DkvStore -Name OrdersStore -Managers '$((Get-DkvTestAddressList -Manager $script:Manager) -join "','")' -TimeoutSec 4 -FailFast | Out-Null } catch { }
@(`$Error | ForEach-Object { `$_.FullyQualifiedErrorId })
"@)
            # orders-1 answers slowly, so progress is shown for a few turns before orders-2 fails.
            Set-DkvTestFault -Manager $script:Manager -HostName '127.0.0.11' -Fault 'latency:400'
            Set-DkvTestFault -Manager $script:Manager -HostName '127.0.0.12' -Fault '500'
            $errors = @($ps.Invoke())
            $errors | Should -Be @('StopFailed,Stop-DkvStore')
            $progress = @($ps.Streams.Progress | Where-Object { $_.ActivityId -eq 0x444B })
            $progress.Count | Should -BeGreaterThan 1
            $progress[-1].RecordType | Should -Be 'Completed'
        }
        finally {
            $ps.Dispose()
            $runspace.Dispose()
        }
    }
}

Describe 'A node whose manager dies after 202 Stopping' -Tag OwnManager {
    BeforeAll {
        # Slow migrations, so the node is still Stopping when its manager goes silent.
        $script:Slow = Start-DkvTestManager -ArgumentList @('--migration-ms', '300')
    }
    AfterAll { Stop-DkvTestManager $script:Slow }

    It 'is followed through another manager until Stopped, and the row says which manager answered' {
        Reset-DkvTestManager $script:Slow
        $managers = Get-DkvTestAddressList -Manager $script:Slow
        $runspace = [runspacefactory]::CreateRunspace()
        $runspace.Open()
        $ps = [PowerShell]::Create()
        $ps.Runspace = $runspace
        try {
            $null = $ps.AddScript("Import-Module '$((Get-DkvTestModulePath).Replace("'", "''"))'; Stop-DkvStore -Name OrdersStore -InstanceName orders-2 -Managers '$($managers -join "','")' -TimeoutSec 30")
            $pending = $ps.BeginInvoke()
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            while ((Get-DkvTestStatus -Manager $script:Slow -Instance 'orders-2') -ne 'Stopping' -and $watch.Elapsed.TotalSeconds -lt 10) {
                [System.Threading.Thread]::Sleep(20)
            }
            Get-DkvTestStatus -Manager $script:Slow -Instance 'orders-2' | Should -Be 'Stopping'
            Set-DkvTestFault -Manager $script:Slow -HostName '127.0.0.12' -Fault 'hang'
            $rows = @($ps.EndInvoke($pending))
            $rows.Count | Should -Be 1
            $rows[0].Result | Should -Be 'SUCCESS'
            $rows[0].Message | Should -Match '127\.0\.0\.1[13]'
            Get-DkvTestStatus -Manager $script:Slow -Instance 'orders-2' | Should -Be 'Stopped'
        }
        finally {
            $ps.Dispose()
            $runspace.Dispose()
        }
    }
}
