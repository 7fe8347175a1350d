# -WhatIf / -Confirm for Stop-DkvStore, Start-DkvStore and Restart-DkvStore: the library plans the operation exactly as it will run it (dkv_plan_begin: the
# same selection and routing, by name or resolved address), and ShouldProcess is asked once per planned node. Used
# only when ShouldProcess could say no.

function Get-DkvStopPlan {
    # The library's plan of a stop: @{ Plan; Failure }. Waits in short turns, as discovery does, so Ctrl+C ends it.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][psobject]$Target,
        [Parameter(Mandatory)][AllowEmptyString()][string]$Store,
        [AllowNull()][string[]]$Instances
    )
    $scope = New-DkvNativeScope
    $operation = [IntPtr]::Zero
    try {
        $options = New-DkvStopOptions -Scope $scope -Target $Target -Store $Store -Instances $Instances
        $call = Test-DkvReason -Target $Target
        if ($null -eq $call) { $call = Invoke-DkvTransport -Function dkv_plan_begin -ArgumentList @([IntPtr]$script:DkvSessionHandle, $options) }
        if ($null -ne $call.Failure) { return [pscustomobject]@{ Plan = $null; Failure = $call.Failure } }
        $operation = $call.Value
        $script:DkvLive.Operations++
        while ((Invoke-DkvTransport -Function dkv_op_wait -ArgumentList @($operation, [int]$script:DkvWaitTurnMs)) -eq 0) { }
        $call = Invoke-DkvTransport -Function dkv_op_plan -ArgumentList @($operation)
        if ($null -ne $call.Failure) { return [pscustomobject]@{ Plan = $null; Failure = $call.Failure } }
        try { [pscustomobject]@{ Plan = Read-DkvPlan -Plan $call.Value; Failure = $null } }
        finally { $null = Invoke-DkvTransport -Function dkv_free_plan -ArgumentList @($call.Value) }
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

function Request-DkvStopApproval {
    # Returns @{ All; Approved } or $null when planning failed (the error is already written or thrown).
    # All = every planned node was approved, so the caller can make the unchanged native call (the only one that
    # may make the store passive first); else Approved lists the nodes to stop, as one operation.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet,
        [Parameter(Mandatory)][psobject]$Target,
        [Parameter(Mandatory)][AllowEmptyString()][string]$Store,
        [AllowNull()][string[]]$Instances,
        [switch]$Force,
        [switch]$FailFast,
        # 'Stop', 'Start' or 'Restart': the ShouldProcess action ("Stop node (graceful)", "Start node", "Restart node").
        [ValidateSet('Stop', 'Start', 'Restart')][string]$Kind = 'Stop'
    )
    $planned = Get-DkvStopPlan -Target $Target -Store $Store -Instances $Instances
    if ($null -ne $planned.Failure) {
        $record = ConvertTo-DkvErrorRecord -Failure $planned.Failure -TargetObject $Store
        if ($FailFast -or $record.FullyQualifiedErrorId -eq 'NoManagers') { $Cmdlet.ThrowTerminatingError($record) }
        $Cmdlet.WriteError($record)
        return $null
    }
    $plan = $planned.Plan
    Add-DkvSeenStore -Name $plan.Store

    $action = $script:DkvOperationKind[$Kind].Action
    if ($Kind -eq 'Stop') {
        $mode = 'graceful'
        if ($Force) { $mode = 'forced' }
        $action = "$action ($mode)"
    }
    $approved = [System.Collections.Generic.List[string]]::new()
    foreach ($node in $plan.Nodes) {
        # The library's words: the manager the stop goes through, or the SKIPPED row's reason.
        if ($node.Skipped) { $where = "SKIPPED ($($node.SkipReason))" }
        else { $where = "on manager $($node.Manager)" }
        $description = "node $($node.Name) of store $($plan.Store) $where"
        if ($Cmdlet.ShouldProcess($description, $action)) { $approved.Add($node.Name) }
    }
    [pscustomobject]@{
        All      = $approved.Count -eq $plan.Nodes.Count
        Approved = $approved.ToArray()
    }
}

function Test-DkvMayAsk {
    # Whether ShouldProcess could say no (-WhatIf, or -Confirm / $ConfirmPreference Medium or lower): only then is
    # the plan fetched to ask, so the default pays no extra discovery. When it must ask but the console cannot
    # prompt, the command fails once, terminating, before anything is sent (ConfirmationUnavailable).
    [CmdletBinding()]
    [OutputType([bool])]
    param(
        [Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet,
        [Parameter(Mandatory)][bool]$WhatIfRequested,
        [Parameter(Mandatory)][System.Management.Automation.ConfirmImpact]$ConfirmLevel,
        [ValidateSet('Stop', 'Start', 'Restart')][string]$Kind = 'Stop'
    )
    $mayAsk = $WhatIfRequested -or ($ConfirmLevel -ne 'None' -and
        $ConfirmLevel -le [System.Management.Automation.ConfirmImpact]::Medium)
    if ($mayAsk -and -not $WhatIfRequested -and -not (Test-DkvPromptAvailable)) {
        $what = $script:DkvOperationKind[$Kind]
        $exception = [System.Management.Automation.PSInvalidOperationException]::new(
            "$($what.Command) must ask before each node (-Confirm, or `$ConfirmPreference Medium or lower), but this " +
            "PowerShell cannot prompt: it runs with -NonInteractive or its input is closed. Nothing was $($what.Done). " +
            "Run it interactively, use -WhatIf to see what would be $($what.Done), or leave out -Confirm.")
        $Cmdlet.ThrowTerminatingError((New-DkvErrorRecord -Exception $exception -ErrorId 'ConfirmationUnavailable' `
                    -Category InvalidOperation -TargetObject $null))
    }
    $mayAsk
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
