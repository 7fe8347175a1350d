# The one way into the native library. Every public function reaches libclustron_dkv through Invoke-DkvTransport,
# so status codes, error strings and their freeing are handled in one place (as psPAS does with its REST calls).

# The status exports ($script:DkvStatusExports) and the status -> ErrorId table ($script:DkvStatusErrors) are in
# NativeAbi.ps1.

# Expected failures (a store not found, a manager down) travel as values, never as exceptions: PowerShell records
# every exception thrown inside a module in $Error and in one -ErrorVariable entry per function it passes through
# (PowerShell issues #3165, #15739), even when the module catches it. A public function turns a failure into exactly
# one ErrorRecord of its own with ConvertTo-DkvErrorRecord and writes or throws it through its $PSCmdlet.

function New-DkvFailure {
    # Record: a failure the module found itself with its own ErrorId (the native library missing), reported as is.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][int]$Status,
        [Parameter(Mandatory)][string]$Message,
        [System.Management.Automation.ErrorRecord]$Record
    )
    [pscustomobject]@{ PSTypeName = 'Clustron.Dkv.Failure'; Status = $Status; Message = $Message; Record = $Record }
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
    # A failure gets its documented ErrorId, category and exception type (the status rides along in
    # Exception.Data for scripts that want the code).
    [CmdletBinding()]
    param([Parameter(Mandatory)][psobject]$Failure, [AllowNull()][object]$TargetObject)
    if ($null -ne $Failure.Record) { return $Failure.Record }
    $info = $script:DkvStatusErrors[[int]$Failure.Status]
    if ($null -eq $info) { $info = $script:DkvStatusErrors[$script:DkvCode.DKV_ERR_INTERNAL] }
    $exception = $info[2]::new($Failure.Message)
    $exception.Data['Clustron.Dkv.Status'] = [int]$Failure.Status
    New-DkvErrorRecord -Exception $exception -ErrorId $info[0] -Category $info[1] -TargetObject $TargetObject
}

function Invoke-DkvTransport {
    # Calls one export. For status exports it appends the out_value/out_error slots, frees the error string and
    # returns @{ Value; Failure }: Value is the out value (the caller frees it with its own free function), Failure
    # $null or a New-DkvFailure. Other exports return what the export returns.
    # A plain function, not [CmdletBinding()], with its slots allocated inline: a stop makes about ten of these
    # calls, and an advanced function call (plus one per helper) cost more than the native call itself.
    param([string]$Function, [object[]]$ArgumentList = @())
    # A string New-DkvUtf8 refused (a NUL, an unpaired surrogate) was meant for this call: it is not made, and the
    # refusal is its failure (NativeMemory.ps1, "Strings into the library").
    $refused = $script:DkvRefusedText
    if ($null -ne $refused -and $script:DkvStatusExports.Contains($Function)) {
        $script:DkvRefusedText = $null
        return [pscustomobject]@{ Value = [IntPtr]::Zero; Failure = $refused }
    }
    $native = $script:DkvNative
    if ($null -eq $native) {
        $native = Get-DkvNative
        if ($native -is [System.Management.Automation.ErrorRecord]) {
            # Every command's first native call is a status export: the failure travels as a value to the command.
            if ($script:DkvStatusExports.Contains($Function)) {
                return [pscustomobject]@{
                    Value   = [IntPtr]::Zero
                    Failure = New-DkvFailure -Status $script:DkvCode.DKV_ERR_INTERNAL -Message $native.Exception.Message -Record $native
                }
            }
            throw $native
        }
    }
    if (-not $script:DkvStatusExports.Contains($Function)) {
        return $native::$Function.Invoke($ArgumentList)
    }
    # out_value and out_error side by side in one zeroed block, so a slot the library did not write reads NULL.
    $slots = [System.Runtime.InteropServices.Marshal]::AllocHGlobal(2 * $script:DkvPtr)
    $script:DkvLive.Allocations++
    try {
        $outValue = $slots
        $outError = [IntPtr]::Add($slots, $script:DkvPtr)
        [System.Runtime.InteropServices.Marshal]::WriteIntPtr($outValue, [IntPtr]::Zero)
        [System.Runtime.InteropServices.Marshal]::WriteIntPtr($outError, [IntPtr]::Zero)
        $status = [int]$native::$Function.Invoke([object[]]($ArgumentList + @($outValue, $outError)))
        $errorText = [System.Runtime.InteropServices.Marshal]::ReadIntPtr($outError)
        $message = $null
        if ($errorText -ne [IntPtr]::Zero) {
            $message = Read-DkvUtf8 -Pointer $errorText
            $native::dkv_free_string($errorText)
        }
        $failure = $null
        if ($status -ne $script:DkvCode.DKV_OK) {
            if ([string]::IsNullOrEmpty($message)) { $message = "$Function failed with status $status." }
            $failure = New-DkvFailure -Status $status -Message $message
        }
        [pscustomobject]@{ Value = [System.Runtime.InteropServices.Marshal]::ReadIntPtr($outValue); Failure = $failure }
    }
    finally {
        [System.Runtime.InteropServices.Marshal]::FreeHGlobal($slots)
        $script:DkvLive.Allocations--
    }
}
