# Who a call talks to: the session, or -Managers for this call only (the library applies the override and does
# all routing; the module only passes the addresses along).

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
    # A refusal the module made itself (New-DkvUtf8: a NUL in an address, or in a -Credential) has its ErrorId.
    if ($null -ne $Failure.Record) { return $Failure.Record }
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
        $failure = Test-DkvTargetManager -Target $target
        if ($null -ne $failure) {
            $Cmdlet.ThrowTerminatingError((ConvertTo-DkvManagerErrorRecord -Failure $failure -Managers $Managers))
        }
    }
    $target
}

function Get-DkvTargetArgument {
    # The (session, managers, manager_count, port) prefix of dkv_get_store and dkv_get_store_begin.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][psobject]$Target,
        [Parameter(Mandatory)][AllowEmptyCollection()][System.Collections.Generic.List[IntPtr]]$Scope
    )
    $count = 0
    if ($null -ne $Target.Managers) { $count = $Target.Managers.Count }
    $array = New-DkvUtf8Array -Scope $Scope -Items $Target.Managers -Label '-Managers'
    @([IntPtr]$script:DkvSessionHandle, [IntPtr]$array, [UIntPtr]::new([uint64]$count), [int]$Target.Port)
}

function Test-DkvTargetManager {
    # Checks -Managers once, through the library's own address parser (dkv_normalize_manager): returns $null, or
    # the library's InvalidArgument failure for the first bad address. The normalized forms are not kept: the
    # library parses the addresses again for the call itself, and routes by its own rule (dkv_plan_begin).
    [CmdletBinding()]
    param([Parameter(Mandatory)][psobject]$Target)
    $defaultPort = $Target.Port
    if ($defaultPort -le 0 -and $null -ne $script:DkvSession) { $defaultPort = $script:DkvSession.Port }
    $scope = New-DkvNativeScope
    try {
        # @(): one address is a plain string here, and indexing a string would give its first character.
        $addresses = @($Target.Managers)
        for ($i = 0; $i -lt $addresses.Count; $i++) {
            $label = Get-DkvItemLabel -Label '-Managers' -Index $i -Count $addresses.Count
            $text = New-DkvUtf8 -Scope $scope -Text $addresses[$i] -Label $label
            $call = Invoke-DkvTransport -Function dkv_normalize_manager -ArgumentList @($text, [int]$defaultPort)
            if ($null -ne $call.Failure) { return $call.Failure }
            $null = Invoke-DkvTransport -Function dkv_free_string -ArgumentList @($call.Value)
        }
    }
    finally { Close-DkvNativeScope -Scope $scope }
    $null
}
