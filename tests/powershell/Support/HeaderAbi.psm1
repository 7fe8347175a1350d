# Reading include/clustron_dkv.h for NativeAbi.Tests.ps1: its exports with their C types, its constants (#define and
# enum items), its structs' fields, and the C compiler's offsetof/sizeof of every field. A small parser for the
# regular text cbindgen writes (one declaration per statement, `//` comments), not for C in general: whatever it
# cannot map fails loudly, naming the declaration.

Set-StrictMode -Version Latest

function Get-DkvHeaderPath {
    param([Parameter(Mandatory)][string]$Repo)
    [System.IO.Path]::Combine($Repo, 'include', 'clustron_dkv.h')
}

function Remove-CComment {
    param([Parameter(Mandatory)][string]$Text)
    $Text = [regex]::Replace($Text, '(?s)/\*.*?\*/', ' ')
    [regex]::Replace($Text, '(?m)//.*$', '')
}

function Get-DkvHeaderConstant {
    # name -> value of every `#define NAME n` and every enum item `NAME = n`.
    param([Parameter(Mandatory)][string]$Header)
    $text = Remove-CComment $Header
    $constants = [ordered]@{}
    foreach ($match in [regex]::Matches($text, '(?m)^\s*(?:#define\s+(?<name>[A-Z][A-Z0-9_]*)\s+|(?<name>[A-Z][A-Z0-9_]*)\s*=\s*)(?<value>-?\d+)\b')) {
        $constants[$match.Groups['name'].Value] = [long]$match.Groups['value'].Value
    }
    $constants
}

function Get-DkvHeaderTypedef {
    # The C enums' integer types: `typedef int32_t DkvStatus;` -> DkvStatus = int32_t.
    param([Parameter(Mandatory)][string]$Header)
    $typedefs = @{}
    foreach ($match in [regex]::Matches((Remove-CComment $Header), '(?m)^\s*typedef\s+(u?int\d+_t)\s+(\w+)\s*;')) {
        $typedefs[$match.Groups[2].Value] = $match.Groups[1].Value
    }
    $typedefs
}

function Split-CDeclaration {
    # 'const char *const *managers' -> @{ Type = 'const char *const *'; Name = 'managers' }
    param([Parameter(Mandatory)][string]$Declaration)
    $declaration = ($Declaration -replace '\s+', ' ').Trim()
    $match = [regex]::Match($declaration, '^(?<type>.*?)\s*\b(?<name>\w+)$')
    if (-not $match.Success -or -not $match.Groups['type'].Value) { throw "cannot split the C declaration '$Declaration'" }
    [pscustomobject]@{ Type = $match.Groups['type'].Value.Trim(); Name = $match.Groups['name'].Value }
}

function Get-DkvHeaderExport {
    # Every function of the extern "C" block, in header order: Name, Return (C type), Parameters (Type, Name).
    param([Parameter(Mandatory)][string]$Header)
    $text = Remove-CComment $Header
    $start = $text.IndexOf('extern "C" {', [System.StringComparison]::Ordinal)
    if ($start -lt 0) { throw 'include/clustron_dkv.h has no extern "C" block' }
    $text = [regex]::Replace($text.Substring($start + 12), '(?m)^\s*#.*$', '')
    foreach ($match in [regex]::Matches($text, '(?s)(?<ret>[A-Za-z_][\w\s\*]*?)\s*\b(?<name>dkv_\w+)\s*\((?<params>[^;]*?)\)\s*;')) {
        $parameters = @()
        $list = ($match.Groups['params'].Value -replace '\s+', ' ').Trim()
        if ($list -and $list -ne 'void') {
            $parameters = @(foreach ($item in $list.Split(',')) { Split-CDeclaration $item })
        }
        [pscustomobject]@{
            Name       = $match.Groups['name'].Value
            Return     = ($match.Groups['ret'].Value -replace '\s+', ' ').Trim()
            Parameters = $parameters
        }
    }
}

function Get-DkvHeaderStruct {
    # struct name -> its field names in order, for every struct with a body.
    param([Parameter(Mandatory)][string]$Header)
    $structs = [ordered]@{}
    foreach ($match in [regex]::Matches((Remove-CComment $Header), '(?s)typedef struct (\w+) \{(.*?)\} \1;')) {
        $fields = foreach ($declaration in $match.Groups[2].Value.Split(';')) {
            if ($declaration.Trim()) { (Split-CDeclaration $declaration).Name }
        }
        $structs[$match.Groups[1].Value] = [string[]]@($fields)
    }
    $structs
}

function ConvertTo-DkvDotNetType {
    # The .NET types a C type may be bound as (the issue's map): int32_t and the int32 enums -> Int32, uint32_t and
    # DkvStopFlag -> UInt32, size_t -> UIntPtr, uint64_t -> Int64 or UInt64, any pointer -> IntPtr, void -> Void.
    param([Parameter(Mandatory)][string]$CType, [Parameter(Mandatory)][hashtable]$Typedefs)
    if ($CType.Contains('*')) { return @('System.IntPtr') }
    $base = ($CType -replace '\b(const|struct|enum)\b', '').Trim()
    if ($Typedefs.ContainsKey($base)) { $base = $Typedefs[$base] }
    switch ($base) {
        'void' { return @('System.Void') }
        'int32_t' { return @('System.Int32') }
        'uint32_t' { return @('System.UInt32') }
        'int64_t' { return @('System.Int64') }
        'uint64_t' { return @('System.Int64', 'System.UInt64') }
        'size_t' { return @('System.UIntPtr') }
    }
    throw "no .NET mapping for the C type '$CType' (extend ConvertTo-DkvDotNetType)"
}

function Get-DkvCLayout {
    # The C compiler's layout of every struct of the header: @{ Sizes = @{ struct = n }; Fields = @{ 'struct.field'
    # = @{ Offset; Size } } }, or a string saying why it could not be had (no cc).
    param([Parameter(Mandatory)][string]$Repo, [Parameter(Mandatory)][string]$WorkDirectory)
    $cc = Get-Command cc -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($null -eq $cc) { return 'no C compiler (cc) on PATH' }
    $structs = Get-DkvHeaderStruct ([System.IO.File]::ReadAllText((Get-DkvHeaderPath $Repo)))
    $program = [System.Text.StringBuilder]::new()
    $null = $program.AppendLine('#include <stddef.h>').AppendLine('#include <stdio.h>').AppendLine('#include "clustron_dkv.h"')
    $null = $program.AppendLine('int main(void) {')
    foreach ($name in $structs.Keys) {
        $null = $program.AppendLine("    printf(""S $name %zu\n"", sizeof(struct $name));")
        foreach ($field in $structs[$name]) {
            $null = $program.AppendLine("    printf(""F $name.$field %zu %zu\n"", offsetof(struct $name, $field), sizeof(((struct $name *)0)->$field));")
        }
    }
    $null = $program.AppendLine('    return 0;').AppendLine('}')
    $null = [System.IO.Directory]::CreateDirectory($WorkDirectory)
    $source = [System.IO.Path]::Combine($WorkDirectory, 'layout.c')
    $binary = [System.IO.Path]::Combine($WorkDirectory, 'layout')
    [System.IO.File]::WriteAllText($source, $program.ToString())
    $include = [System.IO.Path]::Combine($Repo, 'include')
    $compiled = & $cc.Source -std=c99 -Wall -Werror -I $include -o $binary $source 2>&1
    if ($LASTEXITCODE -ne 0) { throw "cc could not compile the layout probe: $($compiled -join "`n")" }
    $layout = @{ Sizes = @{}; Fields = @{} }
    foreach ($line in (& $binary)) {
        $parts = $line.Split(' ')
        if ($parts[0] -eq 'S') { $layout.Sizes[$parts[1]] = [int]$parts[2] }
        else { $layout.Fields[$parts[1]] = @{ Offset = [int]$parts[2]; Size = [int]$parts[3] } }
    }
    $layout
}

function Get-DkvLayoutAccess {
    # Every struct field access in PowerShell sources that take their offsets from $script:DkvLayout: the
    # Marshal.Read*/Write* calls and Read-DkvStringField/Read-DkvSize calls whose offset is `$x.field` where
    # `$x = $script:DkvLayout.<Struct>` in the same function. Offsets of any other form (a number, arithmetic) are
    # returned with Struct $null, so a hand-written offset cannot hide. Pointer-array elements (`$i * $p`) and the
    # helpers' own $Offset parameter are the only other forms allowed.
    param([Parameter(Mandatory)][string[]]$Path)
    $widths = @{ Int32 = 4; Int64 = 8; IntPtr = 8 }
    foreach ($file in $Path) {
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($file, [ref]$null, [ref]$null)
        $functions = $ast.FindAll({ param($a) $a -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $true)
        foreach ($function in $functions) {
            $structOf = @{}
            foreach ($assignment in $function.Body.FindAll({ param($a) $a -is [System.Management.Automation.Language.AssignmentStatementAst] }, $true)) {
                $right = $assignment.Right.Extent.Text
                $match = [regex]::Match($right, '^\$script:DkvLayout\.(\w+)$')
                if ($match.Success -and $assignment.Left -is [System.Management.Automation.Language.VariableExpressionAst]) {
                    $structOf[$assignment.Left.VariablePath.UserPath] = $match.Groups[1].Value
                }
            }
            $describe = {
                param($offsetAst, $width, $line)
                $text = $offsetAst.Extent.Text
                $struct = $null
                $field = $null
                $allowed = $false
                if ($offsetAst -is [System.Management.Automation.Language.MemberExpressionAst] -and
                    $offsetAst.Expression -is [System.Management.Automation.Language.VariableExpressionAst] -and
                    $structOf.ContainsKey($offsetAst.Expression.VariablePath.UserPath)) {
                    $struct = $structOf[$offsetAst.Expression.VariablePath.UserPath]
                    $field = $offsetAst.Member.Extent.Text
                    $allowed = $true
                }
                elseif ($text -match '^\$\w+ \* (\$p|\$script:DkvPtr)$' -or $text -eq '$Offset') { $allowed = $true }
                [pscustomobject]@{
                    Location = '{0}:{1}' -f [System.IO.Path]::GetFileName($file), $line
                    Function = $function.Name
                    Offset   = $text
                    Struct   = $struct
                    Field    = $field
                    Width    = $width
                    Allowed  = $allowed
                }
            }
            $calls = $function.Body.FindAll({ param($a) $a -is [System.Management.Automation.Language.InvokeMemberExpressionAst] }, $true)
            foreach ($call in $calls) {
                if ($call.Expression -isnot [System.Management.Automation.Language.TypeExpressionAst]) { continue }
                if ($call.Expression.TypeName.FullName -notmatch 'Marshal$') { continue }
                $member = [regex]::Match($call.Member.Extent.Text, '^(Read|Write)(Int32|Int64|IntPtr)$')
                if (-not $member.Success) { continue }
                $arguments = @($call.Arguments)
                # Read(ptr, offset); Write(ptr, offset, value). Read(ptr) and Write(ptr, value) touch offset 0 of
                # a single slot, not a struct.
                $withOffset = ($member.Groups[1].Value -eq 'Read' -and $arguments.Count -eq 2) -or
                ($member.Groups[1].Value -eq 'Write' -and $arguments.Count -eq 3)
                if (-not $withOffset) { continue }
                & $describe $arguments[1] $widths[$member.Groups[2].Value] $call.Extent.StartLineNumber
            }
            $commands = $function.Body.FindAll({ param($a) $a -is [System.Management.Automation.Language.CommandAst] }, $true)
            foreach ($command in $commands) {
                $name = $command.GetCommandName()
                if ($name -ne 'Read-DkvStringField' -and $name -ne 'Read-DkvSize') { continue }
                $elements = @($command.CommandElements)
                for ($i = 1; $i -lt $elements.Count - 1; $i++) {
                    if ($elements[$i] -is [System.Management.Automation.Language.CommandParameterAst] -and $elements[$i].ParameterName -eq 'Offset') {
                        & $describe $elements[$i + 1] 8 $command.Extent.StartLineNumber
                    }
                }
            }
        }
    }
}

Export-ModuleMember -Function Get-DkvHeaderPath, Get-DkvHeaderConstant, Get-DkvHeaderTypedef, Get-DkvHeaderExport,
Get-DkvHeaderStruct, ConvertTo-DkvDotNetType, Get-DkvCLayout, Get-DkvLayoutAccess
