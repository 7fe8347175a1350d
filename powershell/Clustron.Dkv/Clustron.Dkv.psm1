# Clustron.Dkv: PowerShell commands over the Clustron DKV native core (libclustron_dkv, include/clustron_dkv.h).
#
# Layout: Private/*.ps1 (native binding, marshalling, the one transport Invoke-DkvTransport, stop loop,
# completion) come first, then Public/*.ps1 (one exported function per file); assemble.sh inlines both in order.
#
# Engine-only on purpose: the module uses no cmdlet outside Microsoft.PowerShell.Core, so it runs in a bare
# hosted runspace, and it parses on Windows PowerShell 5.1.
#
# Stable ErrorIds (FullyQualifiedErrorId is "<ErrorId>,<Command>"), also listed in README.md:
#   InvalidManagerAddress  InvalidArgument   a -Managers address the library rejects, or with a NUL or an unpaired
#                                            surrogate (terminating)
#   InvalidArgument        InvalidArgument   a store or node name the library rejects, or with a NUL or an unpaired
#                                            surrogate (per item); a piped object without a usable Name; a -Token or
#                                            -Credential with a NUL or an unpaired surrogate (terminating)
#   NoManagers             ConnectionError   neither -Managers nor a session (terminating)
#   StoreNotFound          ObjectNotFound    every targeted manager answered 404 (per store)
#   InstanceNotFound       ObjectNotFound    -InstanceName is not a node of the store, or it lists none
#   ManagerUnreachable     ConnectionError   no manager answered discovery (per store)
#   DiscoveryTimeout       OperationTimeout  -TimeoutSec passed before discovery finished
#   OperationCancelled     OperationStopped  cancelled before discovery finished
#   ProtocolError          ProtocolError     a manager answered outside the contract
#   InternalError          NotSpecified      a bug in the native library
#   NotSupported           NotImplemented    no targeted manager has the store list (Get-DkvStore without -Name)
#   StopFailed             ObjectNotFound (HTTP 404) / ConnectionError (no answer) / PermissionDenied (401, 403)
#                          / InvalidResult (5xx) / InvalidOperation (other): a FAILED row, after the row
#   StopTimedOut           OperationTimeout  a TIMEOUT row, after the row
#   StartFailed            as StopFailed, for a FAILED row of Start-DkvStore
#   StartTimedOut          as StopTimedOut, for a TIMEOUT row of Start-DkvStore
#   RestartFailed          as StopFailed, for the FAILED row a rolling restart stopped at (Restart-DkvStore), written
#                          after the rows; ErrorDetails.RecommendedAction says how to go on
#   RestartTimedOut        as StopTimedOut, likewise for a TIMEOUT row of Restart-DkvStore
#   ConfirmationUnavailable InvalidOperation Stop-/Start-/Restart-DkvStore must ask but the console cannot prompt (terminating)
# With -FailFast the first StopFailed/StopTimedOut (StartFailed/StartTimedOut) or discovery error is terminating instead.

# Constrained Language Mode (what AppLocker and WDAC impose on scripts they do not trust, or a session told so)
# forbids the .NET calls the module is made of, starting with the Reflection.Emit binding of the native library: one
# clear refusal here instead of "Cannot create type" errors from every file and a failing first command. Only what
# that mode allows is used until then (a variable, a comparison, throw): no ErrorRecord can be made in it, so the
# thrown text is the record's message and id. A module the policy trusts (signed, or its folder allowed) runs in
# FullLanguage even in such a session, and passes.
if ($ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    throw ("Clustron.Dkv cannot run in $($ExecutionContext.SessionState.LanguageMode) mode: it binds its native " +
        'library with Reflection.Emit, which that mode forbids to scripts the system policy (AppLocker, WDAC) does ' +
        'not trust. Sign the module''s files with a certificate the policy trusts (README.md of the module, ' +
        "'Signed and locked-down machines'), or have its folder allowed ($PSScriptRoot), then import it again.")
}

# In the sources the files are dot-sourced one by one; powershell/assemble.sh replaces this region with their text,
# so the assembled module is one script to read and compile (dot-sourcing 14 files took most of the import).
#region DkvSources
foreach ($folder in @('Private', 'Public')) {
    $directory = [System.IO.Path]::Combine($PSScriptRoot, $folder)
    $files = [System.IO.Directory]::GetFiles($directory, '*.ps1')
    [Array]::Sort($files, [System.StringComparer]::Ordinal)
    foreach ($file in $files) { . $file }
}
#endregion DkvSources

# The native library is found, loaded and bound on first use (Get-DkvNative), not here: finding it alone (the
# first advanced-function calls in a fresh process) cost a third of the import. A library that is missing or
# cannot load, or a 32-bit process, fails the first command, before any request, naming the paths or the reason.
$script:DkvModuleRoot = $PSScriptRoot

Register-ArgumentCompleter -CommandName 'Stop-DkvStore', 'Start-DkvStore', 'Restart-DkvStore', 'Get-DkvStore' -ParameterName 'Name' -ScriptBlock {
    param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
    Get-DkvStoreNameCompletion -WordToComplete $wordToComplete -BoundParameters $fakeBoundParameters
}
Register-ArgumentCompleter -CommandName 'Stop-DkvStore', 'Start-DkvStore', 'Restart-DkvStore' -ParameterName 'InstanceName' -ScriptBlock {
    param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
    Get-DkvInstanceNameCompletion -WordToComplete $wordToComplete -BoundParameters $fakeBoundParameters
}

# The native session would otherwise outlive the module (Remove-Module, Import-Module -Force).
$ExecutionContext.SessionState.Module.OnRemove = {
    $null = Remove-DkvSession
}

Export-ModuleMember -Function 'Connect-DkvManager', 'Disconnect-DkvManager', 'Get-DkvStore', 'Restart-DkvStore', 'Start-DkvStore', 'Stop-DkvStore'
