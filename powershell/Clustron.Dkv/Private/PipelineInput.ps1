# Pipeline input to -Name. -Name binds ValueFromPipeline (store names as strings) and ValueFromPipelineByPropertyName
# (Name, or the aliases Store and StoreName, of Get-DkvStore output and node objects). An object whose property is
# $null, or that has none (a hashtable: its keys are not properties), fails the by-name binding, and PowerShell then
# binds the object itself, converted to text ('@{Name=}', 'System.Collections.Hashtable'), as a store name. Such an
# object names no store: it is refused as what it is, never acted on as its text.

function Get-DkvPipedNameError {
    # $null when -Name is usable; else the ErrorRecord for the object piped in (InvalidArgument, per object). Called
    # in process with $_; $NameGiven: -Name was on the command line (so not bound from the object).
    param(
        [System.Management.Automation.PSCmdlet]$Cmdlet,
        [AllowNull()][object]$InputObject,
        [bool]$NameGiven
    )
    if ($NameGiven -or $null -eq $InputObject -or -not $Cmdlet.MyInvocation.ExpectingInput) { return $null }
    if ($InputObject -is [string] -or $InputObject -is [ValueType]) { return $null }
    foreach ($property in 'Name', 'Store', 'StoreName') {
        $found = $InputObject.PSObject.Properties[$property]
        if ($null -ne $found -and $null -ne $found.Value) { return $null }
    }
    $command = $Cmdlet.MyInvocation.MyCommand.Name
    $hint = ''
    if ($InputObject -is [System.Collections.IDictionary]) { $hint = " A hashtable's keys are not properties: pipe [pscustomobject]@{ Name = 'OrdersStore' } instead." }
    $message = "The object piped to $command has no usable Name, Store or StoreName property (it is a " +
    "$($InputObject.PSObject.TypeNames[0]), and each such property is missing or `$null), so it names no store: nothing was sent." +
    "$hint Pipe store names (strings), Get-DkvStore output, or objects whose Name holds the store's name."
    $exception = [System.ArgumentException]::new($message)
    $exception.Data['Clustron.Dkv.Status'] = $script:DkvCode.DKV_ERR_INVALID_ARGUMENT
    [System.Management.Automation.ErrorRecord]::new($exception, 'InvalidArgument', 'InvalidArgument', $InputObject)
}
