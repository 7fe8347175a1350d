# What a person sees and gets from the module in a real pwsh console: exit codes, one-line errors, WARNING/VERBOSE
# prefixes, -File arguments, -Confirm answered from standard input, SIGINT (child pwsh processes); and a demo-like
# session typed into an interactive pwsh in tmux (the table, progress drawn and cleared, an error beside the table).
# Ported from the xUnit HostTests, which drove the home-made console host powershell/host/DkvShell; what was
# specific to DkvShell itself is not carried over:
#   - Exit_n_sets_the_exit_code: `exit 7` in DkvShell's runner; pwsh's own behaviour, nothing of the module.
#   - File_invocation_quotes_values_so_they_stay_values: DkvShell's BuildFileInvocation (how it turned -File
#     arguments into a command line); real pwsh binds -File arguments itself (the -File test below).
#   - Choices_match_by_hot_key_or_label: DkvShell's MatchChoice. pwsh's console host has its own matching; hot keys
#     in either case and re-asking on nonsense are checked at a real prompt (ShouldProcess.Tests.ps1).
#   - The_console_ui_answers_a_prompt_from_its_input_and_re_asks_on_nonsense: DkvShell's UI class; the real
#     console's prompt is answered from standard input below and typed in tmux in ShouldProcess.Tests.ps1.
#   - Progress_renders_as_one_status_line_and_is_cleared: DkvShell's "\r<activity>: <status> (<n>%)" rendering;
#     pwsh draws its own progress bar: that it shows the node count during a stop and is gone afterwards is
#     checked in the terminal below.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1", "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
    $script:Manager = Start-DkvTestManager
    $null = Import-DkvTestModule
    $script:ModulePath = (Get-Module Clustron.Dkv).Path | Split-Path -Parent
    $script:ChoiceLine = '[Y] Yes  [A] Yes to All  [N] No  [L] No to All  [S] Suspend  [?] Help'

    function New-DkvChildStart {
        # A ProcessStartInfo for a child pwsh (no profile, no colours) with the given arguments.
        param([Parameter(Mandatory)][string[]]$ArgumentList, [string]$FileName)
        $command = Get-DkvTestPwsh
        if ($FileName) { $start = [System.Diagnostics.ProcessStartInfo]::new($FileName) }
        else {
            $start = [System.Diagnostics.ProcessStartInfo]::new($command[0])
            $command = @($command | Select-Object -Skip 1)
        }
        foreach ($argument in @($command) + @('-NoProfile', '-NoLogo') + $ArgumentList) { $start.ArgumentList.Add($argument) }
        $start.UseShellExecute = $false
        $start.Environment['NO_COLOR'] = '1'
        $start.Environment['TERM'] = 'dumb'
        $start
    }

    function Invoke-DkvConsole {
        <#
        Runs pwsh -Command (the module imported first) or pwsh -File with arguments, writes -InputText to its
        standard input and closes it; returns ExitCode, Output (stdout) and Error (stderr) with "`n" line ends.
        #>
        param([string]$Command, [string]$File, [string[]]$ArgumentList = @(), [string]$InputText, [switch]$NonInteractive)
        $arguments = @()
        if ($NonInteractive) { $arguments += '-NonInteractive' }
        if ($File) { $arguments += @('-File', $File) + $ArgumentList }
        # One line, as typed: pwsh shows an error of a multi-line -Command with its script position.
        else { $arguments += @('-Command', "Import-Module '$($script:ModulePath.Replace("'", "''"))' -ErrorAction Stop; " + $Command) }
        $start = New-DkvChildStart -ArgumentList $arguments
        $start.RedirectStandardInput = $true
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $process = [System.Diagnostics.Process]::Start($start)
        try {
            $stdout = $process.StandardOutput.ReadToEndAsync()
            $stderr = $process.StandardError.ReadToEndAsync()
            if ($InputText) { $process.StandardInput.Write($InputText) }
            $process.StandardInput.Close()
            if (-not $process.WaitForExit(60000)) {
                $process.Kill($true)
                throw "child pwsh did not finish within 60 s: $($stdout.Result)"
            }
            [pscustomobject]@{
                ExitCode = $process.ExitCode
                Output   = $stdout.Result.Replace("`r`n", "`n")
                Error    = $stderr.Result.Replace("`r`n", "`n")
            }
        }
        finally { $process.Dispose() }
    }

    function Get-Line {
        param([AllowEmptyString()][string]$Text)
        @($Text -split "`n" | Where-Object { $_.Trim() })
    }

    function Get-StopRequest {
        @((Get-DkvTestLog $script:Manager -Stops) | Sort-Object StopInstance | ForEach-Object { "$($_.manager) $($_.StopInstance) $($_.query)".TrimEnd() })
    }

    $script:Two = (Get-DkvTestAddressList $script:Manager 2) -join ','
}

AfterAll {
    Stop-DkvTestManager $script:Manager
}

Describe 'pwsh -Command and -File' -Tag ChildProcess {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
    }

    It 'a clean stop exits 0 and shows the table, nothing on standard error' {
        $run = Invoke-DkvConsole -Command "Stop-DkvStore -Name CartStore -Managers $($script:Two)"
        $run.ExitCode | Should -Be 0
        $run.Error | Should -BeNullOrEmpty
        $run.Output | Should -Match ('(?m)^' + [regex]::Escape((Get-DkvTestAddress $script:Manager -Index 0)) + ' StopInstance:cart-1 SUCCESS   Stopped$')
        $run.Output | Should -Match ('(?m)^' + [regex]::Escape((Get-DkvTestAddress $script:Manager -Index 1)) + ' StopInstance:cart-2 SUCCESS   Stopped$')
    }

    It 'no managers: one error line on standard error, exit code 1' {
        $run = Invoke-DkvConsole -Command 'Stop-DkvStore -Name CartStore'
        $run.ExitCode | Should -Be 1
        Get-Line $run.Error | Should -Be @('Stop-DkvStore: No managers connected. Use Connect-DkvManager or specify -Managers.')
        Get-Line $run.Output | Should -BeNullOrEmpty
        Get-StopRequest | Should -BeNullOrEmpty
    }

    It 'a failed node: the rows and one error line shown, exit code 1' {
        Set-DkvTestFault $script:Manager -HostName 127.0.0.12 -Fault 500
        $run = Invoke-DkvConsole -Command "Stop-DkvStore -Name CartStore -Managers $($script:Two)"
        $run.ExitCode | Should -Be 1
        $run.Output | Should -Match 'StopInstance:cart-1 SUCCESS   Stopped'
        $run.Output | Should -Match 'StopInstance:cart-2 FAILED'
        $errors = @(Get-Line $run.Error)
        $errors.Count | Should -Be 1
        $errors[0] | Should -BeLike ("Stop-DkvStore: Stopping node 'cart-2' of store 'CartStore' through {0} failed: *" -f (Get-DkvTestAddress $script:Manager -Index 1))
    }

    It 'warnings and verbose lines are shown with their prefixes' {
        $run = Invoke-DkvConsole -Command ("Connect-DkvManager -Managers '$(Get-DkvTestAddress $script:Manager)' -SkipCertificateCheck | Out-Null; " +
            'Disconnect-DkvManager -Verbose')
        $run.ExitCode | Should -Be 0
        $run.Output | Should -Match '(?m)^WARNING: Certificate verification is off'
        $run.Output | Should -Match '(?m)^VERBOSE: Disconnected from the Clustron DKV managers\.'
    }

    It '-File arguments bind by name, switches included' {
        $script = [System.IO.Path]::Combine($TestDrive, 'stop-node.ps1')
        [System.IO.File]::WriteAllText($script, (
                "param([string]`$Store, [string]`$Node, [switch]`$Force, [string[]]`$Managers)`n" +
                "Import-Module '$($script:ModulePath.Replace("'", "''"))'`n" +
                "Stop-DkvStore -Name `$Store -InstanceName `$Node -Force:`$Force -Managers `$Managers`n"))
        $run = Invoke-DkvConsole -File $script -ArgumentList '-Store', 'OrdersStore', '-Node', 'orders-2', '-Force', '-Managers', (Get-DkvTestAddress $script:Manager -Index 1)
        $run.ExitCode | Should -Be 0
        $run.Error | Should -BeNullOrEmpty
        $run.Output | Should -Match 'StopInstance:orders-2 SUCCESS'
        Get-StopRequest | Should -Be @('127.0.0.12 orders-2 force=true')
    }

    It '-Confirm reads the answers from standard input' {
        $run = Invoke-DkvConsole -Command "Stop-DkvStore -Name CartStore -Confirm -Managers $($script:Two)" -InputText "y`nn`n"
        $run.ExitCode | Should -Be 0
        # The choice line wraps at the 80 columns of a console without a window.
        ([regex]::Matches($run.Output, [regex]::Escape($script:ChoiceLine))).Count | Should -Be 2
        $run.Output | Should -Match 'StopInstance:cart-1 SUCCESS'
        $run.Output | Should -Not -Match 'StopInstance:cart-2'
        Get-StopRequest | Should -Be @('127.0.0.11 cart-1')
    }

    Context '-Confirm where nobody can answer: <Case>' -ForEach @(
        @{ Case = 'standard input closed'; NonInteractive = $false }
        @{ Case = '-NonInteractive'; NonInteractive = $true }
    ) {
        BeforeAll {
            Reset-DkvTestManager $script:Manager
            $script:Run = Invoke-DkvConsole -Command "Stop-DkvStore -Name CartStore -Confirm -Managers $($script:Two)" -NonInteractive:$NonInteractive
            $script:Log = Get-DkvTestLog $script:Manager
        }

        It 'stops nothing' {
            $script:Log | Where-Object method -NE GET | Should -BeNullOrEmpty
            $script:Log | Where-Object StopInstance | Should -BeNullOrEmpty
        }

        It 'fails as one error of Stop-DkvStore and exit code 1' {
            # As a compiled cmdlet does ("New-Item: PowerShell is in NonInteractive mode. ..."). The xUnit
            # DkvShellProcessTests asserted exit code 1 for closed input.
            $errors = @(Get-Line $script:Run.Error | Where-Object { $_ -match '^\S+: ' })
            $errors.Count | Should -Be 1 -Because "one failure is one error; standard error was:`n$($script:Run.Error)"
            $errors[0] | Should -BeLike 'Stop-DkvStore: *'
            $script:Run.ExitCode | Should -Be 1
        }
    }

    It 'SIGINT stops the pipeline: pwsh exits 1 promptly, keeping the rows it showed' {
        # pwsh's formatter holds the first rows to size the columns until a row comes more than 0.3 s after the
        # first, and rows still held when the pipeline stops are never shown: orders-2's manager answers 1 s late,
        # so the table is flowing before orders-3's manager hangs. The bound is the pipeline's deadline plus the
        # process's own shutdown on a loaded machine; ignoring SIGINT would take the whole -TimeoutSec (30 s).
        Set-DkvTestFault $script:Manager -HostName 127.0.0.12 -Fault latency:1000
        Set-DkvTestFault $script:Manager -HostName 127.0.0.13 -Fault hang
        $out = [System.IO.Path]::Combine($TestDrive, 'sigint.out')
        $err = [System.IO.Path]::Combine($TestDrive, 'sigint.err')
        # Through sh so standard output goes to a file that can be read while pwsh runs; exec keeps the process id.
        $start = New-DkvChildStart -FileName /bin/sh -ArgumentList @('-Command',
            "Import-Module '$($script:ModulePath)'; Stop-DkvStore -Name OrdersStore -Managers $((Get-DkvTestAddressList $script:Manager) -join ',')")
        $start.ArgumentList.Insert(0, 'sh')
        $start.ArgumentList.Insert(0, 'exec "$@" >"$DKV_OUT" 2>"$DKV_ERR" </dev/null')
        $start.ArgumentList.Insert(0, '-c')
        $start.Environment['DKV_OUT'] = $out
        $start.Environment['DKV_ERR'] = $err
        $process = [System.Diagnostics.Process]::Start($start)
        try {
            Wait-DkvTestCondition { @((Get-DkvTestLog $script:Manager -Stops) | Where-Object manager -EQ 127.0.0.13).Count -gt 0 } 'the stop of orders-3 is in flight'
            Wait-DkvTestCondition { [System.IO.File]::Exists($out) -and [System.IO.File]::ReadAllText($out) -match 'StopInstance:orders-2' } 'orders-2 is shown' -TimeoutSec 5
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            & /bin/sh -c "kill -INT $($process.Id)"  # the shell's builtin kill: no procps needed
            $process.WaitForExit(30000) | Should -BeTrue
            $took = $watch.Elapsed
            $stdout = [System.IO.File]::ReadAllText($out)
            $stderr = [System.IO.File]::ReadAllText($err)
            $took.TotalSeconds | Should -BeLessThan 3 -Because "pwsh exited $([int]$took.TotalMilliseconds) ms after SIGINT"
            $process.ExitCode | Should -Be 1
            foreach ($node in 'orders-1', 'orders-2') { $stdout | Should -Match "StopInstance:$node SUCCESS   Stopped" }
            $stdout | Should -Not -Match 'StopInstance:orders-3'
            # The store was made Passive first: the console says it stays so, and that orders-3 was not stopped.
            $stdout | Should -Match "WARNING: Store 'OrdersStore' stays Passive: .* Not stopped, or still stopping: orders-3\."
            $stderr | Should -Not -Match 'Exception'
        }
        finally {
            if (-not $process.HasExited) { $process.Kill($true) }
            $process.Dispose()
        }
        Get-DkvTestStatus $script:Manager -Instance orders-3 | Should -Be Running
    }
}

Describe 'An interactive pwsh console' -Tag Terminal {
    BeforeAll {
        $script:Terminal = Start-DkvTestTerminal -Setup "Import-Module '$($script:ModulePath.Replace("'", "''"))' -ErrorAction Stop"
    }

    AfterAll {
        Stop-DkvTestTerminal $script:Terminal
    }

    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
    }

    It 'the demo: Connect-DkvManager shows the session, Stop-DkvStore the exact table' {
        $session = Invoke-DkvTestTerminal -Terminal $script:Terminal -Command "Connect-DkvManager -Managers 127.0.0.11,127.0.0.12,127.0.0.13 -Port $($script:Manager.Port)"
        Get-Line $session | Should -Be @(
            ('Managers             : ' + (@(foreach ($h in $script:Manager.Hosts) { "http://${h}:$($script:Manager.Port)" }) -join ', '))
            "Port                 : $($script:Manager.Port)"
            'TimeoutSec           : 30'
            'Authentication       : Anonymous'
            'SkipCertificateCheck : False')
        $table = Invoke-DkvTestTerminal -Terminal $script:Terminal -Command 'Stop-DkvStore -Name OrdersStore'
        $width = (Get-DkvTestAddress $script:Manager).Length
        $expected = @(
            'Manager'.PadRight($width) + ' Action                Result    Message'
            '-------'.PadRight($width) + ' ------                --------- -------'
            foreach ($index in 0..2) { (Get-DkvTestAddress $script:Manager -Index $index) + " StopInstance:orders-$($index + 1) SUCCESS   Stopped" }
        )
        # A blank line, the table, a blank line before the prompt.
        $table | Should -BeExactly ("`n" + ($expected -join "`n") + "`n")
        Invoke-DkvTestTerminal -Terminal $script:Terminal -Command 'Disconnect-DkvManager' | Should -BeNullOrEmpty
    }

    It 'progress is drawn with the node count while a stop runs, and is gone when it is over' {
        Set-DkvTestFault $script:Manager -HostName 127.0.0.12 -Fault latency:2000
        $at = $script:Terminal.Prompt
        Send-DkvTestTerminal -Terminal $script:Terminal -Text "Stop-DkvStore -Name OrdersStore -Managers $((Get-DkvTestAddressList $script:Manager) -join ',')"
        $null = Wait-DkvTestTerminal -Terminal $script:Terminal -Pattern 'Stopping store OrdersStore \[?\s*1 of 3 nodes done' -TimeoutSec 20
        $script:Terminal.Prompt = $at + 1
        $screen = Wait-DkvTestTerminal -Terminal $script:Terminal -TimeoutSec 30
        $screen | Should -Not -Match 'Stopping store OrdersStore'
        $screen | Should -Not -Match 'nodes done'
        $text = Get-DkvTestTerminalSection -Screen $screen -From $at -To ($at + 1)
        foreach ($node in 'orders-1', 'orders-2', 'orders-3') { $text | Should -Match "StopInstance:$node SUCCESS   Stopped" }
    }

    It 'a failed node: the table stays whole, one error line, one error in $Error' {
        Set-DkvTestFault $script:Manager -HostName 127.0.0.12 -Fault 500
        $text = Invoke-DkvTestTerminal -Terminal $script:Terminal -Command "`$Error.Clear(); Stop-DkvStore -Name OrdersStore -Managers $((Get-DkvTestAddressList $script:Manager) -join ',')"
        $text | Should -Match '(?m)^127\.0\.0\.11:\d+ StopInstance:orders-1 SUCCESS   Stopped$'
        $text | Should -Match '(?m)^127\.0\.0\.12:\d+ StopInstance:orders-2 FAILED    \S'
        $text | Should -Match '(?m)^127\.0\.0\.13:\d+ StopInstance:orders-3 SUCCESS   Stopped$'
        @(Get-Line $text | Where-Object { $_ -like 'Stop-DkvStore: *' }).Count | Should -Be 1
        $text | Should -Match "(?m)^Stop-DkvStore: Stopping node 'orders-2' of store 'OrdersStore' through 127\.0\.0\.12:\d+ failed: "
        $text | Should -Not -Match 'Exception'
        $count = Invoke-DkvTestTerminal -Terminal $script:Terminal -Command '"ERRORS $($Error.Count) $($Error[0].FullyQualifiedErrorId)"'
        $count | Should -Match 'ERRORS 1 StopFailed,Stop-DkvStore'
    }

    It 'no managers: one error line at the prompt, nothing sent' {
        $text = Invoke-DkvTestTerminal -Terminal $script:Terminal -Command 'Disconnect-DkvManager; Stop-DkvStore -Name OrdersStore'
        Get-Line $text | Should -Be @('Stop-DkvStore: No managers connected. Use Connect-DkvManager or specify -Managers.')
        (Get-DkvTestLog $script:Manager).Count | Should -Be 0
    }
}
