# The code paths the module takes only on Windows PowerShell 5.1 (Desktop edition), run in pwsh through the module's
# test switch $script:DkvAssumeDesktop (Private/NativeLibrary.ps1): the platform choice (Get-DkvNativeCandidatePath
# picks the Windows library there) and UTF-8 reading without Marshal.PtrToStringUTF8 (Read-DkvUtf8's byte loop).
# Line breakpoints on Read-DkvUtf8 prove which path each call took. Needs dist/Clustron.Dkv (cargo build --release;
# powershell/assemble.sh) and, for the calls through a manager, the reference manager (cargo build --example
# dkv-refmanager).

Describe 'Desktop-edition code paths, run in pwsh by the module''s switch' -Tag Windows {
    BeforeAll {
        $script:RepoRoot = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..'))
        Import-Module ([System.IO.Path]::Combine($PSScriptRoot, 'Support', 'DkvTest.psm1')) -Force
        $script:Module = Import-DkvTestModule

        # The lines of Read-DkvUtf8's two ways to decode, found by their text so edits elsewhere do not move them.
        # assemble.sh inlines Private/NativeMemory.ps1 into the root module: the breakpoints go there.
        $script:MemoryFile = [System.IO.Path]::Combine($script:Module.ModuleBase, 'Clustron.Dkv.psm1')
        $lines = [System.IO.File]::ReadAllLines($script:MemoryFile)
        $script:CoreLine = 1 + [Array]::FindIndex($lines, [Predicate[string]] { param($l) $l.Contains('::PtrToStringUTF8($Pointer)') })
        $script:FallbackLine = 1 + [Array]::FindIndex($lines, [Predicate[string]] { param($l) $l.Contains('[System.Text.Encoding]::UTF8.GetString($bytes)') })

        function Set-DkvAssumeDesktop {
            param([bool]$Value)
            & $script:Module { param($v) $script:DkvAssumeDesktop = $v } $Value
        }

        function Measure-DkvUtf8Path {
            # Runs $Action and returns @{ Output; Core; Fallback }: how often each way of Read-DkvUtf8 decoded a string.
            param([Parameter(Mandatory)][scriptblock]$Action)
            $hits = @{ Core = 0; Fallback = 0 }
            $breakpoints = @(
                Set-PSBreakpoint -Script $script:MemoryFile -Line $script:CoreLine -Action { $hits.Core++ }.GetNewClosure()
                Set-PSBreakpoint -Script $script:MemoryFile -Line $script:FallbackLine -Action { $hits.Fallback++ }.GetNewClosure()
            )
            try { $output = & $Action }
            finally { $breakpoints | Remove-PSBreakpoint }
            [pscustomobject]@{ Output = $output; Core = $hits.Core; Fallback = $hits.Fallback }
        }

        function Invoke-DkvUtf8RoundTrip {
            # Each text into native memory with New-DkvUtf8 and back with Read-DkvUtf8, in module scope.
            param([string[]]$Text)
            , @(& $script:Module {
                    param([string[]]$texts)
                    $scope = New-DkvNativeScope
                    try { foreach ($t in $texts) { Read-DkvUtf8 -Pointer (New-DkvUtf8 -Scope $scope -Text $t) } }
                    finally { Close-DkvNativeScope -Scope $scope }
                } $Text)
        }

        $script:Texts = @('plain ASCII', 'é', 'naïve café', '中文', '😀', 'mixed é 中文 😀 end', '')
    }

    AfterEach {
        Set-DkvAssumeDesktop $false
    }

    AfterAll {
        Get-Module Clustron.Dkv | Remove-Module -Force
    }

    Context 'The Desktop-path switch' {
        It 'is off after import, so pwsh takes its own paths' {
            & $script:Module { $script:DkvAssumeDesktop } | Should -BeFalse
        }

        It 'finds both of Read-DkvUtf8''s decoding lines in the imported module' {
            $script:CoreLine | Should -BeGreaterThan 0
            $script:FallbackLine | Should -BeGreaterThan $script:CoreLine
        }
    }

    Context 'Platform choice on the Desktop edition' {
        It 'picks runtimes/win-x64/native/clustron_dkv.dll (win-arm64 on Arm64) with the switch on' {
            Set-DkvAssumeDesktop $true
            $paths = @(& $script:Module { param($root) Get-DkvNativeCandidatePath -ModuleRoot $root } $script:Module.ModuleBase)
            $arch = if ([System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture -eq 'Arm64') { 'arm64' } else { 'x64' }
            $paths | Should -Be @([System.IO.Path]::GetFullPath([System.IO.Path]::Combine($script:Module.ModuleBase, 'runtimes', "win-$arch", 'native', 'clustron_dkv.dll')))
        }

        It 'picks this system''s library with the switch off' {
            $paths = @(& $script:Module { param($root) Get-DkvNativeCandidatePath -ModuleRoot $root } $script:Module.ModuleBase)
            $expected = if ($IsWindows) { 'clustron_dkv.dll' } elseif ($IsMacOS) { 'libclustron_dkv.dylib' } else { 'libclustron_dkv.so' }
            [System.IO.Path]::GetFileName($paths[0]) | Should -Be $expected
            if (-not $IsWindows) { $paths[0] | Should -Not -BeLike '*win-*' }
            # The library the module actually loaded is one of them.
            [System.IO.File]::Exists($paths[0]) -or ($paths.Count -gt 1 -and [System.IO.File]::Exists($paths[1])) | Should -BeTrue
        }
    }

    Context 'UTF-8 reading without PtrToStringUTF8 (the Desktop edition''s way)' {
        It 'round-trips ASCII, accents, CJK, emoji and the empty string with the switch on, by the byte loop' {
            Set-DkvAssumeDesktop $true
            $run = Measure-DkvUtf8Path { Invoke-DkvUtf8RoundTrip -Text $script:Texts }
            $run.Output | Should -Be $script:Texts
            $run.Output[-1] | Should -BeExactly ''
            $run.Fallback | Should -Be $script:Texts.Count
            $run.Core | Should -Be 0
        }

        It 'takes PtrToStringUTF8 with the switch off, and both ways agree' {
            $run = Measure-DkvUtf8Path { Invoke-DkvUtf8RoundTrip -Text $script:Texts }
            $run.Output | Should -Be $script:Texts
            $run.Core | Should -Be $script:Texts.Count
            $run.Fallback | Should -Be 0
        }

        It 'reads a NULL pointer as $null with the switch on' {
            Set-DkvAssumeDesktop $true
            & $script:Module { Read-DkvUtf8 -Pointer ([IntPtr]::Zero) } | Should -BeNullOrEmpty
            & $script:Module { $null -eq (Read-DkvUtf8 -Pointer ([IntPtr]::Zero)) } | Should -BeTrue
        }

        It 'reads the library''s own error text (non-ASCII) the same way on both paths' {
            $call = { try { Connect-DkvManager -Managers 'bücher-中文.example' -ErrorAction Stop; 'no error' } catch { $_.Exception.Message } }
            $core = Measure-DkvUtf8Path $call
            Set-DkvAssumeDesktop $true
            $desktop = Measure-DkvUtf8Path $call
            $desktop.Output | Should -BeLike "*'bücher-中文.example'*"
            $desktop.Output | Should -BeExactly $core.Output
            $desktop.Fallback | Should -BeGreaterThan 0
            $desktop.Core | Should -Be 0
            (Get-DkvLive).Allocations | Should -Be 0
        }
    }

    Context 'Get-DkvStore on the Desktop path against the demo manager' {
        BeforeAll {
            $script:DemoManager = Start-DkvTestManager
            $script:DemoAddresses = Get-DkvTestAddressList -Manager $script:DemoManager -Count 3
        }

        AfterAll {
            Stop-DkvTestManager -Manager $script:DemoManager
        }

        It 'Get-DkvStore reads the same store through the byte loop as through PtrToStringUTF8' {
            $core = Measure-DkvUtf8Path { Get-DkvStore -Name OrdersStore -Managers $script:DemoAddresses }
            Set-DkvAssumeDesktop $true
            $desktop = Measure-DkvUtf8Path { Get-DkvStore -Name OrdersStore -Managers $script:DemoAddresses }
            $desktop.Output.Name | Should -BeExactly 'OrdersStore'
            @($desktop.Output.Instances.InstanceName) | Should -Be @($core.Output.Instances.InstanceName)
            @($desktop.Output.Instances.Server) | Should -Be @($core.Output.Instances.Server)
            $desktop.Output.Manager | Should -Be $core.Output.Manager
            $core.Core | Should -BeGreaterThan 0
            $desktop.Fallback | Should -Be $core.Core
            $desktop.Core | Should -Be 0
        }

        It 'Get-DkvStore reports a missing non-ASCII store by its name' {
            Set-DkvAssumeDesktop $true
            $run = Measure-DkvUtf8Path {
                Get-DkvStore -Name 'nopé-店 😀' -Managers $script:DemoAddresses -ErrorAction SilentlyContinue -ErrorVariable failed
                $failed
            }
            @($run.Output).Count | Should -Be 1
            $run.Output[0].FullyQualifiedErrorId | Should -BeLike 'StoreNotFound,*'
            $run.Output[0].Exception.Message | Should -BeLike "*'nopé-店 😀'*"
            $run.Core | Should -Be 0
        }
    }

    # A layout of its own (non-ASCII names), so a manager of its own: OwnManager.
    Context 'Get-DkvStore and Stop-DkvStore on the Desktop path, with non-ASCII store and node names' -Tag OwnManager {
        BeforeAll {
            $layout = @{
                stores = @(
                    @{
                        name = 'Störe-中文'; partitions = 12; backups = 1
                        instances = @(
                            @{ name = 'nœud-1'; server = '127.0.0.11'; status = 'Running' }
                            @{ name = '节点-2 😀'; server = '127.0.0.12'; status = 'Running' }
                            @{ name = 'node-3'; server = '127.0.0.13'; status = 'Running' }
                        )
                    }
                )
            }
            $layoutFile = [System.IO.Path]::Combine($TestDrive, 'layout-non-ascii.json')
            [System.IO.File]::WriteAllText($layoutFile, ($layout | ConvertTo-Json -Depth 6), [System.Text.UTF8Encoding]::new($false))
            $script:Manager = Start-DkvTestManager -Layout $layoutFile
            $script:Addresses = Get-DkvTestAddressList -Manager $script:Manager -Count 3
        }

        AfterAll {
            Stop-DkvTestManager -Manager $script:Manager
        }

        It 'Get-DkvStore reads the store and node names through the byte loop' {
            Set-DkvAssumeDesktop $true
            $run = Measure-DkvUtf8Path { Get-DkvStore -Name 'Störe-中文' -Managers $script:Addresses }
            $store = $run.Output
            $store.Name | Should -BeExactly 'Störe-中文'
            @($store.Instances.InstanceName) | Should -Be @('nœud-1', '节点-2 😀', 'node-3')
            @($store.Instances.Store | Sort-Object -Unique) | Should -Be @('Störe-中文')
            $run.Fallback | Should -BeGreaterThan 0
            $run.Core | Should -Be 0
            (Get-DkvLive).Allocations | Should -Be 0
        }

        It 'Stop-DkvStore stops a non-ASCII node and reports its row through the byte loop' {
            Set-DkvAssumeDesktop $true
            $run = Measure-DkvUtf8Path { Stop-DkvStore -Name 'Störe-中文' -InstanceName '节点-2 😀' -Managers $script:Addresses -Force -Confirm:$false }
            $row = @($run.Output | Where-Object { $_.Instance -eq '节点-2 😀' })
            $row.Count | Should -Be 1
            $row[0].Result | Should -Be 'SUCCESS'
            $row[0].Store | Should -BeExactly 'Störe-中文'
            $run.Fallback | Should -BeGreaterThan 0
            $run.Core | Should -Be 0
            Get-DkvTestStatus -Manager $script:Manager -Store 'Störe-中文' -Instance '节点-2 😀' | Should -Be 'Stopped'
            $live = Get-DkvLive
            $live.Allocations | Should -Be 0
            $live.Operations | Should -Be 0
        }
    }
}
