# Get-DkvStore: its parameters, validation refused before anything is sent, the store and node objects it writes
# (from GET /admin/v1/stores/{store} only), the session and the -Managers override, failover, the not-found error,
# and Get-Help. Ported from the xUnit ParameterTests and HelpTests (Get-DkvStore cases); piping into Stop-DkvStore
# is in Pipeline.Tests.ps1.

BeforeDiscovery {
    Import-Module "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
    $script:InvalidValues = @(
        @{ Command = 'Get-DkvStore -Name OrdersStore -Port 0'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Get-DkvStore -Name OrdersStore -Port 65536'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Get-DkvStore -Name OrdersStore -TimeoutSec 0'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Get-DkvStore -Name OrdersStore -TimeoutSec 86401'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = "Get-DkvStore -Name OrdersStore -Managers ''"; ErrorId = 'ParameterArgumentValidationError' }
        @{ Command = 'Get-DkvStore -Name $null'; ErrorId = 'ParameterArgumentValidationError' }
    )
    $script:BadNames = @(
        @{ Case = "-Name ''"; Name = ''; Message = 'Store name is empty. Give the name of an existing store.' }
        @{ Case = "-Name '  '"; Name = '  '; Message = 'Store name is empty. Give the name of an existing store.' }
        @{ Case = "-Name 'OrdersStore '"; Name = 'OrdersStore '; Message = "Store name 'OrdersStore ' starts or ends with white space. Remove it." }
    )
    $script:BadAddresses = Get-DkvTestBadAddress
}

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1", "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
    $script:Manager = Start-DkvTestManager
    $null = Import-DkvTestModule
}

AfterAll {
    Stop-DkvTestManager $script:Manager
}

Describe 'Get-DkvStore' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
    }

    Context 'Parameters' {
        It 'has -Name (mandatory, several names), -Managers, -Port and -TimeoutSec' {
            $expected = [ordered]@{ Name = 'String[]'; Managers = 'String[]'; Port = 'Int32'; TimeoutSec = 'Int32' }
            Assert-DkvTestParameter -Command Get-DkvStore -Expected $expected -Mandatory Name
        }

        It 'defaults to port 7801 and 30 seconds' {
            Assert-DkvTestDefaultPortAndTimeout -Command Get-DkvStore
        }

        It '<Command> is refused by parameter binding (<ErrorId>) before anything is sent' -ForEach $script:InvalidValues {
            Connect-DkvTestSession $script:Manager
            $null = Invoke-DkvTestRefused -Manager $script:Manager -Command $Command -ErrorIdPrefix $ErrorId -CommandName Get-DkvStore
        }

        It 'the bad name <Case> is one InvalidArgument error saying what is wrong, and nothing is sent' -ForEach $script:BadNames {
            Connect-DkvTestSession $script:Manager
            $Error.Clear()
            $output = @(Get-DkvStore -Name $Name -ErrorVariable failures -ErrorAction SilentlyContinue; 'went on')
            $output | Should -Be @('went on')
            $failures.Count | Should -Be 1
            $Error.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -BeExactly 'InvalidArgument,Get-DkvStore'
            $failures[0].Exception.Message | Should -BeExactly $Message
            (Get-DkvTestLog -Manager $script:Manager).Count | Should -Be 0
            Assert-DkvTestNothingHeld
        }

        It 'the bad manager address <Address> is refused, naming it, before anything is sent' -ForEach $script:BadAddresses {
            Assert-DkvTestAddressRefused -Manager $script:Manager -Address $Address -Command 'Get-DkvStore -Name OrdersStore -Managers' -CommandName Get-DkvStore
        }
    }

    Context 'Store and node objects' {
        It 'writes the store with its nodes, asking one manager: the store, then its safety' {
            Connect-DkvTestSession $script:Manager
            $store = Get-DkvStore -Name OrdersStore
            $store.PSObject.TypeNames | Should -Contain 'Clustron.Dkv.Store'
            $store.Name | Should -Be 'OrdersStore'
            $store.Manager | Should -Be (Get-DkvTestAddress -Manager $script:Manager -Index 0)
            @($store.Instances | ForEach-Object { '{0}@{1}:{2}/{3} {4}' -f $_.InstanceName, $_.Server, $_.ClustronPort, $_.ClientPort, $_.Status }) |
                Should -Be @('orders-1@127.0.0.11:7811/7861 Running', 'orders-2@127.0.0.12:7811/7861 Running', 'orders-3@127.0.0.13:7811/7861 Running')
            foreach ($node in $store.Instances) {
                $node.PSObject.TypeNames | Should -Contain 'Clustron.Dkv.Instance'
                $node.Store | Should -Be 'OrdersStore'
            }
            $log = Get-DkvTestLog -Manager $script:Manager
            # The safety answer names the state too: no GET of the state endpoint.
            @($log | ForEach-Object { '{0} {1} {2}' -f $_.manager, $_.method, $_.path }) |
                Should -Be @('127.0.0.11 GET /admin/v1/stores/OrdersStore', '127.0.0.11 GET /admin/v1/stores/OrdersStore/safety')
            Assert-DkvTestNothingHeld
        }

        It 'several names write several stores' {
            Connect-DkvTestSession $script:Manager
            $stores = @(Get-DkvStore -Name OrdersStore, CartStore)
            @($stores.Name) | Should -Be @('OrdersStore', 'CartStore')
            @($stores[1].Instances.InstanceName) | Should -Be @('cart-1', 'cart-2')
            $log = Get-DkvTestLog -Manager $script:Manager
            @($log | Where-Object method -NE 'GET').Count | Should -Be 0 -Because 'Get-DkvStore changes nothing'
        }

        It 'shows the node status the manager reports' {
            Connect-DkvTestSession $script:Manager
            $null = Stop-DkvStore -Name CartStore -InstanceName cart-2 -Force
            $store = Get-DkvStore -Name CartStore
            @($store.Instances | ForEach-Object { '{0} {1}' -f $_.InstanceName, $_.Status }) | Should -Be @('cart-1 Running', 'cart-2 Stopped')
        }

        It 'fails over to the next manager when one does not answer' {
            Set-DkvTestFault -Manager $script:Manager -HostName 127.0.0.11 -Fault 500
            Connect-DkvTestSession $script:Manager
            $store = Get-DkvStore -Name OrdersStore
            $store.Manager | Should -Be (Get-DkvTestAddress -Manager $script:Manager -Index 1)
            @($store.Instances).Count | Should -Be 3
        }

        It 'an unknown store is one non-terminating StoreNotFound error and the next name is still got' {
            Connect-DkvTestSession $script:Manager
            $Error.Clear()
            $stores = @(Get-DkvStore -Name NoSuchStore, CartStore -ErrorVariable failures -ErrorAction SilentlyContinue)
            $failures.Count | Should -Be 1
            $Error.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'StoreNotFound,Get-DkvStore'
            $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $failures[0].TargetObject | Should -Be 'NoSuchStore'
            @($stores.Name) | Should -Be @('CartStore')
        }
    }

    Context 'Session and -Managers' {
        It 'without -Managers and without a session it terminates with the reference message' {
            $Error.Clear()
            $caught = $null
            $output = @(try { Get-DkvStore -Name OrdersStore; 'went on' } catch { $caught = $_ })
            $output | Should -Not -Contain 'went on'
            $caught.FullyQualifiedErrorId | Should -Be 'NoManagers,Get-DkvStore'
            $caught.Exception.Message | Should -Be 'No managers connected. Use Connect-DkvManager or specify -Managers.'
            $Error.Count | Should -Be 1
        }

        It '-Managers overrides the session for that call only' {
            $null = Connect-DkvManager -Managers (Get-DkvTestAddress -Manager $script:Manager -Index 0)
            (Get-DkvStore -Name OrdersStore -Managers (Get-DkvTestAddress -Manager $script:Manager -Index 2)).Manager |
                Should -Be (Get-DkvTestAddress -Manager $script:Manager -Index 2)
            (Get-DkvStore -Name OrdersStore).Manager | Should -Be (Get-DkvTestAddress -Manager $script:Manager -Index 0)
            # Each call asks one manager: the store, then its safety.
            $log = Get-DkvTestLog -Manager $script:Manager
            @($log | ForEach-Object manager) | Should -Be @('127.0.0.13', '127.0.0.13', '127.0.0.11', '127.0.0.11')
        }

        It '-Port applies to addresses without one' {
            (Get-DkvStore -Name CartStore -Managers 127.0.0.12 -Port $script:Manager.Port).Manager |
                Should -Be (Get-DkvTestAddress -Manager $script:Manager -Index 1)
        }
    }

    Context 'State and safety' {
        It 'an Active, safe store shows State Active and Safe Yes in its default view' {
            Connect-DkvTestSession $script:Manager
            $store = Get-DkvStore -Name OrdersStore
            $store.State | Should -BeExactly 'Active'
            $store.Safe | Should -BeTrue
            $store.MigrationsPending | Should -Be 0
            $table = ($store | Format-Table | Out-String -Width 200) -split "`\r?`\n" | Where-Object { $_.Trim() }
            $table[0] | Should -Match '^Name\s+State\s+Safe\s+Manager\s+Nodes\s+Instances'
            $table[2] | Should -Match '^OrdersStore\s+Active\s+Yes\s+127\.0\.0\.11:'
        }

        It 'a Passive store shows Passive' {
            Set-DkvTestStoreState -Manager $script:Manager -Store OrdersStore -State Passive
            Connect-DkvTestSession $script:Manager
            (Get-DkvStore -Name OrdersStore).State | Should -BeExactly 'Passive'
        }

        It 'a store with migrations pending is not safe, and the view says how many' {
            Connect-DkvTestSession $script:Manager
            # A forced stop in an Active store leaves partitions short of backups: migrations follow.
            $null = Stop-DkvStore -Name OrdersStore -InstanceName orders-1 -Force
            $store = Get-DkvStore -Name OrdersStore
            $store.Safe | Should -BeFalse
            $store.MigrationsPending | Should -BeGreaterThan 0
            ($store | Format-Table | Out-String -Width 200) | Should -Match 'No \(\d+ migrations pending\)'
        }

        It 'without the safety endpoint the state comes from GET .../state and safety is unknown' -Tag OwnManager {
            $bare = Start-DkvTestManager -ArgumentList '--no-safety-endpoint'
            try {
                Set-DkvTestStoreState -Manager $bare -Store OrdersStore -State Passive
                $store = Get-DkvStore -Name OrdersStore -Managers (Get-DkvTestAddressList -Manager $bare)
                $store.State | Should -BeExactly 'Passive'
                $store.Safe | Should -BeNullOrEmpty
                $store.MigrationsPending | Should -BeNullOrEmpty
                ($store | Format-Table | Out-String -Width 200) | Should -Match 'Passive\s+unknown'
                @((Get-DkvTestLog -Manager $bare).path) | Should -Contain '/admin/v1/stores/OrdersStore/state'
            }
            finally { Stop-DkvTestManager $bare }
        }

        It 'without the safety and the state endpoints both are unknown and the store is still written, without an error' -Tag OwnManager {
            $bare = Start-DkvTestManager -ArgumentList '--no-safety-endpoint', '--no-state-endpoint'
            try {
                $store = Get-DkvStore -Name OrdersStore -Managers (Get-DkvTestAddressList -Manager $bare) -ErrorVariable failures
                $failures.Count | Should -Be 0
                $store.State | Should -BeNullOrEmpty
                $store.Safe | Should -BeNullOrEmpty
                @($store.Instances).Count | Should -Be 3
                ($store | Format-Table | Out-String -Width 200) | Should -Match 'OrdersStore\s+unknown\s+unknown'
                Assert-DkvTestNothingHeld
            }
            finally { Stop-DkvTestManager $bare }
        }
    }

    Context 'Help' {
        It 'has a synopsis, examples and a description of every parameter' {
            Assert-DkvTestHelp -Command Get-DkvStore
        }
    }
}
