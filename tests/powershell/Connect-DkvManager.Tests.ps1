# Connect-DkvManager: its parameters, validation refused before anything is sent, the defaults (port 7801, 30 s) as
# the session object shows them, the session the other commands then use, and Get-Help. Ported from the xUnit
# ParameterTests and HelpTests (credentials and -SkipCertificateCheck: Security.Tests.ps1).

BeforeDiscovery {
    Import-Module "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
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
    $script:BadAddresses = Get-DkvTestBadAddress
}

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1", "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
    $script:Manager = Start-DkvTestManager
    $null = Import-DkvTestModule

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
            $expected = [ordered]@{ Managers = 'String[]'; Port = 'Int32'; TimeoutSec = 'Int32'; SkipCertificateCheck = 'SwitchParameter' }
            Assert-DkvTestParameter -Command Connect-DkvManager -Expected $expected -Mandatory Managers
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
            $null = Invoke-DkvTestRefused -Manager $script:Manager -Command $Command -ErrorIdPrefix $ErrorId -CommandName Connect-DkvManager
            Assert-NoSession
        }

        It 'the bad manager address <Address> is refused, naming it, and no session is made' -ForEach $script:BadAddresses {
            Assert-DkvTestAddressRefused -Manager $script:Manager -Address $Address -Command 'Connect-DkvManager -Managers' -CommandName Connect-DkvManager
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
            Assert-DkvTestHelp -Command Connect-DkvManager
        }
    }
}
