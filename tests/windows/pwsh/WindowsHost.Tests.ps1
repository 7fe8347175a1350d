# The Wine pass's own checks (tests/windows/pwsh.sh runs this file with tests/powershell): that the suite really ran
# in pwsh on Windows .NET with the module's win-x64 DLL, in a pwsh laid out as pwsh ships, and that a child pwsh
# (what the ChildProcess tests start) works under Wine.

BeforeAll {
    $repo = $env:DKV_TEST_REPO
    Import-Module ([System.IO.Path]::Combine($repo, 'tests', 'powershell', 'Support', 'DkvTest.psm1')) -Force
    $script:Manager = Start-DkvTestManager
    $script:Module = Import-DkvTestModule
}

AfterAll {
    Disconnect-DkvManager
    Stop-DkvTestManager $script:Manager
}

Describe 'pwsh on Windows .NET under Wine' -Tag Windows {
    It 'is pwsh 7.6.9 (Core) on Windows' {
        [Environment]::OSVersion.Platform | Should -Be 'Win32NT'
        $IsWindows | Should -BeTrue
        $PSVersionTable.PSEdition | Should -Be 'Core'
        $PSVersionTable.PSVersion.ToString() | Should -Be '7.6.9'
        [System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier | Should -Be 'win-x64'
    }

    It 'has the built-in modules in $PSHOME/Modules, without CimCmdlets' {
        $modules = @(Get-ChildItem -Directory ([System.IO.Path]::Combine($PSHOME, 'Modules')) | ForEach-Object Name)
        $modules | Should -Contain 'Microsoft.PowerShell.Utility'
        $modules | Should -Contain 'Microsoft.PowerShell.Management'
        $modules | Should -Not -Contain 'CimCmdlets'
    }

    It 'runs under the execution policy pwsh ships with on Windows (RemoteSigned)' {
        Get-ExecutionPolicy | Should -Be 'RemoteSigned'
    }

    It 'carries none of the binaries under Microsoft''s own license terms' {
        $names = @(Get-ChildItem -Recurse -File $PSHOME | ForEach-Object { $_.Name.ToLowerInvariant() })
        foreach ($binary in 'microsoft.management.infrastructure.native.dll', 'microsoft.management.infrastructure.native.unmanaged.dll', 'mi.dll', 'miutils.dll', 'sni.dll') {
            $names | Should -Not -Contain $binary
        }
    }

    It 'loads the module''s runtimes/win-x64/native/clustron_dkv.dll' {
        $path = & $script:Module { param($root) Resolve-DkvNativeLibrary -ModuleRoot $root } $script:Module.ModuleBase
        $path | Should -Be ([System.IO.Path]::Combine($script:Module.ModuleBase, 'runtimes', 'win-x64', 'native', 'clustron_dkv.dll'))
        Connect-DkvManager -Managers (Get-DkvTestAddressList -Manager $script:Manager) | Out-Null
        $loaded = @([System.Diagnostics.Process]::GetCurrentProcess().Modules | Where-Object ModuleName -Like 'clustron_dkv*')
        $loaded.Count | Should -Be 1
        $loaded[0].FileName | Should -Be $path
    }

    It 'stops OrdersStore through the Linux reference manager: three SUCCESS rows' {
        Reset-DkvTestManager -Manager $script:Manager
        $rows = @(Stop-DkvStore -Name OrdersStore -Managers (Get-DkvTestAddressList -Manager $script:Manager) -Confirm:$false)
        $rows.Count | Should -Be 3
        @($rows.Result) | Should -Be @('SUCCESS', 'SUCCESS', 'SUCCESS')
        (Get-DkvLive).Allocations | Should -Be 0
    }

    It 'starts a child pwsh (this pwsh.exe) whose output and exit code come back' {
        $child = Invoke-DkvChildPwsh -NoImport -Script 'Write-Output "child on $([Environment]::OSVersion.Platform)"; [Console]::Error.WriteLine(''to stderr''); exit 3'
        $child.ExitCode | Should -Be 3
        $child.Output.Trim() | Should -BeExactly 'child on Win32NT'
        $child.Error.Trim() | Should -BeExactly 'to stderr'
    }
}
