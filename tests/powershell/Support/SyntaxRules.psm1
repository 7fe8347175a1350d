# What module code must not contain so that it parses and runs on Windows PowerShell 5.1 and in a bare engine
# (Microsoft.PowerShell.Core only): PowerShell 6/7-only syntax, and commands of Microsoft.PowerShell.Utility or
# .Management (by name, module-qualified name or built-in alias). Carried over from the xUnit rules
# (tests/Clustron.Dkv.Tests/Infrastructure/PortabilityRules.cs), plus a few 7-only forms they did not cover
# (`u{} escapes, numeric literal suffixes and 0b literals, -replace with a script block). Its .NET Core-only API
# list is superseded by ApiSurface.psm1, which checks every API against .NET Framework 4.8.
#
# Use: Get-DkvSyntaxViolation -Path <file> | -Script <text> [-Name <shown name>]: "name:line: what: text" strings.

Set-StrictMode -Version 3.0

# Cmdlets of Microsoft.PowerShell.Utility (7.x and 5.1).
$script:UtilityCmdlets = @(
    'Add-Member', 'Add-Type', 'Clear-Variable', 'Compare-Object', 'ConvertFrom-CliXml', 'ConvertFrom-Csv',
    'ConvertFrom-Json', 'ConvertFrom-Markdown', 'ConvertFrom-SddlString', 'ConvertFrom-String', 'ConvertFrom-StringData',
    'Convert-String', 'ConvertTo-CliXml', 'ConvertTo-Csv', 'ConvertTo-Html', 'ConvertTo-Json', 'ConvertTo-Xml', 'Debug-Runspace',
    'Disable-PSBreakpoint', 'Disable-RunspaceDebug', 'Enable-PSBreakpoint', 'Enable-RunspaceDebug', 'Export-Alias',
    'Export-Clixml', 'Export-Csv', 'Export-FormatData', 'Export-PSSession', 'Format-Custom', 'Format-Hex', 'Format-List',
    'Format-Table', 'Format-Wide', 'Get-Alias', 'Get-Culture', 'Get-Date', 'Get-Error', 'Get-Event', 'Get-EventSubscriber',
    'Get-FileHash', 'Get-FormatData', 'Get-Host', 'Get-MarkdownOption', 'Get-Member', 'Get-PSBreakpoint', 'Get-PSCallStack',
    'Get-Random', 'Get-Runspace', 'Get-RunspaceDebug', 'Get-SecureRandom', 'Get-TraceSource', 'Get-TypeData', 'Get-UICulture',
    'Get-Unique', 'Get-Uptime', 'Get-Variable', 'Group-Object', 'Import-Alias', 'Import-Clixml', 'Import-Csv',
    'Import-LocalizedData', 'Import-PowerShellDataFile', 'Import-PSSession', 'Invoke-Expression', 'Invoke-RestMethod',
    'Invoke-WebRequest', 'Join-String', 'Measure-Command', 'Measure-Object', 'New-Alias', 'New-Event', 'New-Guid',
    'New-Object', 'New-TemporaryFile', 'New-TimeSpan', 'New-Variable', 'Out-File', 'Out-GridView', 'Out-Printer',
    'Out-String', 'Read-Host', 'Register-EngineEvent', 'Register-ObjectEvent', 'Remove-Alias', 'Remove-Event',
    'Remove-PSBreakpoint', 'Remove-TypeData', 'Remove-Variable', 'Select-Object', 'Select-String', 'Select-Xml',
    'Send-MailMessage', 'Set-Alias', 'Set-Date', 'Set-MarkdownOption', 'Set-PSBreakpoint', 'Set-TraceSource', 'Set-Variable',
    'Show-Command', 'Show-Markdown', 'Sort-Object', 'Start-Sleep', 'Tee-Object', 'Test-Json', 'Trace-Command', 'Unblock-File',
    'Unregister-Event', 'Update-FormatData', 'Update-List', 'Update-TypeData', 'Wait-Debugger', 'Wait-Event', 'Write-Debug',
    'Write-Error', 'Write-Host', 'Write-Information', 'Write-Output', 'Write-Progress', 'Write-Verbose', 'Write-Warning'
)

# Cmdlets of Microsoft.PowerShell.Management (7.x and 5.1).
$script:ManagementCmdlets = @(
    'Add-Computer', 'Add-Content', 'Checkpoint-Computer', 'Clear-Content', 'Clear-EventLog', 'Clear-Item', 'Clear-ItemProperty',
    'Clear-RecycleBin', 'Complete-Transaction', 'Convert-Path', 'Copy-Item', 'Copy-ItemProperty', 'Debug-Process',
    'Disable-ComputerRestore', 'Enable-ComputerRestore', 'Get-ChildItem', 'Get-Clipboard', 'Get-ComputerInfo',
    'Get-ComputerRestorePoint', 'Get-Content', 'Get-ControlPanelItem', 'Get-EventLog', 'Get-HotFix', 'Get-Item',
    'Get-ItemProperty', 'Get-ItemPropertyValue', 'Get-Location', 'Get-Process', 'Get-PSDrive', 'Get-PSProvider', 'Get-Service',
    'Get-TimeZone', 'Get-Transaction', 'Get-WmiObject', 'Invoke-Item', 'Invoke-WmiMethod', 'Join-Path', 'Limit-EventLog',
    'Move-Item', 'Move-ItemProperty', 'New-EventLog', 'New-Item', 'New-ItemProperty', 'New-PSDrive', 'New-Service',
    'New-WebServiceProxy', 'Pop-Location', 'Push-Location', 'Register-WmiEvent', 'Remove-Computer', 'Remove-EventLog',
    'Remove-Item', 'Remove-ItemProperty', 'Remove-PSDrive', 'Remove-Service', 'Remove-WmiObject', 'Rename-Computer',
    'Rename-Item', 'Rename-ItemProperty', 'Reset-ComputerMachinePassword', 'Resolve-Path', 'Restart-Computer',
    'Restart-Service', 'Restore-Computer', 'Resume-Service', 'Set-Clipboard', 'Set-Content', 'Set-Item', 'Set-ItemProperty',
    'Set-Location', 'Set-Service', 'Set-TimeZone', 'Set-WmiInstance', 'Show-ControlPanelItem', 'Show-EventLog', 'Split-Path',
    'Start-Process', 'Start-Service', 'Start-Transaction', 'Stop-Computer', 'Stop-Process', 'Stop-Service', 'Suspend-Service',
    'Test-ComputerSecureChannel', 'Test-Connection', 'Test-Path', 'Undo-Transaction', 'Use-Transaction', 'Wait-Process',
    'Write-EventLog'
)

# Built-in aliases (7.x and 5.1) of those cmdlets, plus the Core functions that only wrap them (mkdir, md call New-Item).
$script:AliasesOfThoseCmdlets = @(
    # Utility
    'clv', 'compare', 'diff', 'echo', 'epal', 'epcsv', 'epsn', 'fc', 'fhx', 'fl', 'ft', 'fw', 'gal', 'gbp', 'gcs', 'gm', 'group',
    'gv', 'iex', 'ipal', 'ipcsv', 'ipsn', 'irm', 'iwr', 'curl', 'wget', 'measure', 'nal', 'nv', 'ogv', 'rbp', 'rv', 'sal', 'sbp',
    'dbp', 'ebp', 'select', 'set', 'shcm', 'sleep', 'sls', 'sort', 'sv', 'tee', 'write',
    # Management
    'ac', 'cat', 'cd', 'chdir', 'clc', 'cli', 'clp', 'copy', 'cp', 'cpi', 'cpp', 'cvpa', 'del', 'dir', 'erase', 'gc', 'gcb',
    'gci', 'gdr', 'gi', 'gin', 'gl', 'gp', 'gps', 'gpv', 'gsv', 'gtz', 'gwmi', 'ii', 'kill', 'ls', 'mi', 'mount', 'move', 'mp',
    'mv', 'ndr', 'ni', 'popd', 'ps', 'pushd', 'pwd', 'rd', 'rdr', 'ren', 'ri', 'rm', 'rmdir', 'rni', 'rnp', 'rp', 'rvpa',
    'sasv', 'saps', 'sc', 'scb', 'si', 'sl', 'sp', 'spps', 'spsv', 'start',
    # Core functions that call Management cmdlets
    'mkdir', 'md'
)

$script:Forbidden = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
foreach ($name in $script:UtilityCmdlets + $script:ManagementCmdlets + $script:AliasesOfThoseCmdlets) { $null = $script:Forbidden.Add($name) }

function Get-DkvSyntaxParseError {
    # Parse errors under this pwsh's parser, as "name:line: message".
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Path, [string]$Name = $Path)
    $errors = $null
    $null = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref]$null, [ref]$errors)
    foreach ($e in $errors) { "${Name}:$($e.Extent.StartLineNumber): $($e.Message)" }
}

function Get-DkvSyntaxViolation {
    # Every violation in a script file (-Path) or text (-Script), as "name:line: what: text".
    [CmdletBinding(DefaultParameterSetName = 'Path')]
    param(
        [Parameter(Mandatory, ParameterSetName = 'Path')][string]$Path,
        [Parameter(Mandatory, ParameterSetName = 'Script')][string]$Script,
        [string]$Name
    )
    $tokens = $null
    $errors = $null
    if ($PSCmdlet.ParameterSetName -eq 'Path') {
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref]$tokens, [ref]$errors)
        if (-not $Name) { $Name = $Path }
    }
    else {
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($Script, [ref]$tokens, [ref]$errors)
        if (-not $Name) { $Name = 'snippet' }
    }
    $found = [System.Collections.Generic.List[string]]::new()
    $add = {
        param($Extent, [string]$What)
        $text = $Extent.Text -replace '\s*\r?\n\s*', ' '
        if ($text.Length -gt 80) { $text = $text.Substring(0, 80) + '...' }
        $found.Add("${Name}:$($Extent.StartLineNumber): ${What}: $text")
    }
    $L = 'System.Management.Automation.Language'

    foreach ($node in $ast.FindAll({ $true }, $true)) {
        switch ($node) {
            { $_ -is [System.Management.Automation.Language.TernaryExpressionAst] } { & $add $node.Extent 'ternary ?: (PowerShell 7+)' }
            { $_ -is [System.Management.Automation.Language.PipelineChainAst] } { & $add $node.Extent 'pipeline chain && / || (PowerShell 7+)' }
            { $_ -is [System.Management.Automation.Language.BinaryExpressionAst] -and $_.Operator -eq 'QuestionQuestion' } { & $add $node.Extent '?? (PowerShell 7+)' }
            { $_ -is [System.Management.Automation.Language.AssignmentStatementAst] -and $_.Operator -eq 'QuestionQuestionEquals' } { & $add $node.Extent '??= (PowerShell 7+)' }
            { $_ -is [System.Management.Automation.Language.MemberExpressionAst] -and $_.NullConditional } { & $add $node.Extent '?. (PowerShell 7+)' }
            { $_ -is [System.Management.Automation.Language.IndexExpressionAst] -and $_.NullConditional } { & $add $node.Extent '?[ (PowerShell 7+)' }
            { $_ -is [System.Management.Automation.Language.ScriptBlockAst] -and $null -ne $_.CleanBlock } { & $add $node.CleanBlock.Extent 'clean block (PowerShell 7.3+)' }
            { $_ -is [System.Management.Automation.Language.PipelineAst] -and $_.Background } { & $add $node.Extent 'background operator & (PowerShell 6+)' }
            { $_ -is [System.Management.Automation.Language.BinaryExpressionAst] -and $_.Operator -in 'Ireplace', 'Creplace' -and
                $_.Right -is [System.Management.Automation.Language.ArrayLiteralAst] -and @($_.Right.Elements)[-1] -is [System.Management.Automation.Language.ScriptBlockExpressionAst] } {
                & $add $node.Extent '-replace with a script block (PowerShell 6.1+; 5.1 uses the block''s text)'
            }
            { $_ -is [System.Management.Automation.Language.CommandAst] } { Test-DkvSyntaxCommand -Command $node -Add $add }
        }
    }
    foreach ($token in $tokens) {
        if ($token.Kind -eq 'Number' -and $token.Text -match '^(?i)(0b[01_]+|.*[0-9a-f.](u|y|uy|s|us|ul|lu|n)(kb|mb|gb|tb|pb)?)$' -and $token.Text -notmatch '^(?i)0x[0-9a-f]+$') {
            & $add $token.Extent 'numeric literal suffix or 0b binary literal (PowerShell 6.2+/7+)'
        }
        if ($token -is [System.Management.Automation.Language.StringExpandableToken] -or ($token.Kind -in 'StringExpandable', 'HereStringExpandable')) {
            if ($token.Text -match '`u\{') { & $add $token.Extent '`u{} escape (PowerShell 6+; 5.1 keeps it as text)' }
        }
    }
    $found
}

function Test-DkvSyntaxCommand {
    param([System.Management.Automation.Language.CommandAst]$Command, [scriptblock]$Add)
    $commandName = $Command.GetCommandName()
    if ($null -eq $commandName) { return }
    $bare = if ($commandName.Contains('\')) { $commandName.Substring($commandName.LastIndexOf('\') + 1) } else { $commandName }
    if ($script:Forbidden.Contains($bare) -or $commandName -like 'Microsoft.PowerShell.Utility\*' -or $commandName -like 'Microsoft.PowerShell.Management\*') {
        & $Add $Command.Extent "'$commandName' is not in Microsoft.PowerShell.Core (a bare engine lacks it)"
    }
    if ($bare -in 'ForEach-Object', '%', 'foreach') {
        foreach ($parameter in $Command.CommandElements) {
            if ($parameter -is [System.Management.Automation.Language.CommandParameterAst] -and $parameter.ParameterName.Length -ge 2 -and
                'parallel'.StartsWith($parameter.ParameterName, [System.StringComparison]::OrdinalIgnoreCase)) {
                & $Add $Command.Extent 'ForEach-Object -Parallel (PowerShell 7+)'
            }
        }
    }
}

Export-ModuleMember -Function 'Get-DkvSyntaxViolation', 'Get-DkvSyntaxParseError'
