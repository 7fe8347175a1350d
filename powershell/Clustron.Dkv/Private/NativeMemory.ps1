# Hand-marshalling between PowerShell and the C ABI: UTF-8 strings in and out, out-parameter slots, and reading the
# structs of include/clustron_dkv.h. Everything allocated here belongs to a scope (a List[IntPtr]) that the caller
# frees in a finally block, so no path (error, Ctrl+C, -WhatIf) leaks.
# The helpers called for every call and every string (scopes, UTF-8 in and out) are plain functions, not
# [CmdletBinding()]: a stop reads dozens of strings, and an advanced function call costs several times a plain one.

# Pointer size; the offsets below are computed from it. The module refuses 32-bit processes at import (the u64
# fields would be aligned differently there), so in practice this is 8.
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

function New-DkvUtf8 {
    # NULL for $null, so optional arguments (a DkvStopOptions field left unset) pass straight through.
    param(
        [System.Collections.Generic.List[IntPtr]]$Scope,
        # [object], not [string]: a [string] parameter turns $null into '', and '' is not "no instance".
        [AllowNull()][object]$Text
    )
    if ($null -eq $Text) { return [IntPtr]::Zero }
    $bytes = [System.Text.Encoding]::UTF8.GetBytes([string]$Text)
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
        [AllowNull()][string[]]$Items
    )
    if ($null -eq $Items -or $Items.Count -eq 0) { return [IntPtr]::Zero }
    $array = New-DkvNativeBlock -Scope $Scope -Size ($script:DkvPtr * $Items.Count)
    for ($i = 0; $i -lt $Items.Count; $i++) {
        $item = New-DkvUtf8 -Scope $Scope -Text $Items[$i]
        [System.Runtime.InteropServices.Marshal]::WriteIntPtr($array, $i * $script:DkvPtr, $item)
    }
    $array
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

function Read-DkvPointerField {
    param([IntPtr]$Base, [int]$Index)
    [System.Runtime.InteropServices.Marshal]::ReadIntPtr($Base, $Index * $script:DkvPtr)
}

function Read-DkvStringField {
    param([IntPtr]$Base, [int]$Index)
    Read-DkvUtf8 -Pointer ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($Base, $Index * $script:DkvPtr))
}

function Read-DkvSize {
    # size_t as a non-negative int: no realistic count exceeds it.
    param([IntPtr]$Base, [int]$Offset)
    [int][System.Runtime.InteropServices.Marshal]::ReadInt64($Base, $Offset)
}

function Read-DkvResultRows {
    # DkvResults {items, len}; DkvResult: 6 string pointers, u64 duration_ms, i32 kind, i32 http_status.
    # Read on every turn of a stop: a plain function, fields read inline. Rows before -First are skipped (a stop
    # reads only the rows finished since its last turn); -Count returns how many rows there are, reading none.
    param([IntPtr]$Results, [int]$First = 0, [switch]$Count)
    $items = [System.Runtime.InteropServices.Marshal]::ReadIntPtr($Results, 0)
    $total = [int][System.Runtime.InteropServices.Marshal]::ReadInt64($Results, $script:DkvPtr)
    if ($Count) { return $total }
    $rowSize = 6 * $script:DkvPtr + 16
    for ($i = $First; $i -lt $total; $i++) {
        $row = [IntPtr]::Add($items, $i * $rowSize)
        [pscustomobject]@{
            Manager    = Read-DkvUtf8 ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($row, 0))
            Action     = Read-DkvUtf8 ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($row, $script:DkvPtr))
            Result     = Read-DkvUtf8 ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($row, 2 * $script:DkvPtr))
            Message    = Read-DkvUtf8 ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($row, 3 * $script:DkvPtr))
            Store      = Read-DkvUtf8 ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($row, 4 * $script:DkvPtr))
            Instance   = Read-DkvUtf8 ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($row, 5 * $script:DkvPtr))
            DurationMs = [System.Runtime.InteropServices.Marshal]::ReadInt64($row, 6 * $script:DkvPtr)
            Kind       = [System.Runtime.InteropServices.Marshal]::ReadInt32($row, 6 * $script:DkvPtr + 8)
            HttpStatus = [System.Runtime.InteropServices.Marshal]::ReadInt32($row, 6 * $script:DkvPtr + 12)
        }
    }
}

function Read-DkvStoreInfo {
    # DkvStoreInfo {name, manager, instances, len}; DkvInstanceInfo {name, server, status, i32, i32}.
    [CmdletBinding()]
    param([Parameter(Mandatory)][IntPtr]$Info)
    $instances = Read-DkvPointerField -Base $Info -Index 2
    $count = Read-DkvSize -Base $Info -Offset (3 * $script:DkvPtr)
    $instanceSize = 3 * $script:DkvPtr + 8
    $nodes = for ($i = 0; $i -lt $count; $i++) {
        $node = [IntPtr]::Add($instances, $i * $instanceSize)
        [pscustomobject]@{
            Name         = Read-DkvStringField -Base $node -Index 0
            Server       = Read-DkvStringField -Base $node -Index 1
            Status       = Read-DkvStringField -Base $node -Index 2
            ClustronPort = [System.Runtime.InteropServices.Marshal]::ReadInt32($node, 3 * $script:DkvPtr)
            ClientPort   = [System.Runtime.InteropServices.Marshal]::ReadInt32($node, 3 * $script:DkvPtr + 4)
        }
    }
    [pscustomobject]@{
        Name      = Read-DkvStringField -Base $Info -Index 0
        Manager   = Read-DkvStringField -Base $Info -Index 1
        Instances = @($nodes)
    }
}

function New-DkvStopOptions {
    # A DkvStopOptions in a scope block: {u32 struct_size, u32 flags, managers, size_t manager_count, i32 port,
    # i32 timeout_sec, store, instances, size_t instance_count, u32 throttle, u32 reserved}; 64 bytes. $Instances
    # $null = every node (NULL, 0); a list, even of one name, is passed as it is (the library rejects an empty one).
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][AllowEmptyCollection()][System.Collections.Generic.List[IntPtr]]$Scope,
        [Parameter(Mandatory)][psobject]$Target,
        [Parameter(Mandatory)][AllowEmptyString()][string]$Store,
        [AllowNull()][string[]]$Instances,
        [uint32]$Flags = 0,
        [uint32]$Throttle = 0
    )
    $p = $script:DkvPtr
    $size = 4 * $p + 32
    $block = New-DkvNativeBlock -Scope $Scope -Size $size
    $managerCount = 0
    if ($null -ne $Target.Managers) { $managerCount = $Target.Managers.Count }
    [System.Runtime.InteropServices.Marshal]::WriteInt32($block, 0, $size)
    [System.Runtime.InteropServices.Marshal]::WriteInt32($block, 4, [int]$Flags)
    [System.Runtime.InteropServices.Marshal]::WriteIntPtr($block, 8, (New-DkvUtf8Array -Scope $Scope -Items $Target.Managers))
    [System.Runtime.InteropServices.Marshal]::WriteInt64($block, 8 + $p, $managerCount)
    [System.Runtime.InteropServices.Marshal]::WriteInt32($block, 8 + 2 * $p, [int]$Target.Port)
    [System.Runtime.InteropServices.Marshal]::WriteInt32($block, 12 + 2 * $p, [int]$Target.TimeoutSec)
    [System.Runtime.InteropServices.Marshal]::WriteIntPtr($block, 16 + 2 * $p, (New-DkvUtf8 -Scope $Scope -Text $Store))
    if ($null -ne $Instances) {
        # New-DkvUtf8Array gives NULL for no items; an empty list must reach the library as one (never "every node").
        $array = New-DkvNativeBlock -Scope $Scope -Size ([Math]::Max(1, $Instances.Count) * $p)
        for ($i = 0; $i -lt $Instances.Count; $i++) {
            [System.Runtime.InteropServices.Marshal]::WriteIntPtr($array, $i * $p, (New-DkvUtf8 -Scope $Scope -Text $Instances[$i]))
        }
        [System.Runtime.InteropServices.Marshal]::WriteIntPtr($block, 16 + 3 * $p, $array)
        [System.Runtime.InteropServices.Marshal]::WriteInt64($block, 16 + 4 * $p, $Instances.Count)
    }
    [System.Runtime.InteropServices.Marshal]::WriteInt32($block, 16 + 5 * $p, [int]$Throttle)
    $block
}

function Read-DkvPlan {
    # DkvPlan {store, discovered_by, nodes, size_t len, i32 whole_store, i32 reserved}; DkvPlannedNode {instance,
    # server, manager, skip_reason, i32 skipped, i32 reserved}.
    [CmdletBinding()]
    param([Parameter(Mandatory)][IntPtr]$Plan)
    $p = $script:DkvPtr
    $nodes = Read-DkvPointerField -Base $Plan -Index 2
    $count = Read-DkvSize -Base $Plan -Offset (3 * $p)
    $nodeSize = 4 * $p + 8
    $list = for ($i = 0; $i -lt $count; $i++) {
        $node = [IntPtr]::Add($nodes, $i * $nodeSize)
        [pscustomobject]@{
            Name       = Read-DkvStringField -Base $node -Index 0
            Server     = Read-DkvStringField -Base $node -Index 1
            Manager    = Read-DkvStringField -Base $node -Index 2
            SkipReason = Read-DkvStringField -Base $node -Index 3
            Skipped    = [System.Runtime.InteropServices.Marshal]::ReadInt32($node, 4 * $p) -ne 0
        }
    }
    [pscustomobject]@{
        Store        = Read-DkvStringField -Base $Plan -Index 0
        DiscoveredBy = Read-DkvStringField -Base $Plan -Index 1
        Nodes        = @($list)
        WholeStore   = [System.Runtime.InteropServices.Marshal]::ReadInt32($Plan, 4 * $p) -ne 0
    }
}

function Read-DkvProgress {
    # DkvProgress {u64 total, u64 done, u64 failed, phase, nodes, nodes_len, log, log_len, u64 log_first,
    # i32 finished, i32 reserved}; DkvNodeProgress {instance, manager, message, i32 state, i32 kind}.
    # Read on every turn of a stop: a plain function, fields read inline.
    param([IntPtr]$Progress)
    $p = $script:DkvPtr
    # The pointer-sized fields start after the three u64 counters.
    $fields = [IntPtr]::Add($Progress, 24)
    $nodes = [System.Runtime.InteropServices.Marshal]::ReadIntPtr($fields, $p)
    $nodeCount = [int][System.Runtime.InteropServices.Marshal]::ReadInt64($fields, 2 * $p)
    $nodeSize = 3 * $p + 8
    # Only the first node still running (state 1) is read: the progress record names it, and a 64-node stop
    # would otherwise build 64 objects on every turn.
    $running = $null
    for ($i = 0; $i -lt $nodeCount -and $null -eq $running; $i++) {
        $node = [IntPtr]::Add($nodes, $i * $nodeSize)
        if ([System.Runtime.InteropServices.Marshal]::ReadInt32($node, 3 * $p) -ne 1) { continue }
        $running = [pscustomobject]@{
            Instance = Read-DkvUtf8 ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($node, 0))
            Manager  = Read-DkvUtf8 ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($node, $p))
            Message  = Read-DkvUtf8 ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($node, 2 * $p))
            State    = [System.Runtime.InteropServices.Marshal]::ReadInt32($node, 3 * $p)
            Kind     = [System.Runtime.InteropServices.Marshal]::ReadInt32($node, 3 * $p + 4)
        }
    }
    $log = [System.Runtime.InteropServices.Marshal]::ReadIntPtr($fields, 3 * $p)
    $logCount = [int][System.Runtime.InteropServices.Marshal]::ReadInt64($fields, 4 * $p)
    $lines = for ($i = 0; $i -lt $logCount; $i++) { Read-DkvUtf8 ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($log, $i * $p)) }
    [pscustomobject]@{
        Total    = [System.Runtime.InteropServices.Marshal]::ReadInt64($Progress, 0)
        Done     = [System.Runtime.InteropServices.Marshal]::ReadInt64($Progress, 8)
        Failed   = [System.Runtime.InteropServices.Marshal]::ReadInt64($Progress, 16)
        Phase    = Read-DkvUtf8 ([System.Runtime.InteropServices.Marshal]::ReadIntPtr($fields, 0))
        Running  = $running
        Log      = @($lines)
        LogFirst = [System.Runtime.InteropServices.Marshal]::ReadInt64($fields, 5 * $p)
        Finished = [System.Runtime.InteropServices.Marshal]::ReadInt32($fields, 5 * $p + 8) -ne 0
    }
}
