# Windows PowerShell 5.1 cannot run here, so its constraints are checked statically on the module's sources
# (powershell/Clustron.Dkv): (a) they parse, use no PowerShell 6/7-only syntax and no cmdlet outside
# Microsoft.PowerShell.Core (Support/SyntaxRules.psm1, the xUnit ParseTests' rules); (b) every .NET type, constructor,
# static method and property they name exists in .NET Framework 4.8 or Windows PowerShell 5.1's engine, unless guarded
# (Support/ApiSurface.psm1, which documents the guard rule); (c) both checks fail on planted violations and accept the
# module's guard patterns. Needs the packages of tests/powershell/tools/Tools.csproj (dotnet restore).

BeforeDiscovery {
    $repoRoot = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..'))
    $moduleSource = [System.IO.Path]::Combine($repoRoot, 'powershell', 'Clustron.Dkv')
    $moduleFiles = @(
        Get-ChildItem -Path $moduleSource -Recurse -File -Include '*.ps1', '*.psm1', '*.psd1' |
            Sort-Object FullName |
            ForEach-Object { @{ File = [System.IO.Path]::GetRelativePath($repoRoot, $_.FullName) } }
    )
}

BeforeAll {
    $script:RepoRoot = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..'))
    $script:ModuleSource = [System.IO.Path]::Combine($script:RepoRoot, 'powershell', 'Clustron.Dkv')
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, 'Support', 'SyntaxRules.psm1')) -Force
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, 'Support', 'ApiSurface.psm1')) -Force

    function Get-PlantedFinding {
        # Writes the script to a file in TestDrive and returns the API check's findings for it.
        param([Parameter(Mandatory)][string]$Script)
        $file = [System.IO.Path]::Combine($TestDrive, 'planted-' + [Guid]::NewGuid().ToString('N') + '.ps1')
        [System.IO.File]::WriteAllText($file, $Script, [System.Text.UTF8Encoding]::new($false))
        @(Find-DkvApiSurfaceIssue -Path $file)
    }

    function Format-Finding {
        param([AllowNull()][object[]]$Finding)
        (@(foreach ($one in $Finding) { if ($null -ne $one) { $one.ToString() } })) -join "`n"
    }
}

Describe 'Module sources parse and use only Windows PowerShell 5.1 syntax and Microsoft.PowerShell.Core commands' {
    It 'has its manifest, root module and one file per public function' {
        foreach ($file in 'Clustron.Dkv.psd1', 'Clustron.Dkv.psm1', 'Public/Connect-DkvManager.ps1', 'Public/Disconnect-DkvManager.ps1',
            'Public/Get-DkvStore.ps1', 'Public/Restart-DkvStore.ps1', 'Public/Start-DkvStore.ps1', 'Public/Stop-DkvStore.ps1') {
            [System.IO.Path]::Combine($script:ModuleSource, $file) | Should -Exist
        }
    }

    It '<File> parses without errors' -ForEach $moduleFiles {
        @(Get-DkvSyntaxParseError -Path ([System.IO.Path]::Combine($script:RepoRoot, $File)) -Name $File) | Should -BeNullOrEmpty
    }

    It '<File> uses no PowerShell 6/7-only syntax and no Utility/Management cmdlet or alias' -ForEach $moduleFiles {
        $violations = @(Get-DkvSyntaxViolation -Path ([System.IO.Path]::Combine($script:RepoRoot, $File)) -Name $File)
        $violations -join "`n" | Should -BeNullOrEmpty
    }

    It 'the rules catch <Expected> in: <Script>' -ForEach @(
        @{ Script = '$a = $b ? 1 : 2'; Expected = 'ternary' }
        @{ Script = 'Test-One && Test-Two'; Expected = 'pipeline chain' }
        @{ Script = 'Test-One || Test-Two'; Expected = 'pipeline chain' }
        @{ Script = '$a = $b ?? 1'; Expected = '??' }
        @{ Script = '$a ??= 1'; Expected = '??=' }
        @{ Script = '${a}?.Length'; Expected = '?.' }
        @{ Script = '${a}?[0]'; Expected = '?[' }
        @{ Script = 'function f { process { } clean { } }'; Expected = 'clean block' }
        @{ Script = 'Start-Job { } &'; Expected = 'background' }
        @{ Script = '1..3 | ForEach-Object -Parallel { $_ }'; Expected = '-Parallel' }
        @{ Script = '1..3 | % -Pa { $_ }'; Expected = '-Parallel' }
        @{ Script = '$n = 1u + 2uy'; Expected = 'numeric literal suffix' }
        @{ Script = '$n = 0b1010'; Expected = '0b binary literal' }
        @{ Script = '$s = "smile `u{1F600}"'; Expected = '`u{} escape' }
        @{ Script = '$a -replace ''x'', { $_.Value.ToUpper() }'; Expected = '-replace with a script block' }
        @{ Script = 'Get-Date'; Expected = "'Get-Date'" }
        @{ Script = '$x | Select-Object -First 1'; Expected = "'Select-Object'" }
        @{ Script = '$x | Sort-Object'; Expected = "'Sort-Object'" }
        @{ Script = '$x = New-Object System.Text.StringBuilder'; Expected = "'New-Object'" }
        @{ Script = 'Write-Verbose ''x'''; Expected = "'Write-Verbose'" }
        @{ Script = 'Write-Host ''x'''; Expected = "'Write-Host'" }
        @{ Script = 'echo hi'; Expected = "'echo'" }
        @{ Script = 'write hi'; Expected = "'write'" }
        @{ Script = 'sleep 1'; Expected = "'sleep'" }
        @{ Script = '$x | select Name'; Expected = "'select'" }
        @{ Script = '$x | measure'; Expected = "'measure'" }
        @{ Script = 'Microsoft.PowerShell.Utility\Write-Output 1'; Expected = 'Write-Output' }
        @{ Script = 'Join-Path a b'; Expected = "'Join-Path'" }
        @{ Script = 'Test-Path $p'; Expected = "'Test-Path'" }
        @{ Script = 'ls'; Expected = "'ls'" }
        @{ Script = 'mkdir x'; Expected = "'mkdir'" }
    ) {
        $violations = @(Get-DkvSyntaxViolation -Script $Script)
        $violations | Where-Object { $_.Contains($Expected) } | Should -Not -BeNullOrEmpty -Because ($violations -join '; ')
    }

    It 'the rules accept: <Script>' -ForEach @(
        @{ Script = '$x | Where-Object { $_ } | ForEach-Object { $_.Name }' }
        @{ Script = '$x | % { $_ } | ? { $_ }' }
        @{ Script = 'Import-Module x; Get-Command; Get-Module; Register-ArgumentCompleter -CommandName a -ScriptBlock { }' }
        @{ Script = '$sb = [System.Text.StringBuilder]::new(); $PSCmdlet.WriteVerbose(''x''); $a = if ($b) { 1 } else { 2 }' }
        @{ Script = '$n = 0x1F + 1kb + 2l + 1.5d + 1e3; $s = "tab`t"; $o = [ordered]@{ a = 1 }; $r = $a -replace ''x'', ''y''' }
    ) {
        @(Get-DkvSyntaxViolation -Script $Script) -join "`n" | Should -BeNullOrEmpty
    }
}

Describe 'The .NET API the module names exists on Windows PowerShell 5.1 (.NET Framework 4.8)' {
    BeforeAll {
        $script:ModuleScripts = @(Get-ChildItem -Path $script:ModuleSource -Recurse -File -Include '*.ps1', '*.psm1')
        $script:ModuleFindings = @($script:ModuleScripts | Find-DkvApiSurfaceIssue -Root $script:RepoRoot)
    }

    It 'finds nothing in the module' {
        # The root module, Private/*.ps1 and Public/*.ps1.
        $script:ModuleScripts.Count | Should -BeGreaterOrEqual 6
        Format-Finding $script:ModuleFindings | Should -BeNullOrEmpty
    }

    It 'reports the module''s own Core-only code once its edition guard is taken away' {
        # Not a synthetic snippet: NativeMemory.ps1 as it is, with Read-DkvUtf8's edition test replaced by $true.
        $source = [System.IO.File]::ReadAllText([System.IO.Path]::Combine($script:ModuleSource, 'Private', 'NativeMemory.ps1'))
        $unguarded = [regex]::Replace($source, "if \(\`$PSVersionTable\.PSEdition -eq 'Core'[^)]*\)", 'if ($true)')
        $unguarded | Should -Not -Be $source
        $findings = Get-PlantedFinding -Script $unguarded
        $findings.Expression | Should -Contain '[System.Runtime.InteropServices.Marshal]::PtrToStringUTF8($Pointer)'
    }

    It 'reports the module''s NativeLibrary lookup once its null check is taken away' {
        $source = [System.IO.File]::ReadAllText([System.IO.Path]::Combine($script:ModuleSource, 'Private', 'NativeLibrary.ps1'))
        $unguarded = $source.Replace('if ($null -ne $nativeLibrary) { $null = $nativeLibrary::Load($LibraryPath) }', '$null = $nativeLibrary::Load($LibraryPath)')
        $unguarded | Should -Not -Be $source
        $findings = Get-PlantedFinding -Script $unguarded
        $findings.Expression | Should -Contain '$nativeLibrary::Load($LibraryPath)'
    }

    Context 'planted .NET-only calls are reported' {
        It 'reports <Script> (<Because>)' -ForEach @(
            @{ Script = '$s = [System.Runtime.InteropServices.Marshal]::PtrToStringUTF8($p)'; Why = "'PtrToStringUTF8' is not a public static method"; Because = 'method added in .NET Core' }
            @{ Script = '$s = [Runtime.InteropServices.Marshal]::StringToCoTaskMemUTF8($s)'; Why = "'StringToCoTaskMemUTF8' is not a public static method"; Because = 'short name, System. prefix' }
            @{ Script = '$c = [System.Net.Http.HttpClient]::new()'; Why = 'System.Net.Http.dll, which Windows PowerShell 5.1 does not load'; Because = 'in the Framework, but not loaded by 5.1' }
            @{ Script = '$n = [System.Runtime.InteropServices.NativeLibrary]::Load($path)'; Why = 'not in .NET Framework 4.8'; Because = 'type added in .NET Core 3' }
            @{ Script = '$h = [System.HashCode]::Combine(1, 2)'; Why = 'not in .NET Framework 4.8'; Because = 'type added in .NET Core 2.1' }
            @{ Script = '$p = [System.IO.Path]::Join(''a'', ''b'')'; Why = "'Join' is not a public static method of System.IO.Path"; Because = 'method added in .NET Core 3' }
            @{ Script = '$x = [Math]::Clamp(5, 0, 3)'; Why = "'Clamp' is not a public static method of System.Math"; Because = 'accelerator-less short name' }
            @{ Script = '$r = [System.Random]::Shared'; Why = "'Shared' is not a public static property"; Because = 'static property added in .NET 6' }
            @{ Script = '[System.ArgumentNullException]::ThrowIfNull($x)'; Why = "'ThrowIfNull' is not a public static method"; Because = 'throw helper added in .NET 6' }
            @{ Script = '$t = [timespan]::new(1, 2, 3, 4, 5, 6)'; Why = 'no public constructor of System.TimeSpan takes 6 argument(s)'; Because = 'constructor added in .NET 7' }
            @{ Script = '$l = [System.Collections.Generic.List[System.Text.Rune]]::new()'; Why = 'not in .NET Framework 4.8'; Because = 'generic argument .NET Core only' }
            @{ Script = 'function f { param([ValidateRange(''Positive'')][int]$Count) }'; Why = 'no public constructor of System.Management.Automation.ValidateRangeAttribute takes 1'; Because = 'ValidateRangeKind is PowerShell 6.1+' }
            @{ Script = 'function f { param([ValidateNotNullOrWhiteSpace()][string]$Name) }'; Why = 'not in .NET Framework 4.8 nor Windows PowerShell 5.1'; Because = 'attribute added in PowerShell 7.4' }
            @{ Script = 'function f { param([Parameter(Mandatory, ExperimentalFeatureName = ''X'')][string]$Name) }'; Why = "no property 'ExperimentalFeatureName'"; Because = 'Parameter property added in PowerShell 6.2' }
            @{ Script = '$v = [semver]''1.0.0'''; Why = 'not in .NET Framework 4.8 nor Windows PowerShell 5.1'; Because = 'accelerator added in PowerShell 6' }
            @{ Script = '$u = [uint]5'; Why = "'uint' is an accelerator only PowerShell 6+ has (for System.UInt32)"; Because = 'accelerator added in PowerShell 6.2' }
            @{ Script = '$isOrdered = $x -is [ordered]'; Why = "'ordered' is an accelerator only PowerShell 6+ has"; Because = '[ordered] as a type is PowerShell 7' }
            @{ Script = '$n = [Nope.Type]::new()'; Why = "type 'Nope.Type' does not exist"; Because = 'unknown type' }
            @{ Script = '$s = [HashSet[string]]::new()'; Why = "type 'HashSet' does not exist"; Because = 'a short generic name without using namespace' }
            @{ Script = "using namespace System.Collections.Generic`n`$d = [Dictionary[string, int]]::new(1, 2, 3)"; Why = 'no public constructor of System.Collections.Generic.Dictionary[System.String, System.Int32] takes 3'; Because = 'constructor arity of a generic type' }
            @{ Script = 'if ($PSVersionTable.PSEdition -eq ''Core'') { $n = [Nope.Type]::Make() }'; Why = "type 'Nope.Type' does not exist"; Because = 'unknown even inside a guard' }
            @{ Script = '$a = [System.Reflection.TypeAttributes]''Public, Sealedd'''; Why = "'Sealedd' is not a value of System.Reflection.TypeAttributes"; Because = 'enum value' }
            @{ Script = '$t = ''System.Runtime.InteropServices.NativeLibary'' -as [type]'; Why = 'is a type nowhere'; Because = 'misspelled lookup' }
            @{ Script = '$n = ''System.Runtime.InteropServices.NativeLibrary'' -as [type]; $null = $n::Load(''x'')'; Why = '$n is $null on Windows PowerShell 5.1'; Because = 'looked-up type used without a null check' }
            @{ Script = '$n = ''System.Runtime.InteropServices.NativeLibrary'' -as [type]; if ($null -ne $other) { $null = $n::Load(''x'') }'; Why = '$n is $null on Windows PowerShell 5.1'; Because = 'null check of another variable' }
            @{ Script = 'if ($PSVersionTable.PSEdition -eq ''Core'') { } else { [Runtime.InteropServices.Marshal]::PtrToStringUTF8($p) }'; Why = "'PtrToStringUTF8' is not a public static method"; Because = 'the else of a Core test is Desktop' }
            @{ Script = 'if ($PSVersionTable.PSEdition -eq ''Core'' -or $force) { [Runtime.InteropServices.Marshal]::PtrToStringUTF8($p) }'; Why = "'PtrToStringUTF8' is not a public static method"; Because = '-or does not guard' }
            @{ Script = 'if ($PSVersionTable.PSEdition -eq ''Core'') { return }; [Runtime.InteropServices.Marshal]::PtrToStringUTF8($p)'; Why = "'PtrToStringUTF8' is not a public static method"; Because = 'outside the guarded block' }
            @{ Script = 'if ($PSVersionTable.PSEdition -eq ''Core'') { [Math]::Nope() }'; Why = "'Nope' is not a public static method of System.Math in this pwsh's .NET either"; Because = 'nonexistent even inside a guard' }
        ) {
            $findings = Get-PlantedFinding -Script $Script
            $findings | Where-Object { $_.Why.Contains($Why) } | Should -Not -BeNullOrEmpty -Because "expected '$Why' among: $(Format-Finding $findings)"
        }

        It 'reports each planted call at its own line' {
            $script = @(
                '$a = 1'
                '$s = [System.Runtime.InteropServices.Marshal]::PtrToStringUTF8($p)'
                '$c = [System.Net.Http.HttpClient]::new()'
                '$n = [Nope.Type]::new()'
            ) -join "`n"
            $findings = Get-PlantedFinding -Script $script
            $findings.Line | Should -Be @(2, 3, 4)
            $findings[0].File | Should -BeLike '*planted-*.ps1'
            $findings[0].ToString() | Should -Match ':2: \[System\.Runtime\.InteropServices\.Marshal\]::PtrToStringUTF8\(\$p\) -- '
        }
    }

    Context 'the same calls inside the module''s guard patterns are not reported' {
        It 'accepts <Because>: <Script>' -ForEach @(
            @{ Script = 'if ($PSVersionTable.PSEdition -eq ''Core'') { return [System.Runtime.InteropServices.Marshal]::PtrToStringUTF8($p) }'; Because = 'edition check (Read-DkvUtf8)' }
            @{ Script = 'if ($PSVersionTable.PSEdition -eq ''Core'' -and -not $script:DkvAssumeDesktop) { [System.Runtime.InteropServices.Marshal]::PtrToStringUTF8($p) }'; Because = 'edition check -and the test switch' }
            @{ Script = 'if ($PSVersionTable.PSEdition -eq ''Desktop'') { $s = 1 } else { [Runtime.InteropServices.Marshal]::PtrToStringUTF8($p) }'; Because = 'else of a Desktop test' }
            @{ Script = 'if ($PSVersionTable.PSEdition -ne ''Desktop'') { $c = [System.Net.Http.HttpClient]::new() }'; Because = '-ne Desktop' }
            @{ Script = 'if ($IsCoreCLR) { $h = [System.HashCode]::Combine(1, 2) }'; Because = '$IsCoreCLR' }
            @{ Script = 'if ($PSVersionTable.PSVersion.Major -ge 7) { $x = [Math]::Clamp(5, 0, 3) }'; Because = 'PSVersion.Major -ge 7' }
            @{ Script = '$n = ''System.Runtime.InteropServices.NativeLibrary'' -as [type]; if ($null -ne $n) { $null = $n::Load(''x'') }'; Because = 'lookup and null check (Get-DkvNativeMethod)' }
            @{ Script = '$r = ''System.Runtime.InteropServices.RuntimeInformation'' -as [type]; if ($null -ne $r) { $a = [string]$r::ProcessArchitecture }'; Because = 'lookup and null check (Get-DkvNativeCandidatePath)' }
            @{ Script = '$n = ''System.Runtime.InteropServices.NativeLibrary'' -as [type]; if ($n -and $path) { $null = $n::Load($path) }'; Because = 'truthiness -and' }
            @{ Script = 'if ($PSVersionTable.PSEdition -eq ''Core'') { $platform = [System.Runtime.InteropServices.OSPlatform]; $l = $platform::Linux }'; Because = 'a type kept in a variable, in the Core branch' }
            @{ Script = '$l = [System.Collections.Generic.List[IntPtr]]::new(); $h = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::Ordinal); $b = [byte[]]::new(4)'; Because = 'generic and array types that 5.1 has' }
            @{ Script = "using namespace System.Collections.Generic`n`$s = [HashSet[string]]::new(); `$l = [List[IntPtr]]::new(4)"; Because = 'short generic names through using namespace' }
            @{ Script = '$o = [ordered]@{ a = 1 }; $p = [pscustomobject]@{ a = 1 }; $e = [Environment+SpecialFolder]::ApplicationData; $s = [string]::Join('','', [char]''x'')'; Because = 'accelerators, nested types, and a call that binds on 5.1 too' }
            @{ Script = 'function f { [CmdletBinding(SupportsShouldProcess, ConfirmImpact = ''High'')] [OutputType([string])] param([Parameter(Mandatory, Position = 0)][ValidateRange(1, 10)][ValidateSet(''a'', ''b'')][AllowNull()][int]$A) }'; Because = 'the attributes the module uses' }
        ) {
            $findings = Get-PlantedFinding -Script $Script
            Format-Finding $findings | Should -BeNullOrEmpty
        }
    }
}
