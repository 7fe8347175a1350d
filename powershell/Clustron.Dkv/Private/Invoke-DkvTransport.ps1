# The one way into the native library. Every public function reaches libclustron_dkv through Invoke-DkvTransport,
# so status codes, error strings and their freeing are handled in one place (as psPAS does with its REST calls).

# Exports that return a status and end in (out_value, out_error).
$script:DkvStatusExports = [System.Collections.Generic.HashSet[string]]::new([string[]]@(
        'dkv_normalize_manager', 'dkv_connect', 'dkv_connect_ex', 'dkv_session_manager', 'dkv_get_store', 'dkv_get_store_begin', 'dkv_op_store_info', 'dkv_stop_begin',
        'dkv_op_progress', 'dkv_op_results', 'dkv_stop_store'))

# DKV_ERR_* status -> stable ErrorId, ErrorCategory, exception type. The ErrorIds are public (README.md).
$script:DkvStatusErrors = @{
    1 = @('InvalidArgument', 'InvalidArgument', [System.ArgumentException])
    2 = @('NoManagers', 'ConnectionError', [System.InvalidOperationException])
    3 = @('StoreNotFound', 'ObjectNotFound', [System.Management.Automation.ItemNotFoundException])
    4 = @('InstanceNotFound', 'ObjectNotFound', [System.Management.Automation.ItemNotFoundException])
    5 = @('ManagerUnreachable', 'ConnectionError', [System.InvalidOperationException])
    6 = @('DiscoveryTimeout', 'OperationTimeout', [System.TimeoutException])
    7 = @('OperationCancelled', 'OperationStopped', [System.OperationCanceledException])
    8 = @('ProtocolError', 'ProtocolError', [System.InvalidOperationException])
    9 = @('InternalError', 'NotSpecified', [System.InvalidOperationException])
}

function New-DkvException {
    # The status rides along in Exception.Data so a public function can build its ErrorRecord (and decide
    # terminating or not) without parsing messages.
    [CmdletBinding()]
    param([Parameter(Mandatory)][int]$Status, [Parameter(Mandatory)][string]$Message)
    $info = $script:DkvStatusErrors[$Status]
    if ($null -eq $info) { $info = $script:DkvStatusErrors[9] }
    $exception = $info[2]::new($Message)
    $exception.Data['Clustron.Dkv.Status'] = $Status
    $exception
}

function New-DkvErrorRecord {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][Exception]$Exception,
        [Parameter(Mandatory)][string]$ErrorId,
        [Parameter(Mandatory)][System.Management.Automation.ErrorCategory]$Category,
        [AllowNull()][object]$TargetObject
    )
    [System.Management.Automation.ErrorRecord]::new($Exception, $ErrorId, $Category, $TargetObject)
}

function ConvertTo-DkvErrorRecord {
    # Exceptions from New-DkvException get their documented ErrorId and category; anything else is a bug or an
    # engine error and keeps its own message under 'UnexpectedError'.
    [CmdletBinding()]
    param([Parameter(Mandatory)][Exception]$Exception, [AllowNull()][object]$TargetObject)
    $status = $Exception.Data['Clustron.Dkv.Status']
    if ($null -ne $status) {
        $info = $script:DkvStatusErrors[[int]$status]
        return New-DkvErrorRecord -Exception $Exception -ErrorId $info[0] -Category $info[1] -TargetObject $TargetObject
    }
    New-DkvErrorRecord -Exception $Exception -ErrorId 'UnexpectedError' -Category NotSpecified -TargetObject $TargetObject
}

function Invoke-DkvTransport {
    # Calls one export. For status exports it appends the out_value/out_error slots, frees the error string,
    # throws a New-DkvException on failure and returns the out value (the caller frees it with its own free
    # function). Other exports return what the export returns.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Function,
        [object[]]$ArgumentList = @()
    )
    $native = $script:DkvNative
    if ($null -eq $native) {
        throw [System.InvalidOperationException]::new('The Clustron.Dkv native library is not loaded. Import the module again.')
    }
    if (-not $script:DkvStatusExports.Contains($Function)) {
        return $native::$Function.Invoke($ArgumentList)
    }
    $slots = New-DkvNativeScope
    try {
        $outValue = New-DkvOutSlot -Scope $slots
        $outError = New-DkvOutSlot -Scope $slots
        $status = [int]$native::$Function.Invoke([object[]]($ArgumentList + @($outValue, $outError)))
        $errorText = [System.Runtime.InteropServices.Marshal]::ReadIntPtr($outError)
        $message = $null
        if ($errorText -ne [IntPtr]::Zero) {
            $message = Read-DkvUtf8 -Pointer $errorText
            $native::dkv_free_string($errorText)
        }
        if ($status -ne 0) {
            if ([string]::IsNullOrEmpty($message)) { $message = "$Function failed with status $status." }
            throw (New-DkvException -Status $status -Message $message)
        }
        [System.Runtime.InteropServices.Marshal]::ReadIntPtr($outValue)
    }
    finally {
        Close-DkvNativeScope -Scope $slots
    }
}
