# Disconnect-DkvManager: ends the session (later commands need -Managers or a new Connect-DkvManager), does
# nothing without one, frees what the session held, and has help. Ported from the xUnit HelpTests (help for
# Disconnect-DkvManager); the rest is its documented behaviour.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1", "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
    $script:Manager = Start-DkvTestManager
    $null = Import-DkvTestModule

    $script:CommonParameters = Get-DkvTestCommonParameter
}

AfterAll {
    Stop-DkvTestManager $script:Manager
}

Describe 'Disconnect-DkvManager' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
    }

    It 'has no parameters of its own and writes nothing' {
        @((Get-Command Disconnect-DkvManager).Parameters.Keys | Where-Object { $script:CommonParameters -notcontains $_ }) | Should -BeNullOrEmpty
        $null = Connect-DkvManager -Managers (Get-DkvTestAddressList -Manager $script:Manager)
        @(Disconnect-DkvManager) | Should -BeNullOrEmpty
    }

    It 'ends the session: Stop-DkvStore and Get-DkvStore then need -Managers, and nothing is sent' {
        $null = Connect-DkvManager -Managers (Get-DkvTestAddressList -Manager $script:Manager)
        Disconnect-DkvManager -Verbose 4>&1 | ForEach-Object { "$_" } | Should -Be 'Disconnected from the Clustron DKV managers.'
        foreach ($command in 'Stop-DkvStore', 'Get-DkvStore') {
            $Error.Clear()
            $caught = $null
            $output = @(try { & $command -Name OrdersStore; 'went on' } catch { $caught = $_ })
            $output | Should -Not -Contain 'went on'
            $caught.FullyQualifiedErrorId | Should -Be "NoManagers,$command"
            $caught.Exception.Message | Should -Be 'No managers connected. Use Connect-DkvManager or specify -Managers.'
            $Error.Count | Should -Be 1
        }
        (Get-DkvTestLog -Manager $script:Manager).Count | Should -Be 0
        # -Managers still works without a session.
        $rows = @(Stop-DkvStore -Name OrdersStore -InstanceName orders-1 -Managers (Get-DkvTestAddress -Manager $script:Manager -Index 0))
        $rows.Result | Should -Be 'SUCCESS'
    }

    It 'without a session does nothing and says so with -Verbose' {
        $Error.Clear()
        $verbose = @(Disconnect-DkvManager -Verbose 4>&1 | ForEach-Object { "$_" })
        $verbose | Should -Be @('No manager session to disconnect.')
        $Error.Count | Should -Be 0
        Disconnect-DkvManager
        $Error.Count | Should -Be 0
    }

    It 'holds nothing natively after connect, disconnect and a new connect' {
        $null = Connect-DkvManager -Managers (Get-DkvTestAddressList -Manager $script:Manager)
        Disconnect-DkvManager
        $null = Connect-DkvManager -Managers (Get-DkvTestAddressList -Manager $script:Manager)
        (Stop-DkvStore -Name CartStore -InstanceName cart-1).Result | Should -Be 'SUCCESS'
        Disconnect-DkvManager
        $live = Get-DkvLive
        $live.Allocations | Should -Be 0
        $live.Operations | Should -Be 0
    }

    It 'has a synopsis and an example' {
        $full = Get-Help Disconnect-DkvManager -Full
        $full.Synopsis | Should -Not -BeLike 'Disconnect-DkvManager*' -Because 'Get-Help shows the syntax when there is no synopsis'
        $full.Synopsis.Trim().Length | Should -BeGreaterThan 10
        @($full.examples.example).Count | Should -BeGreaterOrEqual 1
        $full.examples.example[0].code | Should -BeLike '*Disconnect-DkvManager*'
    }
}
