# Connect-DkvManager: its parameters, validation refused before anything is sent, the defaults (port 7801, 30 s) as
# the session object shows them, the session the other commands then use, and Get-Help. Ported from the xUnit
# ParameterTests and HelpTests (credentials and -SkipCertificateCheck: Security.Tests.ps1).

BeforeDiscovery {
    $script:InvalidValues = @(
        @{ Command = 'Connect-DkvManager -Managers 127.0.0.11 -Port 0'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Connect-DkvManager -Managers 127.0.0.11 -Port 65536'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Connect-DkvManager -Managers 127.0.0.11 -TimeoutSec 0'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Connect-DkvManager -Managers 127.0.0.11 -TimeoutSec -1'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Connect-DkvManager -Managers 127.0.0.11 -TimeoutSec 86401'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Connect-DkvManager -Managers @()'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = "Connect-DkvManager -Managers ''"; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Connect-DkvManager -Managers 127.0.0.11 -Port abc'; ErrorId = 'ParameterArgumentTransformationError' }
    )
    $script:BadAddresses = @(
        @{ Address = 'http://127.0.0.11:{port}/admin' }
        @{ Address = 'http://127.0.0.11:{port}/?x=1' }
        @{ Address = '127.0.0.11:0' }
        @{ Address = '127.0.0.11:65536' }
        @{ Address = '127.0.0.11:port' }
        @{ Address = 'user@127.0.0.11' }
        @{ Address = 'http://' }
        @{ Address = 'ftp://127.0.0.11' }
    )
}

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1" -Force
    $script:Manager = Start-DkvTestManager
    $null = Import-DkvTestModule

    $script:CommonParameters = @('Verbose', 'Debug', 'ErrorAction', 'WarningAction', 'InformationAction', 'ProgressAction',
        'ErrorVariable', 'WarningVariable', 'InformationVariable', 'OutVariable', 'OutBuffer', 'PipelineVariable')

    function Invoke-Refused {
        # Runs the command text in try/catch; it must be refused (terminating), with nothing after it run, exactly
        # one ErrorRecord in $Error, no request sent and no session made. Returns the caught record.
        param([Parameter(Mandatory)][string]$Command, [Parameter(Mandatory)][string]$ErrorIdPrefix)
        $Error.Clear()
        $caught = $null
        $output = @(try { & ([scriptblock]::Create($Command + "`n'not refused'")) } catch { $caught = $_ })
        $caught | Should -Not -BeNullOrEmpty -Because "'$Command' must be refused"
        $output | Should -Not -Contain 'not refused'
        $caught.FullyQualifiedErrorId | Should -BeLike "$ErrorIdPrefix*"
        $caught.FullyQualifiedErrorId | Should -BeLike '*,Connect-DkvManager'
        $Error.Count | Should -Be 1
        (Get-DkvTestLog -Manager $script:Manager).Count | Should -Be 0 -Because 'nothing may be sent for a refused command'
        $caught
    }

    function Assert-NoSession {
        # Without a session (and without -Managers) the other commands terminate with NoManagers.
        $caught = $null
        try { $null = Stop-DkvStore -Name OrdersStore } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -Be 'NoManagers,Stop-DkvStore'
    }
}

AfterAll {
    Stop-DkvTestManager $script:Manager
}

Describe 'Connect-DkvManager' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
    }

    Context 'Parameters' {
        It 'has -Managers (mandatory), -Port and -TimeoutSec with the reference types' {
            $parameters = (Get-Command Connect-DkvManager).Parameters
            $expected = [ordered]@{ Managers = 'String[]'; Port = 'Int32'; TimeoutSec = 'Int32'; SkipCertificateCheck = 'SwitchParameter' }
            foreach ($name in $expected.Keys) {
                $parameters.ContainsKey($name) | Should -BeTrue -Because "Connect-DkvManager needs -$name"
                $parameters[$name].ParameterType.Name | Should -Be $expected[$name] -Because "-$name's type"
                $mandatory = @($parameters[$name].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] } |
                        ForEach-Object { $_.Mandatory }) -contains $true
                $mandatory | Should -Be ($name -eq 'Managers') -Because "-$name's Mandatory"
            }
        }

        It 'defaults to port 7801 and 30 seconds, as the session object shows' {
            $session = Connect-DkvManager -Managers 127.0.0.11, 127.0.0.12
            $session.PSObject.TypeNames | Should -Contain 'Clustron.Dkv.Session'
            $session.Port | Should -Be 7801
            $session.TimeoutSec | Should -Be 30
            @($session.Managers) | Should -Be @('http://127.0.0.11:7801', 'http://127.0.0.12:7801')
            $session.Authentication | Should -Be 'Anonymous'
            $session.SkipCertificateCheck | Should -BeFalse
        }

        It 'normalizes the addresses, and a port in the address wins over -Port' {
            $session = Connect-DkvManager -Managers '127.0.0.11', '127.0.0.12:7900', 'https://mgr-a.example' -Port 7811 -TimeoutSec 120
            @($session.Managers) | Should -Be @('http://127.0.0.11:7811', 'http://127.0.0.12:7900', 'https://mgr-a.example:7811')
            $session.Port | Should -Be 7811
            $session.TimeoutSec | Should -Be 120
        }

        It 'sends nothing: a manager that is down now is not an error' {
            $session = Connect-DkvManager -Managers 127.0.0.19 -Port 1
            @($session.Managers) | Should -Be @('http://127.0.0.19:1')
            (Get-DkvTestLog -Manager $script:Manager).Count | Should -Be 0
        }

        It '<Command> is refused by parameter binding (<ErrorId>) before anything is sent' -ForEach $script:InvalidValues {
            $null = Invoke-Refused -Command $Command -ErrorIdPrefix $ErrorId
            Assert-NoSession
        }

        It 'the bad manager address <Address> is refused, naming it, and no session is made' -ForEach $script:BadAddresses {
            $bad = $Address.Replace('{port}', [string]$script:Manager.Port)
            $good = Get-DkvTestAddress -Manager $script:Manager -Index 1
            $record = Invoke-Refused -Command "Connect-DkvManager -Managers '$good','$bad'" -ErrorIdPrefix 'InvalidManagerAddress,'
            $record.FullyQualifiedErrorId | Should -Be 'InvalidManagerAddress,Connect-DkvManager'
            $record.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $record.Exception.Message | Should -BeLike "*$([WildcardPattern]::Escape($bad))*"
            Assert-NoSession
        }
    }

    Context 'The session' {
        It 'is what Stop-DkvStore and Get-DkvStore use: its managers, port and timeout' {
            $null = Connect-DkvManager -Managers 127.0.0.11, 127.0.0.12 -Port $script:Manager.Port
            $store = Get-DkvStore -Name OrdersStore
            $store.Manager | Should -Be (Get-DkvTestAddress -Manager $script:Manager -Index 0)
            $rows = @(Stop-DkvStore -Name OrdersStore -InstanceName orders-2)
            $rows.Count | Should -Be 1
            $rows[0].Manager | Should -Be (Get-DkvTestAddress -Manager $script:Manager -Index 1)
            $rows[0].Result | Should -Be 'SUCCESS'
            $log = Get-DkvTestLog -Manager $script:Manager
            @($log | Where-Object manager -EQ '127.0.0.13').Count | Should -Be 0 -Because '.13 is not in the session'
        }

        It 'connecting again replaces the previous session' {
            $null = Connect-DkvManager -Managers 127.0.0.11 -Port $script:Manager.Port
            $null = Connect-DkvManager -Managers 127.0.0.13 -Port $script:Manager.Port
            $rows = @(Stop-DkvStore -Name OrdersStore)
            @($rows | Sort-Object Action | ForEach-Object { '{0} {1}' -f $_.Action, $_.Result }) |
                Should -Be @('StopInstance:orders-1 SKIPPED', 'StopInstance:orders-2 SKIPPED', 'StopInstance:orders-3 SUCCESS')
            $log = Get-DkvTestLog -Manager $script:Manager
            @($log | Where-Object manager -NE '127.0.0.13').Count | Should -Be 0 -Because 'only the new session''s manager is asked'
            $live = Get-DkvLive
            $live.Allocations | Should -Be 0
            $live.Operations | Should -Be 0
        }
    }

    Context 'Help' {
        It 'has a synopsis, examples and a description of every parameter' {
            $full = Get-Help Connect-DkvManager -Full
            $full.Synopsis | Should -Not -BeLike 'Connect-DkvManager*' -Because 'Get-Help shows the syntax when there is no synopsis'
            $full.Synopsis.Trim().Length | Should -BeGreaterThan 10
            @($full.examples.example).Count | Should -BeGreaterOrEqual 1
            foreach ($example in $full.examples.example) { $example.code | Should -BeLike '*Connect-DkvManager*' }
            $help = @{}
            foreach ($parameter in $full.parameters.parameter) {
                $help[$parameter.name] = (@($parameter.description | ForEach-Object { $_.Text }) -join ' ')
            }
            $undocumented = @(foreach ($name in (Get-Command Connect-DkvManager).Parameters.Keys) {
                    if ($script:CommonParameters -notcontains $name -and "$($help[$name])".Trim().Length -lt 10) { $name }
                })
            $undocumented | Should -BeNullOrEmpty
        }
    }
}
