# Stopping without losing data, through the module: a graceful stop waits for its migrations (shown as progress), a
# whole-store stop makes the store passive first and moves no data, a graceful stop that runs out of time is a
# TIMEOUT that is never turned into a forced one, and -Force says when data may be lost; proven by the reference
# manager's request log and data accounting. Managers from before the extension endpoints (no /safety, no /state)
# get the documented behaviour with a note and a warning. Ported from the xUnit SafeStopTests and OldManagerTests.
# Both need a manager with their own flags (OwnManager).

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1", "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
    $null = Import-DkvTestModule

    function Split-Stream {
        # Output merged with verbose (4>&1) and warnings (3>&1) -> Rows, Verbose, Warnings.
        param([AllowNull()][object[]]$Merged)
        [pscustomobject]@{
            Rows     = @($Merged | Where-Object { $null -ne $_ -and $_.PSObject.TypeNames -contains 'Clustron.Dkv.StopResult' })
            Verbose  = @($Merged | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
            Warnings = @($Merged | Where-Object { $_ -is [System.Management.Automation.WarningRecord] } | ForEach-Object Message)
        }
    }

    function Invoke-WithProgress {
        # Runs the script in a runspace of its own, connected to the three managers, and returns what each stream
        # received; progress records can only be observed this way.
        param([Parameter(Mandatory)][string]$Script)
        Invoke-DkvTestIsolated -Script $Script -Manager $script:Manager -Collect {
            param($ps, $output)
            [pscustomobject]@{
                Rows     = @($output | Where-Object { $null -ne $_ -and $_.PSObject.TypeNames -contains 'Clustron.Dkv.StopResult' })
                Errors   = @($ps.Streams.Error)
                Verbose  = @($ps.Streams.Verbose | ForEach-Object Message)
                Warnings = @($ps.Streams.Warning | ForEach-Object Message)
                Progress = @($ps.Streams.Progress)
            }
        }
    }
}

Describe 'Safe stops' -Tag OwnManager {
    BeforeAll {
        # Graceful stops that visibly take time: 200 ms per partition replica handed off (about 1.6 s a node).
        $script:Manager = Start-DkvTestManager -ArgumentList '--migration-ms', '200'
    }

    AfterAll {
        Stop-DkvTestManager $script:Manager
    }

    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
        $Error.Clear()
    }

    It 'a graceful stop shows the migrations remaining as progress, checks safety and loses nothing' {
        $run = Invoke-WithProgress 'Stop-DkvStore -Name OrdersStore -InstanceName orders-1 -Verbose'
        $run.Errors | Should -BeNullOrEmpty
        @($run.Rows.Result) | Should -Be @('SUCCESS')
        @($run.Progress | Where-Object { "$($_.CurrentOperation)" -like '*migrations remaining*' }).Count | Should -BeGreaterThan 0 -Because (
            'progress: ' + (@($run.Progress | ForEach-Object { '{0} ({1})' -f $_.StatusDescription, $_.CurrentOperation }) -join '; '))
        @($run.Verbose | Where-Object { $_ -like '*/safety -> 200*' }).Count | Should -BeGreaterThan 0
        $accounting = Get-DkvTestAccounting -Manager $script:Manager
        $accounting.lost | Should -Be 0
        $accounting.migrations | Should -BeGreaterThan 0
        $stops = Get-DkvTestLog -Manager $script:Manager -Stops
        @($stops | ForEach-Object query) | Should -Be @('')
    }

    It 'a whole-store stop makes the store passive first and moves no data' {
        Connect-DkvTestSession $script:Manager
        $run = Split-Stream @(Stop-DkvStore -Name OrdersStore -Verbose 4>&1 3>&1)
        $Error.Count | Should -Be 0
        @($run.Rows.Result) | Should -Be @('SUCCESS', 'SUCCESS', 'SUCCESS')
        @($run.Verbose | Where-Object { $_ -like '*is Passive*' }).Count | Should -BeGreaterThan 0
        $log = Get-DkvTestLog -Manager $script:Manager
        $put = @($log | Where-Object { $_.method -eq 'PUT' -and $_.path -like '*/state' })
        $stops = @($log | Where-Object { $null -ne $_.StopInstance })
        $put.Count | Should -Be 1
        $stops.Count | Should -Be 3
        foreach ($stop in $stops) { $stop.seq | Should -BeGreaterThan $put[0].seq }
        $accounting = Get-DkvTestAccounting -Manager $script:Manager
        $accounting.lost | Should -Be 0
        $accounting.migrations | Should -Be 0
    }

    It 'a graceful stop that runs out of time is a TIMEOUT saying what remained, and is never forced' {
        Connect-DkvTestSession $script:Manager
        $rows = @(Stop-DkvStore -Name OrdersStore -InstanceName orders-2 -TimeoutSec 1 -ErrorVariable failures -ErrorAction SilentlyContinue)
        $rows.Count | Should -Be 1
        $rows[0].Result | Should -Be 'TIMEOUT'
        $rows[0].Message | Should -BeLike '*still Stopping*'
        $rows[0].Message | Should -BeLike '*migrations remaining*'
        $failures.Count | Should -Be 1
        $Error.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'StopTimedOut,Stop-DkvStore'
        $stops = Get-DkvTestLog -Manager $script:Manager -Stops
        $stops.Count | Should -BeGreaterThan 0
        @($stops | Where-Object query -NE '').Count | Should -Be 0 -Because 'a graceful stop is never forced'
        $accounting = Get-DkvTestAccounting -Manager $script:Manager
        $accounting.lost | Should -Be 0
        $live = Get-DkvLive
        $live.Allocations | Should -Be 0
        $live.Operations | Should -Be 0
    }

    It '-Force on an unsafe store says data may be lost' {
        Connect-DkvTestSession $script:Manager
        # Killing one node makes the survivors rebuild its backups: the store is unsafe for a while.
        $first = @(Stop-DkvStore -Name OrdersStore -InstanceName orders-1 -Force)
        @($first.Result) | Should -Be @('SUCCESS')
        $first[0].Message | Should -Not -BeLike '*data may be lost*' -Because 'the store was safe before the first forced stop'
        $second = @(Stop-DkvStore -Name OrdersStore -InstanceName orders-2 -Force)
        @($second.Result) | Should -Be @('SUCCESS')
        $second[0].Message | Should -BeLike '*data may be lost: store was not safe*'
        $stops = Get-DkvTestLog -Manager $script:Manager -Stops
        @($stops | ForEach-Object query) | Should -Be @('force=true', 'force=true')
    }

    It 'a forced whole-store stop asks for safety once and says data may be lost on one row when the store was not safe' {
        Connect-DkvTestSession $script:Manager
        $null = Stop-DkvStore -Name OrdersStore -InstanceName orders-1 -Force
        Clear-DkvTestLog $script:Manager
        $rows = @(Stop-DkvStore -Name OrdersStore -Force)
        @($rows.Result) | Should -Be @('SUCCESS', 'SUCCESS', 'SUCCESS')
        $told = @($rows | Where-Object Message -Like '*data may be lost: store was not safe*')
        $told.Count | Should -Be 1 -Because ('once per operation: ' + (@($rows.Message) -join ' | '))
        $told[0].Instance | Should -Not -Be 'orders-1' -Because 'orders-1 was already stopped (409): that stop put nothing at risk'
        $log = Get-DkvTestLog -Manager $script:Manager
        $safety = @($log | Where-Object { $_.method -eq 'GET' -and $_.path.EndsWith('/safety') })
        $safety.Count | Should -Be 1
        $safety[0].seq | Should -BeLessThan (@($log | Where-Object { $null -ne $_.StopInstance } | ForEach-Object seq) | Sort-Object | Select-Object -First 1)
    }

    It 'a forced whole-store stop of a safe store asks for safety once and does not warn' {
        Connect-DkvTestSession $script:Manager
        $rows = @(Stop-DkvStore -Name OrdersStore -Force)
        @($rows.Result) | Should -Be @('SUCCESS', 'SUCCESS', 'SUCCESS')
        @($rows | Where-Object Message -Like '*data may be lost*').Count | Should -Be 0 -Because (@($rows.Message) -join ' | ')
        $log = Get-DkvTestLog -Manager $script:Manager
        $safety = @($log | Where-Object { $_.method -eq 'GET' -and $_.path.EndsWith('/safety') })
        $safety.Count | Should -Be 1
        @($log | Where-Object { $null -ne $_.StopInstance } | ForEach-Object query) | Should -Be @('force=true', 'force=true', 'force=true')
    }
}

Describe 'Managers without the safety and state endpoints' -Tag OwnManager {
    BeforeAll {
        $script:Manager = Start-DkvTestManager -ArgumentList '--no-safety-endpoint', '--no-state-endpoint'
    }

    AfterAll {
        Stop-DkvTestManager $script:Manager
    }

    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
        $Error.Clear()
    }

    It 'a whole-store stop warns that the store cannot be made passive, notes the missing safety check, and stops node by node' {
        Connect-DkvTestSession $script:Manager
        $run = Split-Stream @(Stop-DkvStore -Name OrdersStore -Verbose 4>&1 3>&1)
        $Error.Count | Should -Be 0
        @($run.Rows.Result) | Should -Be @('SUCCESS', 'SUCCESS', 'SUCCESS')
        @($run.Warnings | Where-Object { $_ -like "*cannot make store 'OrdersStore' passive*" }).Count | Should -Be 1
        @($run.Verbose | Where-Object { $_ -like '*has no safety endpoint; stopping without a safety check*' }).Count | Should -BeGreaterThan 0
        $log = Get-DkvTestLog -Manager $script:Manager
        @($log | Where-Object { $null -ne $_.StopInstance }).Count | Should -Be 3
        @($log | Where-Object { $null -ne $_.StopInstance -and $_.query -ne '' }).Count | Should -Be 0 -Because 'the fallback is graceful, never forced'
        @($log | Where-Object { $_.path -like '*/safety' -or $_.path -like '*/state' } | ForEach-Object status | Select-Object -Unique) |
            Should -Be @(404) -Because 'the old manager has neither endpoint'
        @((Get-DkvTestInstance -Manager $script:Manager).instances.status | Select-Object -Unique) | Should -Be @('Stopped')
        (Get-DkvTestAccounting -Manager $script:Manager).lost | Should -Be 0 -Because 'graceful stops one by one lose nothing'
    }

    It 'a single-node stop goes ahead without the safety check' {
        Connect-DkvTestSession $script:Manager
        $run = Split-Stream @(Stop-DkvStore -Name OrdersStore -InstanceName orders-3 -Verbose 4>&1 3>&1)
        $Error.Count | Should -Be 0
        @($run.Rows.Result) | Should -Be @('SUCCESS')
        @($run.Verbose | Where-Object { $_ -like '*has no safety endpoint; stopping without a safety check*' }).Count | Should -BeGreaterThan 0
        Get-DkvTestStatus -Manager $script:Manager -Instance orders-3 | Should -Be 'Stopped'
    }
}
