# The module's life in one pwsh process: a bare engine (Microsoft.PowerShell.Core only, no module auto-loading) is
# enough for it and it exports exactly its five commands; importing again keeps one module and the session;
# Import-Module -Force and Remove-Module end the native session; several runspaces stop concurrently, each with its
# own session. Ported from the xUnit LifecycleTests (hosted engine); here runspaces of this pwsh.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1" -Force
    $script:Manager = Start-DkvTestManager
    $null = Import-DkvTestModule
    $script:ModulePath = (Get-Module Clustron.Dkv).Path | Split-Path -Parent
    $script:Commands = @('Connect-DkvManager', 'Disconnect-DkvManager', 'Get-DkvStore', 'Restart-DkvStore', 'Start-DkvStore', 'Stop-DkvStore')

    function Get-DkvRow {
        # "manager-address instance RESULT" of the StopResult rows, sorted by instance.
        param([AllowNull()][object[]]$Output)
        @($Output | Where-Object { $null -ne $_ -and $_.PSObject.TypeNames -contains 'Clustron.Dkv.StopResult' } |
                Sort-Object Instance | ForEach-Object { "$($_.Manager) $($_.Instance) $($_.Result)" })
    }

    function Get-ExpectedRow {
        param([Parameter(Mandatory)][string[]]$Node)
        foreach ($pair in $Node) {
            $index, $name = $pair.Split(':')
            '{0} {1} SUCCESS' -f (Get-DkvTestAddress $script:Manager -Index ([int]$index)), $name
        }
    }

    function Assert-DkvRunClean {
        param([Parameter(Mandatory)][psobject]$Run)
        $Run.Terminating | Should -BeNullOrEmpty
        @($Run.Errors | ForEach-Object { "$($_.FullyQualifiedErrorId): $_" }) | Should -BeNullOrEmpty
    }

    $script:Connect = "`$null = Connect-DkvManager -Managers $($script:Manager.Hosts -join ',') -Port $($script:Manager.Port)"
    $script:Import = "Import-Module '$($script:ModulePath.Replace("'", "''"))'"
}

AfterAll {
    Stop-DkvTestManager $script:Manager
}

Describe 'A bare engine' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
    }

    It 'has only Microsoft.PowerShell.Core, and the module exports exactly its five commands and needs nothing more' {
        # InitialSessionState.CreateDefault2(): the engine's Core commands only; with module auto-loading off, a
        # command of Microsoft.PowerShell.Utility or .Management used by the module would fail here.
        $iss = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()
        $iss.Variables.Add([System.Management.Automation.Runspaces.SessionStateVariableEntry]::new('PSModuleAutoLoadingPreference', 'None', ''))
        $runspace = New-DkvTestRunspace -InitialSessionState $iss
        try {
            $run = Invoke-DkvTestRunspace -Runspace $runspace -Script (
                '@(Get-Module | ForEach-Object Name) -join ","; @(Get-Command -Module Clustron.Dkv | ForEach-Object Name) -join ","; ' +
                '@(Get-Command -CommandType Cmdlet | Where-Object { $_.ModuleName -ne "Microsoft.PowerShell.Core" }).Count')
            Assert-DkvRunClean $run
            $run.Output[0] | Should -BeExactly 'Clustron.Dkv'
            @($run.Output[1].Split(',') | Sort-Object) -join ',' | Should -BeExactly ($script:Commands -join ',')
            $run.Output[2] | Should -Be 0
            $utility = Invoke-DkvTestRunspace -Runspace $runspace -Script 'Get-Command Select-Object, Sort-Object, Write-Host, Get-Date, Test-Path, New-Object, ConvertFrom-Json -ErrorAction SilentlyContinue'
            $utility.Output | Should -BeNullOrEmpty

            # Every command, the verbose and error paths included, in that engine.
            $use = Invoke-DkvTestRunspace -Runspace $runspace -Script ($script:Connect + "`n" + @'
$stores = Get-DkvStore -Name OrdersStore, CartStore
$rows = Stop-DkvStore -Name OrdersStore -Verbose
$forced = Stop-DkvStore -Name CartStore -InstanceName cart-2 -Force
Disconnect-DkvManager -Verbose
$caught = $null
try { Stop-DkvStore -Name CartStore } catch { $caught = $_ }
@($stores).Count; @($rows).Count; @($forced).Count; $caught.FullyQualifiedErrorId; @(Get-Module | ForEach-Object Name) -join ','
'@)
            Assert-DkvRunClean $use
            $use.Verbose.Count | Should -BeGreaterThan 5
            $use.Output | Should -Be @(2, 3, 1, 'NoManagers,Stop-DkvStore', 'Clustron.Dkv')
            @((Get-DkvTestLog $script:Manager -Stops) | ForEach-Object StopInstance | Sort-Object) | Should -Be @('cart-2', 'orders-1', 'orders-2', 'orders-3')
        }
        finally { $runspace.Dispose() }
    }
}

Describe 'Importing again' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
        $script:Runspace = New-DkvTestRunspace -Manager $script:Manager
    }

    AfterEach {
        $script:Runspace.Dispose()
    }

    It 'Import-Module again keeps one module and its session' {
        $run = Invoke-DkvTestRunspace -Runspace $script:Runspace -Script "$($script:Import); @(Get-Module Clustron.Dkv).Count; Stop-DkvStore -Name CartStore"
        Assert-DkvRunClean $run
        $run.Output[0] | Should -Be 1
        Get-DkvRow $run.Output | Should -Be @(Get-ExpectedRow '0:cart-1', '1:cart-2')
    }

    It 'Import-Module -Force ends the old session (freed natively) and the new module works' {
        $run = Invoke-DkvTestRunspace -Runspace $script:Runspace -Script (@'
$old = Get-Module Clustron.Dkv
$before = & $old { $script:DkvSessionHandle -ne [IntPtr]::Zero }
'@ + "`n$($script:Import) -Force`n" + @'
$caught = $null
try { Stop-DkvStore -Name CartStore } catch { $caught = $_ }
$before; & $old { $script:DkvSessionHandle -eq [IntPtr]::Zero }; $caught.FullyQualifiedErrorId; @(Get-Module Clustron.Dkv).Count
'@)
        Assert-DkvRunClean $run
        $run.Output | Should -Be @($true, $true, 'NoManagers,Stop-DkvStore', 1)
        (Get-DkvTestLog $script:Manager -Stops).Count | Should -Be 0

        $again = Invoke-DkvTestRunspace -Runspace $script:Runspace -Script "$($script:Connect); Stop-DkvStore -Name CartStore"
        Assert-DkvRunClean $again
        Get-DkvRow $again.Output | Should -Be @(Get-ExpectedRow '0:cart-1', '1:cart-2')
        $live = Invoke-DkvTestRunspace -Runspace $script:Runspace -Script '$l = & (Get-Module Clustron.Dkv) { $script:DkvLive }; $l.Allocations; $l.Operations'
        $live.Output | Should -Be @(0, 0)
    }

    It 'Remove-Module frees the session and removes the commands; Import-Module then works' {
        $run = Invoke-DkvTestRunspace -Runspace $script:Runspace -Script (@'
$old = Get-Module Clustron.Dkv
& $old { $script:DkvSessionHandle -ne [IntPtr]::Zero }
Remove-Module Clustron.Dkv
& $old { $script:DkvSessionHandle -eq [IntPtr]::Zero }
@(Get-Command Stop-DkvStore -ErrorAction SilentlyContinue).Count
'@ + "`n$($script:Import)`n" + "Stop-DkvStore -Name CartStore -Managers '$((Get-DkvTestAddressList $script:Manager 2) -join "','")'")
        Assert-DkvRunClean $run
        $run.Output[0..2] | Should -Be @($true, $true, 0)
        Get-DkvRow $run.Output | Should -Be @(Get-ExpectedRow '0:cart-1', '1:cart-2')
    }
}

Describe 'Several runspaces' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
    }

    It 'stop concurrently, each with its own session' {
        $orders = New-DkvTestRunspace -Manager $script:Manager
        $carts = New-DkvTestRunspace
        $pipelines = @()
        try {
            Assert-DkvRunClean (Invoke-DkvTestRunspace -Runspace $carts -Script "`$null = Connect-DkvManager -Managers 127.0.0.11,127.0.0.12 -Port $($script:Manager.Port)")
            foreach ($pair in @(@($orders, 'Stop-DkvStore -Name OrdersStore -Parallel'), @($carts, 'Stop-DkvStore -Name CartStore'))) {
                $ps = [System.Management.Automation.PowerShell]::Create()
                $ps.Runspace = $pair[0]
                $null = $ps.AddScript($pair[1])
                $pipelines += [pscustomobject]@{ PowerShell = $ps; Pending = $ps.BeginInvoke() }
            }
            $results = foreach ($pipeline in $pipelines) {
                $pipeline.Pending.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(60)) | Should -BeTrue
                , @($pipeline.PowerShell.EndInvoke($pipeline.Pending))
                $pipeline.PowerShell.Streams.Error | Should -BeNullOrEmpty
            }
            Get-DkvRow $results[0] | Should -Be @(Get-ExpectedRow '0:orders-1', '1:orders-2', '2:orders-3')
            Get-DkvRow $results[1] | Should -Be @(Get-ExpectedRow '0:cart-1', '1:cart-2')

            # Sessions are per runspace: disconnecting one leaves the other connected.
            Assert-DkvRunClean (Invoke-DkvTestRunspace -Runspace $orders -Script 'Disconnect-DkvManager')
            Reset-DkvTestManager $script:Manager
            $still = Invoke-DkvTestRunspace -Runspace $carts -Script 'Stop-DkvStore -Name CartStore -InstanceName cart-1'
            Assert-DkvRunClean $still
            Get-DkvRow $still.Output | Should -Be @(Get-ExpectedRow '0:cart-1')
            $gone = Invoke-DkvTestRunspace -Runspace $orders -Script '$caught = $null; try { Stop-DkvStore -Name CartStore } catch { $caught = $_ }; $caught.FullyQualifiedErrorId'
            $gone.Output | Should -Be 'NoManagers,Stop-DkvStore'
            (Get-DkvTestLog $script:Manager -Stops).Count | Should -Be 1
        }
        finally {
            foreach ($pipeline in $pipelines) { $pipeline.PowerShell.Dispose() }
            $orders.Dispose()
            $carts.Dispose()
        }
    }

    It 'the session of this runspace is untouched by another runspace connecting and disconnecting' {
        $null = Connect-DkvManager -Managers 127.0.0.12 -Port $script:Manager.Port
        $other = New-DkvTestRunspace -Manager $script:Manager
        try {
            Assert-DkvRunClean (Invoke-DkvTestRunspace -Runspace $other -Script 'Disconnect-DkvManager')
        }
        finally { $other.Dispose() }
        $rows = Stop-DkvStore -Name CartStore -InstanceName cart-2
        "$($rows.Manager) $($rows.Result)" | Should -Be "$(Get-DkvTestAddress $script:Manager -Index 1) SUCCESS"
    }
}

Describe 'The assembled module (powershell/assemble.sh)' {
    It 'is one root module holding every source file in load order, with no Private or Public folder to dot-source' {
        $source = [System.IO.Path]::Combine((Get-DkvTestRepo), 'powershell', 'Clustron.Dkv')
        [System.IO.Directory]::Exists([System.IO.Path]::Combine($script:ModulePath, 'Private')) | Should -BeFalse
        [System.IO.Directory]::Exists([System.IO.Path]::Combine($script:ModulePath, 'Public')) | Should -BeFalse
        $root = [System.IO.File]::ReadAllText([System.IO.Path]::Combine($script:ModulePath, 'Clustron.Dkv.psm1'))
        $root | Should -Not -BeLike '*#region DkvSources*'
        $root | Should -Not -BeLike '*foreach ($file in $files) { . $file }*'
        $at = 0
        foreach ($folder in 'Private', 'Public') {
            $files = [System.IO.Directory]::GetFiles([System.IO.Path]::Combine($source, $folder), '*.ps1')
            [Array]::Sort($files, [System.StringComparer]::Ordinal)
            foreach ($file in $files) {
                $next = $root.IndexOf([System.IO.File]::ReadAllText($file), $at, [System.StringComparison]::Ordinal)
                $next | Should -BeGreaterThan $at -Because "$folder/$([System.IO.Path]::GetFileName($file)) is inlined after the files before it"
                $at = $next
            }
        }
    }

    It 'binds the native library on the first command, not at import' {
        $runspace = New-DkvTestRunspace
        try {
            $probe = '& (Get-Module Clustron.Dkv) { $null -eq $script:DkvNative }'
            $run = Invoke-DkvTestRunspace -Runspace $runspace -Script ($probe + "`n" + @"
`$null = Get-DkvStore -Name CartStore -Managers $(Get-DkvTestAddress $script:Manager -Index 0)
"@ + "`n" + $probe)
            Assert-DkvRunClean $run
            $run.Output | Should -Be @($true, $false)
        }
        finally { $runspace.Dispose() }
    }

    It 'imports without its library; each command then fails with one NativeLibraryNotFound record naming the paths tried and the fix' {
        $copy = [System.IO.Path]::Combine($TestDrive, 'NoLibrary', 'Clustron.Dkv')
        Copy-Item -Path $script:ModulePath -Destination $copy -Recurse
        Remove-Item -LiteralPath ([System.IO.Path]::Combine($copy, 'runtimes')) -Recurse -Force
        Clear-DkvTestLog $script:Manager
        $runspace = New-DkvTestRunspace -NoImport
        try {
            $import = Invoke-DkvTestRunspace -Runspace $runspace -Script (
                "Import-Module '$($copy.Replace("'", "''"))' -ErrorAction Stop; @(Get-Command -Module Clustron.Dkv).Count")
            Assert-DkvRunClean $import
            $manager = Get-DkvTestAddress $script:Manager -Index 0
            foreach ($command in "Get-DkvStore -Name CartStore -Managers $manager", "Stop-DkvStore -Name CartStore -Force -Managers $manager", "Connect-DkvManager -Managers $manager") {
                $run = Invoke-DkvTestRunspace -Runspace $runspace -Script (
                    '$Error.Clear(); try { ' + $command + ' -ErrorVariable ev } catch { }; $Error.Count; $ev.Count; $Error[0].FullyQualifiedErrorId; $Error[0].CategoryInfo.Category.ToString(); $Error[0].Exception.Message')
                $run.Output[0..3] | Should -Be @(1, 1, "NativeLibraryNotFound,$($command.Split(' ')[0])", 'ObjectNotFound') -Because $command
                $run.Output[4] | Should -BeLike '*cannot find its native library. Paths tried: *runtimes*powershell/assemble.sh*'
            }
            @(Get-DkvTestLog $script:Manager) | Should -BeNullOrEmpty
        }
        finally { $runspace.Dispose() }
    }

    It 'imports with a library that cannot load, and its first command fails with the loader''s reason, sending nothing' {
        # A copy of the module whose library is not a shared object: imported, refused on first use.
        $copy = [System.IO.Path]::Combine($TestDrive, 'Clustron.Dkv')
        Copy-Item -Path $script:ModulePath -Destination $copy -Recurse
        foreach ($library in Get-ChildItem -Path ([System.IO.Path]::Combine($copy, 'runtimes')) -Recurse -File) {
            [System.IO.File]::WriteAllText($library.FullName, 'not a shared library')
        }
        Clear-DkvTestLog $script:Manager
        $runspace = New-DkvTestRunspace -NoImport
        try {
            $import = Invoke-DkvTestRunspace -Runspace $runspace -Script (
                "Import-Module '$($copy.Replace("'", "''"))' -ErrorAction Stop; @(Get-Command -Module Clustron.Dkv).Count")
            Assert-DkvRunClean $import
            $import.Output | Should -Be @($script:Commands.Count)
            $run = Invoke-DkvTestRunspace -Runspace $runspace -Script (
                "Get-DkvStore -Name CartStore -Managers $(Get-DkvTestAddress $script:Manager -Index 0)")
            "$($run.Terminating) $($run.Errors -join ' ')" | Should -BeLike "*found its native library at*cannot load it*"
            $record = @($run.Errors) + @($run.Terminating.ErrorRecord) | Where-Object { $null -ne $_ } | Select-Object -First 1
            $record.FullyQualifiedErrorId | Should -Be 'NativeLibraryUnloadable,Get-DkvStore'
            @(Get-DkvTestLog $script:Manager) | Should -BeNullOrEmpty
        }
        finally { $runspace.Dispose() }
    }
}
