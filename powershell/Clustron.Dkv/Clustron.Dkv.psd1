@{
    RootModule           = 'Clustron.Dkv.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '7cfb184a-5bf3-4be9-a72a-1afa1b6fad07'
    Author               = 'Clustron DKV admin tooling'
    CompanyName          = 'Clustron'
    Copyright            = '(c) Clustron. All rights reserved.'
    Description          = 'Administers Clustron Distributed Key-Value (DKV) stores through their manager services: connect to managers, discover stores, stop, start and restart (rolling) stores and nodes safely.'
    CompatiblePSEditions = @('Desktop', 'Core')
    PowerShellVersion    = '5.1'
    FunctionsToExport    = @('Connect-DkvManager', 'Disconnect-DkvManager', 'Get-DkvStore', 'Restart-DkvStore', 'Start-DkvStore', 'Stop-DkvStore')
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    FormatsToProcess     = @('Clustron.Dkv.Format.ps1xml')
    PrivateData          = @{
        PSData = @{
            Tags = @('Clustron', 'DKV', 'KeyValue', 'Admin')
        }
    }
}
