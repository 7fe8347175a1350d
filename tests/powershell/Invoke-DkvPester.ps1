<#
.SYNOPSIS
Runs the Clustron.Dkv Pester suite (tests/powershell/*.Tests.ps1) and ends with "pester: N passed, N failed".

.DESCRIPTION
Imports the pinned Pester from the NuGet package folder (restored by tests/powershell/run.sh from
tests/powershell/tools/Tools.csproj), runs the given test files (default: every *.Tests.ps1 beside this script),
writes NUnit XML results, and exits 0 only when nothing failed and at least one test ran.

.EXAMPLE
dotnet pwsh -NoProfile -File tests/powershell/Invoke-DkvPester.ps1 -Path tests/powershell/Stop-DkvStore.Tests.ps1
#>
[CmdletBinding()]
param(
    [string[]]$Path = @($PSScriptRoot),
    [string[]]$Tag = @(),
    [string[]]$ExcludeTag = @(),
    [string]$FullName = '',
    [string]$ResultFile = '',
    [string]$Label = 'pester',
    [ValidateSet('None', 'Normal', 'Detailed', 'Diagnostic')][string]$Output = 'Normal'
)
$ErrorActionPreference = 'Stop'
$pesterVersion = '5.7.1'
$packages = $env:NUGET_PACKAGES
if (-not $packages) { $packages = [System.IO.Path]::Combine([Environment]::GetFolderPath('UserProfile'), '.nuget', 'packages') }
$pester = [System.IO.Path]::Combine($packages, 'pester', $pesterVersion, 'tools', 'Pester.psd1')
if (-not [System.IO.File]::Exists($pester)) {
    Write-Output "Pester $pesterVersion is not restored ($pester): run 'dotnet restore tests/powershell/tools/Tools.csproj'."
    Write-Output "${Label}: 0 passed, 1 failed"
    exit 1
}
Import-Module $pester -RequiredVersion $pesterVersion

# From bash (-File) a list arrives as one comma-separated string.
$Path = @($Path | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
$Tag = @($Tag | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
$ExcludeTag = @($ExcludeTag | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
$configuration = New-PesterConfiguration
$configuration.Run.Path = $Path
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = $Output
if ($Tag.Count -gt 0) { $configuration.Filter.Tag = $Tag }
if ($ExcludeTag.Count -gt 0) { $configuration.Filter.ExcludeTag = $ExcludeTag }
if ($FullName) { $configuration.Filter.FullName = $FullName }
if ($ResultFile) {
    $configuration.TestResult.Enabled = $true
    $configuration.TestResult.OutputFormat = 'NUnitXml'
    $configuration.TestResult.OutputPath = $ResultFile
}
$result = Invoke-Pester -Configuration $configuration
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
Write-Output ('{0}: {1} passed, {2} failed, {3} skipped' -f $Label, $result.PassedCount, $failed, $result.SkippedCount)
if ($failed -gt 0 -or $result.PassedCount -eq 0) { exit 1 }
exit 0
