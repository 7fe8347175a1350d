# The connected session (Connect-DkvManager) lives in module scope: one native DkvSession* per module instance,
# so each runspace that imports the module has its own. It is freed on replace, Disconnect-DkvManager and removal.

$script:DkvSessionHandle = [IntPtr]::Zero
$script:DkvSession = $null

function Get-DkvSessionManagerUrl {
    # The session's normalized addresses (http://host:port) as the library reports them: @{ Urls; Failure }.
    [CmdletBinding()]
    param([Parameter(Mandatory)][IntPtr]$Handle)
    $count = [int][uint64](Invoke-DkvTransport -Function dkv_session_manager_count -ArgumentList @($Handle))
    $urls = [System.Collections.Generic.List[string]]::new()
    for ($i = 0; $i -lt $count; $i++) {
        $call = Invoke-DkvTransport -Function dkv_session_manager -ArgumentList @($Handle, [UIntPtr]::new([uint64]$i))
        if ($null -ne $call.Failure) { return [pscustomobject]@{ Urls = $null; Failure = $call.Failure } }
        try { $urls.Add((Read-DkvUtf8 -Pointer $call.Value)) }
        finally { $null = Invoke-DkvTransport -Function dkv_free_string -ArgumentList @($call.Value) }
    }
    [pscustomobject]@{ Urls = [string[]]$urls.ToArray(); Failure = $null }
}

function Set-DkvSession {
    # Takes ownership of $Handle; the previous session's handle is freed.
    [CmdletBinding()]
    param([Parameter(Mandatory)][IntPtr]$Handle, [Parameter(Mandatory)][psobject]$Session)
    $previous = $script:DkvSessionHandle
    $script:DkvSessionHandle = $Handle
    $script:DkvSession = $Session
    if ($previous -ne [IntPtr]::Zero) {
        $null = Invoke-DkvTransport -Function dkv_disconnect -ArgumentList @($previous)
    }
}

function Remove-DkvSession {
    [CmdletBinding()]
    param()
    $previous = $script:DkvSessionHandle
    $script:DkvSessionHandle = [IntPtr]::Zero
    $script:DkvSession = $null
    if ($previous -ne [IntPtr]::Zero -and $null -ne $script:DkvNative) {
        $null = Invoke-DkvTransport -Function dkv_disconnect -ArgumentList @($previous)
    }
    $previous -ne [IntPtr]::Zero
}
