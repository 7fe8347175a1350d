# Tab completion through the engine's own TabExpansion2, in process: -InstanceName from the store named in -Name
# (discovered within 1 s, cached), -Name from the managers' store list (within 1 s, cached) and the stores this
# session has seen. And Ctrl+C (PowerShell.Stop())
# during the discovery -WhatIf makes. Ported from the xUnit CompletionTests.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1", "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
    $script:Manager = Start-DkvTestManager
    $null = Import-DkvTestModule

    function Get-Completion {
        # The completion texts TabExpansion2 offers at the end of the input.
        param([Parameter(Mandatory)][string]$InputScript)
        $completion = TabExpansion2 -inputScript $InputScript -cursorColumn $InputScript.Length
        [string[]]@($completion.CompletionMatches | ForEach-Object { $_.CompletionText })
    }

    function Get-GetCount {
        $log = Get-DkvTestLog -Manager $script:Manager
        @($log | Where-Object method -EQ 'GET').Count
    }
}

AfterAll {
    Stop-DkvTestManager $script:Manager
}

Describe 'Tab completion' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        # A fresh module per test, as a new session: no completion cache, no stores seen.
        $null = Import-DkvTestModule
        # When a completer offers nothing the engine falls back to file names; in an empty folder that is nothing.
        $empty = Join-Path $TestDrive ([Guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $empty
        Push-Location -LiteralPath $empty
    }

    AfterEach {
        Pop-Location
    }

    It '-InstanceName completes from the store named in -Name (Stop-, Start- and Restart-DkvStore), and sends no stop or start' {
        Connect-DkvTestSession $script:Manager
        Get-Completion 'Stop-DkvStore -Name OrdersStore -InstanceName ' | Should -Be @('orders-1', 'orders-2', 'orders-3')
        Get-Completion 'Stop-DkvStore -Name OrdersStore -InstanceName orders-2' | Should -Be @('orders-2')
        Get-Completion 'Stop-DkvStore -Name CartStore -InstanceName c' | Should -Be @('cart-1', 'cart-2')
        Get-Completion 'Stop-DkvStore -Name NoSuchStore -InstanceName ' | Should -BeNullOrEmpty
        Get-Completion 'Start-DkvStore -Name OrdersStore -InstanceName ' | Should -Be @('orders-1', 'orders-2', 'orders-3')
        Get-Completion 'Start-DkvStore -Name CartStore -InstanceName c' | Should -Be @('cart-1', 'cart-2')
        Get-Completion 'Restart-DkvStore -Name OrdersStore -InstanceName orders-' | Should -Be @('orders-1', 'orders-2', 'orders-3')
        $log = Get-DkvTestLog -Manager $script:Manager
        @($log | Where-Object method -NE 'GET').Count | Should -Be 0 -Because 'completion only discovers'
        $live = Get-DkvLive
        $live.Allocations | Should -Be 0
        $live.Operations | Should -Be 0
    }

    It '-InstanceName completion is cached: a second completion asks no manager' {
        Connect-DkvTestSession $script:Manager
        $null = Get-Completion 'Stop-DkvStore -Name OrdersStore -InstanceName '
        $gets = Get-GetCount
        $gets | Should -BeGreaterThan 0
        Get-Completion 'Stop-DkvStore -Name OrdersStore -InstanceName o' | Should -Be @('orders-1', 'orders-2', 'orders-3')
        Get-GetCount | Should -Be $gets
    }

    It '-InstanceName completion gives up on a hanging manager within its second' {
        Set-DkvTestFault -Manager $script:Manager -HostName 127.0.0.11 -Fault hang
        Connect-DkvTestSession $script:Manager
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $names = Get-Completion 'Stop-DkvStore -Name OrdersStore -InstanceName '
        $clock.Stop()
        # A deadline bound, not a speed claim: 1 s of discovery plus slack for a loaded machine.
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 2.5
        $names | Should -BeNullOrEmpty
        $live = Get-DkvLive
        $live.Operations | Should -Be 0
    }

    It '-Name completes from the stores seen in this session where the managers cannot list them' -Tag OwnManager {
        $bare = Start-DkvTestManager -ArgumentList '--no-list-endpoint'
        try {
            Connect-DkvTestSession $bare
            Get-Completion 'Stop-DkvStore -Name ' | Should -BeNullOrEmpty
            $null = Get-DkvStore -Name OrdersStore, CartStore
            Get-Completion 'Stop-DkvStore -Name ' | Should -Be @('CartStore', 'OrdersStore')
            Get-Completion 'Get-DkvStore -Name ord' | Should -Be @('OrdersStore')
            Get-Completion 'Start-DkvStore -Name C' | Should -Be @('CartStore')
            Get-Completion 'Restart-DkvStore -Name C' | Should -Be @('CartStore')
        }
        finally { Stop-DkvTestManager $bare }
    }

    It '-Name completes from the store list of the managers, asked once per 30 s, and sends nothing that changes' {
        Connect-DkvTestSession $script:Manager
        Clear-DkvTestLog $script:Manager
        Get-Completion 'Stop-DkvStore -Name ' | Should -Be @('CartStore', 'OrdersStore')
        Get-Completion 'Restart-DkvStore -Name ord' | Should -Be @('OrdersStore')
        Get-Completion ('Get-DkvStore -Managers 127.0.0.12:{0} -Name c' -f $script:Manager.Port) | Should -Be @('CartStore')
        $log = Get-DkvTestLog -Manager $script:Manager
        @($log | Where-Object path -EQ '/admin/v1/stores').Count | Should -Be 4 -Because 'three managers of the session once, then the one -Managers names once'
        @($log | Where-Object method -NE 'GET').Count | Should -Be 0
    }

    It '-Name completion gives up on managers that hang within its second, and offers the seen stores' {
        Connect-DkvTestSession $script:Manager
        $null = Get-DkvStore -Name CartStore
        foreach ($hostName in $script:Manager.Hosts) { Set-DkvTestFault -Manager $script:Manager -HostName $hostName -Fault hang }
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        Get-Completion 'Stop-DkvStore -Name ' | Should -Be @('CartStore')
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 2.5
        (Get-DkvLive).Operations | Should -Be 0
    }
}

Describe 'Ctrl+C during discovery' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
    }

    It 'stopping Stop-DkvStore -WhatIf while every manager hangs ends promptly and frees everything' {
        foreach ($hostName in $script:Manager.Hosts) { Set-DkvTestFault -Manager $script:Manager -HostName $hostName -Fault hang }
        # A runspace of its own, as a console would run it, so PowerShell.Stop() is Ctrl+C.
        $runspace = [System.Management.Automation.Runspaces.RunspaceFactory]::CreateRunspace()
        $runspace.Open()
        try {
            $prepare = [powershell]::Create()
            $prepare.Runspace = $runspace
            $null = $prepare.AddScript(("Import-Module '{0}' -ErrorAction Stop`n`$null = Connect-DkvManager -Managers {1}" -f
                    (Get-DkvTestModulePath).Replace("'", "''"), ((Get-DkvTestAddressList -Manager $script:Manager) -join ',')))
            $null = $prepare.Invoke()
            $prepare.HadErrors | Should -BeFalse
            $prepare.Dispose()

            $ps = [powershell]::Create()
            $ps.Runspace = $runspace
            $null = $ps.AddScript('Stop-DkvStore -Name OrdersStore -WhatIf -TimeoutSec 30')
            $pending = $ps.BeginInvoke()
            $wait = [System.Diagnostics.Stopwatch]::StartNew()
            while ($true) {
                $log = Get-DkvTestLog -Manager $script:Manager
                if (@($log | Where-Object method -EQ 'GET').Count -gt 0) { break }
                if ($wait.Elapsed.TotalSeconds -gt 10) { throw 'discovery did not begin within 10 s' }
                [System.Threading.Thread]::Sleep(20)
            }
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $pending.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(30)) | Should -BeTrue -Because 'the pipeline must end after Stop()'
            $clock.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            # A deadline bound: the module waits in 100 ms turns; 0.5 s + 0.25 s of slack, as the xUnit test had.
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 0.75
            $ps.Dispose()

            $live = [powershell]::Create()
            $live.Runspace = $runspace
            $null = $live.AddScript('$l = & (Get-Module Clustron.Dkv) { $script:DkvLive }; $l.Allocations; $l.Operations')
            $held = @($live.Invoke())
            $live.Dispose()
            $held | Should -Be @(0, 0) -Because 'allocations and operations held after the stop'
            $log = Get-DkvTestLog -Manager $script:Manager
            @($log | Where-Object { $null -ne $_.StopInstance }).Count | Should -Be 0 -Because '-WhatIf stops nothing'
        }
        finally {
            $runspace.Dispose()
        }
    }
}
