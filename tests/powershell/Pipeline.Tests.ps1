# Pipeline input to Stop-DkvStore: store names, store objects and node objects from Get-DkvStore, a bad name among
# good ones, and rows streaming to the next command as each node finishes. Ported from the xUnit PipelineTests.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1", "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
    $script:Manager = Start-DkvTestManager
    $null = Import-DkvTestModule
}

AfterAll {
    Stop-DkvTestManager $script:Manager
}

Describe 'Pipeline input to Stop-DkvStore' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
        $Error.Clear()
    }

    It 'store names from the pipeline stop each store, in order' {
        Connect-DkvTestSession $script:Manager
        $rows = @('OrdersStore', 'CartStore' | Stop-DkvStore)
        $Error.Count | Should -Be 0
        Get-DkvTestRowText $rows | Should -Be (Get-DkvTestExpectedRowText $script:Manager '.11 orders-1 SUCCESS', '.12 orders-2 SUCCESS', '.13 orders-3 SUCCESS',
            '.11 cart-1 SUCCESS', '.12 cart-2 SUCCESS')
        @($rows.Store) | Should -Be @('OrdersStore', 'OrdersStore', 'OrdersStore', 'CartStore', 'CartStore')
        Get-DkvTestStatusText $script:Manager | Should -Be @('orders-1 Stopped', 'orders-2 Stopped', 'orders-3 Stopped')
        Get-DkvTestStatusText $script:Manager -Store CartStore | Should -Be @('cart-1 Stopped', 'cart-2 Stopped')
    }

    It 'a store object from Get-DkvStore stops the whole store' {
        Connect-DkvTestSession $script:Manager
        $rows = @(Get-DkvStore -Name OrdersStore | Stop-DkvStore)
        $Error.Count | Should -Be 0
        Get-DkvTestRowText $rows | Should -Be (Get-DkvTestExpectedRowText $script:Manager '.11 orders-1 SUCCESS', '.12 orders-2 SUCCESS', '.13 orders-3 SUCCESS')
        Get-DkvTestStatusText $script:Manager -Store CartStore | Should -Be @('cart-1 Running', 'cart-2 Running')
    }

    It 'node objects stop just those nodes' {
        Connect-DkvTestSession $script:Manager
        $rows = @((Get-DkvStore -Name OrdersStore).Instances | Where-Object Server -NE '127.0.0.12' | Stop-DkvStore)
        $Error.Count | Should -Be 0
        Get-DkvTestRowText $rows | Should -Be (Get-DkvTestExpectedRowText $script:Manager '.11 orders-1 SUCCESS', '.13 orders-3 SUCCESS')
        Get-DkvTestStatusText $script:Manager | Should -Be @('orders-1 Stopped', 'orders-2 Running', 'orders-3 Stopped')
        $stops = Get-DkvTestLog -Manager $script:Manager -Stops
        @($stops | ForEach-Object StopInstance | Sort-Object) | Should -Be @('orders-1', 'orders-3')
    }

    It 'a bad name in the pipeline is one error and does not stop the others' {
        Connect-DkvTestSession $script:Manager
        $rows = @('NoSuchStore', 'CartStore' | Stop-DkvStore -ErrorVariable failures -ErrorAction SilentlyContinue)
        $failures.Count | Should -Be 1
        $Error.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'StoreNotFound,Stop-DkvStore'
        $failures[0].TargetObject | Should -Be 'NoSuchStore'
        Get-DkvTestRowText $rows | Should -Be (Get-DkvTestExpectedRowText $script:Manager '.11 cart-1 SUCCESS', '.12 cart-2 SUCCESS')
    }

    It 'rows reach the next command as each node finishes, while a later node is still in flight' {
        # orders-3's manager never answers, so its stop ends only at the 3 s deadline (TIMEOUT). When the rows of
        # orders-1 and orders-2 reach the next command, the request log must still show orders-3's stop unfinished:
        # rows are written as nodes finish, not collected until the end.
        Set-DkvTestFault -Manager $script:Manager -HostName 127.0.0.13 -Fault hang
        Connect-DkvTestSession $script:Manager
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $seen = @(Stop-DkvStore -Name OrdersStore -TimeoutSec 3 -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | ForEach-Object {
                $stops = Get-DkvTestLog -Manager $script:Manager -Stops
                $orders3 = @($stops | Where-Object StopInstance -EQ 'orders-3')
                [pscustomobject]@{
                    Action         = $_.Action
                    Result         = $_.Result
                    Ms             = $clock.ElapsedMilliseconds
                    Orders3Pending = $orders3.Count -eq 0 -or $orders3[0].endMs -eq 0
                }
            })
        $described = ($seen | ForEach-Object { '{0} {1} at {2} ms (orders-3 pending: {3})' -f $_.Action, $_.Result, $_.Ms, $_.Orders3Pending }) -join '; '
        @($seen.Action) | Should -Be @('StopInstance:orders-1', 'StopInstance:orders-2', 'StopInstance:orders-3') -Because $described
        @($seen.Result) | Should -Be @('SUCCESS', 'SUCCESS', 'TIMEOUT') -Because $described
        $seen[0].Orders3Pending | Should -BeTrue -Because "orders-1's row must arrive before the stop ends: $described"
        $seen[1].Orders3Pending | Should -BeTrue -Because "orders-2's row must arrive before the stop ends: $described"
        # A deadline bound: orders-3 ends at its deadline, not before.
        $seen[2].Ms | Should -BeGreaterOrEqual 2500 -Because $described
        # Each row arrives when its node finishes, not all at the end: orders-1's and orders-2's, whose managers
        # answer at once, reach the next command at least 1 s before orders-3's row (at its 3 s deadline).
        $seen[0].Ms | Should -BeLessOrEqual $seen[1].Ms -Because $described
        $seen[1].Ms | Should -BeLessThan ($seen[2].Ms - 1000) -Because "rows stream as nodes finish: $described"
    }
}
