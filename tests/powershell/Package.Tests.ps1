# The module as users get it (issue 21): the .nupkg powershell/package.sh makes from dist/Clustron.Dkv with
# Publish-PSResource, in a file repository, installed by PSResourceGet (Install-PSResource, Update-PSResource,
# Uninstall-PSResource) and by PowerShellGet 2 (Install-Module, the installer of Windows PowerShell 5.1), each in a
# pwsh of its own with a clean module path: HOME (so the user's module folder and the installers' repository
# lists) and PSModulePath in temporary folders, nothing of this machine's modules but pwsh's own. Then, in new
# processes as a user would: Import-Module by name, auto-loading by calling a command, a stop against the reference
# manager, two versions side by side with the newest loaded, files byte-identical after install and first use (a
# signed module must stay so), the refusal in Constrained Language Mode, and the library picked by process
# architecture (linux-arm64 on ARM64).

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1" -Force
    $script:Repo = Get-DkvTestRepo
    $script:Dist = Get-DkvTestModulePath
    $script:Manager = Start-DkvTestManager
    $script:Managers = (Get-DkvTestAddressList -Manager $script:Manager) -join ','
    $script:Work = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'dkv-package-' + [Guid]::NewGuid().ToString('N'))
    $script:Feed = [System.IO.Path]::Combine($script:Work, 'feed')
    $null = [System.IO.Directory]::CreateDirectory($script:Feed)

    # The version dist/ carries, and a newer one built from a copy (package.sh --version), as a later release.
    $manifest = Import-PowerShellDataFile ([System.IO.Path]::Combine($script:Dist, 'Clustron.Dkv.psd1'))
    $script:Manifest = $manifest
    $script:Version = [string]$manifest.ModuleVersion
    $v = [version]$script:Version
    $script:Newer = '{0}.{1}.{2}' -f $v.Major, $v.Minor, ($v.Build + 1)
    # --partial: a machine without the cross builds still tests the install path; which runtimes the package must
    # carry is its own test below (and run-all.sh packages without --partial).
    $script:PackageLog = & bash ([System.IO.Path]::Combine($script:Repo, 'powershell', 'package.sh')) --partial --out $script:Feed 2>&1
    if ($LASTEXITCODE -ne 0) { throw "package.sh failed: $($script:PackageLog -join "`n")" }
    $newerLog = & bash ([System.IO.Path]::Combine($script:Repo, 'powershell', 'package.sh')) --partial --out $script:Feed --version $script:Newer 2>&1
    if ($LASTEXITCODE -ne 0) { throw "package.sh --version $($script:Newer) failed: $($newerLog -join "`n")" }
    $script:Package = [System.IO.Path]::Combine($script:Feed, "Clustron.Dkv.$($script:Version).nupkg")

    function New-PackageHome {
        # A user with nothing installed: HOME (module folder, repository lists, caches) and PSModulePath's extra
        # folder both empty.
        param([Parameter(Mandatory)][string]$Name)
        $folder = [System.IO.Path]::Combine($script:Work, $Name)
        $null = [System.IO.Directory]::CreateDirectory([System.IO.Path]::Combine($folder, 'home'))
        $null = [System.IO.Directory]::CreateDirectory([System.IO.Path]::Combine($folder, 'modules'))
        $folder
    }

    function Invoke-PackagePwsh {
        <#
        Runs a script in a new pwsh whose HOME and PSModulePath are the given user's; returns @{ ExitCode; Output;
        Error; Result } where Result is the object the script wrote as one 'RESULT:' line of JSON (Emit below).
        #>
        param([Parameter(Mandatory)][string]$User, [Parameter(Mandatory)][string]$Script, [int]$TimeoutSec = 90)
        $command = Get-DkvTestPwsh
        $prologue = @(
            '$ErrorActionPreference = ''Stop''; $ProgressPreference = ''SilentlyContinue'''
            '$PSStyle.OutputRendering = ''PlainText''; $ErrorView = ''NormalView'''
            'function Emit($value) { [Console]::Out.WriteLine(''RESULT:'' + (ConvertTo-Json -InputObject $value -Compress -Depth 5)) }'
            "`$feed = '$($script:Feed)'; `$managers = '$($script:Managers)' -split ','"
        ) -join "`n"
        $file = [System.IO.Path]::Combine($script:Work, 'child-' + [Guid]::NewGuid().ToString('N') + '.ps1')
        [System.IO.File]::WriteAllText($file, $prologue + "`n" + $Script, [System.Text.UTF8Encoding]::new($false))
        $start = [System.Diagnostics.ProcessStartInfo]::new($command[0])
        foreach ($argument in @($command | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $file)) {
            $start.ArgumentList.Add($argument)
        }
        $start.UseShellExecute = $false
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $start.Environment['HOME'] = [System.IO.Path]::Combine($User, 'home')
        $start.Environment['PSModulePath'] = [System.IO.Path]::Combine($User, 'modules')
        foreach ($name in 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'NUGET_PACKAGES') { $null = $start.Environment.Remove($name) }
        $start.Environment['NO_COLOR'] = '1'
        $start.Environment['TERM'] = 'dumb'
        $start.Environment['POWERSHELL_TELEMETRY_OPTOUT'] = '1'
        $start.Environment['DOTNET_CLI_TELEMETRY_OPTOUT'] = '1'
        $process = [System.Diagnostics.Process]::Start($start)
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit($TimeoutSec * 1000)) {
            $process.Kill($true)
            throw "child pwsh did not finish within $TimeoutSec s: $($stdout.Result) $($stderr.Result)"
        }
        $line = @($stdout.Result -split "`r?`n" | Where-Object { $_.StartsWith('RESULT:') }) | Select-Object -Last 1
        $result = if ($line) { $line.Substring(7) | ConvertFrom-Json } else { $null }
        [pscustomobject]@{ ExitCode = $process.ExitCode; Output = $stdout.Result; Error = $stderr.Result; Result = $result }
    }

    function Get-FolderHash {
        # Relative path (with /) -> SHA-256 of every file under a folder, but the installer's own record.
        param([Parameter(Mandatory)][string]$Path)
        $hashes = @{}
        foreach ($file in [System.IO.Directory]::GetFiles($Path, '*', [System.IO.SearchOption]::AllDirectories)) {
            $relative = [System.IO.Path]::GetRelativePath($Path, $file).Replace('\', '/')
            if ($relative -eq 'PSGetModuleInfo.xml') { continue }
            $hashes[$relative] = (Get-FileHash -Algorithm SHA256 -LiteralPath $file).Hash
        }
        $hashes
    }

    function Get-PackageHash {
        # Relative path -> SHA-256 of the module's files in a .nupkg (not NuGet's own parts).
        param([Parameter(Mandatory)][string]$Path)
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [System.IO.Compression.ZipFile]::OpenRead($Path)
        try {
            $hashes = @{}
            foreach ($entry in $zip.Entries) {
                $name = [Uri]::UnescapeDataString($entry.FullName)
                if ($name -match '^(_rels/|package/)' -or $name -eq '[Content_Types].xml' -or $name -like '*.nuspec') { continue }
                $stream = $entry.Open()
                try { $hashes[$name] = [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($stream)) }
                finally { $stream.Dispose() }
            }
            $hashes
        }
        finally { $zip.Dispose() }
    }

    function Get-ElfMachine {
        # e_machine of an ELF file: 62 x86-64, 183 AArch64.
        param([Parameter(Mandatory)][string]$Path)
        $bytes = [System.IO.File]::ReadAllBytes($Path)
        [BitConverter]::ToUInt16($bytes, 18)
    }

    $script:RegisterPSResourceRepository = "Register-PSResourceRepository -Name DkvFeed -Uri `$feed -Trusted"
}

AfterAll {
    Stop-DkvTestManager $script:Manager
    try { [System.IO.Directory]::Delete($script:Work, $true) } catch { $null = $_ }
}

Describe 'powershell/package.sh' {
    It 'makes Clustron.Dkv.<version>.nupkg holding exactly the files of dist/Clustron.Dkv' {
        [System.IO.File]::Exists($script:Package) | Should -BeTrue -Because ($script:PackageLog -join "`n")
        $packaged = Get-PackageHash -Path $script:Package
        $dist = Get-FolderHash -Path $script:Dist
        @($packaged.Keys | Sort-Object) | Should -Be @($dist.Keys | Sort-Object)
        foreach ($name in $dist.Keys) { $packaged[$name] | Should -Be $dist[$name] -Because $name }
    }

    It 'shows in its nuspec what the manifest says: version, description, release notes, tags' {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [System.IO.Compression.ZipFile]::OpenRead($script:Package)
        try {
            $reader = [System.IO.StreamReader]::new(($zip.Entries | Where-Object FullName -EQ 'Clustron.Dkv.nuspec').Open())
            [xml]$nuspec = $reader.ReadToEnd()
            $reader.Dispose()
        }
        finally { $zip.Dispose() }
        $metadata = $nuspec.package.metadata
        $metadata.id | Should -Be 'Clustron.Dkv'
        $metadata.version | Should -Be $script:Version
        $metadata.description | Should -Be $script:Manifest.Description
        $metadata.releaseNotes.Trim() | Should -Be $script:Manifest.PrivateData.PSData.ReleaseNotes.Trim()
        $tags = $metadata.tags -split ' '
        foreach ($tag in $script:Manifest.PrivateData.PSData.Tags) { $tags | Should -Contain $tag }
    }

    It 'carries the native library of every platform the manifest''s editions are built for' {
        # Desktop is Windows PowerShell 5.1 (64-bit Windows); Core is pwsh on Windows x64, Linux x64 and Linux ARM64.
        # A package without one of them would not work on a platform it claims: build them (tests/windows/build-dll.sh,
        # tests/arm64/build.sh) and assemble again.
        $needed = @{
            Desktop = @('runtimes/win-x64/native/clustron_dkv.dll')
            Core    = @('runtimes/win-x64/native/clustron_dkv.dll', 'runtimes/linux-x64/native/libclustron_dkv.so',
                'runtimes/linux-arm64/native/libclustron_dkv.so')
        }
        $packaged = Get-PackageHash -Path $script:Package
        foreach ($edition in $script:Manifest.CompatiblePSEditions) {
            $needed.ContainsKey($edition) | Should -BeTrue -Because "the manifest names edition $edition"
            foreach ($file in $needed[$edition]) { $packaged.Keys | Should -Contain $file -Because "edition $edition needs it" }
        }
    }

    It 'refuses a --version that is not X.Y.Z and leaves nothing behind' {
        $out = [System.IO.Path]::Combine($script:Work, 'refused')
        $output = & bash ([System.IO.Path]::Combine($script:Repo, 'powershell', 'package.sh')) --partial --out $out --version 1.2 2>&1
        $LASTEXITCODE | Should -Be 2
        ($output -join "`n") | Should -Match "--version '1.2' is not X.Y.Z"
        [System.IO.Directory]::Exists($out) | Should -BeFalse
    }
}

Describe 'Installed with PSResourceGet (Install-PSResource, Update-PSResource, Uninstall-PSResource)' {
    BeforeAll {
        $script:User = New-PackageHome -Name 'psresourceget'
        $script:Installed = [System.IO.Path]::Combine($script:User, 'home', '.local', 'share', 'powershell', 'Modules', 'Clustron.Dkv')
        $script:Install = Invoke-PackagePwsh -User $script:User -Script @"
$script:RegisterPSResourceRepository
Install-PSResource -Name Clustron.Dkv -Repository DkvFeed -Version '$($script:Version)'
Emit @(Get-InstalledPSResource -Name Clustron.Dkv | ForEach-Object { @{ Version = [string]`$_.Version; Location = `$_.InstalledLocation } })
"@
        $script:AfterInstall = if ([System.IO.Directory]::Exists([System.IO.Path]::Combine($script:Installed, $script:Version))) {
            Get-FolderHash -Path ([System.IO.Path]::Combine($script:Installed, $script:Version))
        }
    }

    It 'Install-PSResource installs the package into the user''s module folder, one folder per version' {
        $script:Install.ExitCode | Should -Be 0 -Because $script:Install.Error
        @($script:Install.Result).Count | Should -Be 1
        $script:Install.Result[0].Version | Should -Be $script:Version
        [System.IO.File]::Exists([System.IO.Path]::Combine($script:Installed, $script:Version, 'Clustron.Dkv.psd1')) | Should -BeTrue
    }

    It 'installs the package''s files as they are' {
        $script:AfterInstall | Should -Not -BeNullOrEmpty
        $packaged = Get-PackageHash -Path $script:Package
        @($script:AfterInstall.Keys | Sort-Object) | Should -Be @($packaged.Keys | Sort-Object)
        foreach ($name in $packaged.Keys) { $script:AfterInstall[$name] | Should -Be $packaged[$name] -Because $name }
    }

    It 'Import-Module Clustron.Dkv by name in a new process loads it, and a stop goes through its library' {
        Reset-DkvTestManager -Manager $script:Manager
        $run = Invoke-PackagePwsh -User $script:User -Script @'
Import-Module Clustron.Dkv
$module = Get-Module Clustron.Dkv
$rows = @(Stop-DkvStore -Name OrdersStore -InstanceName orders-1 -Managers $managers)
Emit @{ Version = [string]$module.Version; Base = $module.ModuleBase; Commands = @($module.ExportedFunctions.Keys | Sort-Object)
    Rows = @($rows | Where-Object { $_.PSObject.TypeNames -contains 'Clustron.Dkv.StopResult' } |
        ForEach-Object { @{ Instance = $_.Instance; Result = [string]$_.Result } }) }
'@
        $run.ExitCode | Should -Be 0 -Because $run.Error
        $run.Result.Version | Should -Be $script:Version
        $run.Result.Base | Should -Be ([System.IO.Path]::Combine($script:Installed, $script:Version))
        $run.Result.Commands | Should -Be @($script:Manifest.FunctionsToExport | Sort-Object)
        @($run.Result.Rows).Count | Should -Be 1
        $run.Result.Rows[0].Instance | Should -Be 'orders-1'
        $run.Result.Rows[0].Result | Should -Be 'SUCCESS'
        Get-DkvTestStatus -Manager $script:Manager -Instance orders-1 | Should -Be 'Stopped'
    }

    It 'loads itself when a command is called (auto-loading), with no Import-Module' {
        Reset-DkvTestManager -Manager $script:Manager
        $run = Invoke-PackagePwsh -User $script:User -Script @'
$before = @(Get-Module Clustron.Dkv).Count
$store = Get-DkvStore -Name OrdersStore -Managers $managers
Emit @{ Before = $before; Base = (Get-Module Clustron.Dkv).ModuleBase; Name = $store.Name; Instances = @($store.Instances).Count }
'@
        $run.ExitCode | Should -Be 0 -Because $run.Error
        $run.Result.Before | Should -Be 0
        $run.Result.Base | Should -Be ([System.IO.Path]::Combine($script:Installed, $script:Version))
        $run.Result.Name | Should -Be 'OrdersStore'
        $run.Result.Instances | Should -Be 3
    }

    It 'leaves every file byte-identical after install and first use (nothing writes into the module folder)' {
        $now = Get-FolderHash -Path ([System.IO.Path]::Combine($script:Installed, $script:Version))
        @($now.Keys | Sort-Object) | Should -Be @($script:AfterInstall.Keys | Sort-Object)
        foreach ($name in $now.Keys) { $now[$name] | Should -Be $script:AfterInstall[$name] -Because $name }
    }

    It 'Update-PSResource installs the newer version beside the first, and the newest loads' {
        $update = Invoke-PackagePwsh -User $script:User -Script @'
Update-PSResource -Name Clustron.Dkv -Repository DkvFeed
Emit @(Get-InstalledPSResource -Name Clustron.Dkv | ForEach-Object { [string]$_.Version } | Sort-Object)
'@
        $update.ExitCode | Should -Be 0 -Because $update.Error
        @($update.Result) | Should -Be @($script:Version, $script:Newer)
        $run = Invoke-PackagePwsh -User $script:User -Script @"
Import-Module Clustron.Dkv
`$newest = Get-Module Clustron.Dkv
Remove-Module Clustron.Dkv
Import-Module Clustron.Dkv -RequiredVersion '$($script:Version)'
`$first = Get-Module Clustron.Dkv
Emit @{ Newest = [string]`$newest.Version; NewestBase = `$newest.ModuleBase; First = [string]`$first.Version
    Available = @(Get-Module -ListAvailable Clustron.Dkv | ForEach-Object { [string]`$_.Version } | Sort-Object) }
"@
        $run.ExitCode | Should -Be 0 -Because $run.Error
        $run.Result.Newest | Should -Be $script:Newer
        $run.Result.NewestBase | Should -Be ([System.IO.Path]::Combine($script:Installed, $script:Newer))
        $run.Result.First | Should -Be $script:Version
        @($run.Result.Available) | Should -Be @($script:Version, $script:Newer)
    }

    It 'Uninstall-PSResource removes one version, then the other, and the module is gone' {
        $run = Invoke-PackagePwsh -User $script:User -Script @"
Uninstall-PSResource -Name Clustron.Dkv -Version '$($script:Newer)'
`$left = @(Get-Module -ListAvailable Clustron.Dkv | ForEach-Object { [string]`$_.Version })
Uninstall-PSResource -Name Clustron.Dkv
Emit @{ Left = `$left; After = @(Get-Module -ListAvailable Clustron.Dkv).Count }
"@
        $run.ExitCode | Should -Be 0 -Because $run.Error
        @($run.Result.Left) | Should -Be @($script:Version)
        $run.Result.After | Should -Be 0
        [System.IO.Directory]::Exists([System.IO.Path]::Combine($script:Installed, $script:Newer)) | Should -BeFalse
        [System.IO.Directory]::Exists([System.IO.Path]::Combine($script:Installed, $script:Version)) | Should -BeFalse
    }
}

Describe 'A preview (package.sh --prerelease)' {
    It 'is versioned X.Y.Z-label, installs only when asked for with -Prerelease, and says so in its manifest' {
        $feed = [System.IO.Path]::Combine($script:Work, 'preview-feed')
        $log = & bash ([System.IO.Path]::Combine($script:Repo, 'powershell', 'package.sh')) --partial --out $feed --version 9.0.0 --prerelease preview1 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($log -join "`n")
        [System.IO.File]::Exists([System.IO.Path]::Combine($feed, 'Clustron.Dkv.9.0.0-preview1.nupkg')) | Should -BeTrue -Because ($log -join "`n")
        $user = New-PackageHome -Name 'preview'
        $run = Invoke-PackagePwsh -User $user -Script @"
Register-PSResourceRepository -Name DkvPreview -Uri '$feed' -Trusted
`$ErrorActionPreference = 'Continue'
Install-PSResource -Name Clustron.Dkv -Repository DkvPreview -ErrorVariable refused 2>`$null
`$withoutFlag = @(Get-InstalledPSResource -Name Clustron.Dkv -ErrorAction SilentlyContinue).Count
`$ErrorActionPreference = 'Stop'
Install-PSResource -Name Clustron.Dkv -Repository DkvPreview -Prerelease
`$installed = Get-InstalledPSResource -Name Clustron.Dkv
Import-Module Clustron.Dkv
`$module = Get-Module Clustron.Dkv
Emit @{ WithoutFlag = `$withoutFlag; Refused = @(`$refused).Count; Installed = [string]`$installed.Version; Label = `$installed.Prerelease
    Loaded = [string]`$module.Version; ManifestLabel = `$module.PrivateData.PSData.Prerelease }
"@
        $run.ExitCode | Should -Be 0 -Because $run.Error
        $run.Result.WithoutFlag | Should -Be 0
        $run.Result.Refused | Should -BeGreaterThan 0 -Because 'Install-PSResource without -Prerelease finds no release version'
        $run.Result.Installed | Should -Be '9.0.0'
        $run.Result.Label | Should -Be 'preview1'
        $run.Result.Loaded | Should -Be '9.0.0'
        $run.Result.ManifestLabel | Should -Be 'preview1'
    }

    It 'refuses a label PowerShellGet 2 could not read' {
        $output = & bash ([System.IO.Path]::Combine($script:Repo, 'powershell', 'package.sh')) --partial --out $script:Work --prerelease 'rc.1' 2>&1
        $LASTEXITCODE | Should -Be 2
        ($output -join "`n") | Should -Match "--prerelease 'rc.1' must be letters then letters or digits"
    }
}

Describe 'Installed with PowerShellGet 2 (Install-Module, as Windows PowerShell 5.1 installs)' {
    It 'Install-Module from the same file repository installs a module that imports and works' {
        $user = New-PackageHome -Name 'powershellget2'
        $install = Invoke-PackagePwsh -User $user -Script @"
Import-Module PowerShellGet -RequiredVersion 2.2.5
Register-PSRepository -Name DkvFeed -SourceLocation `$feed -InstallationPolicy Trusted
Install-Module -Name Clustron.Dkv -Repository DkvFeed -Scope CurrentUser
Emit @(Get-InstalledModule -Name Clustron.Dkv | ForEach-Object { [string]`$_.Version })
"@
        $install.ExitCode | Should -Be 0 -Because "$($install.Output) $($install.Error)"
        @($install.Result) | Should -Be @($script:Newer) -Because 'Install-Module takes the newest version in the repository'
        Reset-DkvTestManager -Manager $script:Manager
        $run = Invoke-PackagePwsh -User $user -Script @'
Import-Module Clustron.Dkv
$store = Get-DkvStore -Name OrdersStore -Managers $managers
Emit @{ Version = [string](Get-Module Clustron.Dkv).Version; Base = (Get-Module Clustron.Dkv).ModuleBase; Name = $store.Name }
'@
        $run.ExitCode | Should -Be 0 -Because $run.Error
        $run.Result.Version | Should -Be $script:Newer
        $run.Result.Base | Should -BeLike "$user*"
        $run.Result.Name | Should -Be 'OrdersStore'
    }
}

Describe 'Constrained Language Mode' {
    It 'refuses the import once, saying why and what to do, and loads nothing' {
        $user = New-PackageHome -Name 'clm'
        $run = Invoke-PackagePwsh -User $user -Script @"
`$ErrorActionPreference = 'Continue'
`$ExecutionContext.SessionState.LanguageMode = 'ConstrainedLanguage'
Import-Module '$($script:Dist)'
Emit @{ Mode = [string]`$ExecutionContext.SessionState.LanguageMode; Errors = `$Error.Count; Loaded = @(Get-Module Clustron.Dkv).Count
    Message = [string]`$Error[0].Exception.Message }
"@
        $run.Result.Mode | Should -Be 'ConstrainedLanguage'
        $run.Result.Errors | Should -Be 1 -Because $run.Error
        $run.Result.Loaded | Should -Be 0
        $run.Result.Message | Should -Match '^Clustron\.Dkv cannot run in ConstrainedLanguage mode'
        $run.Result.Message | Should -Match 'Reflection\.Emit'
        $run.Result.Message | Should -Match 'Sign the module''s files'
        $run.Result.Message | Should -Match ([regex]::Escape("have its folder allowed ($($script:Dist))"))
        $run.Error | Should -Not -Match 'Cannot create type'
    }

    It 'fails a command that would auto-load the module without running any of its code' {
        $user = New-PackageHome -Name 'clm-autoload'
        $run = Invoke-PackagePwsh -User $user -Script @"
`$ErrorActionPreference = 'Continue'
`$env:PSModulePath = '$([System.IO.Path]::GetDirectoryName($script:Dist))' + [System.IO.Path]::PathSeparator + `$env:PSModulePath
`$ExecutionContext.SessionState.LanguageMode = 'ConstrainedLanguage'
Get-DkvStore -Name OrdersStore -Managers `$managers
Import-Module Clustron.Dkv
Emit @{ Loaded = @(Get-Module Clustron.Dkv).Count; Ids = @(`$Error | ForEach-Object { [string]`$_.FullyQualifiedErrorId })
    Messages = @(`$Error | ForEach-Object { [string]`$_ }) }
"@
        $run.Result.Loaded | Should -Be 0
        # The engine's auto-loading error quotes the import's (and records the import's own too).
        $run.Result.Ids | Should -Contain 'CouldNotAutoloadMatchingModule'
        foreach ($message in $run.Result.Messages) { $message | Should -Match 'Clustron\.Dkv cannot run in ConstrainedLanguage mode' }
        $run.Error | Should -Not -Match 'Cannot create type|Resolve-Dkv|Get-DkvNative'
    }
}

Describe 'The native library for the process architecture' {
    BeforeAll {
        $null = Import-DkvTestModule
        $script:Runtimes = [System.IO.Path]::Combine($script:Dist, 'runtimes')
    }

    It 'picks runtimes/linux-arm64 for an ARM64 process, and that file is an AArch64 library' {
        $path = & (Get-Module Clustron.Dkv) { Get-DkvNativeCandidatePath -ModuleRoot $args[0] -ProcessArchitecture Arm64 } $script:Dist
        $path | Should -Be ([System.IO.Path]::Combine($script:Runtimes, 'linux-arm64', 'native', 'libclustron_dkv.so'))
        [System.IO.File]::Exists($path) | Should -BeTrue -Because 'dist/ carries the linux-arm64 library (tests/arm64/build.sh, then assemble.sh)'
        Get-ElfMachine -Path $path | Should -Be 183
    }

    It 'picks runtimes/linux-x64 for an X64 process, as this one is, and that file is an x86-64 library' {
        $module = Get-Module Clustron.Dkv
        $x64 = & $module { Get-DkvNativeCandidatePath -ModuleRoot $args[0] -ProcessArchitecture X64 } $script:Dist
        $own = & $module { Get-DkvNativeCandidatePath -ModuleRoot $args[0] } $script:Dist
        [string][System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture | Should -Be 'X64'
        $x64 | Should -Be ([System.IO.Path]::Combine($script:Runtimes, 'linux-x64', 'native', 'libclustron_dkv.so'))
        $own | Should -Be $x64 -Because 'without -ProcessArchitecture the module asks the process'
        Get-ElfMachine -Path $x64 | Should -Be 62
    }

    It 'picks runtimes/win-arm64 for ARM64 Windows PowerShell, which is not built: the error names the path' {
        $module = Get-Module Clustron.Dkv
        $path = & $module {
            $script:DkvAssumeDesktop = $true
            try { Get-DkvNativeCandidatePath -ModuleRoot $args[0] -ProcessArchitecture Arm64 }
            finally { $script:DkvAssumeDesktop = $false }
        } $script:Dist
        $path | Should -Be ([System.IO.Path]::Combine($script:Runtimes, 'win-arm64', 'native', 'clustron_dkv.dll'))
        [System.IO.File]::Exists($path) | Should -BeFalse -Because 'Windows on ARM is not built here (README: What runs where)'
    }
}
