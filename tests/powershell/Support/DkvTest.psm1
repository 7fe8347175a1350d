# Test support for the Clustron.Dkv Pester suite: the reference manager (examples/refmanager) as a child process,
# its /_control endpoints (request log, faults, reset, node states, data accounting), the module under test, a
# child pwsh for what a console shows, and a tmux terminal for what a person types.
#
# Environment (set by tests/powershell/run.sh or tests/windows/pwsh.sh; all optional):
#   DKV_TEST_REPO            repository root (default: two folders above this file)
#   DKV_TEST_MODULE          the module to import (default: <repo>/dist/Clustron.Dkv)
#   DKV_TEST_REFMANAGER      the dkv-refmanager binary (default: <repo>/target/debug/dkv-refmanager)
#   DKV_TEST_MANAGER_PORT    use an already running reference manager on this port (127.0.0.11-13, demo layout)
#                            instead of starting one; tests that need their own flags are then skipped (tag
#                            OwnManager), because a running manager cannot change its flags.
#   DKV_TEST_PWSH            the command line of a child pwsh (default: this pwsh)

Set-StrictMode -Version Latest

$script:Hosts = @('127.0.0.11', '127.0.0.12', '127.0.0.13')
$script:Http = $null

function Get-DkvTestRepo {
    if ($env:DKV_TEST_REPO) { return [System.IO.Path]::GetFullPath($env:DKV_TEST_REPO) }
    [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..', '..'))
}

function Get-DkvTestModulePath {
    if ($env:DKV_TEST_MODULE) { return $env:DKV_TEST_MODULE }
    [System.IO.Path]::Combine((Get-DkvTestRepo), 'dist', 'Clustron.Dkv')
}

function Import-DkvTestModule {
    # A fresh copy of the module in the caller's session (so no session or completion cache leaks between files).
    Get-Module Clustron.Dkv | Remove-Module -Force
    Import-Module (Get-DkvTestModulePath) -Force -PassThru -ErrorAction Stop -Global
}

function Get-DkvLive {
    # What the module holds natively right now (HGlobal blocks, operation handles): both 0 between commands.
    $live = & (Get-Module Clustron.Dkv) { $script:DkvLive }
    [pscustomobject]@{ Allocations = $live.Allocations; Operations = $live.Operations }
}

function Test-DkvExternalManager { [bool]$env:DKV_TEST_MANAGER_PORT }

function Get-DkvHttp {
    if ($null -eq $script:Http) {
        $handler = [System.Net.Http.SocketsHttpHandler]::new()
        $handler.UseProxy = $false
        $script:Http = [System.Net.Http.HttpClient]::new($handler)
        $script:Http.Timeout = [TimeSpan]::FromSeconds(10)
    }
    $script:Http
}

function Start-DkvTestManager {
    <#
    Starts dkv-refmanager on 127.0.0.11-13 with a free common port and the demo layout (OrdersStore: orders-1/2/3
    on .11/.12/.13; CartStore: cart-1 on .11, cart-2 on .12), or adopts DKV_TEST_MANAGER_PORT's running one
    (reset to the initial layout). Returns the manager object the other functions take.
    #>
    param(
        [string[]]$ArgumentList = @(),
        [string[]]$Hosts = $script:Hosts,
        [string]$Layout = 'demo'
    )
    if ((Test-DkvExternalManager) -and $ArgumentList.Count -eq 0 -and $Layout -eq 'demo' -and
        ($Hosts -join ',') -eq ($script:Hosts -join ',')) {
        $manager = [pscustomobject]@{ Port = [int]$env:DKV_TEST_MANAGER_PORT; Hosts = $Hosts; Process = $null; Directory = $null }
        Reset-DkvTestManager -Manager $manager
        return $manager
    }
    $binary = $env:DKV_TEST_REFMANAGER
    if (-not $binary) {
        $binary = [System.IO.Path]::Combine((Get-DkvTestRepo), 'target', 'debug', 'dkv-refmanager')
    }
    if (-not [System.IO.File]::Exists($binary)) {
        throw "The reference manager is not built ($binary): run 'cargo build -p dkv-refmanager'."
    }
    $directory = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'dkv-refmanager-' + [Guid]::NewGuid().ToString('N'))
    $null = [System.IO.Directory]::CreateDirectory($directory)
    $readyFile = [System.IO.Path]::Combine($directory, 'port')
    $start = [System.Diagnostics.ProcessStartInfo]::new($binary)
    foreach ($argument in @('--hosts', ($Hosts -join ','), '--port', '0', '--ready-file', $readyFile, '--layout', $Layout, '--quiet') + $ArgumentList) {
        $start.ArgumentList.Add($argument)
    }
    $start.UseShellExecute = $false
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($start)
    # Drain both pipes so a chatty manager never blocks on a full pipe.
    $null = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    while (-not [System.IO.File]::Exists($readyFile)) {
        if ($process.HasExited) { throw "dkv-refmanager exited with $($process.ExitCode): $($stderr.Result)" }
        if ($watch.Elapsed.TotalSeconds -gt 30) {
            $process.Kill()
            throw "dkv-refmanager did not write $readyFile within 30 s"
        }
        [System.Threading.Thread]::Sleep(20)
    }
    $port = [int]([System.IO.File]::ReadAllText($readyFile).Trim())
    [pscustomobject]@{ Port = $port; Hosts = $Hosts; Process = $process; Directory = $directory }
}

function Stop-DkvTestManager {
    param([Parameter(Mandatory)][AllowNull()][psobject]$Manager)
    if ($null -eq $Manager -or $null -eq $Manager.Process) { return }
    try {
        if (-not $Manager.Process.HasExited) {
            $Manager.Process.Kill()
            $null = $Manager.Process.WaitForExit(5000)
        }
    }
    catch [System.InvalidOperationException] { $null = $_ }
    $Manager.Process.Dispose()
    try { [System.IO.Directory]::Delete($Manager.Directory, $true) } catch { $null = $_ }
}

function Get-DkvTestAddress {
    # "127.0.0.11:PORT", as the Manager column shows it; -Index 0..2 or -Host.
    param([Parameter(Mandatory)][psobject]$Manager, [int]$Index = 0, [string]$HostName)
    if (-not $HostName) { $HostName = $Manager.Hosts[$Index] }
    '{0}:{1}' -f $HostName, $Manager.Port
}

function Get-DkvTestAddressList {
    # The first Count managers' addresses with the port, for -Managers.
    param([Parameter(Mandatory)][psobject]$Manager, [int]$Count = 3)
    [string[]]@(for ($i = 0; $i -lt $Count; $i++) { Get-DkvTestAddress -Manager $Manager -Index $i })
}

function Invoke-DkvControl {
    param(
        [Parameter(Mandatory)][psobject]$Manager,
        [Parameter(Mandatory)][ValidateSet('GET', 'POST')][string]$Method,
        [Parameter(Mandatory)][string]$Path,
        [string]$Body = '{}'
    )
    $uri = 'http://{0}:{1}/_control/{2}' -f $Manager.Hosts[0], $Manager.Port, $Path
    $http = Get-DkvHttp
    if ($Method -eq 'GET') { $response = $http.GetAsync($uri).GetAwaiter().GetResult() }
    else {
        $content = [System.Net.Http.StringContent]::new($Body, [System.Text.Encoding]::UTF8, 'application/json')
        $response = $http.PostAsync($uri, $content).GetAwaiter().GetResult()
    }
    try {
        $text = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
        if (-not $response.IsSuccessStatusCode) { throw "$Method /_control/$Path $Body -> $([int]$response.StatusCode) $text" }
        $text | ConvertFrom-Json
    }
    finally { $response.Dispose() }
}

function Reset-DkvTestManager {
    # Initial layout, every store Active, no faults, an empty request log.
    param([Parameter(Mandatory)][psobject]$Manager)
    $null = Invoke-DkvControl -Manager $Manager -Method POST -Path 'reset'
    $null = Invoke-DkvControl -Manager $Manager -Method POST -Path 'log/clear'
}

function Clear-DkvTestLog {
    param([Parameter(Mandatory)][psobject]$Manager)
    $null = Invoke-DkvControl -Manager $Manager -Method POST -Path 'log/clear'
}

function Set-DkvTestFault {
    # none | hang | 500 | malformed | reset | drip | latency:MS (examples/refmanager/README.md)
    param([Parameter(Mandatory)][psobject]$Manager, [Parameter(Mandatory)][string]$HostName, [Parameter(Mandatory)][string]$Fault)
    $body = @{ host = $HostName; fault = $Fault } | ConvertTo-Json -Compress
    $null = Invoke-DkvControl -Manager $Manager -Method POST -Path 'fault' -Body $body
}

function Set-DkvTestStoreState {
    param([Parameter(Mandatory)][psobject]$Manager, [Parameter(Mandatory)][string]$Store, [Parameter(Mandatory)][string]$State)
    $body = @{ state = $State } | ConvertTo-Json -Compress
    $null = Invoke-DkvControl -Manager $Manager -Method POST -Path ('state/' + [Uri]::EscapeDataString($Store)) -Body $body
}

function Get-DkvTestLog {
    <#
    The manager's request log, oldest first: seq, manager, method, path (percent-encoded), query, status (0 = none
    sent), startMs, endMs, fault; plus StopInstance (the node of a POST .../instances/{node}/stop, else $null).
    -Stops keeps only stop requests.
    #>
    param([Parameter(Mandatory)][psobject]$Manager, [switch]$Stops)
    $log = @(Invoke-DkvControl -Manager $Manager -Method GET -Path 'log')
    $rows = foreach ($request in $log) {
        $instance = $null
        if ($request.method -eq 'POST' -and $request.path.EndsWith('/stop')) {
            $parts = $request.path.Split('/')
            $instance = [Uri]::UnescapeDataString($parts[$parts.Length - 2])
        }
        $request | Add-Member -NotePropertyName StopInstance -NotePropertyValue $instance -PassThru
    }
    $rows = @($rows | Sort-Object seq)
    if ($Stops) { $rows = @($rows | Where-Object { $null -ne $_.StopInstance }) }
    , $rows
}

function Get-DkvTestNow {
    # This process's monotonic clock (Stopwatch ticks): the moment a command returned, for Get-DkvTestLateRequest.
    [System.Diagnostics.Stopwatch]::GetTimestamp()
}

function Get-DkvTestClock {
    <#
    Where this process's Stopwatch stands on the manager's clock (the log's startMs: ms since the manager started):
    five round trips to GET /_control/clock, keeping the shortest. Returns {OffsetMs, ErrorMs}: manager ms =
    Stopwatch ms + OffsetMs, to within ErrorMs (half that round trip). Both clocks are monotonic, so the offset
    holds for the whole run.
    #>
    param([Parameter(Mandatory)][psobject]$Manager)
    $frequency = [double][System.Diagnostics.Stopwatch]::Frequency
    $best = $null
    for ($i = 0; $i -lt 5; $i++) {
        $before = [System.Diagnostics.Stopwatch]::GetTimestamp()
        $now = [double](Invoke-DkvControl -Manager $Manager -Method GET -Path 'clock').nowMs
        $after = [System.Diagnostics.Stopwatch]::GetTimestamp()
        $roundTrip = ($after - $before) * 1000.0 / $frequency
        if ($null -eq $best -or $roundTrip / 2 -lt $best.ErrorMs) {
            $best = [pscustomobject]@{ OffsetMs = $now - (($before + $after) / 2.0) * 1000.0 / $frequency; ErrorMs = $roundTrip / 2 }
        }
    }
    $best
}

function Get-DkvTestLateRequest {
    <#
    The requests that reached the manager after a command returned at -ReturnedAt (Get-DkvTestNow, taken in this
    process or, on the same Linux machine, in a child pwsh: Stopwatch is CLOCK_MONOTONIC there), after watching
    for -WatchMs. Each request's arrival (startMs) is compared with the moment the command returned, placed on
    the manager's clock (Get-DkvTestClock), as tests/resilience.rs does with RefManager::now_ms: a count or a
    snapshot of the log taken after the return would miss a request sent in between. -MarginMs is the time
    between a request leaving and the manager having read it (the chaos soak allows 50 ms in one process; here
    100 ms, across processes), plus the clock's error. Returns "manager METHOD path?query +N ms" strings.
    #>
    param(
        [Parameter(Mandatory)][psobject]$Manager,
        [Parameter(Mandatory)][long]$ReturnedAt,
        [int]$WatchMs = 1500,
        [int]$MarginMs = 100
    )
    $left = $WatchMs - ((Get-DkvTestNow) - $ReturnedAt) * 1000.0 / [System.Diagnostics.Stopwatch]::Frequency
    if ($left -gt 0) { [System.Threading.Thread]::Sleep([int][Math]::Ceiling($left)) }
    $clock = Get-DkvTestClock -Manager $Manager
    $returnedMs = $ReturnedAt * 1000.0 / [System.Diagnostics.Stopwatch]::Frequency + $clock.OffsetMs
    $bound = $returnedMs + $MarginMs + $clock.ErrorMs
    @((Get-DkvTestLog -Manager $Manager) | Where-Object { $_.startMs -gt $bound } |
            ForEach-Object { '{0} {1} {2}?{3} +{4} ms' -f $_.manager, $_.method, $_.path, $_.query, [int]($_.startMs - $returnedMs) })
}

function Start-DkvTestPipeline {
    # Starts -Script in -Runspace without waiting (BeginInvoke), as a console runs a command: returns the running
    # PowerShell, its live output (rows arrive as the command writes them) and the pending result.
    param([Parameter(Mandatory)][System.Management.Automation.Runspaces.Runspace]$Runspace, [Parameter(Mandatory)][string]$Script)
    $ps = [System.Management.Automation.PowerShell]::Create()
    $ps.Runspace = $Runspace
    $null = $ps.AddScript($Script)
    $in = [System.Management.Automation.PSDataCollection[psobject]]::new()
    $in.Complete()
    $out = [System.Management.Automation.PSDataCollection[psobject]]::new()
    $pending = $ps.BeginInvoke[psobject, psobject]($in, $out)
    [pscustomobject]@{ PowerShell = $ps; Output = $out; Pending = $pending; ReturnedAt = [long]0 }
}

function Stop-DkvTestPipeline {
    # PowerShell.Stop() on a Start-DkvTestPipeline pipeline, as Ctrl+C does: returns how long until the pipeline was
    # over (at most 30 s, else it throws), and notes that moment on the pipeline (ReturnedAt: Get-DkvTestNow ticks,
    # for Get-DkvTestLateRequest). The pipeline must end Stopped.
    param([Parameter(Mandatory)][psobject]$Pipeline)
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $Pipeline.PowerShell.Stop()
    if (-not $Pipeline.Pending.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(30))) { throw 'The pipeline did not end within 30 s of Stop().' }
    $Pipeline.ReturnedAt = Get-DkvTestNow
    $took = $watch.Elapsed
    $state = $Pipeline.PowerShell.InvocationStateInfo.State
    if ($state -ne 'Stopped') { throw "The pipeline ended $state, not Stopped." }
    Write-Verbose "Stop() took $([int]$took.TotalMilliseconds) ms"
    $took
}

function Get-DkvTestRunspaceLive {
    # "allocations/operations" the module holds in -Runspace (its $script:DkvLive): "0/0" once every command there
    # has freed what it took, whichever way it ended.
    param([Parameter(Mandatory)][System.Management.Automation.Runspaces.Runspace]$Runspace)
    $run = Invoke-DkvTestRunspace -Runspace $Runspace -Script '$l = & (Get-Module Clustron.Dkv) { $script:DkvLive }; "{0}/{1}" -f $l.Allocations, $l.Operations'
    "$($run.Output)"
}

function Get-DkvTestInstance {
    # {store, state, instances: [{name, server, status, migrationsRemaining, held}]}
    param([Parameter(Mandatory)][psobject]$Manager, [string]$Store = 'OrdersStore')
    Invoke-DkvControl -Manager $Manager -Method GET -Path ('instances/' + [Uri]::EscapeDataString($Store))
}

function Get-DkvTestStatus {
    # One node's status as the manager sees it (Running, Stopping, Stopped).
    param([Parameter(Mandatory)][psobject]$Manager, [string]$Store = 'OrdersStore', [Parameter(Mandatory)][string]$Instance)
    $node = (Get-DkvTestInstance -Manager $Manager -Store $Store).instances | Where-Object name -EQ $Instance
    $node.status
}

function Get-DkvTestAccounting {
    # The manager's data accounting: lost, lostPartitions, migrations, livePartitions, persistedOnly, perInstance.
    param([Parameter(Mandatory)][psobject]$Manager, [string]$Store = 'OrdersStore')
    Invoke-DkvControl -Manager $Manager -Method GET -Path ('accounting/' + [Uri]::EscapeDataString($Store))
}

function Get-DkvTestPwsh {
    # The executable and leading arguments of a child pwsh like this one.
    if ($env:DKV_TEST_PWSH) { return , [string[]]@($env:DKV_TEST_PWSH -split ' ') }
    $self = [Environment]::ProcessPath
    if ([System.IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') {
        return , [string[]]@($self, [System.IO.Path]::Combine($PSHOME, 'pwsh.dll'))
    }
    , [string[]]@($self)
}

function Invoke-DkvChildPwsh {
    <#
    Runs a script in a new pwsh process (no profile) with the module imported, and returns what the console shows:
    @{ ExitCode; Output (stdout, as one string, ANSI colours off); Error (stderr) }. For what a person sees printed.
    #>
    param([Parameter(Mandatory)][string]$Script, [int]$TimeoutSec = 60, [switch]$NoImport)
    $command = Get-DkvTestPwsh
    $prologue = "`$ErrorView = 'ConciseView'; `$PSStyle.OutputRendering = 'PlainText'; `$ProgressPreference = 'SilentlyContinue'`n"
    if (-not $NoImport) { $prologue += "Import-Module '$((Get-DkvTestModulePath).Replace("'", "''"))' -ErrorAction Stop`n" }
    $file = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'dkv-child-' + [Guid]::NewGuid().ToString('N') + '.ps1')
    [System.IO.File]::WriteAllText($file, $prologue + $Script, [System.Text.UTF8Encoding]::new($false))
    try {
        $start = [System.Diagnostics.ProcessStartInfo]::new($command[0])
        foreach ($argument in @($command | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $file)) {
            $start.ArgumentList.Add($argument)
        }
        $start.UseShellExecute = $false
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $start.Environment['NO_COLOR'] = '1'
        $start.Environment['TERM'] = 'dumb'
        $process = [System.Diagnostics.Process]::Start($start)
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit($TimeoutSec * 1000)) {
            $process.Kill($true)
            throw "child pwsh did not finish within $TimeoutSec s: $($stdout.Result)"
        }
        [pscustomobject]@{ ExitCode = $process.ExitCode; Output = $stdout.Result; Error = $stderr.Result }
    }
    finally { [System.IO.File]::Delete($file) }
}

# --- In-process runspaces: the real engine of this pwsh, with each stream kept (progress included). ---

function New-DkvTestRunspace {
    <#
    A new runspace in this process with the module imported (unless -NoImport) and, with -Manager, connected to its
    three managers. -InitialSessionState for a bare engine (default: InitialSessionState.CreateDefault()).
    #>
    param(
        [psobject]$Manager,
        [System.Management.Automation.Runspaces.InitialSessionState]$InitialSessionState,
        [switch]$NoImport
    )
    if ($null -eq $InitialSessionState) { $InitialSessionState = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault() }
    $runspace = [System.Management.Automation.Runspaces.RunspaceFactory]::CreateRunspace($InitialSessionState)
    $runspace.Open()
    $script = ''
    if (-not $NoImport) { $script += "Import-Module '$((Get-DkvTestModulePath).Replace("'", "''"))' -ErrorAction Stop`n" }
    if ($Manager) { $script += "`$null = Connect-DkvManager -Managers $($Manager.Hosts -join ',') -Port $($Manager.Port) -ErrorAction Stop`n" }
    if ($script) {
        $run = Invoke-DkvTestRunspace -Runspace $runspace -Script $script
        if ($run.Terminating -or $run.Errors.Count -gt 0) {
            $runspace.Dispose()
            throw "Preparing the runspace failed: $($run.Terminating) $($run.Errors -join '; ')"
        }
    }
    $runspace
}

function Invoke-DkvTestRunspace {
    <#
    Runs script text in the runspace; returns Output, Errors (ErrorRecords), Terminating (the exception that ended the
    invocation, or $null), Progress (ProgressRecords), Verbose, Warning, Information (messages) and HadErrors.
    #>
    param([Parameter(Mandatory)][System.Management.Automation.Runspaces.Runspace]$Runspace, [Parameter(Mandatory)][string]$Script)
    $ps = [System.Management.Automation.PowerShell]::Create()
    try {
        $ps.Runspace = $Runspace
        $null = $ps.AddScript($Script)
        $output = $null
        $terminating = $null
        try { $output = $ps.Invoke() }
        catch { $terminating = $_.Exception.InnerException; if ($null -eq $terminating) { $terminating = $_.Exception } }
        [pscustomobject]@{
            Output      = @($output)
            Errors      = @($ps.Streams.Error)
            Terminating = $terminating
            Progress    = @($ps.Streams.Progress)
            Verbose     = @($ps.Streams.Verbose | ForEach-Object Message)
            Warning     = @($ps.Streams.Warning | ForEach-Object Message)
            Information = @($ps.Streams.Information | ForEach-Object { "$($_.MessageData)" })
            HadErrors   = $ps.HadErrors
        }
    }
    finally { $ps.Dispose() }
}

# --- A real terminal: an interactive pwsh in tmux (Debian package tmux), for what a person types and sees. ---

function Start-DkvTestTerminal {
    <#
    Starts an interactive pwsh (Get-DkvTestPwsh, -NoProfile) in a detached tmux session on its own server socket
    (tmux -L dkv-<guid>, so parallel runs never meet), Width x Height, NO_COLOR=1. PSReadLine saves no history and
    predicts nothing; the prompt is "DKV[n]> ", n the history id of the next command (so a finished command
    shows n + 1), and it records when it was first drawn in $global:DkvPromptAt[n] (Get-DkvTestPromptTime). -Setup is
    script run first (e.g. Import-Module, Connect-DkvManager); -Manager imports the module and connects to it.
    Returns the terminal object the other *-DkvTestTerminal functions take; stop it with Stop-DkvTestTerminal.
    #>
    param([psobject]$Manager, [string]$Setup = '', [int]$Width = 200, [int]$Height = 50, [int]$TimeoutSec = 60)
    $guid = [Guid]::NewGuid().ToString('N')
    $file = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "dkv-terminal-$guid.ps1")
    $prologue = @(
        'if (Get-Module PSReadLine) { Set-PSReadLineOption -HistorySaveStyle SaveNothing -PredictionSource None -BellStyle None }'
        '$global:DkvPromptAt = @{}'
        'function global:prompt { $last = Get-History -Count 1; $n = [int]$(if ($last) { $last.Id + 1 } else { 1 }); if (-not $global:DkvPromptAt.ContainsKey($n)) { $global:DkvPromptAt[$n] = [System.Diagnostics.Stopwatch]::GetTimestamp() }; "DKV[$n]> " }'
    )
    if ($Manager) {
        $prologue += "Import-Module '$((Get-DkvTestModulePath).Replace("'", "''"))' -ErrorAction Stop"
        $prologue += "`$null = Connect-DkvManager -Managers $($Manager.Hosts -join ',') -Port $($Manager.Port) -ErrorAction Stop"
    }
    [System.IO.File]::WriteAllText($file, (($prologue + $Setup) -join "`n") + "`n", [System.Text.UTF8Encoding]::new($false))
    $command = @('env', 'NO_COLOR=1') + (Get-DkvTestPwsh) + @('-NoProfile', '-NoLogo', '-NoExit', '-File', $file)
    $terminal = [pscustomobject]@{ Socket = "dkv-$guid"; SocketPath = $null; File = $file; Prompt = 1 }
    & tmux -L $terminal.Socket -f /dev/null new-session -d -s dkv -x $Width -y $Height -- @command
    if ($LASTEXITCODE -ne 0) { throw "tmux new-session failed ($LASTEXITCODE): is tmux installed?" }
    try {
        $terminal.SocketPath = "$(& tmux -L $terminal.Socket display-message -p '#{socket_path}')"
        $null = Wait-DkvTestTerminal -Terminal $terminal -Prompt 1 -TimeoutSec $TimeoutSec
    }
    catch {
        Stop-DkvTestTerminal -Terminal $terminal
        throw
    }
    $terminal
}

function Read-DkvTestTerminal {
    # What the terminal shows, scroll-back included, wrapped lines joined, trailing blanks removed; lines joined by "`n".
    param([Parameter(Mandatory)][psobject]$Terminal)
    $lines = @(& tmux -L $Terminal.Socket capture-pane -t dkv -p -J -S - -E - 2>$null)
    ($lines | ForEach-Object { $_.TrimEnd() }) -join "`n" -replace '\n+$', ''
}

function Wait-DkvTestTerminal {
    <#
    Polls the terminal until it shows prompt number -Prompt (default: the terminal's next one) or matches -Pattern
    (a regex); returns the screen text. Throws with the screen on timeout.
    #>
    param([Parameter(Mandatory)][psobject]$Terminal, [int]$Prompt = 0, [string]$Pattern, [double]$TimeoutSec = 30)
    if (-not $Pattern) {
        if ($Prompt -le 0) { $Prompt = $Terminal.Prompt }
        $Pattern = '(?m)^DKV\[' + $Prompt + '\]> '
    }
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    while ($true) {
        $screen = Read-DkvTestTerminal -Terminal $Terminal
        if (($screen + ' ') -match $Pattern) { return $screen }
        if ($watch.Elapsed.TotalSeconds -gt $TimeoutSec) {
            $stacks = Save-DkvTestTerminalStack -Terminal $Terminal
            throw "The terminal did not show /$Pattern/ within $TimeoutSec s ($stacks); it shows:`n$screen"
        }
        [System.Threading.Thread]::Sleep(20)
    }
}

function Save-DkvTestTerminalStack {
    # When a terminal's pwsh does not come back (a Ctrl+C that seemed lost, once in several CI runs), the native
    # stacks of all its threads say where it waits: written with gdb, when there is one, to target/test-logs; returns
    # where, or why not.
    param([Parameter(Mandatory)][psobject]$Terminal)
    if (-not [System.IO.File]::Exists('/usr/bin/gdb')) { return 'no gdb for its stacks' }
    $paneProcess = "$(& tmux -L $Terminal.Socket display-message -p -t dkv '#{pane_pid}' 2>$null)".Trim()
    if (-not $paneProcess) { return 'its process is gone' }
    $logs = [System.IO.Path]::Combine((Get-DkvTestRepo), 'target', 'test-logs')
    $null = [System.IO.Directory]::CreateDirectory($logs)
    $file = [System.IO.Path]::Combine($logs, "terminal-stacks-$paneProcess.txt")
    & timeout 60 /usr/bin/gdb -p $paneProcess -batch -ex 'thread apply all bt 25' *> $file
    "native stacks of process $paneProcess in $file"
}

function Send-DkvTestTerminal {
    <#
    Types -Text literally (then Enter unless -NoEnter), or sends tmux key names (-Key C-c, Enter, ...). A line typed
    with Enter is expected to give the next prompt: the terminal's prompt counter moves on (also for -Key Enter).
    #>
    param([Parameter(Mandatory)][psobject]$Terminal, [string]$Text, [string[]]$Key, [switch]$NoEnter)
    if ($PSBoundParameters.ContainsKey('Text')) {
        & tmux -L $Terminal.Socket send-keys -t dkv -l -- $Text
        if (-not $NoEnter) { & tmux -L $Terminal.Socket send-keys -t dkv Enter }
    }
    if ($Key) { & tmux -L $Terminal.Socket send-keys -t dkv @Key }
    if ($LASTEXITCODE -ne 0) { throw "tmux send-keys failed ($LASTEXITCODE)" }
}

function Invoke-DkvTestTerminal {
    <#
    Types a command line, waits for the next prompt and returns what the command printed (the lines after the
    command line, up to the next prompt). -TimeoutSec bounds the wait.
    #>
    param([Parameter(Mandatory)][psobject]$Terminal, [Parameter(Mandatory)][string]$Command, [double]$TimeoutSec = 60)
    $at = $Terminal.Prompt
    Send-DkvTestTerminal -Terminal $Terminal -Text $Command
    $Terminal.Prompt = $at + 1
    $screen = Wait-DkvTestTerminal -Terminal $Terminal -TimeoutSec $TimeoutSec
    Get-DkvTestTerminalSection -Screen $screen -From $at -To ($at + 1)
}

function Get-DkvTestPromptTime {
    # When the terminal first drew prompt -Prompt: the moment the command before it returned, as Stopwatch ticks
    # of that pwsh, comparable with Get-DkvTestNow here (both CLOCK_MONOTONIC; the terminal runs on Linux only).
    # Types one command, so the terminal's prompt counter moves on.
    param([Parameter(Mandatory)][psobject]$Terminal, [Parameter(Mandatory)][int]$Prompt)
    $text = Invoke-DkvTestTerminal -Terminal $Terminal -Command ('"PROMPTAT $($global:DkvPromptAt[' + $Prompt + '])"')
    if ($text -match 'PROMPTAT (\d+)') { return [long]$Matches[1] }
    throw "The terminal did not say when prompt $Prompt was drawn: $text"
}

function Get-DkvTestTerminalSection {
    # The lines printed after prompt -From's command line and before prompt -To.
    param([Parameter(Mandatory)][AllowEmptyString()][string]$Screen, [Parameter(Mandatory)][int]$From, [Parameter(Mandatory)][int]$To)
    $lines = $Screen -split "`n"
    $start = -1; $end = $lines.Length
    for ($i = 0; $i -lt $lines.Length; $i++) {
        if ($start -lt 0 -and $lines[$i].StartsWith("DKV[$From]> ")) { $start = $i }
        elseif ($start -ge 0 -and $lines[$i].StartsWith("DKV[$To]>")) { $end = $i; break }
    }
    if ($start -lt 0 -or $end -le $start + 1) { return '' }
    $lines[($start + 1)..($end - 1)] -join "`n"
}

function Stop-DkvTestTerminal {
    # Kills the terminal's tmux server (and the pwsh in it) and deletes its setup script and socket.
    param([AllowNull()][psobject]$Terminal)
    if ($null -eq $Terminal) { return }
    & tmux -L $Terminal.Socket kill-server 2>$null
    $global:LASTEXITCODE = 0
    # tmux leaves its socket file behind.
    foreach ($path in @($Terminal.File, $Terminal.SocketPath)) {
        if ($path) { try { [System.IO.File]::Delete($path) } catch { $null = $_ } }
    }
}

Export-ModuleMember -Function *-DkvTest*, Import-DkvTestModule, Get-DkvLive, Invoke-DkvChildPwsh, Test-DkvExternalManager
