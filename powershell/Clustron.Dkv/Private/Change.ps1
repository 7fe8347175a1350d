# What Stop-, Start- and Restart-DkvStore tell the library about a change besides what to change: the -Reason,
# carried on the call's target so that every path to the library (the plan -WhatIf and -Confirm show, and the
# operation) passes it alike (the library checks it, docs/bad-input.md, and sends it as X-Dkv-Reason); and for
# the audit trail the command and its parameters as bound. The library writes the trail (operation/audit.rs), so
# C callers have it too; the module only names the log (Connect-DkvManager -AuditLog) and what was typed.

function Add-DkvChangeContext {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][psobject]$Target,
        [Parameter(Mandatory)][System.Collections.IDictionary]$BoundParameters,
        # The command the audit trail names: Stop-DkvStore, Start-DkvStore, Restart-DkvStore.
        [Parameter(Mandatory)][string]$Command
    )
    # An unbound [string] parameter reads as '', which the library would refuse as an empty reason: only a bound
    # -Reason is passed on.
    $reason = $null
    if ($BoundParameters.ContainsKey('Reason')) { $reason = [string]$BoundParameters['Reason'] }
    $Target.PSObject.Properties.Add([psnoteproperty]::new('Reason', $reason))
    # The live dictionary: parameters bound from the pipeline later (-Name, -InstanceName) are in it when the
    # operation begins.
    $Target.PSObject.Properties.Add([psnoteproperty]::new('BoundParameters', $BoundParameters))
    $Target.PSObject.Properties.Add([psnoteproperty]::new('Command', $Command))
    $Target
}

function Test-DkvAuditLog {
    # $null when the file can be appended to (created if missing), else why not, and how to fix it.
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Path)
    try {
        $stream = [System.IO.FileStream]::new($Path, [System.IO.FileMode]::Append, [System.IO.FileAccess]::Write,
            [System.IO.FileShare]::ReadWrite)
        $stream.Dispose()
        return $null
    }
    catch {
        $inner = $_.Exception
        while ($null -ne $inner.InnerException) { $inner = $inner.InnerException }
        $fix = 'make it writable for this user, or name another file'
        if ($inner -is [System.IO.DirectoryNotFoundException]) { $fix = 'create its folder, or name another file' }
        return "The audit log '$Path' cannot be written ($($inner.Message)): $fix."
    }
}

function ConvertTo-DkvJsonText {
    # Bound parameter values as JSON (engine-only: no ConvertTo-Json): strings, numbers, booleans and switches,
    # arrays of them, $null; anything else as its string. Credentials and tokens never reach here (see below).
    [CmdletBinding()]
    param([AllowNull()][object]$Value)
    if ($null -eq $Value) { return 'null' }
    if ($Value -is [System.Management.Automation.SwitchParameter]) { $Value = $Value.IsPresent }
    if ($Value -is [bool]) { if ($Value) { return 'true' } else { return 'false' } }
    if ($Value -is [int] -or $Value -is [long] -or $Value -is [uint32] -or $Value -is [double]) {
        return ([System.IConvertible]$Value).ToString([System.Globalization.CultureInfo]::InvariantCulture)
    }
    if ($Value -is [System.Array]) {
        $items = foreach ($item in $Value) { ConvertTo-DkvJsonText -Value $item }
        return '[' + ([string[]]@($items) -join ',') + ']'
    }
    $text = [string]$Value
    $builder = [System.Text.StringBuilder]::new($text.Length + 2)
    $null = $builder.Append('"')
    foreach ($c in $text.ToCharArray()) {
        switch ($c) {
            '"' { $null = $builder.Append('\"') }
            '\' { $null = $builder.Append('\\') }
            default {
                if ([int]$c -lt 0x20 -or [int]$c -eq 0x7f) { $null = $builder.Append(('\u{0:x4}' -f [int]$c)) }
                else { $null = $builder.Append($c) }
            }
        }
    }
    $null = $builder.Append('"')
    $builder.ToString()
}

function Get-DkvAuditParameter {
    # The command's parameters as bound, as a JSON object; never a credential, password or token (the library
    # drops such keys as well), and not the common parameters' preference plumbing.
    [CmdletBinding()]
    param([Parameter(Mandatory)][psobject]$Target)
    $pairs = foreach ($key in @($Target.BoundParameters.Keys)) {
        if ($key -match 'Credential|Password|Token|Secret|Authorization') { continue }
        (ConvertTo-DkvJsonText -Value ([string]$key)) + ':' + (ConvertTo-DkvJsonText -Value $Target.BoundParameters[$key])
    }
    '{' + ([string[]]@($pairs) -join ',') + '}'
}

function Test-DkvReason {
    # $null, or @{ Failure } for a -Reason holding NUL: a C string ends at NUL, so the library would never see the
    # rest and would send a shortened reason. Refused here in the library's own words (docs/bad-input.md); every
    # other check of the reason is the library's.
    [CmdletBinding()]
    param([Parameter(Mandatory)][psobject]$Target)
    if ($null -eq $Target.PSObject.Properties['Reason'] -or $null -eq $Target.Reason) { return $null }
    $at = $Target.Reason.IndexOf([char]0)
    if ($at -lt 0) { return $null }
    $message = ('The reason contains a control character (U+0000 at position {0}); a header cannot carry it. Write ' +
        'the reason on one line, without tabs or other control characters.') -f ($at + 1)
    [pscustomobject]@{ Value = $null; Failure = (New-DkvFailure -Status $script:DkvCode.DKV_ERR_INVALID_ARGUMENT -Message $message) }
}
