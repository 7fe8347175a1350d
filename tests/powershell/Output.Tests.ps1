# What a user sees of Stop-DkvStore in real pwsh: the default table exactly as documented (Output in the contract,
# /work/shared/reference/stop-dkvstore.txt: "Manager Action Result Message", one row per node), the format view's
# columns, the progress records, and one verbose line per request the managers received.
# Ported from the xUnit OutputTests (hosted engine + recording host). The table in a real terminal is in
# Console.Tests.ps1; here it is Out-String -Width 120 in process (what Out-Default prints on a 120-column console)
# and a child pwsh's standard output.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1", "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
    $script:Manager = Start-DkvTestManager
    $null = Import-DkvTestModule

    function Get-ExpectedTable {
        # The table as Out-Default prints it: a blank line, header, dashes, one row per node, two blank lines.
        # Manager is as wide as "127.0.0.11:PORT"; Action as "StopInstance:orders-1"; Result as "CANCELLED".
        param([Parameter(Mandatory)][object[]]$Row)
        $manager = (Get-DkvTestAddress -Manager $script:Manager).Length
        $action = ($Row | ForEach-Object { $_[1].Length } | Measure-Object -Maximum).Maximum
        $line = { param($a, $b, $c, $d) ($a.PadRight($manager) + ' ' + $b.PadRight($action) + ' ' + $c.PadRight(9) + ' ' + $d).TrimEnd() }
        $lines = @(
            & $line 'Manager' 'Action' 'Result' 'Message'
            & $line '-------' '------' '---------' '-------'
            foreach ($r in $Row) { & $line $r[0] $r[1] $r[2] $r[3] }
        )
        "`n" + ($lines -join "`n") + "`n`n"
    }

    function ConvertTo-Lf {
        param([AllowEmptyString()][string]$Text)
        $Text.Replace("`r`n", "`n")
    }
}

AfterAll {
    Stop-DkvTestManager $script:Manager
}

Describe 'The default table' {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
    }

    It 'is exactly the documented table, as Out-Default prints it on a 120-column console' -Tag Windows {
        Connect-DkvTestSession $script:Manager -ByPort
        $text = Stop-DkvStore -Name OrdersStore -ErrorVariable failures | Out-String -Width 120
        $failures | Should -BeNullOrEmpty
        $expected = Get-ExpectedTable -Row @(
            , @((Get-DkvTestAddress $script:Manager -Index 0), 'StopInstance:orders-1', 'SUCCESS', 'Stopped')
            , @((Get-DkvTestAddress $script:Manager -Index 1), 'StopInstance:orders-2', 'SUCCESS', 'Stopped')
            , @((Get-DkvTestAddress $script:Manager -Index 2), 'StopInstance:orders-3', 'SUCCESS', 'Stopped'))
        (ConvertTo-Lf $text) | Should -BeExactly $expected
    }

    It 'is printed exactly so on the standard output of a pwsh console' -Tag ChildProcess {
        $child = Invoke-DkvChildPwsh -Script ("`$null = Connect-DkvManager -Managers $($script:Manager.Hosts -join ',') -Port $($script:Manager.Port)`n" +
            'Stop-DkvStore -Name CartStore')
        $child.Error | Should -BeNullOrEmpty
        $child.ExitCode | Should -Be 0
        $expected = Get-ExpectedTable -Row @(
            , @((Get-DkvTestAddress $script:Manager -Index 0), 'StopInstance:cart-1', 'SUCCESS', 'Stopped')
            , @((Get-DkvTestAddress $script:Manager -Index 1), 'StopInstance:cart-2', 'SUCCESS', 'Stopped'))
        (ConvertTo-Lf $child.Output) | Should -BeExactly $expected
    }

    It 'shows every result in full: a later FAILED or CANCELLED row is not cut to the width of the first rows' -Tag Windows {
        # orders-1 is reported at once, orders-2 a second later (its manager hangs, and gets its share of the time) and orders-3 CANCELLED
        # (-FailFast): the formatter has sized the columns from orders-1 alone by then. The script block catches
        # -FailFast's terminating error so Out-String, like Out-Default at a prompt, prints the rows it received.
        Set-DkvTestFault $script:Manager -HostName 127.0.0.12 -Fault hang
        Connect-DkvTestSession $script:Manager -ByPort
        $script:Caught = $null
        $text = ConvertTo-Lf (& {
                try { Stop-DkvStore -Name OrdersStore -FailFast -TimeoutSec 2 -ErrorAction SilentlyContinue -WarningAction SilentlyContinue }
                catch { $script:Caught = $_ }
            } | Out-String -Width 120)
        $script:Caught.FullyQualifiedErrorId | Should -BeExactly 'StopFailed,Stop-DkvStore'
        $text | Should -Match '(?m)^127\.0\.0\.11:\d+ StopInstance:orders-1 SUCCESS   Stopped$'
        $text | Should -Match '(?m)^127\.0\.0\.12:\d+ StopInstance:orders-2 FAILED    no answer from manager 127\.0\.0\.12:\d+ to the stop request'
        $text | Should -Match '(?m)^127\.0\.0\.13:\d+ StopInstance:orders-3 CANCELLED \S'
    }

    It 'keeps its rows whole when a node fails (the error is one record beside the table)' -Tag Windows {
        Set-DkvTestFault $script:Manager -HostName 127.0.0.12 -Fault 500
        Connect-DkvTestSession $script:Manager -ByPort
        $text = ConvertTo-Lf (Stop-DkvStore -Name OrdersStore -ErrorVariable failures -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-String -Width 120)
        @($failures).Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeExactly 'StopFailed,Stop-DkvStore'
        $address2 = [regex]::Escape((Get-DkvTestAddress $script:Manager -Index 1))
        $address3 = [regex]::Escape((Get-DkvTestAddress $script:Manager -Index 2))
        $text | Should -Match "(?m)^$address2 StopInstance:orders-2 FAILED    \S"
        $text | Should -Match "(?m)^$address3 StopInstance:orders-3 SUCCESS   Stopped$"
    }
}

Describe 'The format views' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
    }

    It 'the StopResult view has the documented columns, Result padded to the widest result (CANCELLED)' {
        $view = Get-FormatData -TypeName Clustron.Dkv.StopResult
        $view | Should -Not -BeNullOrEmpty
        $table = $view.FormatViewDefinition | Where-Object { $_.Control -is [System.Management.Automation.TableControl] }
        @($table).Count | Should -Be 1
        @($table.Control.Headers | ForEach-Object { $_.Label.Trim() }) | Should -Be @('Manager', 'Action', 'Result', 'Message')
        @($table.Control.Headers | ForEach-Object Label)[2].Length | Should -Be 'CANCELLED'.Length
        @($table.Control.Rows[0].Columns | ForEach-Object { $_.DisplayEntry.Value }) | Should -Be @('Manager', 'Action', 'Result', 'Message')
    }

    It 'a store shows as Name, State, Safe, Manager, Nodes, Instances and a node as its contract columns' {
        Connect-DkvTestSession $script:Manager -ByPort
        $text = ConvertTo-Lf (Get-DkvStore -Name OrdersStore | Out-String -Width 120)
        $lines = @(($text -split "`n") | Where-Object { $_ })
        $lines[0] | Should -Match '^Name +State +Safe +Manager +Nodes +Instances$'
        $lines[2] | Should -Match '^OrdersStore +Active +Yes +127\.0\.0\.11:\d+ +3 +orders-1 \(Running\), orders-2 \(Running\), orders-3 \(Running\)$'
        $nodes = ConvertTo-Lf ((Get-DkvStore -Name OrdersStore).Instances | Out-String -Width 120)
        $nodeLines = @(($nodes -split "`n") | Where-Object { $_ })
        $nodeLines[0] | Should -Match '^Store +InstanceName +Server +ClustronPort +ClientPort +Status$'
        $nodeLines[2] | Should -Match '^OrdersStore +orders-1 +127\.0\.0\.11 +7811 +7861 +Running$'
        $nodeLines.Count | Should -Be 5
    }
}

Describe 'Progress' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
    }

    It 'is reported per node under one activity, percent never going back, and completed once at the end' {
        # In a runspace of this pwsh, whose PowerShell.Streams.Progress keeps every record the host would draw.
        # orders-2's manager answers 0.6 s late, so the progress is written while nodes are still pending.
        Set-DkvTestFault $script:Manager -HostName 127.0.0.12 -Fault latency:600
        $runspace = New-DkvTestRunspace -Manager $script:Manager
        try {
            $run = Invoke-DkvTestRunspace -Runspace $runspace -Script 'Stop-DkvStore -Name OrdersStore'
            $run.Errors | Should -BeNullOrEmpty
            $run.Output.Count | Should -Be 3
            $progress = $run.Progress
            $progress | ForEach-Object { Write-Verbose ("{0} [{1}] {2}: {3} ({4}%)" -f $_.RecordType, $_.ActivityId, $_.Activity, $_.StatusDescription, $_.PercentComplete) }
            $progress.Count | Should -BeGreaterThan 1
            $progress | ForEach-Object { $_.Activity | Should -BeExactly 'Stopping store OrdersStore' }
            @($progress | ForEach-Object ActivityId | Select-Object -Unique).Count | Should -Be 1
            $processing = @($progress | Where-Object RecordType -EQ Processing)
            $processing.Count | Should -BeGreaterThan 1
            @($processing | Where-Object { $_.StatusDescription -match '^[0-2] of 3 nodes done$' }).Count | Should -BeGreaterThan 0
            $processing | ForEach-Object { $_.StatusDescription | Should -Match '^[0-3] of 3 nodes done$' }
            $percents = @($processing | ForEach-Object PercentComplete | Where-Object { $_ -ge 0 })
            $percents | Should -Be @($percents | Sort-Object)
            $progress[-1].RecordType | Should -Be Completed
            @($progress | Where-Object RecordType -EQ Completed).Count | Should -Be 1
        }
        finally { $runspace.Dispose() }
    }
}

Describe 'Verbose' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
    }

    It 'shows a line for every request the managers received: method, URL, status' {
        Connect-DkvTestSession $script:Manager -ByPort
        $verbose = @(Stop-DkvStore -Name OrdersStore -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $verbose += @(Stop-DkvStore -Name CartStore -InstanceName cart-2 -Force -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $requests = Get-DkvTestLog $script:Manager
        $requests.Count | Should -BeGreaterThan 9
        $requests | Where-Object query -EQ 'force=true' | Should -Not -BeNullOrEmpty
        foreach ($request in $requests) {
            $url = '{0} http://{1}:{2}{3}' -f $request.method, $request.manager, $script:Manager.Port, $request.path
            if ($request.query) { $url += '?' + $request.query }
            $url += " -> $($request.status)"
            $seen = @($verbose | Where-Object { $_.StartsWith($url + ' ') -or $_ -eq $url })
            $seen.Count | Should -BeGreaterThan 0 -Because "'$url' should have a verbose line in:`n  $($verbose -join "`n  ")"
        }
    }

    It 'writes no verbose line without -Verbose' {
        Connect-DkvTestSession $script:Manager -ByPort
        $rows = @(Stop-DkvStore -Name OrdersStore 4>&1)
        $rows.Count | Should -Be 3
        $rows | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Should -BeNullOrEmpty
    }
}
