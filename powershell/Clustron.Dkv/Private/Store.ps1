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
    # Throws New-DkvException (StoreNotFound, ManagerUnreachable, NoManagers, ...) when discovery fails.
    # Discovery runs in the library while this function waits in short turns, so Ctrl+C ends it promptly even
    # when a manager accepts connections and never answers.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][psobject]$Target,
        [Parameter(Mandatory)][string]$Store,
        [int]$TimeoutSec = -1
    )
    if ($TimeoutSec -lt 0) { $TimeoutSec = $Target.TimeoutSec }
    $scope = New-DkvNativeScope
    $operation = [IntPtr]::Zero
    try {
        $arguments = Get-DkvTargetArgument -Target $Target -Scope $scope
        $storeText = New-DkvUtf8 -Scope $scope -Text $Store
        $operation = Invoke-DkvTransport -Function dkv_get_store_begin -ArgumentList ($arguments + @($storeText, [int]$TimeoutSec))
        $script:DkvLive.Operations++
        while ((Invoke-DkvTransport -Function dkv_op_wait -ArgumentList @($operation, [int]$script:DkvWaitTurnMs)) -eq 0) { }
        $info = Invoke-DkvTransport -Function dkv_op_store_info -ArgumentList @($operation)
        try { Read-DkvStoreInfo -Info $info }
        finally { $null = Invoke-DkvTransport -Function dkv_free_store_info -ArgumentList @($info) }
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
    [pscustomobject]@{
        PSTypeName = 'Clustron.Dkv.Store'
        Name       = $Info.Name
        Manager    = $Info.Manager
        Instances  = [object[]]@($instances)
    }
}

function Select-DkvInstance {
    # The library's selection rule: an exact name, else the one name equal ignoring case; anything else is the
    # library's InstanceNotFound, with the same message.
    [CmdletBinding()]
    param([Parameter(Mandatory)][psobject]$Info, [AllowNull()][string]$InstanceName)
    if ($Info.Instances.Count -eq 0) {
        throw (New-DkvException -Status 4 -Message "Store '$($Info.Name)' lists no nodes; nothing was stopped.")
    }
    if ([string]::IsNullOrEmpty($InstanceName)) { return $Info.Instances }
    foreach ($node in $Info.Instances) {
        if ([string]::Equals($node.Name, $InstanceName, [System.StringComparison]::Ordinal)) { return $node }
    }
    $folded = @(foreach ($node in $Info.Instances) {
            if ([string]::Equals($node.Name, $InstanceName, [System.StringComparison]::OrdinalIgnoreCase)) { $node }
        })
    if ($folded.Count -eq 1) { return $folded[0] }
    $names = @(foreach ($node in $Info.Instances) { $node.Name }) -join ', '
    throw (New-DkvException -Status 4 -Message "Store '$($Info.Name)' has no node named '$InstanceName'. Its nodes are: $names.")
}
