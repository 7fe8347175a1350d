# Discovery (dkv_get_store_begin) and the objects Get-DkvStore writes. The instance objects carry InstanceName and
# Store but no Name property, so piping them to Stop-DkvStore binds -Name from Store (alias) and -InstanceName
# from InstanceName; a Name property would bind the node's name as the store's.

# Store names seen in this session, for -Name completion.
$script:DkvSeenStores = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)

function Add-DkvSeenStore {
    [CmdletBinding()]
    param([AllowNull()][string]$Name)
    if (-not [string]::IsNullOrWhiteSpace($Name)) { $null = $script:DkvSeenStores.Add($Name) }
}

function Get-DkvStoreInfo {
    # Discovers a store: @{ Info; Failure } (StoreNotFound, ManagerUnreachable, NoManagers, ...). Discovery runs in
    # the library while this function waits in short turns, so Ctrl+C ends it promptly even when a manager accepts
    # connections and never answers.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][psobject]$Target,
        [Parameter(Mandatory)][AllowEmptyString()][string]$Store,
        [int]$TimeoutSec = -1
    )
    if ($TimeoutSec -lt 0) { $TimeoutSec = $Target.TimeoutSec }
    $scope = New-DkvNativeScope
    $operation = [IntPtr]::Zero
    try {
        $arguments = Get-DkvTargetArgument -Target $Target -Scope $scope
        $storeText = New-DkvUtf8 -Scope $scope -Text $Store -Label '-Name'
        $call = Invoke-DkvTransport -Function dkv_get_store_begin -ArgumentList ($arguments + @($storeText, [int]$TimeoutSec))
        if ($null -ne $call.Failure) { return [pscustomobject]@{ Info = $null; Failure = $call.Failure } }
        $operation = $call.Value
        $script:DkvLive.Operations++
        while ((Invoke-DkvTransport -Function dkv_op_wait -ArgumentList @($operation, [int]$script:DkvWaitTurnMs)) -eq 0) { }
        $call = Invoke-DkvTransport -Function dkv_op_store_info -ArgumentList @($operation)
        if ($null -ne $call.Failure) { return [pscustomobject]@{ Info = $null; Failure = $call.Failure } }
        try { [pscustomobject]@{ Info = Read-DkvStoreInfo -Info $call.Value; Failure = $null } }
        finally { $null = Invoke-DkvTransport -Function dkv_free_store_info -ArgumentList @($call.Value) }
    }
    finally {
        if ($operation -ne [IntPtr]::Zero) {
            $null = Invoke-DkvTransport -Function dkv_op_cancel -ArgumentList @($operation)
            $null = Invoke-DkvTransport -Function dkv_op_free -ArgumentList @($operation)
            $script:DkvLive.Operations--
        }
        Close-DkvNativeScope -Scope $scope
    }
}

function ConvertTo-DkvStoreObject {
    [CmdletBinding()]
    param([Parameter(Mandatory)][psobject]$Info)
    $instances = foreach ($node in $Info.Instances) {
        [pscustomobject]@{
            PSTypeName   = 'Clustron.Dkv.Instance'
            Store        = $Info.Name
            InstanceName = $node.Name
            Server       = $node.Server
            ClustronPort = $node.ClustronPort
            ClientPort   = $node.ClientPort
            Status       = $node.Status
            Manager      = $Info.Manager
        }
    }
    # State, Safe and MigrationsPending are $null where the manager cannot say (no safety or state endpoint).
    [pscustomobject]@{
        PSTypeName        = 'Clustron.Dkv.Store'
        Name              = $Info.Name
        State             = $Info.State
        Safe              = $Info.Safe
        MigrationsPending = $Info.MigrationsPending
        Manager           = $Info.Manager
        Instances         = [object[]]@($instances)
    }
}

function Read-DkvStoreList {
    # DkvStoreList {names, len, unanswered}: the names, and the managers left out of the list ($null: none).
    [CmdletBinding()]
    param([Parameter(Mandatory)][IntPtr]$List)
    $layout = $script:DkvLayout.DkvStoreList
    $names = [System.Runtime.InteropServices.Marshal]::ReadIntPtr($List, $layout.names)
    $count = Read-DkvSize -Base $List -Offset $layout.len
    $read = for ($i = 0; $i -lt $count; $i++) {
        Read-DkvUtf8 -Pointer ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($names, $i * $script:DkvPtr))
    }
    [pscustomobject]@{
        Names      = [string[]]@($read)
        Unanswered = Read-DkvStringField -Base $List -Offset $layout.unanswered
    }
}

function Get-DkvStoreList {
    # Lists the stores the targeted managers know (dkv_list_stores_begin): @{ Names; Unanswered; Failure }
    # (NotSupported when no manager has the endpoint, ManagerUnreachable, DiscoveryTimeout, ...). Waits in short
    # turns like Get-DkvStoreInfo, so Ctrl+C and completion's short timeout end it promptly.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][psobject]$Target,
        [int]$TimeoutSec = -1
    )
    if ($TimeoutSec -lt 0) { $TimeoutSec = $Target.TimeoutSec }
    $scope = New-DkvNativeScope
    $operation = [IntPtr]::Zero
    try {
        $arguments = Get-DkvTargetArgument -Target $Target -Scope $scope
        $call = Invoke-DkvTransport -Function dkv_list_stores_begin -ArgumentList ($arguments + @([int]$TimeoutSec))
        if ($null -ne $call.Failure) { return [pscustomobject]@{ Names = $null; Unanswered = $null; Failure = $call.Failure } }
        $operation = $call.Value
        $script:DkvLive.Operations++
        while ((Invoke-DkvTransport -Function dkv_op_wait -ArgumentList @($operation, [int]$script:DkvWaitTurnMs)) -eq 0) { }
        $call = Invoke-DkvTransport -Function dkv_op_store_list -ArgumentList @($operation)
        if ($null -ne $call.Failure) { return [pscustomobject]@{ Names = $null; Unanswered = $null; Failure = $call.Failure } }
        try {
            $list = Read-DkvStoreList -List $call.Value
            [pscustomobject]@{ Names = $list.Names; Unanswered = $list.Unanswered; Failure = $null }
        }
        finally { $null = Invoke-DkvTransport -Function dkv_free_store_list -ArgumentList @($call.Value) }
    }
    finally {
        if ($operation -ne [IntPtr]::Zero) {
            $null = Invoke-DkvTransport -Function dkv_op_cancel -ArgumentList @($operation)
            $null = Invoke-DkvTransport -Function dkv_op_free -ArgumentList @($operation)
            $script:DkvLive.Operations--
        }
        Close-DkvNativeScope -Scope $scope
    }
}
