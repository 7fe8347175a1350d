# Hand-marshalling between PowerShell and the C ABI: UTF-8 strings in and out, out-parameter slots, and reading the
# structs of include/clustron_dkv.h. Everything allocated here belongs to a scope (a List[IntPtr]) that the caller
# frees in a finally block, so no path (error, Ctrl+C, -WhatIf) leaks.
# The helpers called for every call and every string (scopes, UTF-8 in and out) are plain functions, not
# [CmdletBinding()]: a stop reads dozens of strings, and an advanced function call costs several times a plain one.

# Pointer size: the stride of the pointer arrays (string lists, out slots). Struct offsets are in $script:DkvLayout
# (NativeAbi.ps1), written for 64-bit: the module refuses a 32-bit process before it binds the library.
$script:DkvPtr = [IntPtr]::Size

# Live counts of what the module holds: HGlobal blocks and operation handles. Both are back to 0 after every
# command on every path; tests check that with `& (Get-Module Clustron.Dkv) { $script:DkvLive }`.
$script:DkvLive = @{ Allocations = 0; Operations = 0 }

function New-DkvNativeScope {
    param()
    , [System.Collections.Generic.List[IntPtr]]::new()
}

function Close-DkvNativeScope {
    param([System.Collections.Generic.List[IntPtr]]$Scope)
    # A refusal nobody called the library after (New-DkvUtf8) dies with the scope it was made in.
    $script:DkvRefusedText = $null
    if ($null -eq $Scope) { return }
    foreach ($pointer in $Scope) {
        if ($pointer -ne [IntPtr]::Zero) {
            [System.Runtime.InteropServices.Marshal]::FreeHGlobal($pointer)
            $script:DkvLive.Allocations--
        }
    }
    $Scope.Clear()
}

function New-DkvNativeBlock {
    # Zeroed memory, so an out slot the library did not write reads as NULL.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][AllowEmptyCollection()][System.Collections.Generic.List[IntPtr]]$Scope,
        [Parameter(Mandatory)][int]$Size
    )
    $block = [System.Runtime.InteropServices.Marshal]::AllocHGlobal($Size)
    $Scope.Add($block)
    $script:DkvLive.Allocations++
    for ($offset = 0; $offset -lt $Size; $offset++) {
        [System.Runtime.InteropServices.Marshal]::WriteByte($block, $offset, 0)
    }
    $block
}

function New-DkvOutSlot {
    [CmdletBinding()]
    param([Parameter(Mandatory)][AllowEmptyCollection()][System.Collections.Generic.List[IntPtr]]$Scope)
    New-DkvNativeBlock -Scope $Scope -Size $script:DkvPtr
}

# --- Strings into the library ---------------------------------------------------------------------------------------
# New-DkvUtf8 is the one place a .NET string becomes a C string, so it is where a string the library cannot take is
# refused: a NUL (U+0000) would end the C string there, and the library would act on the part before it (another
# store, node or manager than the one named); an unpaired UTF-16 surrogate has no UTF-8 form and would arrive as
# U+FFFD. Such a string is not copied. New-DkvUtf8 keeps the refusal (an ErrorRecord with the parameter's ErrorId) in
# $script:DkvRefusedText, and Invoke-DkvTransport returns it as the failure of the next status export instead of
# calling it, so nothing is sent and every caller reports it through the path it already has for a library error.
# Expected failures travel as values (see Invoke-DkvTransport.ps1): a thrown exception would leave extra records in
# $Error. The message names the parameter (-Label), the problem, its position (1-based, in UTF-16 units as .NET
# counts a string's characters) and the fix; a secret (-Secret) is never shown, not even in part.

$script:DkvRefusedText = $null
# A NUL, or a surrogate without its other half (.NET regular expressions match UTF-16 units).
$script:DkvUnsendableText = [regex]::new('\x00|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]')
# The documented ErrorId of each parameter whose strings cross into the library (the module README, "Error IDs");
# any other label is InvalidArgument.
$script:DkvTextErrorIds = @{ '-Managers' = 'InvalidManagerAddress' }

function New-DkvRefusedTextRecord {
    # The ErrorRecord of a string New-DkvUtf8 refused; $Match is the offending character's match.
    param([string]$Text, [string]$Label, [bool]$Secret, [System.Text.RegularExpressions.Match]$Match)
    $position = $Match.Index + 1
    if ($Match.Value -eq [string][char]0) {
        $seen = 'only the part before it'
        if (-not $Secret) { $seen = "only '" + $Text.Substring(0, $Match.Index) + "'" }
        $message = "$Label holds a NUL character (U+0000) at position $position. A C string ends at a NUL, so the " +
        "library would see $($seen): nothing was sent. Remove the NUL (a UTF-16 file read as UTF-8, or fixed-width " +
        'padding, often leaves one).'
    }
    else {
        $code = 'U+{0:X4}' -f [int][char]$Match.Value
        $message = "$Label holds an unpaired UTF-16 surrogate ($code) at position $position. It is half of a " +
        'character and has no UTF-8 form, so the library would see U+FFFD in its place: nothing was sent. Remove it, ' +
        'or read the text with its real encoding.'
    }
    $errorId = 'InvalidArgument'
    foreach ($parameter in $script:DkvTextErrorIds.Keys) {
        if ($Label.StartsWith($parameter, [System.StringComparison]::Ordinal)) { $errorId = $script:DkvTextErrorIds[$parameter] }
    }
    $exception = [System.ArgumentException]::new($message)
    $exception.Data['Clustron.Dkv.Status'] = $script:DkvCode.DKV_ERR_INVALID_ARGUMENT
    $target = $Text
    if ($Secret) { $target = $null }
    [System.Management.Automation.ErrorRecord]::new($exception, $errorId, 'InvalidArgument', $target)
}

function New-DkvUtf8 {
    # NULL for $null, so optional arguments (a DkvStopOptions field left unset) pass straight through. -Label names
    # the string in a refusal ("-Name", "-Managers item 2", "The password of -Credential"); -Secret keeps its text
    # out of the message and the record.
    param(
        [System.Collections.Generic.List[IntPtr]]$Scope,
        # [object], not [string]: a [string] parameter turns $null into '', and '' is not "no instance".
        [AllowNull()][object]$Text,
        [string]$Label = 'A string',
        [switch]$Secret
    )
    if ($null -eq $Text) { return [IntPtr]::Zero }
    $string = [string]$Text
    $bad = $script:DkvUnsendableText.Match($string)
    if ($bad.Success) {
        # The first refusal is the one reported; the call it was for is never made.
        if ($null -eq $script:DkvRefusedText) {
            $record = New-DkvRefusedTextRecord -Text $string -Label $Label -Secret ([bool]$Secret) -Match $bad
            $script:DkvRefusedText = New-DkvFailure -Status $script:DkvCode.DKV_ERR_INVALID_ARGUMENT -Message $record.Exception.Message -Record $record
        }
        return [IntPtr]::Zero
    }
    $bytes = [System.Text.Encoding]::UTF8.GetBytes($string)
    $pointer = [System.Runtime.InteropServices.Marshal]::AllocHGlobal($bytes.Length + 1)
    $Scope.Add($pointer)
    $script:DkvLive.Allocations++
    [System.Runtime.InteropServices.Marshal]::Copy($bytes, 0, $pointer, $bytes.Length)
    [System.Runtime.InteropServices.Marshal]::WriteByte($pointer, $bytes.Length, 0)
    $pointer
}

function Clear-DkvNativeBlock {
    # Overwrites a secret (password, token) before its block is freed, so it does not linger in freed memory.
    [CmdletBinding()]
    param([IntPtr]$Pointer)
    if ($Pointer -eq [IntPtr]::Zero) { return }
    $offset = 0
    while ([System.Runtime.InteropServices.Marshal]::ReadByte($Pointer, $offset) -ne 0) {
        [System.Runtime.InteropServices.Marshal]::WriteByte($Pointer, $offset, 0)
        $offset++
    }
}

function New-DkvUtf8Array {
    # A `const char *const *`; NULL for no items, which the library reads as "use the session".
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][AllowEmptyCollection()][System.Collections.Generic.List[IntPtr]]$Scope,
        [AllowNull()][string[]]$Items,
        # The parameter the items come from, for a refusal ("-Managers item 2").
        [string]$Label = 'A list'
    )
    if ($null -eq $Items -or $Items.Count -eq 0) { return [IntPtr]::Zero }
    $array = New-DkvNativeBlock -Scope $Scope -Size ($script:DkvPtr * $Items.Count)
    for ($i = 0; $i -lt $Items.Count; $i++) {
        $item = New-DkvUtf8 -Scope $Scope -Text $Items[$i] -Label (Get-DkvItemLabel -Label $Label -Index $i -Count $Items.Count)
        [System.Runtime.InteropServices.Marshal]::WriteIntPtr($array, $i * $script:DkvPtr, $item)
    }
    $array
}

function Get-DkvItemLabel {
    # "-Managers" for a list of one, "-Managers item 2" for the second of several.
    param([string]$Label, [int]$Index, [int]$Count)
    if ($Count -le 1) { return $Label }
    "$Label item $($Index + 1)"
}

function Read-DkvUtf8 {
    param([IntPtr]$Pointer)
    if ($Pointer -eq [IntPtr]::Zero) { return $null }
    # Marshal.PtrToStringUTF8 is missing from .NET Framework (Windows PowerShell 5.1). $script:DkvAssumeDesktop
    # (NativeLibrary.ps1) lets the tests run the Framework path on pwsh.
    if ($PSVersionTable.PSEdition -eq 'Core' -and -not $script:DkvAssumeDesktop) {
        return [System.Runtime.InteropServices.Marshal]::PtrToStringUTF8($Pointer)
    }
    $length = 0
    while ([System.Runtime.InteropServices.Marshal]::ReadByte($Pointer, $length) -ne 0) { $length++ }
    $bytes = [byte[]]::new($length)
    [System.Runtime.InteropServices.Marshal]::Copy($Pointer, $bytes, 0, $length)
    [System.Text.Encoding]::UTF8.GetString($bytes)
}

# The struct readers and writers below take every field offset and struct size from $script:DkvLayout
# (NativeAbi.ps1), which tests/powershell/NativeAbi.Tests.ps1 checks against the C compiler.

function Read-DkvStringField {
    param([IntPtr]$Base, [int]$Offset)
    Read-DkvUtf8 -Pointer ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($Base, $Offset))
}

function Read-DkvSize {
    # size_t as a non-negative int: no realistic count exceeds it.
    param([IntPtr]$Base, [int]$Offset)
    [int][System.Runtime.InteropServices.Marshal]::ReadInt64($Base, $Offset)
}

function Read-DkvResultRows {
    # DkvResults {items, len} of DkvResult rows. Read on every turn of a stop: a plain function, fields read
    # inline. Rows before -First are skipped (a stop reads only the rows finished since its last turn); -Count
    # returns how many rows there are, reading none.
    param([IntPtr]$Results, [int]$First = 0, [switch]$Count)
    $resultsLayout = $script:DkvLayout.DkvResults
    $total = [int][System.Runtime.InteropServices.Marshal]::ReadInt64($Results, $resultsLayout.len)
    if ($Count) { return $total }
    $items = [System.Runtime.InteropServices.Marshal]::ReadIntPtr($Results, $resultsLayout.items)
    $r = $script:DkvLayout.DkvResult
    for ($i = $First; $i -lt $total; $i++) {
        $row = [IntPtr]::Add($items, $i * $r.Size)
        [pscustomobject]@{
            Manager    = Read-DkvUtf8 ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($row, $r.manager))
            Action     = Read-DkvUtf8 ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($row, $r.action))
            Result     = Read-DkvUtf8 ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($row, $r.result))
            Message    = Read-DkvUtf8 ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($row, $r.message))
            Store      = Read-DkvUtf8 ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($row, $r.store))
            Instance   = Read-DkvUtf8 ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($row, $r.instance))
            DurationMs = [System.Runtime.InteropServices.Marshal]::ReadInt64($row, $r.duration_ms)
            Kind       = [System.Runtime.InteropServices.Marshal]::ReadInt32($row, $r.kind)
            HttpStatus = [System.Runtime.InteropServices.Marshal]::ReadInt32($row, $r.http_status)
            # A restart's downtime in ms; -1 when the node was not taken down (and for stops and starts).
            DownMs     = [System.Runtime.InteropServices.Marshal]::ReadInt64($row, $r.down_ms)
        }
    }
}

function Read-DkvStoreInfo {
    # DkvStoreInfo {name, manager, instances, len, state, safe, migrations_pending} of DkvInstanceInfo {name,
    # server, status, clustron_port, client_port}. Unknown state, safety and migrations (NULL, -1, -1) are $null.
    [CmdletBinding()]
    param([Parameter(Mandatory)][IntPtr]$Info)
    $infoLayout = $script:DkvLayout.DkvStoreInfo
    $nodeLayout = $script:DkvLayout.DkvInstanceInfo
    $instances = [System.Runtime.InteropServices.Marshal]::ReadIntPtr($Info, $infoLayout.instances)
    $count = Read-DkvSize -Base $Info -Offset $infoLayout.len
    $nodes = for ($i = 0; $i -lt $count; $i++) {
        $node = [IntPtr]::Add($instances, $i * $nodeLayout.Size)
        [pscustomobject]@{
            Name         = Read-DkvStringField -Base $node -Offset $nodeLayout.name
            Server       = Read-DkvStringField -Base $node -Offset $nodeLayout.server
            Status       = Read-DkvStringField -Base $node -Offset $nodeLayout.status
            ClustronPort = [System.Runtime.InteropServices.Marshal]::ReadInt32($node, $nodeLayout.clustron_port)
            ClientPort   = [System.Runtime.InteropServices.Marshal]::ReadInt32($node, $nodeLayout.client_port)
        }
    }
    $safe = [System.Runtime.InteropServices.Marshal]::ReadInt32($Info, $infoLayout.safe)
    $pending = [System.Runtime.InteropServices.Marshal]::ReadInt64($Info, $infoLayout.migrations_pending)
    [pscustomobject]@{
        Name              = Read-DkvStringField -Base $Info -Offset $infoLayout.name
        Manager           = Read-DkvStringField -Base $Info -Offset $infoLayout.manager
        Instances         = @($nodes)
        State             = Read-DkvStringField -Base $Info -Offset $infoLayout.state
        Safe              = if ($safe -lt 0) { $null } else { [bool]$safe }
        MigrationsPending = if ($pending -lt 0) { $null } else { $pending }
    }
}

function New-DkvStopOptions {
    # A DkvStopOptions in a scope block, zeroed, with struct_size set. $Instances $null = every node (NULL, 0); a
    # list, even of one name, is passed as it is (the library rejects an empty one). $NodeTimeoutSec: a rolling
    # restart's per-node limit (0: none; the library refuses any other value for a stop or a start).
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][AllowEmptyCollection()][System.Collections.Generic.List[IntPtr]]$Scope,
        [Parameter(Mandatory)][psobject]$Target,
        [Parameter(Mandatory)][AllowEmptyString()][string]$Store,
        [AllowNull()][string[]]$Instances,
        [uint32]$Flags = 0,
        [uint32]$Throttle = 0,
        [int]$NodeTimeoutSec = 0,
        # A stop, start or restart (not a plan): the audit trail's log, command and parameters (Change.ps1).
        [switch]$Audit
    )
    $o = $script:DkvLayout.DkvStopOptions
    $p = $script:DkvPtr
    $block = New-DkvNativeBlock -Scope $Scope -Size $o.Size
    $managerCount = 0
    if ($null -ne $Target.Managers) { $managerCount = $Target.Managers.Count }
    [System.Runtime.InteropServices.Marshal]::WriteInt32($block, $o.struct_size, $o.Size)
    [System.Runtime.InteropServices.Marshal]::WriteInt32($block, $o.flags, [int]$Flags)
    [System.Runtime.InteropServices.Marshal]::WriteIntPtr($block, $o.managers, (New-DkvUtf8Array -Scope $Scope -Items $Target.Managers -Label '-Managers'))
    [System.Runtime.InteropServices.Marshal]::WriteInt64($block, $o.manager_count, $managerCount)
    [System.Runtime.InteropServices.Marshal]::WriteInt32($block, $o.port, [int]$Target.Port)
    [System.Runtime.InteropServices.Marshal]::WriteInt32($block, $o.timeout_sec, [int]$Target.TimeoutSec)
    [System.Runtime.InteropServices.Marshal]::WriteIntPtr($block, $o.store, (New-DkvUtf8 -Scope $Scope -Text $Store -Label '-Name'))
    if ($null -ne $Instances) {
        # New-DkvUtf8Array gives NULL for no items; an empty list must reach the library as one (never "every node").
        $array = New-DkvNativeBlock -Scope $Scope -Size ([Math]::Max(1, $Instances.Count) * $p)
        for ($i = 0; $i -lt $Instances.Count; $i++) {
            $label = Get-DkvItemLabel -Label '-InstanceName' -Index $i -Count $Instances.Count
            [System.Runtime.InteropServices.Marshal]::WriteIntPtr($array, $i * $p, (New-DkvUtf8 -Scope $Scope -Text $Instances[$i] -Label $label))
        }
        [System.Runtime.InteropServices.Marshal]::WriteIntPtr($block, $o.instances, $array)
        [System.Runtime.InteropServices.Marshal]::WriteInt64($block, $o.instance_count, $Instances.Count)
    }
    [System.Runtime.InteropServices.Marshal]::WriteInt32($block, $o.throttle, [int]$Throttle)
    [System.Runtime.InteropServices.Marshal]::WriteInt32($block, $o.node_timeout_sec, $NodeTimeoutSec)
    # -Reason of Stop-, Start- and Restart-DkvStore (Add-DkvChangeContext, Change.ps1); NULL when not given.
    if ($null -ne $Target.PSObject.Properties['Reason'] -and $null -ne $Target.Reason) {
        [System.Runtime.InteropServices.Marshal]::WriteIntPtr($block, $o.reason, (New-DkvUtf8 -Scope $Scope -Text $Target.Reason))
    }
    if ($Audit -and $null -ne $Target.PSObject.Properties['Command']) {
        # The log: the session's -AuditLog, else CLUSTRON_DKV_AUDIT_LOG read here: on Linux and macOS .NET keeps
        # its own copy of the environment, so a variable set in this session ($env:...) never reaches the library.
        $auditLog = [Environment]::GetEnvironmentVariable('CLUSTRON_DKV_AUDIT_LOG')
        if ($null -ne $script:DkvSession -and $null -ne $script:DkvSession.AuditLog) { $auditLog = $script:DkvSession.AuditLog }
        if (-not [string]::IsNullOrEmpty($auditLog)) {
            [System.Runtime.InteropServices.Marshal]::WriteIntPtr($block, $o.audit_log, (New-DkvUtf8 -Scope $Scope -Text $auditLog))
        }
        [System.Runtime.InteropServices.Marshal]::WriteIntPtr($block, $o.audit_command, (New-DkvUtf8 -Scope $Scope -Text $Target.Command))
        [System.Runtime.InteropServices.Marshal]::WriteIntPtr($block, $o.audit_parameters, (New-DkvUtf8 -Scope $Scope -Text (Get-DkvAuditParameter -Target $Target)))
    }
    $block
}

function Read-DkvPlan {
    # DkvPlan {store, discovered_by, nodes, len, whole_store} of DkvPlannedNode {instance, server, manager,
    # skip_reason, skipped}.
    [CmdletBinding()]
    param([Parameter(Mandatory)][IntPtr]$Plan)
    $planLayout = $script:DkvLayout.DkvPlan
    $nodeLayout = $script:DkvLayout.DkvPlannedNode
    $nodes = [System.Runtime.InteropServices.Marshal]::ReadIntPtr($Plan, $planLayout.nodes)
    $count = Read-DkvSize -Base $Plan -Offset $planLayout.len
    $list = for ($i = 0; $i -lt $count; $i++) {
        $node = [IntPtr]::Add($nodes, $i * $nodeLayout.Size)
        [pscustomobject]@{
            Name       = Read-DkvStringField -Base $node -Offset $nodeLayout.instance
            Server     = Read-DkvStringField -Base $node -Offset $nodeLayout.server
            Manager    = Read-DkvStringField -Base $node -Offset $nodeLayout.manager
            SkipReason = Read-DkvStringField -Base $node -Offset $nodeLayout.skip_reason
            Skipped    = [System.Runtime.InteropServices.Marshal]::ReadInt32($node, $nodeLayout.skipped) -ne 0
        }
    }
    [pscustomobject]@{
        Store        = Read-DkvStringField -Base $Plan -Offset $planLayout.store
        DiscoveredBy = Read-DkvStringField -Base $Plan -Offset $planLayout.discovered_by
        Nodes        = @($list)
        WholeStore   = [System.Runtime.InteropServices.Marshal]::ReadInt32($Plan, $planLayout.whole_store) -ne 0
    }
}

function Read-DkvProgress {
    # DkvProgress {total, done, failed, phase, nodes, nodes_len, log, log_len, log_first, finished} of
    # DkvNodeProgress {instance, manager, message, state, kind}; log is an array of strings.
    # Read on every turn of a stop: a plain function, fields read inline.
    param([IntPtr]$Progress)
    $g = $script:DkvLayout.DkvProgress
    $n = $script:DkvLayout.DkvNodeProgress
    $p = $script:DkvPtr
    $nodes = [System.Runtime.InteropServices.Marshal]::ReadIntPtr($Progress, $g.nodes)
    $nodeCount = [int][System.Runtime.InteropServices.Marshal]::ReadInt64($Progress, $g.nodes_len)
    # Only the first node still running is read: the progress record names it, and a 64-node stop would
    # otherwise build 64 objects on every turn.
    $runningState = $script:DkvCode.DKV_NODE_RUNNING
    $running = $null
    for ($i = 0; $i -lt $nodeCount -and $null -eq $running; $i++) {
        $node = [IntPtr]::Add($nodes, $i * $n.Size)
        if ([System.Runtime.InteropServices.Marshal]::ReadInt32($node, $n.state) -ne $runningState) { continue }
        $running = [pscustomobject]@{
            Instance = Read-DkvUtf8 ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($node, $n.instance))
            Manager  = Read-DkvUtf8 ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($node, $n.manager))
            Message  = Read-DkvUtf8 ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($node, $n.message))
            State    = [System.Runtime.InteropServices.Marshal]::ReadInt32($node, $n.state)
            Kind     = [System.Runtime.InteropServices.Marshal]::ReadInt32($node, $n.kind)
        }
    }
    $log = [System.Runtime.InteropServices.Marshal]::ReadIntPtr($Progress, $g.log)
    $logCount = [int][System.Runtime.InteropServices.Marshal]::ReadInt64($Progress, $g.log_len)
    $lines = for ($i = 0; $i -lt $logCount; $i++) { Read-DkvUtf8 ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($log, $i * $p)) }
    [pscustomobject]@{
        Total    = [System.Runtime.InteropServices.Marshal]::ReadInt64($Progress, $g.total)
        Done     = [System.Runtime.InteropServices.Marshal]::ReadInt64($Progress, $g.done)
        Failed   = [System.Runtime.InteropServices.Marshal]::ReadInt64($Progress, $g.failed)
        Phase    = Read-DkvUtf8 ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($Progress, $g.phase))
        Running  = $running
        Log      = @($lines)
        LogFirst = [System.Runtime.InteropServices.Marshal]::ReadInt64($Progress, $g.log_first)
        Finished = [System.Runtime.InteropServices.Marshal]::ReadInt32($Progress, $g.finished) -ne 0
    }
}
