# The module's description of the C ABI (powershell/Clustron.Dkv/Private/NativeAbi.ps1: exports, struct offsets,
# codes), the literal parameter defaults Get-Help shows, and bench/module/NativeStop.cs's DllImports and struct, all
# checked against include/clustron_dkv.h and the C compiler, as tests/header_drift.rs checks the header against
# the Rust code. The module keeps hand-written tables (it must not parse a header at import); this file fails
# naming the export, parameter, field or value that differs.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1" -Force
    Import-Module "$PSScriptRoot/Support/HeaderAbi.psm1" -Force
    $null = Import-DkvTestModule
    $repo = Get-DkvTestRepo
    $header = [System.IO.File]::ReadAllText((Get-DkvHeaderPath $repo))
    $constants = Get-DkvHeaderConstant $header
    # The module's sources (one function per file), for the checks that read its code.
    $sources = @(foreach ($folder in 'Private', 'Public') {
            [System.IO.Directory]::GetFiles([System.IO.Path]::Combine($repo, 'powershell', 'Clustron.Dkv', $folder), '*.ps1')
        })

    function Get-HeaderNumber {
        param([Parameter(Mandatory)][string]$Name)
        if (-not $constants.Contains($Name)) { throw "include/clustron_dkv.h does not define $Name" }
        $constants[$Name]
    }

    function Get-ParameterDefault {
        param([Parameter(Mandatory)][string]$Command, [Parameter(Mandatory)][string]$Parameter)
        $ast = (Get-Command $Command).ScriptBlock.Ast
        $param = $ast.Body.ParamBlock.Parameters | Where-Object { $_.Name.VariablePath.UserPath -eq $Parameter }
        [long]$param.DefaultValue.Value
    }

    function Get-ParameterRange {
        param([Parameter(Mandatory)][string]$Command, [Parameter(Mandatory)][string]$Parameter)
        $range = (Get-Command $Command).Parameters[$Parameter].Attributes |
            Where-Object { $_ -is [System.Management.Automation.ValidateRangeAttribute] }
        @([long]$range.MinRange, [long]$range.MaxRange)
    }

    function Get-ModuleValue {
        param([Parameter(Mandatory)][string]$Name)
        & (Get-Module Clustron.Dkv) { param($n) (Get-Variable -Scope Script -Name $n).Value } $Name
    }

    function Compare-DkvSignature {
        # Differences between the header's exports and a table of @{ Name; Return [type]; Parameters [type[]] },
        # one line each, naming the export and parameter: "<what>: <name> ...".
        param([Parameter(Mandatory)][string]$What, [Parameter(Mandatory)][AllowEmptyCollection()][object[]]$Bound,
            [switch]$Subset)
        $typedefs = Get-DkvHeaderTypedef $header
        $exports = @{}
        foreach ($export in Get-DkvHeaderExport $header) { $exports[$export.Name] = $export }
        $boundNames = @{}
        foreach ($entry in $Bound) {
            $boundNames[$entry.Name] = $true
            if (-not $exports.ContainsKey($entry.Name)) { "${What}: $($entry.Name) is not an export of the header"; continue }
            $export = $exports[$entry.Name]
            $expected = ConvertTo-DkvDotNetType -CType $export.Return -Typedefs $typedefs
            if ($expected -notcontains $entry.Return.FullName) {
                "${What}: $($entry.Name) returns $($export.Return) in the header ($($expected -join ' or ')), [$($entry.Return.FullName)] here"
            }
            $parameters = @($export.Parameters)
            if ($parameters.Count -ne @($entry.Parameters).Count) {
                "${What}: $($entry.Name) takes $($parameters.Count) parameters in the header ($(($parameters | ForEach-Object { "$($_.Type) $($_.Name)" }) -join ', ')), $(@($entry.Parameters).Count) here"
                continue
            }
            for ($i = 0; $i -lt $parameters.Count; $i++) {
                $expected = ConvertTo-DkvDotNetType -CType $parameters[$i].Type -Typedefs $typedefs
                $actual = @($entry.Parameters)[$i].FullName
                if ($expected -notcontains $actual) {
                    "${What}: $($entry.Name) parameter $($i + 1) ($($parameters[$i].Type) $($parameters[$i].Name)) is $($expected -join ' or ') in the header, [$actual] here"
                }
            }
        }
        if (-not $Subset) {
            foreach ($name in $exports.Keys) {
                if (-not $boundNames.ContainsKey($name)) { "${What}: the header's export $name is missing" }
            }
        }
    }
}

Describe 'Parameter defaults and ranges are the header''s' -Tag Windows {
    # The contract keeps its literals (Get-Help shows them); these keep them from drifting from the library's.
    It '<Command> -Port defaults to DKV_DEFAULT_PORT' -ForEach @(
        @{ Command = 'Stop-DkvStore' }, @{ Command = 'Start-DkvStore' }, @{ Command = 'Restart-DkvStore' }, @{ Command = 'Get-DkvStore' }, @{ Command = 'Connect-DkvManager' }
    ) {
        Get-ParameterDefault -Command $Command -Parameter Port | Should -Be (Get-HeaderNumber DKV_DEFAULT_PORT)
    }

    It '<Command> -TimeoutSec defaults to DKV_DEFAULT_TIMEOUT_SEC, 1 to DKV_MAX_TIMEOUT_SEC' -ForEach @(
        @{ Command = 'Stop-DkvStore' }, @{ Command = 'Start-DkvStore' }, @{ Command = 'Restart-DkvStore' }, @{ Command = 'Get-DkvStore' }, @{ Command = 'Connect-DkvManager' }
    ) {
        Get-ParameterDefault -Command $Command -Parameter TimeoutSec | Should -Be (Get-HeaderNumber DKV_DEFAULT_TIMEOUT_SEC)
        Get-ParameterRange -Command $Command -Parameter TimeoutSec | Should -Be @(1, (Get-HeaderNumber DKV_MAX_TIMEOUT_SEC))
    }

    It '<Command> -ThrottleLimit defaults to DKV_DEFAULT_THROTTLE, 1 to DKV_MAX_THROTTLE' -ForEach @(
        @{ Command = 'Stop-DkvStore' }, @{ Command = 'Start-DkvStore' }
    ) {
        Get-ParameterDefault -Command $Command -Parameter ThrottleLimit | Should -Be (Get-HeaderNumber DKV_DEFAULT_THROTTLE)
        Get-ParameterRange -Command $Command -Parameter ThrottleLimit | Should -Be @(1, (Get-HeaderNumber DKV_MAX_THROTTLE))
    }

    It 'Restart-DkvStore -NodeTimeoutSec is 1 to DKV_MAX_TIMEOUT_SEC, and the module waits DKV_RESTART_RECOVERY_GRACE_SEC after a cancel' {
        Get-ParameterRange -Command Restart-DkvStore -Parameter NodeTimeoutSec | Should -Be @(1, (Get-HeaderNumber DKV_MAX_TIMEOUT_SEC))
        Get-ModuleValue DkvRestartRecoveryGraceSec | Should -Be (Get-HeaderNumber DKV_RESTART_RECOVERY_GRACE_SEC)
    }

    It 'the module''s stop flag bits are DKV_STOP_*, and together DKV_STOP_KNOWN_FLAGS' {
        $flags = Get-ModuleValue DkvStopFlags
        [long]$flags.Force | Should -Be (Get-HeaderNumber DKV_STOP_FORCE)
        [long]$flags.Parallel | Should -Be (Get-HeaderNumber DKV_STOP_PARALLEL)
        [long]$flags.FailFast | Should -Be (Get-HeaderNumber DKV_STOP_FAIL_FAST)
        # A flag the library adds shows up here until Stop-DkvStore offers it (or this test says why not).
        [long]($flags.Force -bor $flags.Parallel -bor $flags.FailFast) | Should -Be (Get-HeaderNumber DKV_STOP_KNOWN_FLAGS)
    }

    It 'the no-managers text comes from the library, and the module has no copy of it' {
        $text = & (Get-Module Clustron.Dkv) { Read-DkvUtf8 -Pointer ((Get-DkvNative)::dkv_no_managers_message()) }
        $text | Should -Be 'No managers connected. Use Connect-DkvManager or specify -Managers.'
        $private = [System.IO.Path]::Combine($repo, 'powershell', 'Clustron.Dkv', 'Private')
        foreach ($file in [System.IO.Directory]::GetFiles($private, '*.ps1')) {
            [System.IO.File]::ReadAllText($file) | Should -Not -Match ([regex]::Escape($text)) -Because "$file must take it from the library"
        }
    }
}

Describe 'The module''s export table is the header''s' -Tag NativeAbi {
    It 'the header parser finds every export, with its types' {
        # Guards the parser itself: a header it misreads would make every comparison below vacuous.
        $exports = @(Get-DkvHeaderExport $header)
        # cbindgen starts each declaration at column 0; comments start with //.
        $exports.Count | Should -Be ([regex]::Matches($header, '(?m)^[^/\s#].*\bdkv_\w+\(').Count)
        $wait = $exports | Where-Object Name -EQ 'dkv_op_wait'
        $wait.Return | Should -Be 'int32_t'
        ($wait.Parameters | ForEach-Object { "$($_.Type) $($_.Name)" }) -join ', ' | Should -Be 'const struct DkvOperation * op, int32_t timeout_ms'
    }

    It 'binds every export of the header, no other, each with the header''s return and parameter types' {
        $bound = foreach ($entry in Get-ModuleValue DkvExportSignatures) {
            [pscustomobject]@{ Name = $entry[0]; Return = $entry[1]; Parameters = [type[]]@($entry[2]) }
        }
        (Compare-DkvSignature -What 'Private/NativeAbi.ps1' -Bound @($bound)) -join "`n" | Should -BeNullOrEmpty
    }

    It 'the status exports are exactly those returning DkvStatus that end in (out value, out_error)' {
        $expected = foreach ($export in Get-DkvHeaderExport $header) {
            $parameters = @($export.Parameters)
            if ($export.Return -eq 'DkvStatus' -and $parameters.Count -ge 2 -and $parameters[-1].Name -eq 'out_error' -and
                $parameters[-2].Name -like 'out_*' -and $parameters[-2].Type -match '\*\s*\*$') { $export.Name }
        }
        $actual = @((Get-ModuleValue DkvStatusExports) | Sort-Object)
        $differences = Compare-Object -ReferenceObject @($expected | Sort-Object) -DifferenceObject $actual |
            ForEach-Object { if ($_.SideIndicator -eq '<=') { "$($_.InputObject) is missing from `$script:DkvStatusExports" } else { "$($_.InputObject) is in `$script:DkvStatusExports but does not end in (out value, out_error) with a DkvStatus" } }
        $differences -join "`n" | Should -BeNullOrEmpty
    }
}

Describe 'The struct offsets the module reads and writes are the C compiler''s' -Tag NativeAbi {
    BeforeAll {
        $work = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'dkv-abi-' + [Guid]::NewGuid().ToString('N'))
        $cLayout = Get-DkvCLayout -Repo $repo -WorkDirectory $work
        $moduleLayout = Get-ModuleValue DkvLayout
    }
    AfterAll {
        if ($work -and [System.IO.Directory]::Exists($work)) { [System.IO.Directory]::Delete($work, $true) }
    }

    It 'every offset and size in $script:DkvLayout is offsetof/sizeof' {
        if ($cLayout -is [string]) { Set-ItResult -Skipped -Because "the C layout is unknown: $cLayout"; return }
        $differences = foreach ($struct in $moduleLayout.Keys) {
            if (-not $cLayout.Sizes.ContainsKey($struct)) { "DkvLayout.${struct}: the header has no struct $struct"; continue }
            foreach ($field in $moduleLayout[$struct].Keys) {
                $value = $moduleLayout[$struct][$field]
                if ($field -ceq 'Size') {
                    if ($value -ne $cLayout.Sizes[$struct]) { "DkvLayout.$struct.Size is $value, sizeof(struct $struct) is $($cLayout.Sizes[$struct])" }
                    continue
                }
                $c = $cLayout.Fields["$struct.$field"]
                if ($null -eq $c) { "DkvLayout.$struct.${field}: struct $struct has no field $field"; continue }
                if ($value -ne $c.Offset) { "DkvLayout.$struct.$field is $value, offsetof(struct $struct, $field) is $($c.Offset)" }
            }
        }
        $differences -join "`n" | Should -BeNullOrEmpty
    }

    It 'every field access takes its offset from $script:DkvLayout and has the field''s C width' {
        $accesses = @(Get-DkvLayoutAccess -Path $sources)
        $accesses.Count | Should -BeGreaterThan 40 -Because 'the readers and writers are found (a vacuous scan would pass anything)'
        $differences = foreach ($access in $accesses) {
            if (-not $access.Allowed) {
                "$($access.Location) ($($access.Function)): the offset '$($access.Offset)' is hand-written; take it from `$script:DkvLayout"
                continue
            }
            if ($null -eq $access.Struct) { continue }
            if (-not $moduleLayout.ContainsKey($access.Struct) -or -not $moduleLayout[$access.Struct].ContainsKey($access.Field)) {
                "$($access.Location) ($($access.Function)): DkvLayout.$($access.Struct).$($access.Field) is not in the table"
                continue
            }
            # Without cc the widths go unchecked; the offsets' source is still checked.
            if ($cLayout -is [string]) { continue }
            $c = $cLayout.Fields["$($access.Struct).$($access.Field)"]
            if ($null -ne $c -and $c.Size -ne $access.Width) {
                "$($access.Location) ($($access.Function)): $($access.Struct).$($access.Field) is $($c.Size) bytes in C, accessed as $($access.Width)"
            }
        }
        $differences -join "`n" | Should -BeNullOrEmpty
    }
}

Describe 'The codes the module compares against are the header''s' -Tag NativeAbi {
    It 'every value of $script:DkvCode is the header''s' {
        $codes = Get-ModuleValue DkvCode
        $differences = foreach ($name in $codes.Keys) {
            if (-not $constants.Contains($name)) { "DkvCode.${name}: the header does not define $name"; continue }
            if ([long]$codes[$name] -ne $constants[$name]) { "DkvCode.$name is $($codes[$name]), the header's is $($constants[$name])" }
        }
        $differences -join "`n" | Should -BeNullOrEmpty
    }

    It 'every $script:DkvCode name the module''s code uses is in the table' {
        # A hashtable gives $null for a name it lacks, even under Set-StrictMode: `$row.Kind -ne
        # $script:DkvCode.DKV_RESULT_SKIPPED` was true for every row while SKIPPED was not in the table.
        $codes = Get-ModuleValue DkvCode
        $missing = foreach ($file in $sources) {
            $text = [System.IO.File]::ReadAllText($file)
            foreach ($use in [regex]::Matches($text, '\$script:DkvCode\.(\w+)')) {
                $name = $use.Groups[1].Value
                if (-not $codes.ContainsKey($name)) { '{0}: $script:DkvCode.{1}' -f [System.IO.Path]::GetFileName($file), $name }
            }
        }
        @($missing | Sort-Object -Unique) -join "`n" | Should -BeNullOrEmpty
    }

    It 'every DKV_ERR_* status has an ErrorId, and every ErrorId a DKV_ERR_* status' {
        $errors = Get-ModuleValue DkvStatusErrors
        $statuses = @{}
        foreach ($name in $constants.Keys) { if ($name -like 'DKV_ERR_*') { $statuses[[int]$constants[$name]] = $name } }
        $differences = @(
            foreach ($value in $statuses.Keys) {
                if (-not $errors.ContainsKey($value)) { "$($statuses[$value]) ($value) has no entry in `$script:DkvStatusErrors" }
            }
            foreach ($value in $errors.Keys) {
                if (-not $statuses.ContainsKey([int]$value)) { "`$script:DkvStatusErrors[$value] ($($errors[$value][0])) is no DKV_ERR_* status of the header" }
            }
        )
        $differences -join "`n" | Should -BeNullOrEmpty
    }

    It 'the status, result kind and node state literals of the module''s code are the table''s names' {
        # The code names the codes ($script:DkvCode.DKV_RESULT_TIMEOUT), never writes their numbers: a comparison of
        # .Kind, .State or a status with a number literal would escape the checks above.
        $sources.Count | Should -BeGreaterThan 10
        # (HTTP statuses, $status in New-DkvRowErrorRecord, are numbers of their own.)
        $pattern = '(\.Kind|\.State|\.Status)\s+-(eq|ne)\s+-?\d|ReadInt32\([^)]*\)\s+-(eq|ne)\s+[1-9]'
        $hits = foreach ($file in $sources) {
            $number = 0
            foreach ($line in [System.IO.File]::ReadAllLines($file)) {
                $number++
                if ($line -match $pattern -and $line -notmatch '^\s*#') { '{0}:{1}: {2}' -f [System.IO.Path]::GetFileName($file), $number, $line.Trim() }
            }
        }
        $hits -join "`n" | Should -BeNullOrEmpty
    }
}

Describe 'bench/module/NativeStop.cs matches the header' -Tag NativeAbi {
    BeforeAll {
        # Compiled as the bench compiles it (C#, .NET), under a namespace of its own so a second run in this
        # process compiles afresh; read back by reflection: its DllImports, its struct as the marshaller lays it out.
        $namespace = 'DkvAbiProbe' + [Guid]::NewGuid().ToString('N')
        $source = [System.IO.File]::ReadAllText([System.IO.Path]::Combine($repo, 'bench', 'module', 'NativeStop.cs'))
        Add-Type -TypeDefinition ($source -replace 'namespace Clustron\.Dkv\.Bench', "namespace $namespace")
        $nativeStop = "$namespace.NativeStop" -as [type]
        $nonPublicStatic = [System.Reflection.BindingFlags]'NonPublic, Public, Static'
        $work = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'dkv-abi-cs-' + [Guid]::NewGuid().ToString('N'))
        $cLayout = Get-DkvCLayout -Repo $repo -WorkDirectory $work
    }
    AfterAll {
        if ($work -and [System.IO.Directory]::Exists($work)) { [System.IO.Directory]::Delete($work, $true) }
    }

    It 'each DllImport has the header''s return and parameter types (ref and out are pointers)' {
        $bound = foreach ($method in $nativeStop.GetMethods($nonPublicStatic)) {
            $import = $method.GetCustomAttributes([System.Runtime.InteropServices.DllImportAttribute], $false)
            if (@($import).Count -eq 0) { continue }
            $parameters = foreach ($parameter in $method.GetParameters()) {
                if ($parameter.ParameterType.IsByRef) { [IntPtr] } else { $parameter.ParameterType }
            }
            [pscustomobject]@{ Name = $method.Name; Return = $method.ReturnType; Parameters = [type[]]@($parameters) }
        }
        @($bound).Count | Should -BeGreaterThan 0
        (Compare-DkvSignature -What 'NativeStop.cs' -Bound @($bound) -Subset) -join "`n" | Should -BeNullOrEmpty
    }

    It 'its DkvStopOptions has the header''s fields in order, at offsetof, of sizeof' {
        if ($cLayout -is [string]) { Set-ItResult -Skipped -Because "the C layout is unknown: $cLayout"; return }
        $struct = $nativeStop.GetNestedType('DkvStopOptions', [System.Reflection.BindingFlags]::NonPublic)
        $csFields = @($struct.GetFields([System.Reflection.BindingFlags]'Instance, Public, NonPublic') | Sort-Object MetadataToken)
        $cFields = (Get-DkvHeaderStruct $header)['DkvStopOptions']
        $differences = @(
            $count = [Math]::Max($csFields.Count, $cFields.Count)
            for ($i = 0; $i -lt $count; $i++) {
                $cName = if ($i -lt $cFields.Count) { $cFields[$i] } else { '(none)' }
                $csName = if ($i -lt $csFields.Count) { $csFields[$i].Name } else { '(none)' }
                # StructSize <-> struct_size
                $snake = ([regex]::Replace($csName, '(?<=[a-z0-9])([A-Z])', '_$1')).ToLowerInvariant()
                if ($snake -ne $cName) { "NativeStop.cs DkvStopOptions field $($i + 1) is $csName, the header's is $cName"; continue }
                $offset = [int][System.Runtime.InteropServices.Marshal]::OffsetOf($struct, $csName)
                $c = $cLayout.Fields["DkvStopOptions.$cName"]
                if ($offset -ne $c.Offset) { "NativeStop.cs DkvStopOptions.$csName is at $offset, offsetof(struct DkvStopOptions, $cName) is $($c.Offset)" }
                $width = [System.Runtime.InteropServices.Marshal]::SizeOf([type]$csFields[$i].FieldType)
                if ($width -ne $c.Size) { "NativeStop.cs DkvStopOptions.$csName is $width bytes ($($csFields[$i].FieldType.Name)), the header's $cName $($c.Size)" }
            }
            $size = [System.Runtime.InteropServices.Marshal]::SizeOf([type]$struct)
            if ($size -ne $cLayout.Sizes['DkvStopOptions']) { "NativeStop.cs DkvStopOptions is $size bytes, sizeof is $($cLayout.Sizes['DkvStopOptions'])" }
        )
        $differences -join "`n" | Should -BeNullOrEmpty
    }

    It 'its ForceFlag is DKV_STOP_FORCE and its KindOffset offsetof(struct DkvResult, kind)' {
        [long]$nativeStop.GetField('ForceFlag', $nonPublicStatic).GetValue($null) | Should -Be (Get-HeaderNumber DKV_STOP_FORCE) -Because 'NativeStop.ForceFlag is DKV_STOP_FORCE'
        if ($cLayout -is [string]) { Set-ItResult -Skipped -Because "the C layout is unknown: $cLayout"; return }
        $nativeStop.GetField('KindOffset', $nonPublicStatic).GetValue($null) | Should -Be $cLayout.Fields['DkvResult.kind'].Offset -Because 'NativeStop.KindOffset is offsetof(struct DkvResult, kind)'
    }
}
