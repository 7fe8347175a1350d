@{
    RootModule           = 'Clustron.Dkv.psm1'
    ModuleVersion        = '0.2.0'
    GUID                 = '7cfb184a-5bf3-4be9-a72a-1afa1b6fad07'
    Author               = 'Clustron DKV admin tooling'
    CompanyName          = 'Clustron'
    Copyright            = '(c) Clustron. All rights reserved.'
    Description          = 'Administers Clustron Distributed Key-Value (DKV) stores through their manager services: connect to managers, discover stores, stop, start and restart (rolling) stores and nodes safely.'
    # Desktop: Windows PowerShell 5.1 on 64-bit Windows (the win-x64 library); Core: pwsh 7 on Windows x64, Linux x64
    # and Linux ARM64. README.md ("What runs where") says how each is checked.
    CompatiblePSEditions = @('Desktop', 'Core')
    PowerShellVersion    = '5.1'
    FunctionsToExport    = @('Connect-DkvManager', 'Disconnect-DkvManager', 'Get-DkvStore', 'Restart-DkvStore', 'Start-DkvStore', 'Stop-DkvStore')
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    FormatsToProcess     = @('Clustron.Dkv.Format.ps1xml')
    PrivateData          = @{
        # What a repository shows before installing. A preview adds a Prerelease key here with its label, e.g.
        # preview1 (SemVer 1.0 labels, as PowerShellGet 2 reads them): powershell/package.sh --prerelease sets it in
        # the package's copy of this file.
        PSData = @{
            Tags         = @('Clustron', 'DKV', 'KeyValue', 'Admin', 'Cluster', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux')
            ReleaseNotes = @'
0.2.0: the first release as a package (Install-PSResource / Install-Module).
- New: Start-DkvStore; Restart-DkvStore (rolling restart, one node at a time); Get-DkvStore shows State, Safe and
  MigrationsPending.
- New: https on Windows (SChannel, the Windows certificate store); certificates issued for IP addresses verified.
- New: the Linux ARM64 library beside Windows x64 and Linux x64 in one package.
- Changed: -WhatIf and -Confirm show the plan (the manager each node goes to, or why it is skipped); -Confirm where
  nobody can answer is one ConfirmationUnavailable error before anything is sent.
- Changed: in Constrained Language Mode the import is refused with one error saying why and what to do.
Full history: CHANGELOG.md in the module folder.
'@
        }
    }
}
