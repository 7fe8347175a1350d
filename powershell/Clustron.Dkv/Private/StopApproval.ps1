# -WhatIf / -Confirm for Stop-DkvStore: discover the store, route each node to its manager exactly as the library
# will, and ask ShouldProcess once per node. Used only when ShouldProcess could say no.

function Request-DkvStopApproval {
    # Returns @{ All; Approved } or $null when discovery failed (the error is already written or thrown).
    # All = every node that would be contacted was approved, so the caller can make the unchanged native call.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet,
        [Parameter(Mandatory)][psobject]$Target,
        [Parameter(Mandatory)][AllowEmptyString()][string]$Store,
        [AllowNull()][string]$InstanceName,
        [switch]$Force,
        [switch]$FailFast
    )
    $resolved = Get-DkvTargetManager -Target $Target
    $failure = $resolved.Failure
    if ($null -eq $failure) {
        $discovered = Get-DkvStoreInfo -Target $Target -Store $Store
        $failure = $discovered.Failure
    }
    if ($null -eq $failure) {
        $info = $discovered.Info
        $selection = Select-DkvInstance -Info $info -InstanceName $InstanceName
        $failure = $selection.Failure
    }
    if ($null -ne $failure) {
        $record = ConvertTo-DkvErrorRecord -Failure $failure -TargetObject $Store
        if ($FailFast -or $record.FullyQualifiedErrorId -eq 'NoManagers') { $Cmdlet.ThrowTerminatingError($record) }
        $Cmdlet.WriteError($record)
        return $null
    }
    $managers = $resolved.Managers
    $selected = $selection.Nodes
    Add-DkvSeenStore -Name $info.Name

    $mode = 'graceful'
    if ($Force) { $mode = 'forced' }
    $action = "Stop node ($mode)"
    $approved = [System.Collections.Generic.List[string]]::new()
    foreach ($node in $selected) {
        # The library routes a node to the manager on its server by name, or by resolved address (docs/manager-api.md).
        # Only the name match can be told here without resolving; a node without one is still asked about, since
        # the library may reach it by address: a node the library would stop is never left out of the question.
        $manager = $null
        foreach ($candidate in $managers) {
            if (Test-DkvManagerHostsServer -Manager $candidate -Server $node.Server) { $manager = $candidate; break }
        }
        if ($null -ne $manager) { $where = "on manager $($manager.Display)" }
        else {
            $where = "on server $($node.Server) (through a targeted manager whose address it resolves to, else SKIPPED)"
        }
        $description = "node $($node.Name) of store $($info.Name) $where"
        if ($Cmdlet.ShouldProcess($description, $action)) { $approved.Add($node.Name) }
    }
    [pscustomobject]@{
        # Only when every selected node was approved may the caller make the unchanged whole-store call.
        All      = $approved.Count -eq @($selected).Count
        Approved = $approved.ToArray()
    }
}

function Test-DkvPromptAvailable {
    # Whether the console can ask. Without an answer to read, ShouldProcess throws (pwsh -NonInteractive: "Read and
    # Prompt functionality is not available"; input closed: a null reference), once per node; a thrown exception
    # would also land in $Error and -ErrorVariable beside any record made of it. So ask first, and fail once, cleanly.
    [CmdletBinding()]
    [OutputType([bool])]
    param()
    if ($Host.Name -ne 'ConsoleHost') { return $true }
    # The console host's own switches come before -Command/-File; what follows belongs to the script.
    $arguments = [Environment]::GetCommandLineArgs()
    for ($i = 1; $i -lt $arguments.Length; $i++) {
        if ($arguments[$i] -match '^[-/](c|command|f|file|ec|encodedcommand)$') { break }
        if ($arguments[$i] -match '^[-/]noni') { return $false }
    }
    if ([Console]::IsInputRedirected) {
        # Redirected input still answers while it has something to read; Peek waits for it as the prompt would.
        return [Console]::In.Peek() -ne -1
    }
    $true
}
