# Who a call talks to: the session, or -Managers for this call only (the library applies the override; the
# module only passes it along and, for routing previews, works out the same normalized list).

function Resolve-DkvTarget {
    # Port and TimeoutSec are 0 when not given, which tells the library "the session's, else 7801 / 30 s".
    [CmdletBinding()]
    param(
        [AllowNull()][string[]]$Managers,
        [int]$Port = 0,
        [int]$TimeoutSec = 0
    )
    # The session handle is not captured here but read at each call: a Disconnect-DkvManager or
    # Connect-DkvManager in the middle of a pipeline frees the old handle, which must then not be used.
    [pscustomobject]@{
        Managers   = $(if ($null -ne $Managers -and $Managers.Count -gt 0) { [string[]]$Managers } else { $null })
        Port       = $Port
        TimeoutSec = $TimeoutSec
    }
}

function ConvertTo-DkvManagerErrorRecord {
    # A bad -Managers address gets its own ErrorId, so scripts can tell it from other invalid arguments.
    [CmdletBinding()]
    param([Parameter(Mandatory)][psobject]$Failure, [AllowNull()][string[]]$Managers)
    $targetObject = $Managers -join ','
    $record = ConvertTo-DkvErrorRecord -Failure $Failure -TargetObject $targetObject
    if ($record.CategoryInfo.Category -eq 'InvalidArgument') {
        $record = New-DkvErrorRecord -Exception $record.Exception -ErrorId 'InvalidManagerAddress' `
            -Category InvalidArgument -TargetObject $targetObject
    }
    $record
}

function Resolve-DkvCommandTarget {
    # What Get-DkvStore and Stop-DkvStore do first: pass -Port and -TimeoutSec on only when given (0 = the
    # session's, else the defaults), and check -Managers once, terminating on a bad address, so that an
    # InvalidArgument from a later call can only be about a name.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet,
        [Parameter(Mandatory)][System.Collections.IDictionary]$BoundParameters,
        [AllowNull()][string[]]$Managers,
        [int]$Port,
        [int]$TimeoutSec
    )
    $portArgument = 0
    if ($BoundParameters.ContainsKey('Port')) { $portArgument = $Port }
    $timeoutArgument = 0
    if ($BoundParameters.ContainsKey('TimeoutSec')) { $timeoutArgument = $TimeoutSec }
    $target = Resolve-DkvTarget -Managers $Managers -Port $portArgument -TimeoutSec $timeoutArgument
    if ($null -ne $target.Managers) {
        $resolved = Get-DkvTargetManager -Target $target
        if ($null -ne $resolved.Failure) {
            $Cmdlet.ThrowTerminatingError((ConvertTo-DkvManagerErrorRecord -Failure $resolved.Failure -Managers $Managers))
        }
    }
    $target
}

function Get-DkvTargetArgument {
    # The (session, managers, manager_count, port) prefix shared by dkv_get_store and dkv_stop_begin.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][psobject]$Target,
        [Parameter(Mandatory)][AllowEmptyCollection()][System.Collections.Generic.List[IntPtr]]$Scope
    )
    $count = 0
    if ($null -ne $Target.Managers) { $count = $Target.Managers.Count }
    $array = New-DkvUtf8Array -Scope $Scope -Items $Target.Managers
    @([IntPtr]$script:DkvSessionHandle, [IntPtr]$array, [UIntPtr]::new([uint64]$count), [int]$Target.Port)
}

function ConvertFrom-DkvManagerUrl {
    # http://host:port or https://[v6]:port -> Host (no brackets) and Display (host:port, as in result rows).
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Url)
    $rest = $Url.Substring($Url.IndexOf('://') + 3)
    $colon = $rest.LastIndexOf(':')
    $hostPart = $rest.Substring(0, $colon)
    [pscustomobject]@{
        Url     = $Url
        Display = $rest
        Host    = $hostPart.TrimStart('[').TrimEnd(']')
    }
}

function Get-DkvTargetManager {
    # The normalized managers a call targets: @{ Managers; Failure }. The failure is the library's InvalidArgument
    # for a bad address, or NoManagers when there is neither a session nor -Managers.
    [CmdletBinding()]
    param([Parameter(Mandatory)][psobject]$Target)
    $managers = [System.Collections.Generic.List[psobject]]::new()
    if ($null -ne $Target.Managers) {
        $defaultPort = $Target.Port
        if ($defaultPort -le 0 -and $null -ne $script:DkvSession) { $defaultPort = $script:DkvSession.Port }
        $scope = New-DkvNativeScope
        try {
            foreach ($address in $Target.Managers) {
                $text = New-DkvUtf8 -Scope $scope -Text $address
                $call = Invoke-DkvTransport -Function dkv_normalize_manager -ArgumentList @($text, [int]$defaultPort)
                if ($null -ne $call.Failure) { return [pscustomobject]@{ Managers = $null; Failure = $call.Failure } }
                try { $managers.Add((ConvertFrom-DkvManagerUrl -Url (Read-DkvUtf8 -Pointer $call.Value))) }
                finally { $null = Invoke-DkvTransport -Function dkv_free_string -ArgumentList @($call.Value) }
            }
        }
        finally { Close-DkvNativeScope -Scope $scope }
        return [pscustomobject]@{ Managers = $managers.ToArray(); Failure = $null }
    }
    if ($script:DkvSessionHandle -eq [IntPtr]::Zero) {
        return [pscustomobject]@{
            Managers = $null
            Failure  = New-DkvFailure -Status 2 -Message 'No managers connected. Use Connect-DkvManager or specify -Managers.'
        }
    }
    $session = Get-DkvSessionManagerUrl -Handle $script:DkvSessionHandle
    if ($null -ne $session.Failure) { return [pscustomobject]@{ Managers = $null; Failure = $session.Failure } }
    foreach ($url in $session.Urls) { $managers.Add((ConvertFrom-DkvManagerUrl -Url $url)) }
    [pscustomobject]@{ Managers = $managers.ToArray(); Failure = $null }
}

function Test-DkvManagerHostsServer {
    # The name half of the library's routing rule (route::same_name: case-insensitive, IPv6 compared as addresses);
    # the library also matches by resolved address, which only it does (see Request-DkvStopApproval).
    [CmdletBinding()]
    [OutputType([bool])]
    param([Parameter(Mandatory)][psobject]$Manager, [AllowNull()][string]$Server)
    if ([string]::IsNullOrWhiteSpace($Server)) { return $false }
    $server = $Server.Trim().TrimStart('[').TrimEnd(']')
    if ([string]::Equals($server, $Manager.Host, [System.StringComparison]::OrdinalIgnoreCase)) { return $true }
    $a = $null
    $b = $null
    if ($server.Contains(':') -and [System.Net.IPAddress]::TryParse($server, [ref]$a) -and
        [System.Net.IPAddress]::TryParse($Manager.Host, [ref]$b)) {
        return $a.Equals($b)
    }
    $false
}
