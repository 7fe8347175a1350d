# Credentials reach the manager as an Authorization header and nowhere else: not in output, errors, verbose,
# warnings, progress, information, the session object, $Error or the console. -SkipCertificateCheck is explicit and
# warns. Ported from the xUnit SecurityTests, which observed the header with a one-request HTTP server on loopback
# (the reference manager does not log headers): Start-HeaderRecorder is that server.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1", "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
    $script:Manager = Start-DkvTestManager
    $null = Import-DkvTestModule

    $script:Secret = 'tok-S3CR3T-9f41c'

    function Start-HeaderRecorder {
        # An HTTP server on 127.0.0.1 (free port) that records each request's head and answers 404 StoreNotFound.
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $heads = [System.Collections.ArrayList]::Synchronized([System.Collections.ArrayList]::new())
        $serve = {
            param($Listener, $Heads)
            while ($true) {
                try { $client = $Listener.AcceptTcpClient() } catch { return }
                try {
                    $stream = $client.GetStream()
                    $stream.ReadTimeout = 5000
                    $head = [System.Text.StringBuilder]::new()
                    $buffer = [byte[]]::new(4096)
                    while (-not $head.ToString().Contains("`r`n`r`n")) {
                        $n = $stream.Read($buffer, 0, $buffer.Length)
                        if ($n -le 0) { break }
                        $null = $head.Append([System.Text.Encoding]::ASCII.GetString($buffer, 0, $n))
                    }
                    $null = $Heads.Add($head.ToString())
                    $body = [System.Text.Encoding]::UTF8.GetBytes('{"error":{"code":"StoreNotFound","message":"Store ''S'' was not found."}}')
                    $answer = [System.Text.Encoding]::ASCII.GetBytes(
                        "HTTP/1.1 404 Not Found`r`nContent-Type: application/json`r`nContent-Length: $($body.Length)`r`nConnection: close`r`n`r`n")
                    $stream.Write($answer, 0, $answer.Length)
                    $stream.Write($body, 0, $body.Length)
                }
                catch { $null = $_ }
                finally { $client.Dispose() }
            }
        }
        $ps = [powershell]::Create()
        $null = $ps.AddScript($serve.ToString()).AddArgument($listener).AddArgument($heads)
        $pending = $ps.BeginInvoke()
        [pscustomobject]@{ Listener = $listener; Heads = $heads; PowerShell = $ps; Pending = $pending; Port = $listener.LocalEndpoint.Port }
    }

    function Stop-HeaderRecorder {
        param([Parameter(Mandatory)][psobject]$Recorder)
        $Recorder.Listener.Stop()
        $null = $Recorder.Pending.AsyncWaitHandle.WaitOne(5000)
        $Recorder.PowerShell.Dispose()
    }

    function Invoke-Isolated {
        <#
        Runs the script in a runspace of its own with the module imported, and returns its output and everything a
        user or a transcript could see of it as one text (Shown): every stream (progress included), each output
        object's properties and formatted view, each error's text, exception and target, and $Error afterwards.
        #>
        param([Parameter(Mandatory)][string]$Script)
        Invoke-DkvTestIsolated -Script $Script -Collect {
            param($ps, $output, $runspace)
            $parts = [System.Collections.Generic.List[string]]::new()
            foreach ($object in $output) {
                if ($null -eq $object) { continue }
                $parts.Add([string]$object)
                foreach ($property in $object.PSObject.Properties) { $parts.Add(('{0}={1}' -f $property.Name, (@($property.Value) -join ','))) }
            }
            foreach ($record in $ps.Streams.Error) {
                $parts.Add($record.ToString()); $parts.Add($record.Exception.ToString()); $parts.Add([string]$record.TargetObject)
            }
            foreach ($record in $ps.Streams.Verbose) { $parts.Add('VERBOSE: ' + $record.Message) }
            foreach ($record in $ps.Streams.Warning) { $parts.Add('WARNING: ' + $record.Message) }
            foreach ($record in $ps.Streams.Debug) { $parts.Add('DEBUG: ' + $record.Message) }
            foreach ($record in $ps.Streams.Information) { $parts.Add('INFO: ' + [string]$record.MessageData) }
            foreach ($record in $ps.Streams.Progress) {
                $parts.Add(('PROGRESS: {0}: {1} ({2})' -f $record.Activity, $record.StatusDescription, $record.CurrentOperation))
            }
            $result = [pscustomobject]@{
                Output   = $output
                Errors   = @($ps.Streams.Error)
                Verbose  = @($ps.Streams.Verbose | ForEach-Object Message)
                Warnings = @($ps.Streams.Warning | ForEach-Object Message)
                Progress = @($ps.Streams.Progress)
                Shown    = $null
            }
            $after = [powershell]::Create()
            $after.Runspace = $runspace
            $null = $after.AddScript(@'
foreach ($e in $global:Error) { $e.ToString(); $e.Exception.ToString(); [string]$e.TargetObject }
$global:Error.Count
'@)
            foreach ($line in $after.Invoke()) { $parts.Add([string]$line) }
            $after.Dispose()
            $result.Shown = $parts -join "`n"
            $result
        }
    }

    function Get-SecureStringScript {
        # Script text that builds a SecureString variable without the secret ever being a plain variable.
        param([string]$Variable, [string]$Text)
        "`${0} = [System.Security.SecureString]::new(); foreach (`$c in '{1}'.ToCharArray()) {{ `${0}.AppendChar(`$c) }}`n" -f $Variable, $Text
    }
}

AfterAll {
    Stop-DkvTestManager $script:Manager
}

Describe 'Credentials' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
        $script:Recorder = Start-HeaderRecorder
    }

    AfterEach {
        Stop-HeaderRecorder $script:Recorder
    }

    It 'a token is sent as a Bearer header and shown nowhere' {
        $run = Invoke-Isolated ((Get-SecureStringScript 'token' $script:Secret) + @"
Connect-DkvManager -Managers 127.0.0.1:$($script:Recorder.Port) -Token `$token -Verbose
Get-DkvStore -Name S -Verbose
Stop-DkvStore -Name S -Verbose
"@)
        $heads = @($script:Recorder.Heads)
        $heads.Count | Should -BeGreaterThan 0
        @($heads | Where-Object { $_.Contains("Authorization: Bearer $($script:Secret)`r`n") }).Count | Should -Be $heads.Count -Because 'every request carries the token'
        @($run.Errors | Where-Object { $_.FullyQualifiedErrorId -like 'StoreNotFound,*' }).Count | Should -Be 2
        $run.Shown | Should -Not -BeLike "*$($script:Secret)*"
        $session = @($run.Output | Where-Object { $_.PSObject.TypeNames -contains 'Clustron.Dkv.Session' })
        $session.Count | Should -Be 1
        $session[0].Authentication | Should -Be 'Token'
    }

    It 'a credential is sent as HTTP Basic authorization and shown nowhere' {
        $run = Invoke-Isolated ((Get-SecureStringScript 'password' $script:Secret) + @"
`$credential = [pscredential]::new('dkv-admin', `$password)
Connect-DkvManager -Managers 127.0.0.1:$($script:Recorder.Port) -Credential `$credential
Get-DkvStore -Name S -Verbose
"@)
        $expected = [Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes("dkv-admin:$($script:Secret)"))
        $heads = @($script:Recorder.Heads)
        $heads.Count | Should -BeGreaterThan 0
        @($heads | Where-Object { $_.Contains("Authorization: Basic $expected`r`n") }).Count | Should -Be $heads.Count
        $run.Shown | Should -Not -BeLike "*$($script:Secret)*"
        $run.Shown | Should -Not -BeLike "*$expected*"
        ($run.Output | Where-Object { $_.PSObject.TypeNames -contains 'Clustron.Dkv.Session' }).Authentication | Should -Be 'Credential'
    }

    It 'a stop with a token against a failing manager keeps it out of every stream' {
        Set-DkvTestFault -Manager $script:Manager -HostName 127.0.0.12 -Fault 500
        $run = Invoke-Isolated ((Get-SecureStringScript 'token' $script:Secret) + @"
`$null = Connect-DkvManager -Managers 127.0.0.11,127.0.0.12,127.0.0.13 -Port $($script:Manager.Port) -Token `$token
Stop-DkvStore -Name OrdersStore -Verbose | Out-String -Width 200
"@)
        $table = @($run.Output | Where-Object { $_ -is [string] }) -join "`n"
        $table | Should -BeLike '*StopInstance:orders-2*FAILED*'
        $run.Verbose.Count | Should -BeGreaterThan 0
        $run.Progress.Count | Should -BeGreaterThan 0
        @($run.Errors | ForEach-Object FullyQualifiedErrorId) | Should -Be @('StopFailed,Stop-DkvStore')
        $run.Shown | Should -Not -BeLike "*$($script:Secret)*"
    }
}

Describe 'Credentials on the console' -Tag ChildProcess {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
    }

    It 'a console running a failing stop with a token never prints it' {
        Set-DkvTestFault -Manager $script:Manager -HostName 127.0.0.12 -Fault 500
        $result = Invoke-DkvChildPwsh ((Get-SecureStringScript 'token' $script:Secret) + @"
`$null = Connect-DkvManager -Managers 127.0.0.11,127.0.0.12,127.0.0.13 -Port $($script:Manager.Port) -Token `$token
Stop-DkvStore -Name OrdersStore -Verbose
`$Error | ForEach-Object { `$_.ToString(); `$_.Exception.ToString() }
"@)
        $shown = $result.Output + "`n" + $result.Error
        $shown | Should -BeLike '*StopInstance:orders-2*FAILED*'
        $shown | Should -BeLike '*VERBOSE:*'
        $shown | Should -Not -BeLike "*$($script:Secret)*"
    }
}

Describe 'Certificate checks' -Tag Windows {
    BeforeEach {
        Disconnect-DkvManager
    }

    It 'are on by default, and -SkipCertificateCheck is explicit and warns' {
        $plain = Connect-DkvManager -Managers https://127.0.0.1:7443 -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings.Count | Should -Be 0
        $plain.SkipCertificateCheck | Should -BeFalse
        $skipped = Connect-DkvManager -Managers https://127.0.0.1:7443 -SkipCertificateCheck -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings.Count | Should -Be 1
        "$($warnings[0])" | Should -BeLike '*-SkipCertificateCheck*'
        "$($warnings[0])" | Should -BeLike '*test systems*'
        $skipped.SkipCertificateCheck | Should -BeTrue
        @($skipped.Managers) | Should -Be @('https://127.0.0.1:7443')
    }
}
