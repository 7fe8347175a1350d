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
        It 'has -Name (optional: without it every store is listed; several names, wildcards), -Managers, -Port and -TimeoutSec' {
            $expected = [ordered]@{ Name = 'String[]'; Managers = 'String[]'; Port = 'Int32'; TimeoutSec = 'Int32' }
            Assert-DkvTestParameter -Command Get-DkvStore -Expected $expected -Mandatory ''
            (Get-Command Get-DkvStore).Parameters['Name'].Attributes.Where({ $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count | Should -Be 1
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

    Context 'Listing (no -Name, wildcards)' {
        It 'without -Name writes every store the managers know, once, with State and Safe, sending only GETs' {
            Connect-DkvTestSession $script:Manager
            Clear-DkvTestLog $script:Manager
            $stores = @(Get-DkvStore -ErrorVariable failures)
            @($failures).Count | Should -Be 0
            @($stores.Name) | Should -Be @('OrdersStore', 'CartStore')
            $stores[0].PSObject.TypeNames[0] | Should -BeExactly 'Clustron.Dkv.Store'
            $stores[0].State | Should -BeExactly 'Active'
            $stores[0].Safe | Should -BeTrue
            @($stores[1].Instances.InstanceName) | Should -Be @('cart-1', 'cart-2')
            $log = Get-DkvTestLog -Manager $script:Manager
            @($log | Where-Object path -EQ '/admin/v1/stores').Count | Should -Be 3 -Because 'every targeted manager is asked for its list'
            @($log | Where-Object method -NE 'GET').Count | Should -Be 0
        }

        It 'a wildcard writes the stores it matches, ignoring case; one that matches nothing writes nothing and no error' {
            Connect-DkvTestSession $script:Manager
            @((Get-DkvStore orders*).Name) | Should -Be @('OrdersStore')
            @((Get-DkvStore -Name '*Store', 'Cart*').Name) | Should -Be @('OrdersStore', 'CartStore') -Because 'a store two patterns match is written once'
            @((Get-DkvStore -Name 'Nothing*' -ErrorVariable failures)).Count | Should -Be 0
            @($failures).Count | Should -Be 0
            @((Get-DkvStore -Name 'C?rtStore', 'OrdersStore').Name) | Should -Be @('OrdersStore', 'CartStore')
        }

        It 'a manager that does not answer the list leaves a warning naming it, and the others'' stores are written' {
            Set-DkvTestFault -Manager $script:Manager -HostName 127.0.0.12 -Fault 500
            $stores = @(Get-DkvStore -Managers (Get-DkvTestAddressList -Manager $script:Manager) -WarningVariable warned -WarningAction SilentlyContinue)
            @($stores.Name) | Should -Be @('OrdersStore', 'CartStore')
            @($warned).Count | Should -Be 1
            [string]$warned[0] | Should -Match ('^The store list may be incomplete: 127\.0\.0\.12:{0}: ' -f $script:Manager.Port)
        }

        It 'against managers without the list endpoint: one NotSupported error saying so and how to name a store; -Name still works' -Tag OwnManager {
            $bare = Start-DkvTestManager -ArgumentList '--no-list-endpoint'
            try {
                $managers = Get-DkvTestAddressList -Manager $bare
                $stores = @(Get-DkvStore -Managers $managers -ErrorVariable failures -ErrorAction SilentlyContinue)
                $stores.Count | Should -Be 0
                @($failures).Count | Should -Be 1
                $failures[0].FullyQualifiedErrorId | Should -BeExactly 'NotSupported,Get-DkvStore'
                $failures[0].CategoryInfo.Category | Should -Be 'NotImplemented'
                $failures[0].Exception | Should -BeOfType [System.NotSupportedException]
                $failures[0].Exception.Message | Should -Match 'cannot list stores: they have no store-list endpoint'
                $failures[0].Exception.Message | Should -Match ([regex]::Escape('Name the store instead, e.g. Get-DkvStore -Name OrdersStore.'))
                (Get-DkvStore -Managers $managers -Name OrdersStore).Name | Should -BeExactly 'OrdersStore'
                @((Get-DkvTestLog -Manager $bare) | Where-Object method -NE 'GET').Count | Should -Be 0
            }
            finally { Stop-DkvTestManager $bare }
        }

        It 'without -Managers and without a session it terminates with the reference message' {
            { Get-DkvStore -ErrorAction Stop } | Should -Throw -ExpectedMessage 'No managers connected. Use Connect-DkvManager or specify -Managers.'
        }
    }

    Context 'Help' {
        It 'has a synopsis, examples and a description of every parameter' {
            Assert-DkvTestHelp -Command Get-DkvStore
        }
    }
}
