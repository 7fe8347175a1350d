# The C ABI of include/clustron_dkv.h as the module uses it, in one place: the exports it binds, the byte offsets
# of the struct fields it reads and writes, and the codes it compares against. Written down by hand, because the
# module must not parse a header at import (it ships without one, and import time matters);
# tests/powershell/NativeAbi.Tests.ps1 checks every entry against the header and the C compiler (offsetof,
# sizeof), and fails naming the export, field or value that differs. Change the header first, then this file.

# Every export: name, return type, parameter types. Strings and out parameters travel as IntPtr (UTF-8 marshalled
# by hand), size_t as UIntPtr, uint64 as Int64, int32_t and the int32 enums (DkvStatus, ...) as int. The leading
# commas keep each entry one array element (a bare inner array would be flattened into the list).
$script:DkvExportSignatures = @(
    , @('dkv_version', [IntPtr], @())
    , @('dkv_free_string', [void], @([IntPtr]))
    , @('dkv_no_managers_message', [IntPtr], @())
    , @('dkv_normalize_manager', [int], @([IntPtr], [int], [IntPtr], [IntPtr]))
    , @('dkv_connect', [int], @([IntPtr], [UIntPtr], [int], [int], [IntPtr], [IntPtr]))
    , @('dkv_connect_ex', [int], @([IntPtr], [UIntPtr], [int], [int], [IntPtr], [IntPtr], [IntPtr]))
    , @('dkv_disconnect', [void], @([IntPtr]))
    , @('dkv_session_manager_count', [UIntPtr], @([IntPtr]))
    , @('dkv_session_manager', [int], @([IntPtr], [UIntPtr], [IntPtr], [IntPtr]))
    , @('dkv_get_store', [int], @([IntPtr], [IntPtr], [UIntPtr], [int], [IntPtr], [int], [IntPtr], [IntPtr]))
    , @('dkv_free_store_info', [void], @([IntPtr]))
    , @('dkv_get_store_begin', [int], @([IntPtr], [IntPtr], [UIntPtr], [int], [IntPtr], [int], [IntPtr], [IntPtr]))
    , @('dkv_op_store_info', [int], @([IntPtr], [IntPtr], [IntPtr]))
    , @('dkv_stop_begin', [int], @([IntPtr], [IntPtr], [IntPtr], [IntPtr]))
    , @('dkv_plan_begin', [int], @([IntPtr], [IntPtr], [IntPtr], [IntPtr]))
    , @('dkv_op_plan', [int], @([IntPtr], [IntPtr], [IntPtr]))
    , @('dkv_free_plan', [void], @([IntPtr]))
    , @('dkv_op_wait', [int], @([IntPtr], [int]))
    , @('dkv_op_cancel', [void], @([IntPtr]))
    , @('dkv_op_progress', [int], @([IntPtr], [long], [IntPtr], [IntPtr]))
    , @('dkv_free_progress', [void], @([IntPtr]))
    , @('dkv_op_results', [int], @([IntPtr], [IntPtr], [IntPtr]))
    , @('dkv_op_free', [void], @([IntPtr]))
    , @('dkv_stop_store', [int], @([IntPtr], [IntPtr], [IntPtr], [IntPtr]))
    , @('dkv_free_results', [void], @([IntPtr]))
    , @('dkv_start_begin', [int], @([IntPtr], [IntPtr], [IntPtr], [IntPtr]))
    , @('dkv_start_store', [int], @([IntPtr], [IntPtr], [IntPtr], [IntPtr]))
    , @('dkv_restart_begin', [int], @([IntPtr], [IntPtr], [IntPtr], [IntPtr]))
    , @('dkv_restart_store', [int], @([IntPtr], [IntPtr], [IntPtr], [IntPtr]))
    , @('dkv_list_stores', [int], @([IntPtr], [IntPtr], [UIntPtr], [int], [int], [IntPtr], [IntPtr]))
    , @('dkv_list_stores_begin', [int], @([IntPtr], [IntPtr], [UIntPtr], [int], [int], [IntPtr], [IntPtr]))
    , @('dkv_op_store_list', [int], @([IntPtr], [IntPtr], [IntPtr]))
    , @('dkv_free_store_list', [void], @([IntPtr]))
)

# Exports that return a DkvStatus and end in (out_value, out_error): Invoke-DkvTransport appends those two slots.
$script:DkvStatusExports = [System.Collections.Generic.HashSet[string]]::new([string[]]@(
        'dkv_normalize_manager', 'dkv_connect', 'dkv_connect_ex', 'dkv_session_manager', 'dkv_get_store', 'dkv_get_store_begin', 'dkv_op_store_info', 'dkv_stop_begin', 'dkv_plan_begin', 'dkv_op_plan',
        'dkv_op_progress', 'dkv_op_results', 'dkv_stop_store', 'dkv_start_begin', 'dkv_start_store',
        'dkv_restart_begin', 'dkv_restart_store', 'dkv_list_stores', 'dkv_list_stores_begin', 'dkv_op_store_list'))

# Byte offsets of the fields the module reads or writes, by the header's struct and field names, and Size where
# the module steps through an array of the struct or writes its struct_size. 64-bit only: the module refuses a
# 32-bit process before it binds the library, and these structs (pointers, size_t, fixed-width integers, no
# `long`) lay out the same on 64-bit Windows, Linux and macOS.
$script:DkvLayout = @{
    DkvConnectOptions = @{ Size = 32; struct_size = 0; skip_certificate_check = 4; bearer_token = 8; user = 16; password = 24 }
    DkvInstanceInfo   = @{ Size = 32; name = 0; server = 8; status = 16; clustron_port = 24; client_port = 28 }
    DkvStoreInfo      = @{ name = 0; manager = 8; instances = 16; len = 24; state = 32; safe = 40; migrations_pending = 48 }
    DkvStopOptions    = @{
        Size = 96; struct_size = 0; flags = 4; managers = 8; manager_count = 16; port = 24; timeout_sec = 28
        store = 32; instances = 40; instance_count = 48; throttle = 56; node_timeout_sec = 60; reason = 64
        audit_log = 72; audit_command = 80; audit_parameters = 88
    }
    DkvPlannedNode    = @{ Size = 40; instance = 0; server = 8; manager = 16; skip_reason = 24; skipped = 32 }
    DkvPlan           = @{ store = 0; discovered_by = 8; nodes = 16; len = 24; whole_store = 32 }
    DkvNodeProgress   = @{ Size = 32; instance = 0; manager = 8; message = 16; state = 24; kind = 28 }
    DkvProgress       = @{
        total = 0; done = 8; failed = 16; phase = 24; nodes = 32; nodes_len = 40; log = 48; log_len = 56
        log_first = 64; finished = 72
    }
    DkvResult         = @{
        Size = 72; manager = 0; action = 8; result = 16; message = 24; store = 32; instance = 40; duration_ms = 48
        kind = 56; http_status = 60; down_ms = 64
    }
    DkvResults        = @{ items = 0; len = 8 }
    DkvStoreList      = @{ names = 0; len = 8; unanswered = 16 }
}

# The DkvStatus, DkvResultKind, DkvNodeState and DkvStopFlag values the module uses, by their C names.
$script:DkvCode = @{
    DKV_OK                     = 0
    DKV_ERR_INVALID_ARGUMENT   = 1
    DKV_ERR_NO_MANAGERS        = 2
    DKV_ERR_STORE_NOT_FOUND    = 3
    DKV_ERR_INSTANCE_NOT_FOUND = 4
    DKV_ERR_UNREACHABLE        = 5
    DKV_ERR_TIMEOUT            = 6
    DKV_ERR_CANCELLED          = 7
    DKV_ERR_PROTOCOL           = 8
    DKV_ERR_INTERNAL           = 9
    DKV_ERR_NOT_SUPPORTED      = 10
    DKV_RESULT_SUCCESS         = 0
    DKV_RESULT_FAILED          = 1
    DKV_RESULT_TIMEOUT         = 2
    DKV_RESULT_SKIPPED         = 3
    DKV_RESULT_CANCELLED       = 4
    DKV_NODE_RUNNING           = 1
    DKV_STOP_FORCE             = [uint32]1
    DKV_STOP_PARALLEL          = [uint32]2
    DKV_STOP_FAIL_FAST         = [uint32]4
}

# DKV_ERR_* status -> stable ErrorId, ErrorCategory, exception type. The ErrorIds are public (README.md); every
# DKV_ERR_* of the header has one (the test checks), and an unknown status is reported as DKV_ERR_INTERNAL's.
$script:DkvStatusErrors = @{
    $script:DkvCode.DKV_ERR_INVALID_ARGUMENT   = @('InvalidArgument', 'InvalidArgument', [System.ArgumentException])
    $script:DkvCode.DKV_ERR_NO_MANAGERS        = @('NoManagers', 'ConnectionError', [System.InvalidOperationException])
    $script:DkvCode.DKV_ERR_STORE_NOT_FOUND    = @('StoreNotFound', 'ObjectNotFound', [System.Management.Automation.ItemNotFoundException])
    $script:DkvCode.DKV_ERR_INSTANCE_NOT_FOUND = @('InstanceNotFound', 'ObjectNotFound', [System.Management.Automation.ItemNotFoundException])
    $script:DkvCode.DKV_ERR_UNREACHABLE        = @('ManagerUnreachable', 'ConnectionError', [System.InvalidOperationException])
    $script:DkvCode.DKV_ERR_TIMEOUT            = @('DiscoveryTimeout', 'OperationTimeout', [System.TimeoutException])
    $script:DkvCode.DKV_ERR_CANCELLED          = @('OperationCancelled', 'OperationStopped', [System.OperationCanceledException])
    $script:DkvCode.DKV_ERR_PROTOCOL           = @('ProtocolError', 'ProtocolError', [System.InvalidOperationException])
    $script:DkvCode.DKV_ERR_INTERNAL           = @('InternalError', 'NotSpecified', [System.InvalidOperationException])
    $script:DkvCode.DKV_ERR_NOT_SUPPORTED      = @('NotSupported', 'NotImplemented', [System.NotSupportedException])
}

# Stop-DkvStore's switches -> DkvStopOptions.flags bits.
$script:DkvStopFlags = @{
    Force    = $script:DkvCode.DKV_STOP_FORCE
    Parallel = $script:DkvCode.DKV_STOP_PARALLEL
    FailFast = $script:DkvCode.DKV_STOP_FAIL_FAST
}
