<#
.SYNOPSIS
The module in pwsh on Linux ARM64 (under qemu-aarch64, tests/arm64/pwsh.sh): it loads the linux-arm64 library by
the process architecture and stops and starts a node of the reference manager. Prints "ok   ..." or "FAIL ..."
per check; the caller counts them.

.EXAMPLE
qemu-aarch64 target/arm64/pwsh/app/pwsh -NoProfile -File tests/arm64/Smoke.ps1 -Module dist/Clustron.Dkv -Managers 127.0.0.11:7801,127.0.0.12:7801,127.0.0.13:7801
#>
param(
    [Parameter(Mandatory)][string]$Module,
    [Parameter(Mandatory)][string[]]$Managers
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$Managers = @($Managers | ForEach-Object { $_ -split ',' } | Where-Object { $_ })

function Test-Check([string]$Name, [scriptblock]$Check) {
    try {
        $detail = & $Check
        if ($detail -is [string] -and $detail.StartsWith('FAIL:')) { Write-Output "FAIL $Name ($($detail.Substring(5)))" }
        else { Write-Output "ok   $Name$(if ($detail) { " ($detail)" })" }
    }
    catch { Write-Output "FAIL $Name ($($_.Exception.Message))" }
}

Test-Check 'the process is ARM64' {
    $arch = [string][System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture
    if ($arch -ne 'Arm64') { "FAIL:ProcessArchitecture is $arch" } else { "pwsh $($PSVersionTable.PSVersion), $arch" }
}
Test-Check 'Import-Module' { $null = Import-Module $Module -PassThru; "Clustron.Dkv $((Get-Module Clustron.Dkv).Version)" }
Test-Check 'Get-DkvStore lists the three nodes of OrdersStore' {
    $store = Get-DkvStore -Name OrdersStore -Managers $Managers
    $names = @($store.Instances | ForEach-Object { "$($_.InstanceName) $($_.Status)" }) -join ', '
    if ($names -ne 'orders-1 Running, orders-2 Running, orders-3 Running') { "FAIL:$names" } else { $names }
}
Test-Check 'the library bound is runtimes/linux-arm64/native/libclustron_dkv.so' {
    $expected = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($Module, 'runtimes', 'linux-arm64', 'native', 'libclustron_dkv.so'))
    $bound = & (Get-Module Clustron.Dkv) { $null -ne $script:DkvNative; Resolve-DkvNativeLibrary -ModuleRoot $script:DkvModuleRoot }
    if (-not $bound[0]) { 'FAIL:no library bound after a command' }
    elseif ($bound[1] -ne $expected) { "FAIL:$($bound[1])" }
    else { $bound[1] }
}
Test-Check 'Stop-DkvStore stops orders-2, and only it' {
    $rows = @(Stop-DkvStore -Name OrdersStore -InstanceName orders-2 -Managers $Managers)
    $after = (Get-DkvStore -Name OrdersStore -Managers $Managers).Instances | ForEach-Object { "$($_.InstanceName) $($_.Status)" }
    $text = "$($rows[0].Instance) $($rows[0].Result); $($after -join ', ')"
    if ($rows.Count -ne 1 -or $text -ne 'orders-2 SUCCESS; orders-1 Running, orders-2 Stopped, orders-3 Running') { "FAIL:$text" } else { $text }
}
Test-Check 'Start-DkvStore starts it again' {
    $rows = @(Start-DkvStore -Name OrdersStore -InstanceName orders-2 -Managers $Managers)
    $after = (Get-DkvStore -Name OrdersStore -Managers $Managers).Instances | Where-Object InstanceName -EQ 'orders-2'
    $text = "$($rows[0].Instance) $($rows[0].Result); orders-2 $($after.Status)"
    if ($text -ne 'orders-2 SUCCESS; orders-2 Running') { "FAIL:$text" } else { $text }
}
