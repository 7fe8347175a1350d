# Running a stop, a start or a rolling restart: dkv_stop_begin / dkv_start_begin / dkv_restart_begin (one operation, one deadline, whatever nodes it covers), then short dkv_op_wait turns so Ctrl+C (which the engine honours only between
# statements) ends the wait within a turn. Each turn streams the new log lines (verbose/warning), a progress
# record, and the rows finished so far. The finally block cancels and frees every operation on every path.
# A stop that is over within its first turn writes no progress record: a bar would only flash, and two records
# cost more than the rest of a one-node stop. The per-turn and per-row helpers are plain functions (an advanced
# function call costs several times a plain one).

$script:DkvWaitTurnMs = 100
$script:DkvProgressActivityId = 0x444B

# What differs between a stop, a start and a rolling restart; everything else (options, routing, the watch loop,
# cancel, rows) is shared, as it is in the library. -Kind of the functions below picks one. A restart's rows carry
# Downtime; its progress status is the library's phase ("Restarting orders-3 (3 of 10): stopping"); its FAILED or
# TIMEOUT error is written once the roll is over, with how to go on (Complete-DkvRestartError); and after a Ctrl+C
# the module waits for the library to bring the node back and says what became of it (Wait-DkvRestartRecovery).
$script:DkvOperationKind = @{
    Stop  = @{
        Begin = 'dkv_stop_begin'; TypeName = 'Clustron.Dkv.StopResult'; Doing = 'Stopping'; Action = 'Stop node'
        FailedId = 'StopFailed'; TimedOutId = 'StopTimedOut'; Command = 'Stop-DkvStore'; Done = 'stopped'
    }
    Start = @{
        Begin = 'dkv_start_begin'; TypeName = 'Clustron.Dkv.StartResult'; Doing = 'Starting'; Action = 'Start node'
        FailedId = 'StartFailed'; TimedOutId = 'StartTimedOut'; Command = 'Start-DkvStore'; Done = 'started'
    }
    Restart = @{
        Begin = 'dkv_restart_begin'; TypeName = 'Clustron.Dkv.RestartResult'; Doing = 'Restarting'; Action = 'Restart node'
        FailedId = 'RestartFailed'; TimedOutId = 'RestartTimedOut'; Command = 'Restart-DkvStore'; Done = 'restarted'
        Rolling = $true
    }
}

# DKV_RESTART_RECOVERY_GRACE_SEC: how long the library may take after a cancel to bring a restarted node back.
$script:DkvRestartRecoveryGraceSec = 10

function ConvertTo-DkvStopResult {
    param([psobject]$Row, [hashtable]$Kind = $script:DkvOperationKind.Stop)
    $result = [pscustomobject]@{
        PSTypeName = $Kind.TypeName
        Manager    = $Row.Manager
        Action     = $Row.Action
        Result     = $Row.Result
        Message    = $Row.Message
        Duration   = [TimeSpan]::FromMilliseconds([double]$Row.DurationMs)
        Store      = $Row.Store
        Instance   = $Row.Instance
    }
    if ($Kind.Rolling) {
        # How long the node was down (stop sent to Running seen); $null when it was not taken down.
        $downtime = $null
        if ($Row.DownMs -ge 0) { $downtime = [TimeSpan]::FromMilliseconds([double]$Row.DownMs) }
        $result.PSObject.Properties.Add([psnoteproperty]::new('Downtime', $downtime))
    }
    $result
}

function New-DkvRowErrorRecord {
    # FAILED and TIMEOUT rows become ErrorRecords too, so $? is false and -ErrorAction Stop stops.
    [CmdletBinding()]
    param([Parameter(Mandatory)][psobject]$Row, [hashtable]$Kind = $script:DkvOperationKind.Stop)
    $what = "$($Kind.Doing) node '$($Row.Instance)' of store '$($Row.Store)' through $($Row.Manager)"
    if ($Row.Kind -eq $script:DkvCode.DKV_RESULT_TIMEOUT) {
        $exception = [System.TimeoutException]::new("$what timed out: $($Row.Message)")
        return New-DkvErrorRecord -Exception $exception -ErrorId $Kind.TimedOutId -Category OperationTimeout -TargetObject $Row.Instance
    }
    $status = $Row.HttpStatus
    $category = 'InvalidOperation'
    if ($status -eq 404) { $category = 'ObjectNotFound' }
    elseif ($status -eq 0) { $category = 'ConnectionError' }
    elseif ($status -eq 401 -or $status -eq 403) { $category = 'PermissionDenied' }
    elseif ($status -ge 500) { $category = 'InvalidResult' }
    $exception = [System.InvalidOperationException]::new("$what failed: $($Row.Message)")
    $exception.Data['Clustron.Dkv.HttpStatus'] = $status
    New-DkvErrorRecord -Exception $exception -ErrorId $Kind.FailedId -Category $category -TargetObject $Row.Instance
}

function Write-DkvStopProgress {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet,
        [Parameter(Mandatory)][AllowEmptyString()][string]$Store,
        # Empty when closing the bar after the operations are freed (fail-fast, Ctrl+C).
        [Parameter(Mandatory)][AllowEmptyCollection()][object[]]$Operations,
        [hashtable]$Kind = $script:DkvOperationKind.Stop,
        [switch]$Completed
    )
    $record = [System.Management.Automation.ProgressRecord]::new(
        $script:DkvProgressActivityId, "$($Kind.Doing) store $Store", 'Starting')
    if ($Completed) {
        $record.StatusDescription = 'Done'
        $record.RecordType = [System.Management.Automation.ProgressRecordType]::Completed
        $Cmdlet.WriteProgress($record)
        return
    }
    $total = 0
    $done = 0
    $phase = $null
    $current = $null
    foreach ($operation in $Operations) {
        $snapshot = $operation.Progress
        if ($null -eq $snapshot) { continue }
        $total += $snapshot.Total
        $done += $snapshot.Done
        if ($null -eq $phase -and -not $snapshot.Finished) { $phase = $snapshot.Phase }
        $node = $snapshot.Running
        if ($null -eq $current -and $null -ne $node) {
            $current = "$($node.Instance) on $($node.Manager): $($node.Message)"
        }
    }
    if ($null -eq $phase) { $phase = 'Done' }
    if ($Kind.Rolling -and $total -gt 0) {
        # One node at a time: the library's phase names it and its step ("Restarting orders-3 (3 of 10): stopping").
        $record.StatusDescription = $phase
        $record.PercentComplete = [int][Math]::Min(100, [Math]::Floor(100 * $done / $total))
    }
    elseif ($total -gt 0) {
        $record.StatusDescription = "$done of $total nodes done"
        $record.PercentComplete = [int][Math]::Min(100, [Math]::Floor(100 * $done / $total))
    }
    else {
        $record.StatusDescription = $phase
    }
    if ($null -ne $current) { $record.CurrentOperation = $current } else { $record.CurrentOperation = $phase }
    $Cmdlet.WriteProgress($record)
}

function Close-DkvFailedOperation {
    # An operation the library reports as failed as a whole is over: one error for its target, written now, or
    # returned under -FailFast for the caller to throw after this turn's rows.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet,
        [Parameter(Mandatory)][psobject]$Operation,
        [Parameter(Mandatory)][psobject]$Failure,
        [switch]$FailFast
    )
    $Operation.Over = $true
    $record = ConvertTo-DkvErrorRecord -Failure $Failure -TargetObject $Operation.Target
    if ($FailFast) { return $record }
    $Cmdlet.WriteError($record)
}

function Receive-DkvStopUpdate {
    # One turn for one operation: new log lines, a progress snapshot, new rows. Returns the first failure record
    # under -FailFast (after writing the rows of this turn) so the caller can terminate.
    param(
        [System.Management.Automation.PSCmdlet]$Cmdlet,
        [psobject]$Operation,
        [hashtable]$Kind = $script:DkvOperationKind.Stop,
        [switch]$FailFast
    )
    $handle = $Operation.Handle
    $call = Invoke-DkvTransport -Function dkv_op_progress -ArgumentList @($handle, [long]$Operation.LogSince)
    if ($null -ne $call.Failure) { return (Close-DkvFailedOperation -Cmdlet $Cmdlet -Operation $Operation -Failure $call.Failure -FailFast:$FailFast) }
    try { $snapshot = Read-DkvProgress -Progress $call.Value }
    finally { $null = Invoke-DkvTransport -Function dkv_free_progress -ArgumentList @($call.Value) }
    $Operation.Progress = $snapshot
    $Operation.LogSince = $snapshot.LogFirst + $snapshot.Log.Count
    foreach ($line in $snapshot.Log) {
        if ($line.StartsWith('WARNING: ', [System.StringComparison]::Ordinal)) { $Cmdlet.WriteWarning($line.Substring(9)) }
        else { $Cmdlet.WriteVerbose($line) }
    }

    $call = Invoke-DkvTransport -Function dkv_op_results -ArgumentList @($handle)
    # The operation failed before any node (discovery, selection): one error for this store.
    if ($null -ne $call.Failure) { return (Close-DkvFailedOperation -Cmdlet $Cmdlet -Operation $Operation -Failure $call.Failure -FailFast:$FailFast) }
    # Only the rows finished since the last turn are read: a 64-node stop would otherwise read every row again
    # on every turn.
    try {
        $rowCount = Read-DkvResultRows -Results $call.Value -Count
        $rows = @(if ($rowCount -gt $Operation.Seen) { Read-DkvResultRows -Results $call.Value -First $Operation.Seen })
    }
    finally { $null = Invoke-DkvTransport -Function dkv_free_results -ArgumentList @($call.Value) }

    $failure = $null
    foreach ($row in $rows) {
        $Cmdlet.WriteObject((ConvertTo-DkvStopResult -Row $row -Kind $Kind))
        if ($Kind.Rolling) { $Operation.Rows.Add($row) }
        if ($row.Kind -eq $script:DkvCode.DKV_RESULT_FAILED -or $row.Kind -eq $script:DkvCode.DKV_RESULT_TIMEOUT) {
            $record = New-DkvRowErrorRecord -Row $row -Kind $Kind
            # A restart's error waits for the rows after it (the nodes not restarted) to say how to go on.
            if ($Kind.Rolling) { $Operation.Failed.Add([pscustomobject]@{ Row = $row; Record = $record }) }
            elseif (-not $FailFast) { $Cmdlet.WriteError($record) }
            elseif ($null -eq $failure) { $failure = $record }
        }
    }
    $Operation.Seen = $rowCount
    if ($snapshot.Finished) { $Operation.Over = $true }
    $failure
}

function Invoke-DkvStopOperation {
    # Begins ONE operation for $Instances ($null = every node; a list = those nodes, under the same one deadline)
    # and watches it until it is over. Terminating errors (NoManagers, -FailFast) go through
    # $Cmdlet.ThrowTerminatingError.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet,
        [Parameter(Mandatory)][psobject]$Target,
        [Parameter(Mandatory)][AllowEmptyString()][string]$Store,
        [AllowNull()][string[]]$Instances,
        [uint32]$Flags = 0,
        # With -Parallel, the most requests in flight at once; 0 lets the library choose (DKV_DEFAULT_THROTTLE).
        [uint32]$Throttle = 0,
        # 'Stop', 'Start' or 'Restart' ($script:DkvOperationKind): which begin export, and the words of rows, errors,
        # progress.
        [ValidateSet('Stop', 'Start', 'Restart')][string]$Kind = 'Stop',
        # A rolling restart's limit per node in seconds; 0 = none (stops and starts must leave it 0).
        [int]$NodeTimeoutSec = 0
    )
    $what = $script:DkvOperationKind[$Kind]
    $failFast = ($Flags -band $script:DkvStopFlags.FailFast) -ne 0
    $operations = [System.Collections.Generic.List[psobject]]::new()
    $scope = New-DkvNativeScope
    $progressShown = $false
    try {
        # Errors about one named node are about that node; about a list, or a name that is no name, the store's.
        $targetObject = $Store
        if ($null -ne $Instances -and $Instances.Count -eq 1 -and -not [string]::IsNullOrWhiteSpace($Instances[0])) {
            $targetObject = [string]$Instances[0]
        }
        $options = New-DkvStopOptions -Scope $scope -Target $Target -Store $Store -Instances $Instances -Flags $Flags `
            -Throttle $Throttle -NodeTimeoutSec $NodeTimeoutSec -Audit
        $call = Test-DkvReason -Target $Target
        if ($null -eq $call) { $call = Invoke-DkvTransport -Function $what.Begin -ArgumentList @([IntPtr]$script:DkvSessionHandle, $options) }
        if ($null -ne $call.Failure) {
            $record = ConvertTo-DkvErrorRecord -Failure $call.Failure -TargetObject $targetObject
            if ($failFast -or $record.FullyQualifiedErrorId -eq 'NoManagers') { $Cmdlet.ThrowTerminatingError($record) }
            $Cmdlet.WriteError($record)
            return
        }
        $script:DkvLive.Operations++
        $operations.Add([pscustomobject]@{
                Handle = $call.Value; Target = $targetObject; LogSince = 0; Seen = 0; Over = $false; Progress = $null
                Rows = [System.Collections.Generic.List[psobject]]::new(); Failed = [System.Collections.Generic.List[psobject]]::new()
            })

        while ($true) {
            $open = @(foreach ($operation in $operations) { if (-not $operation.Over) { $operation } })
            if ($open.Count -eq 0) { break }
            # Only one operation blocks per turn, so a turn stays short however many run.
            $null = Invoke-DkvTransport -Function dkv_op_wait -ArgumentList @($open[0].Handle, [int]$script:DkvWaitTurnMs)
            $running = $false
            foreach ($operation in $open) {
                $failure = Receive-DkvStopUpdate -Cmdlet $Cmdlet -Operation $operation -Kind $what -FailFast:$failFast
                if ($null -ne $failure) { $Cmdlet.ThrowTerminatingError($failure) }
                if (-not $operation.Over) { $running = $true }
            }
            if ($running -or $progressShown) {
                Write-DkvStopProgress -Cmdlet $Cmdlet -Store $Store -Operations $operations -Kind $what
                $progressShown = $true
            }
        }
        if ($progressShown) {
            Write-DkvStopProgress -Cmdlet $Cmdlet -Store $Store -Operations $operations -Kind $what -Completed
            $progressShown = $false
        }
        foreach ($operation in $operations) {
            foreach ($failed in $operation.Failed) {
                $Cmdlet.WriteError((Complete-DkvRestartError -Failed $failed -Rows $operation.Rows -Store $Store))
            }
        }
    }
    finally {
        foreach ($operation in $operations) {
            $wasOver = $operation.Over
            $null = Invoke-DkvTransport -Function dkv_op_cancel -ArgumentList @($operation.Handle)
            # Ctrl+C in the middle of a restart: the library brings the node back before it finishes; wait for that
            # (bounded) and tell the operator, so a node is never left down unsaid.
            if ($what.Rolling -and -not $wasOver) { Wait-DkvRestartRecovery -Cmdlet $Cmdlet -Operation $operation -Store $Store }
            elseif ($Kind -eq 'Stop' -and -not $wasOver) { Write-DkvInterruptedPassive -Cmdlet $Cmdlet -Operation $operation -Store $Store }
            $null = Invoke-DkvTransport -Function dkv_op_free -ArgumentList @($operation.Handle)
            $script:DkvLive.Operations--
        }
        $operations.Clear()
        Close-DkvNativeScope -Scope $scope
        if ($progressShown) {
            # Stopped or failed mid-way: close the progress bar. While the pipeline stops (Ctrl+C) writing throws a
            # PipelineStoppedException, which the engine does not record as an error.
            Write-DkvStopProgress -Cmdlet $Cmdlet -Store $Store -Operations @() -Kind $what -Completed
        }
    }
}

function Get-DkvRestartAdvice {
    # How to go on after a rolling restart stopped at $Row's node: the commands for the node (when it is down) and
    # for the nodes not restarted. $Rest: those nodes' names, in the store's order.
    param([Parameter(Mandatory)][psobject]$Row, [AllowEmptyCollection()][string[]]$Rest = @(), [Parameter(Mandatory)][string]$Store)
    $name = $Row.Instance
    $quotedStore = ConvertTo-DkvArgumentText $Store
    $steps = [System.Collections.Generic.List[string]]::new()
    $restart = [System.Collections.Generic.List[string]]::new()
    if ($Row.Message -match 'the node is DOWN') {
        $steps.Add("Start-DkvStore -Name $quotedStore -InstanceName $(ConvertTo-DkvArgumentText $name)")
    }
    else {
        # Not stopped, or back and Running without the restart completing: restarting it again is safe.
        $restart.Add($name)
    }
    foreach ($later in $Rest) { $restart.Add($later) }
    if ($restart.Count -gt 0) {
        $names = @($restart | ForEach-Object { ConvertTo-DkvArgumentText $_ }) -join ','
        $steps.Add("Restart-DkvStore -Name $quotedStore -InstanceName $names")
    }
    'Once the cause is fixed, run: ' + ($steps -join '; then ')
}

function ConvertTo-DkvArgumentText {
    # A name as it can be typed on a command line: bare when it is plain, else single-quoted.
    param([AllowEmptyString()][string]$Text)
    if ($Text -match '^[\w.-]+$' -and $Text -notmatch '^-') { return $Text }
    "'" + $Text.Replace("'", "''") + "'"
}

function Complete-DkvRestartError {
    # The error of the node a rolling restart stopped at, once the roll is over: its RecommendedAction names the
    # commands that go on from there (the nodes not restarted are the SKIPPED rows that name it).
    param([Parameter(Mandatory)][psobject]$Failed, [AllowEmptyCollection()][object[]]$Rows, [Parameter(Mandatory)][string]$Store)
    $row = $Failed.Row
    $marker = "the rolling restart stopped at $($row.Instance)"
    $rest = @(foreach ($other in $Rows) { if ($other.Message -and $other.Message.EndsWith($marker, [System.StringComparison]::Ordinal)) { $other.Instance } })
    $record = $Failed.Record
    $details = [System.Management.Automation.ErrorDetails]::new($record.Exception.Message)
    $details.RecommendedAction = Get-DkvRestartAdvice -Row $row -Rest $rest -Store $Store
    $record.ErrorDetails = $details
    $record
}

function Write-DkvInterruptWarning {
    # A warning of the command while it can still write one (-FailFast: -WarningAction and -WarningVariable apply);
    # while the pipeline stops (Ctrl+C) WriteWarning throws, and the host's own line still reaches the console.
    # -Transient: a line about a wait under way, not part of the outcome $script:DkvLastInterruptReport keeps.
    param([Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet, [Parameter(Mandatory)][string]$Text, [switch]$Transient)
    if (-not $Transient) { $script:DkvLastInterruptReport.Add($Text) }
    try { $Cmdlet.WriteWarning($Text); return }
    catch { $null = $_ }
    try { $Host.UI.WriteWarningLine($Text) }
    catch { $null = $_ }
}

# What the last Ctrl+C of a rolling restart or of a passive whole-store stop reported (Write-DkvInterruptWarning), for a
# host without a console.
$script:DkvLastInterruptReport = [System.Collections.Generic.List[string]]::new()

function Write-DkvInterruptedPassive {
    # After a cancel of a stop (Ctrl+C, -FailFast): a whole-store stop that had made the store Passive leaves it
    # Passive, its partitions frozen, with the nodes not yet stopped still running. The library's own warning comes
    # only when the stop runs to its end, so the module says it, and the way back. The log is complete up to the
    # cancel, which sends nothing more: reading it waits for nothing.
    param([Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet, [Parameter(Mandatory)][psobject]$Operation, [Parameter(Mandatory)][string]$Store)
    $script:DkvLastInterruptReport.Clear()
    $call = Invoke-DkvTransport -Function dkv_op_progress -ArgumentList @($Operation.Handle, [long]0)
    if ($null -ne $call.Failure) { return }
    try { $snapshot = Read-DkvProgress -Progress $call.Value }
    finally { $null = Invoke-DkvTransport -Function dkv_free_progress -ArgumentList @($call.Value) }
    $passive = "Store '$Store' is Passive:"
    $madePassive = $false
    foreach ($line in $snapshot.Log) { if ($line.StartsWith($passive, [System.StringComparison]::Ordinal)) { $madePassive = $true } }
    if (-not $madePassive) { return }
    # The console may not have shown the last rows yet (a table waits for more before it prints): name them.
    $stopped = [System.Collections.Generic.List[string]]::new()
    $notStopped = [System.Collections.Generic.List[string]]::new()
    $call = Invoke-DkvTransport -Function dkv_op_results -ArgumentList @($Operation.Handle)
    if ($null -eq $call.Failure) {
        try {
            foreach ($row in @(Read-DkvResultRows -Results $call.Value)) {
                if ($row.Kind -eq $script:DkvCode.DKV_RESULT_SUCCESS) { $stopped.Add($row.Instance) } else { $notStopped.Add($row.Instance) }
            }
        }
        finally { $null = Invoke-DkvTransport -Function dkv_free_results -ArgumentList @($call.Value) }
    }
    $done = 'none'
    if ($stopped.Count -gt 0) { $done = $stopped -join ', ' }
    $left = 'none'
    if ($notStopped.Count -gt 0) { $left = $notStopped -join ', ' }
    $quotedStore = ConvertTo-DkvArgumentText $Store
    Write-DkvInterruptWarning -Cmdlet $Cmdlet -Text ("Store '$Store' stays Passive: the stop was interrupted after the store was made Passive, " +
        'so its partitions do not migrate and the nodes not yet stopped still run. ' +
        "Stopped: $done. Not stopped, or still stopping: $left. To bring every node back and make it Active: " +
        "Start-DkvStore -Name $quotedStore. To finish the stop: Stop-DkvStore -Name $quotedStore.")
}

function Wait-DkvRestartRecovery {
    # After a cancel: the library brings the node whose stop was sent back (within DKV_RESTART_RECOVERY_GRACE_SEC)
    # and then finishes. Waits that long and a second more, then says what became of each node it touched.
    param([Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet, [Parameter(Mandatory)][psobject]$Operation, [Parameter(Mandatory)][string]$Store)
    $script:DkvLastInterruptReport.Clear()
    $limit = [int](($script:DkvRestartRecoveryGraceSec + 1) * 1000)
    # Still running after the cancel means a node whose stop was sent is being brought back: say so before the wait,
    # so the console is never silent for those seconds (Ctrl+C pressed again would find nothing to say why).
    $finished = (Invoke-DkvTransport -Function dkv_op_wait -ArgumentList @($Operation.Handle, 0)) -eq 1
    if (-not $finished) {
        # The node left running after the cancel is the one being brought back (the others' rows are written).
        $node = 'the node being restarted'
        $call = Invoke-DkvTransport -Function dkv_op_progress -ArgumentList @($Operation.Handle, [long]$Operation.LogSince)
        if ($null -eq $call.Failure) {
            try { $snapshot = Read-DkvProgress -Progress $call.Value }
            finally { $null = Invoke-DkvTransport -Function dkv_free_progress -ArgumentList @($call.Value) }
            if ($null -ne $snapshot.Running) { $node = $snapshot.Running.Instance }
        }
        Write-DkvInterruptWarning -Cmdlet $Cmdlet -Transient -Text ("Bringing $node back before returning: its stop was sent before the interruption, " +
            "so its start is sent once the manager has stopped it (at most $($script:DkvRestartRecoveryGraceSec) s).")
        $finished = (Invoke-DkvTransport -Function dkv_op_wait -ArgumentList @($Operation.Handle, $limit)) -eq 1
    }
    $quotedStore = ConvertTo-DkvArgumentText $Store
    $call = Invoke-DkvTransport -Function dkv_op_results -ArgumentList @($Operation.Handle)
    $rows = @()
    if ($null -eq $call.Failure) {
        try { $rows = @(Read-DkvResultRows -Results $call.Value) }
        finally { $null = Invoke-DkvTransport -Function dkv_free_results -ArgumentList @($call.Value) }
    }
    $reported = $false
    foreach ($row in $rows) {
        # Nodes the cancel left untouched say "not restarted: ..."; the one it interrupted says what became of it.
        if (-not $row.Message -or $row.Message.StartsWith('not restarted', [System.StringComparison]::Ordinal)) { continue }
        if ($row.Kind -ne $script:DkvCode.DKV_RESULT_CANCELLED -and $row.Kind -ne $script:DkvCode.DKV_RESULT_TIMEOUT) { continue }
        $name = ConvertTo-DkvArgumentText $row.Instance
        if ($row.Message -match 'the node is DOWN') {
            Write-DkvInterruptWarning -Cmdlet $Cmdlet -Text "$($row.Instance) is DOWN: Start-DkvStore -Name $quotedStore -InstanceName $name ($($row.Message))"
        }
        else {
            Write-DkvInterruptWarning -Cmdlet $Cmdlet -Text "$($row.Instance) was started again: the rolling restart of store '$Store' was interrupted there ($($row.Message))"
        }
        $reported = $true
    }
    # The rows are not shown any more (the pipeline stopped, and a console table may still hold the last ones):
    # one line says which nodes were restarted and which were not, so the operator knows where the roll ended.
    $done = @(foreach ($row in $rows) { if ($row.Kind -eq $script:DkvCode.DKV_RESULT_SUCCESS) { $row.Instance } })
    # A SKIPPED row's node is on a server no targeted manager runs: the same command would skip it again.
    $left = @(foreach ($row in $rows) {
            if ($row.Kind -ne $script:DkvCode.DKV_RESULT_SKIPPED -and $row.Message -and $row.Message.StartsWith('not restarted', [System.StringComparison]::Ordinal)) { $row.Instance }
        })
    if ($rows.Count -gt 0) {
        $restarted = 'none'
        if ($done.Count -gt 0) { $restarted = $done -join ', ' }
        $text = "The rolling restart of store '$Store' was interrupted. Restarted: $restarted."
        if ($left.Count -gt 0) {
            $text += " Not restarted: $($left -join ', ') (Restart-DkvStore -Name $quotedStore -InstanceName $(@($left | ForEach-Object { ConvertTo-DkvArgumentText $_ }) -join ','))."
        }
        Write-DkvInterruptWarning -Cmdlet $Cmdlet -Text $text
    }
    if (-not $finished -and -not $reported) {
        $node = $null
        if ($null -ne $Operation.Progress -and $null -ne $Operation.Progress.Running) { $node = $Operation.Progress.Running.Instance }
        if ($node) {
            Write-DkvInterruptWarning -Cmdlet $Cmdlet -Text ("$node may be DOWN: the rolling restart was interrupted while restarting it. Check with " +
                "Get-DkvStore -Name $quotedStore; if it is stopped: Start-DkvStore -Name $quotedStore -InstanceName $(ConvertTo-DkvArgumentText $node)")
        }
    }
}
