# Shared helpers and assertions of the Clustron.Dkv Pester suite: what several *.Tests.ps1 files had each written
# again (result rows and stop requests as comparable text, connecting to the test manager, the parameter, default
# and help checks of the commands, the refused-command check, the native-resource check, polling). Import it after
# Support/DkvTest.psm1, whose functions it uses:
#
#   Import-Module "$PSScriptRoot/Support/DkvTest.psm1" -Force
#   Import-Module "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
#
# The test files keep their own $script:Manager; every helper that needs it takes it as -Manager (a module function
# cannot see a test file's $script: scope). The assertions use Pester's Should, so they run inside an It.

Set-StrictMode -Version Latest

# --- Connecting --------------------------------------------------------------------------------------------------

function Connect-DkvTestSession {
    # Connects this session to the test manager's three managers. Default: by address with the port
    # ("127.0.0.11:PORT", Get-DkvTestAddressList); -ByPort: by host name with -Port, as a person types it.
    param([Parameter(Mandatory)][psobject]$Manager, [switch]$ByPort)
    if ($ByPort) { $null = Connect-DkvManager -Managers $Manager.Hosts -Port $Manager.Port }
    else { $null = Connect-DkvManager -Managers (Get-DkvTestAddressList -Manager $Manager) }
}

# --- Rows and requests as text, to compare with one Should -Be ---------------------------------------------------

function Get-DkvTestRowText {
    # Result rows (Clustron.Dkv.StopResult; anything else is left out) as "manager|action|result", sorted, one string.
    param([AllowNull()][object[]]$Rows)
    $lines = @(foreach ($row in $Rows) {
            if ($null -ne $row -and $row.PSObject.TypeNames -contains 'Clustron.Dkv.StopResult') {
                '{0}|{1}|{2}' -f $row.Manager, $row.Action, $row.Result
            }
        })
    (@($lines | Sort-Object) -join "`n")
}

function Get-DkvTestExpectedRowText {
    # What Get-DkvTestRowText gives for the expected rows:
    # '.11 orders-1 SUCCESS' -> "127.0.0.11:PORT|StopInstance:orders-1|SUCCESS", sorted, one string.
    param([Parameter(Mandatory)][psobject]$Manager, [string[]]$Expected)
    $lines = foreach ($line in $Expected) {
        $host_, $instance, $result = $line -split ' '
        '127.0.0{0}:{1}|StopInstance:{2}|{3}' -f $host_, $Manager.Port, $instance, $result
    }
    (@($lines | Sort-Object) -join "`n")
}

function Get-DkvTestStopText {
    # The stop requests the managers received, as "host|instance|query", sorted, one string.
    param([Parameter(Mandatory)][psobject]$Manager)
    $stops = Get-DkvTestLog -Manager $Manager -Stops
    (@(foreach ($stop in $stops) { '{0}|{1}|{2}' -f $stop.manager, $stop.StopInstance, $stop.query }) | Sort-Object) -join "`n"
}

function Get-DkvTestExpectedStopText {
    # What Get-DkvTestStopText gives for the expected requests:
    # '.11 orders-1' or '.11 orders-1 force=true' -> "127.0.0.11|orders-1|force=true", sorted, one string.
    param([string[]]$Expected)
    $lines = foreach ($line in $Expected) {
        $parts = @($line -split ' ')
        $query = ''
        if ($parts.Count -gt 2) { $query = $parts[2] }
        '127.0.0{0}|{1}|{2}' -f $parts[0], $parts[1], $query
    }
    (@($lines | Sort-Object) -join "`n")
}

function Get-DkvTestStatusText {
    # Each node of the store as "name status" (e.g. 'orders-1 Stopped'), in the manager's order.
    param([Parameter(Mandatory)][psobject]$Manager, [string]$Store = 'OrdersStore')
    $state = Get-DkvTestInstance -Manager $Manager -Store $Store
    @(foreach ($node in $state.instances) { '{0} {1}' -f $node.name, $node.status })
}

# --- Assertions --------------------------------------------------------------------------------------------------

function Assert-DkvTestNothingHeld {
    # The module holds no native allocation and no operation handle between commands.
    $live = Get-DkvLive
    $live.Allocations | Should -Be 0 -Because 'no native allocation may outlive a command'
    $live.Operations | Should -Be 0 -Because 'no operation handle may outlive a command'
}

function Invoke-DkvTestRefused {
    <#
    Runs the command text in try/catch; it must be refused (terminating), with nothing after it run, an ErrorId that
    starts with -ErrorIdPrefix (and, with -CommandName, ends with ",CommandName"), exactly one ErrorRecord in the
    session's $Error ($global:Error: $Error in a module is the module's own) and no request sent. Returns the caught
    record. The text runs with the caller's $ErrorActionPreference.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][psobject]$Manager,
        [Parameter(Mandatory)][string]$Command,
        [Parameter(Mandatory)][string]$ErrorIdPrefix,
        [string]$CommandName
    )
    $ErrorActionPreference = $PSCmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference')
    $global:Error.Clear()
    $caught = $null
    $output = @(try { & ([scriptblock]::Create($Command + "`n'not refused'")) } catch { $caught = $_ })
    $caught | Should -Not -BeNullOrEmpty -Because "'$Command' must be refused"
    $output | Should -Not -Contain 'not refused'
    $caught.FullyQualifiedErrorId | Should -BeLike "$ErrorIdPrefix*"
    if ($CommandName) { $caught.FullyQualifiedErrorId | Should -BeLike "*,$CommandName" }
    $global:Error.Count | Should -Be 1
    (Get-DkvTestLog -Manager $Manager).Count | Should -Be 0 -Because 'nothing may be sent for a refused command'
    $caught
}

# --- A command's parameters and help ------------------------------------------------------------------------------

function Get-DkvTestBadAddress {
    # Manager addresses the library rejects, one -ForEach case each ({port}: the reference manager's port), for
    # every command that takes -Managers. Import this module in BeforeDiscovery to use it there.
    @(
        @{ Address = 'http://127.0.0.11:{port}/admin' }
        @{ Address = 'http://127.0.0.11:{port}/?x=1' }
        @{ Address = '127.0.0.11:0' }
        @{ Address = '127.0.0.11:65536' }
        @{ Address = '127.0.0.11:port' }
        @{ Address = 'user@127.0.0.11' }
        @{ Address = 'http://' }
        @{ Address = 'ftp://127.0.0.11' }
    )
}

function Assert-DkvTestAddressRefused {
    <#
    -Command (text ending in -Managers, e.g. 'Stop-DkvStore -Name OrdersStore -Managers') with a good address and the
    bad -Address (a Get-DkvTestBadAddress case) is refused by Invoke-DkvTestRefused as InvalidManagerAddress of
    -CommandName, category InvalidArgument, with a message that names the bad address.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][psobject]$Manager,
        [Parameter(Mandatory)][string]$Address,
        [Parameter(Mandatory)][string]$Command,
        [Parameter(Mandatory)][string]$CommandName
    )
    $ErrorActionPreference = $PSCmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference')
    $bad = $Address.Replace('{port}', [string]$Manager.Port)
    $good = Get-DkvTestAddress -Manager $Manager -Index 1
    $record = Invoke-DkvTestRefused -Manager $Manager -Command "$Command '$good','$bad'" -ErrorIdPrefix 'InvalidManagerAddress,' -CommandName $CommandName
    $record.FullyQualifiedErrorId | Should -Be "InvalidManagerAddress,$CommandName"
    $record.CategoryInfo.Category | Should -Be 'InvalidArgument'
    $record.Exception.Message | Should -BeLike "*$([WildcardPattern]::Escape($bad))*"
}

function Assert-DkvTestDefaultPortAndTimeout {
    # The command declares -Port 7801 and -TimeoutSec 30, and in effect an address without a port is tried on 7801
    # (127.0.0.19 is loopback where nothing listens): no output, one ManagerUnreachable error naming 127.0.0.19:7801.
    param([Parameter(Mandatory)][string]$Command)
    $defaults = Get-DkvTestParameterDefault -Command $Command
    $defaults['Port'] | Should -Be '7801'
    $defaults['TimeoutSec'] | Should -Be '30'
    $output = @(& $Command -Name OrdersStore -Managers 127.0.0.19 -ErrorVariable failures -ErrorAction SilentlyContinue)
    $output.Count | Should -Be 0
    $failures.Count | Should -Be 1
    $failures[0].FullyQualifiedErrorId | Should -Be "ManagerUnreachable,$Command"
    $failures[0].Exception.Message | Should -BeLike '*127.0.0.19:7801*'
}

function Get-DkvTestCommonParameter {
    # The engine's common parameters: not a command's own, and not documented in its help.
    @('Verbose', 'Debug', 'ErrorAction', 'WarningAction', 'InformationAction', 'ProgressAction',
        'ErrorVariable', 'WarningVariable', 'InformationVariable', 'OutVariable', 'OutBuffer', 'PipelineVariable')
}

function Assert-DkvTestParameter {
    # The command has each parameter of -Expected (name = type name), and only -Mandatory's is mandatory ('': none).
    param(
        [Parameter(Mandatory)][string]$Command,
        [Parameter(Mandatory)][System.Collections.IDictionary]$Expected,
        [Parameter(Mandatory)][AllowEmptyString()][string]$Mandatory
    )
    $parameters = (Get-Command $Command).Parameters
    foreach ($name in $Expected.Keys) {
        $parameters.ContainsKey($name) | Should -BeTrue -Because "$Command needs -$name"
        $parameters[$name].ParameterType.Name | Should -Be $Expected[$name] -Because "-$name's type"
        $isMandatory = @($parameters[$name].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] } |
                ForEach-Object { $_.Mandatory }) -contains $true
        $isMandatory | Should -Be ($name -eq $Mandatory) -Because "-$name's Mandatory"
    }
}

function Get-DkvTestParameterDefault {
    # The default values the command's param block declares, as written (name -> source text, e.g. Port -> '7801').
    param([Parameter(Mandatory)][string]$Command)
    $defaults = @{}
    foreach ($parameter in (Get-Command $Command).ScriptBlock.Ast.Body.ParamBlock.Parameters) {
        if ($null -ne $parameter.DefaultValue) { $defaults[$parameter.Name.VariablePath.UserPath] = $parameter.DefaultValue.Extent.Text }
    }
    $defaults
}

function Get-DkvTestUndocumentedParameter {
    # The command's own parameters whose Get-Help description is missing or shorter than 10 characters.
    # -Help: the command's Get-Help -Full, when the caller has it already.
    param([Parameter(Mandatory)][string]$Command, [psobject]$Help)
    if ($null -eq $Help) { $Help = Get-Help $Command -Full }
    $common = Get-DkvTestCommonParameter
    $described = @{}
    foreach ($parameter in $Help.parameters.parameter) {
        $described[$parameter.name] = (@($parameter.description | ForEach-Object { $_.Text }) -join ' ')
    }
    @(foreach ($name in (Get-Command $Command).Parameters.Keys) {
            if ($common -notcontains $name -and "$($described[$name])".Trim().Length -lt 10) { $name }
        })
}

function Assert-DkvTestHelp {
    # Get-Help -Full of the command has a synopsis (not the syntax Get-Help shows without one), at least one example,
    # each naming the command, and a description of every parameter (Get-DkvTestUndocumentedParameter).
    param([Parameter(Mandatory)][string]$Command)
    $full = Get-Help $Command -Full
    $full.Synopsis | Should -Not -BeLike "$Command*" -Because 'Get-Help shows the syntax when there is no synopsis'
    $full.Synopsis.Trim().Length | Should -BeGreaterThan 10
    @($full.examples.example).Count | Should -BeGreaterOrEqual 1
    foreach ($example in $full.examples.example) { $example.code | Should -BeLike "*$Command*" }
    $undocumented = Get-DkvTestUndocumentedParameter -Command $Command -Help $full
    $undocumented | Should -BeNullOrEmpty
}

# --- A runspace of its own ----------------------------------------------------------------------------------------

function Invoke-DkvTestIsolated {
    <#
    Runs -Script in a new runspace of this process with the module imported and, with -Manager, connected to its three
    managers by address (Get-DkvTestAddressList). Then calls -Collect with the finished PowerShell (its streams), the
    output and the still open runspace, and returns what -Collect returns; both are disposed afterwards. For what only
    the streams show (progress records) or a fresh $Error.
    #>
    param([Parameter(Mandatory)][string]$Script, [psobject]$Manager, [Parameter(Mandatory)][scriptblock]$Collect)
    $runspace = [System.Management.Automation.Runspaces.RunspaceFactory]::CreateRunspace()
    $runspace.Open()
    try {
        $ps = [powershell]::Create()
        try {
            $ps.Runspace = $runspace
            $prologue = "Import-Module '{0}' -ErrorAction Stop`n" -f (Get-DkvTestModulePath).Replace("'", "''")
            if ($Manager) { $prologue += "`$null = Connect-DkvManager -Managers {0}`n" -f ((Get-DkvTestAddressList -Manager $Manager) -join ',') }
            $null = $ps.AddScript($prologue + $Script)
            $output = @($ps.Invoke())
            & $Collect $ps $output $runspace
        }
        finally { $ps.Dispose() }
    }
    finally { $runspace.Dispose() }
}

# --- Waiting -----------------------------------------------------------------------------------------------------

function Wait-DkvTestCondition {
    # Polls -Condition (every 20 ms) until it is true; throws, naming -What, after -TimeoutSec.
    param([Parameter(Mandatory)][scriptblock]$Condition, [Parameter(Mandatory)][string]$What, [double]$TimeoutSec = 20)
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    while (-not (& $Condition)) {
        if ($watch.Elapsed.TotalSeconds -gt $TimeoutSec) { throw "timed out after $TimeoutSec s waiting until $What" }
        [System.Threading.Thread]::Sleep(20)
    }
}

Export-ModuleMember -Function Connect-DkvTestSession, Get-DkvTestRowText, Get-DkvTestExpectedRowText, Get-DkvTestStopText,
    Get-DkvTestExpectedStopText, Get-DkvTestStatusText, Assert-DkvTestNothingHeld, Invoke-DkvTestRefused,
    Get-DkvTestBadAddress, Assert-DkvTestAddressRefused, Assert-DkvTestDefaultPortAndTimeout, Get-DkvTestCommonParameter,
    Assert-DkvTestParameter, Get-DkvTestParameterDefault, Get-DkvTestUndocumentedParameter, Assert-DkvTestHelp,
    Invoke-DkvTestIsolated, Wait-DkvTestCondition
