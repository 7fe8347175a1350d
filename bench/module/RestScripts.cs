namespace Clustron.Dkv.Bench
{
    /// <summary>
    /// What a user would write without the module: the same requests the library sends (checked against the
    /// manager's request log before timing), with Invoke-RestMethod. Defined once per runspace, then called like
    /// Stop-DkvStore.
    /// </summary>
    public static class RestScripts
    {
        /// <summary>One forced node stop: discovery, the node's safety check, the stop.</summary>
        public const string StopNode = @"
function Stop-DkvNodeByRest {
    param([string]$Manager, [string]$Store, [string]$Instance)
    $base = ""http://$Manager/admin/v1/stores/$Store""
    $info = Invoke-RestMethod -Uri $base
    $node = $null
    foreach ($candidate in $info.instances) { if ($candidate.name -eq $Instance) { $node = $candidate } }
    if ($null -eq $node) { throw ""no node $Instance in $Store"" }
    $null = Invoke-RestMethod -Uri ""$base/safety""
    $null = Invoke-RestMethod -Method Post -Uri ""$base/instances/$Instance/stop?force=true""
    [pscustomobject]@{ Store = $Store; Instance = $Instance; Result = 'SUCCESS' }
}";

        /// <summary>A forced whole-store stop, one node per manager, the nodes in parallel.</summary>
        public const string StopStoreParallel = @"
function Stop-DkvStoreByRest {
    param([string[]]$Managers, [string]$Store, [int]$ThrottleLimit)
    $byHost = @{}
    foreach ($manager in $Managers) { $byHost[$manager.Split(':')[0]] = $manager }
    $info = Invoke-RestMethod -Uri ""http://$($Managers[0])/admin/v1/stores/$Store""
    $info.instances | ForEach-Object -ThrottleLimit $ThrottleLimit -Parallel {
        $manager = ($using:byHost)[$_.server]
        $base = ""http://$manager/admin/v1/stores/$($using:Store)""
        $null = Invoke-RestMethod -Uri ""$base/safety""
        $null = Invoke-RestMethod -Method Post -Uri ""$base/instances/$($_.name)/stop?force=true""
        [pscustomobject]@{ Store = $using:Store; Instance = $_.name; Result = 'SUCCESS' }
    }
}";
    }
}
