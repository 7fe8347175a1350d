# Parameter checks whose messages say what is wrong. ValidateScript shows the thrown text after
# "Cannot validate argument on parameter 'Name'."; the library checks names again (dot names, control characters,
# length) before anything is sent.

function Assert-DkvName {
    [CmdletBinding()]
    [OutputType([bool])]
    param([AllowNull()][AllowEmptyString()][string]$Value, [Parameter(Mandatory)][string]$What)
    if ([string]::IsNullOrWhiteSpace($Value)) {
        throw [System.ArgumentException]::new("$What is empty. Give the name of an existing $(if ($What -like 'Store*') { 'store' } else { 'node' }).")
    }
    if ($Value -ne $Value.Trim()) {
        throw [System.ArgumentException]::new("$What '$Value' starts or ends with white space. Remove it.")
    }
    $true
}
