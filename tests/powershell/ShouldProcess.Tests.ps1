# -WhatIf lists every node with its manager and stops nothing (the request log shows discovery only); -Confirm,
# answered by a person at a real prompt (an interactive pwsh in tmux), stops exactly the approved nodes; by default
# nothing prompts; $ConfirmPreference = 'Medium' prompts once per node. Ported from the xUnit ShouldProcessTests
# (there a recording host answered PromptForChoice; here the keys are typed into pwsh's own console host).

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1", "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
    $script:Manager = Start-DkvTestManager
    $null = Import-DkvTestModule

    function Get-WhatIfText {
        # What the console shows for a script block: "What if:" lines go to the host, not to a stream, so a
        # transcript of this pwsh's console host is read back.
        param([Parameter(Mandatory)][scriptblock]$ScriptBlock)
        $file = [System.IO.Path]::Combine($TestDrive, 'transcript-' + [Guid]::NewGuid().ToString('N') + '.txt')
        $null = Start-Transcript -Path $file -UseMinimalHeader
        try { $output = & $ScriptBlock }
        finally { $null = Stop-Transcript }
        [pscustomobject]@{ Output = @($output); Text = [System.IO.File]::ReadAllText($file).Replace("`r`n", "`n") }
    }

    $script:ChoiceLine = '[Y] Yes  [A] Yes to All  [N] No  [L] No to All  [S] Suspend  [?] Help (default is "Y"):'

    function Invoke-DkvConfirmed {
        <#
        Types the command into the terminal and answers its confirmation prompts as a person does: each answer is
        typed once the next choice line is shown. Returns what the command printed, and the targets prompted for.
        #>
        param([Parameter(Mandatory)][string]$Command, [Parameter(Mandatory)][string[]]$Answer)
        $terminal = $script:Terminal
        $at = $terminal.Prompt
        Send-DkvTestTerminal -Terminal $terminal -Text $Command
        for ($i = 0; $i -lt $Answer.Count; $i++) {
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            while ($true) {
                $section = Get-DkvTestTerminalSection -Screen (Read-DkvTestTerminal -Terminal $terminal) -From $at -To ($at + 1)
                $shown = ([regex]::Matches($section, [regex]::Escape($script:ChoiceLine))).Count
                if ($shown -gt $i) { break }
                if ($watch.Elapsed.TotalSeconds -gt 30) { throw "choice line $($i + 1) was not shown within 30 s:`n$section" }
                [System.Threading.Thread]::Sleep(20)
            }
            Send-DkvTestTerminal -Terminal $terminal -Text $Answer[$i]
        }
        $terminal.Prompt = $at + 1
        $screen = Wait-DkvTestTerminal -Terminal $terminal -TimeoutSec 60
        $text = Get-DkvTestTerminalSection -Screen $screen -From $at -To ($at + 1)
        [pscustomobject]@{
            Text    = $text
            Choices = ([regex]::Matches($text, [regex]::Escape($script:ChoiceLine))).Count
            Targets = @([regex]::Matches($text, 'Performing the operation "(?:Stop node \((?:graceful|forced)\)|Start node|Restart node)" on target "node (\S+) of store') |
                    ForEach-Object { $_.Groups[1].Value })
        }
    }

    function Get-StopRequest {
        # "manager instance query" per stop request, sorted by node.
        @((Get-DkvTestLog $script:Manager -Stops) | Sort-Object StopInstance | ForEach-Object { "$($_.manager) $($_.StopInstance) $($_.query)".TrimEnd() })
    }
}

AfterAll {
    Stop-DkvTestManager $script:Manager
}

Describe '-WhatIf' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
    }

    It 'lists every node with its manager and sends nothing but discovery' {
        Connect-DkvTestSession $script:Manager -ByPort
        $shown = Get-WhatIfText { Stop-DkvStore -Name OrdersStore -WhatIf -ErrorVariable failures; $failures }
        $shown.Output | Should -BeNullOrEmpty
        foreach ($index in 0..2) {
            $node = 'orders-{0}' -f ($index + 1)
            $address = Get-DkvTestAddress $script:Manager -Index $index
            $shown.Text | Should -Match ([regex]::Escape("What if: Performing the operation `"Stop node (graceful)`" on target `"node $node of store OrdersStore on manager $address`"."))
        }
        ([regex]::Matches($shown.Text, 'What if: ')).Count | Should -Be 3
        $log = Get-DkvTestLog $script:Manager
        $log.Count | Should -BeGreaterThan 0
        $log | Where-Object method -NE GET | Should -BeNullOrEmpty
        $instances = Get-DkvTestInstance $script:Manager
        $instances.state | Should -Be Active
        $instances.instances | ForEach-Object { $_.status | Should -Be Running }
    }

    It 'with -Force says forced, lists only the chosen node and sends nothing but discovery' {
        Connect-DkvTestSession $script:Manager -ByPort
        $shown = Get-WhatIfText { Stop-DkvStore -Name OrdersStore -InstanceName orders-2 -Force -WhatIf -ErrorVariable failures; $failures }
        $shown.Output | Should -BeNullOrEmpty
        $address = Get-DkvTestAddress $script:Manager -Index 1
        $shown.Text | Should -Match ([regex]::Escape("What if: Performing the operation `"Stop node (forced)`" on target `"node orders-2 of store OrdersStore on manager $address`"."))
        $shown.Text | Should -Not -Match 'orders-1|orders-3'
        (Get-DkvTestLog $script:Manager) | Where-Object method -NE GET | Should -BeNullOrEmpty
        Get-DkvTestStatus $script:Manager -Instance orders-2 | Should -Be Running
    }
}

Describe 'Without -Confirm' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
    }

    It 'a default script never prompts' {
        # A runspace with no interactive host: a prompt would be an error there.
        $runspace = New-DkvTestRunspace -Manager $script:Manager
        try {
            $run = Invoke-DkvTestRunspace -Runspace $runspace -Script ('Stop-DkvStore -Name OrdersStore; Stop-DkvStore -Name CartStore -Force; ' +
                'Stop-DkvStore -Name OrdersStore -InstanceName orders-1')
            $run.Terminating | Should -BeNullOrEmpty
            $run.Errors | Should -BeNullOrEmpty
            # 3 + 2 + orders-1 again (already stopped: SUCCESS)
            @($run.Output | Where-Object { $_.PSObject.TypeNames -contains 'Clustron.Dkv.StopResult' }).Count | Should -Be 6
            (Get-DkvTestLog $script:Manager -Stops).Count | Should -Be 6
        }
        finally { $runspace.Dispose() }
    }
}

Describe '-Confirm answered at a real prompt' -Tag Terminal {
    BeforeAll {
        $script:Terminal = Start-DkvTestTerminal -Manager $script:Manager
    }

    AfterAll {
        Stop-DkvTestTerminal $script:Terminal
    }

    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
    }

    It 'Y, N, Y stops exactly orders-1 and orders-3' {
        $run = Invoke-DkvConfirmed -Command 'Stop-DkvStore -Name OrdersStore -Confirm' -Answer Y, N, Y
        $run.Choices | Should -Be 3
        $run.Targets | Should -Be @('orders-1', 'orders-2', 'orders-3')
        $run.Text | Should -Match '(?m)^127\.0\.0\.11:\d+ StopInstance:orders-1 SUCCESS   Stopped$'
        $run.Text | Should -Match '(?m)^127\.0\.0\.13:\d+ StopInstance:orders-3 SUCCESS   Stopped$'
        $run.Text | Should -Not -Match 'StopInstance:orders-2'
        Get-StopRequest | Should -Be @('127.0.0.11 orders-1', '127.0.0.13 orders-3')
        Get-DkvTestStatus $script:Manager -Instance orders-1 | Should -Be Stopped
        Get-DkvTestStatus $script:Manager -Instance orders-2 | Should -Be Running
        Get-DkvTestStatus $script:Manager -Instance orders-3 | Should -Be Stopped
    }

    It 'Y, N, Y with -Force is one operation: one discovery for the stop, one deadline for both nodes' {
        $run = Invoke-DkvConfirmed -Command 'Stop-DkvStore -Name OrdersStore -Force -Confirm -TimeoutSec 20' -Answer Y, N, Y
        $run.Choices | Should -Be 3
        Get-StopRequest | Should -Be @('127.0.0.11 orders-1 force=true', '127.0.0.13 orders-3 force=true')
        # One discovery for the plan the questions came from, one for the stop of both approved nodes: a stop per
        # node would discover the store once per node, each under a fresh -TimeoutSec.
        $discoveries = @((Get-DkvTestLog $script:Manager) | Where-Object { $_.method -eq 'GET' -and $_.path -eq '/admin/v1/stores/OrdersStore' })
        $discoveries.Count | Should -Be 2
        $run.Text | Should -Not -Match 'one by one'
    }

    It 'Start-DkvStore: Y, N, Y starts exactly orders-1 and orders-3, as one operation that leaves the store Passive' {
        $null = Stop-DkvStore -Name OrdersStore -Managers (Get-DkvTestAddressList $script:Manager)
        Clear-DkvTestLog $script:Manager
        $run = Invoke-DkvConfirmed -Command 'Start-DkvStore -Name OrdersStore -Confirm' -Answer Y, N, Y
        $run.Choices | Should -Be 3
        $run.Targets | Should -Be @('orders-1', 'orders-2', 'orders-3')
        $run.Text | Should -Match '(?m)^127\.0\.0\.11:\d+ StartInstance:orders-1 SUCCESS +Running$'
        $run.Text | Should -Match '(?m)^127\.0\.0\.13:\d+ StartInstance:orders-3 SUCCESS +Running$'
        $run.Text | Should -Not -Match 'StartInstance:orders-2'
        $run.Text | Should -Match 'starting only those'
        $log = Get-DkvTestLog $script:Manager
        @($log | Where-Object { $_.method -eq 'POST' } | ForEach-Object { '{0} {1}' -f $_.manager, $_.path.Split('/')[-2] }) |
            Should -Be @('127.0.0.11 orders-1', '127.0.0.13 orders-3')
        @($log | Where-Object { $_.method -eq 'PUT' }).Count | Should -Be 0
        Get-DkvTestStatus $script:Manager -Instance orders-2 | Should -Be Stopped
        (Get-DkvTestInstance $script:Manager).state | Should -Be Passive
    }

    It 'Restart-DkvStore: Y, N, Y restarts exactly orders-1 and orders-3, one at a time, and leaves orders-2 alone' {
        $run = Invoke-DkvConfirmed -Command 'Restart-DkvStore -Name OrdersStore -Confirm' -Answer Y, N, Y
        $run.Choices | Should -Be 3
        $run.Targets | Should -Be @('orders-1', 'orders-2', 'orders-3')
        $run.Text | Should -Match '(?m)^127\.0\.0\.11:\d+ RestartInstance:orders-1 SUCCESS +Running; down '
        $run.Text | Should -Match '(?m)^127\.0\.0\.13:\d+ RestartInstance:orders-3 SUCCESS +Running; down '
        $run.Text | Should -Not -Match 'RestartInstance:orders-2'
        $log = Get-DkvTestLog $script:Manager
        # Each node is first asked to start while it runs (409 AlreadyRunning: it can be started again), then restarted.
        @($log | Where-Object { $_.method -eq 'POST' } | ForEach-Object { '{0} {1} {2}' -f $_.path.Split('/')[-1], $_.path.Split('/')[-2], $_.status }) |
            Should -Be @('start orders-1 409', 'stop orders-1 202', 'start orders-1 202', 'start orders-3 409', 'stop orders-3 202', 'start orders-3 202')
        (Get-DkvTestAccounting $script:Manager).maxDown | Should -Be 1
    }

    It 'L (No to All) asks once and stops nothing' {
        $run = Invoke-DkvConfirmed -Command 'Stop-DkvStore -Name OrdersStore -Confirm' -Answer L
        $run.Choices | Should -Be 1
        $run.Text | Should -Not -Match 'StopInstance:'
        Get-StopRequest | Should -BeNullOrEmpty
        (Get-DkvTestLog $script:Manager) | Where-Object method -NE GET | Should -BeNullOrEmpty
    }

    It 'A (Yes to All) asks once and stops every node the usual way (the store made passive first)' {
        $run = Invoke-DkvConfirmed -Command 'Stop-DkvStore -Name OrdersStore -Confirm' -Answer A
        $run.Choices | Should -Be 1
        foreach ($node in 'orders-1', 'orders-2', 'orders-3') { $run.Text | Should -Match "StopInstance:$node SUCCESS   Stopped" }
        Get-StopRequest | Should -Be @('127.0.0.11 orders-1', '127.0.0.12 orders-2', '127.0.0.13 orders-3')
        (Get-DkvTestLog $script:Manager) | Where-Object { $_.method -eq 'PUT' -and $_.path.EndsWith('/state') } | Should -Not -BeNullOrEmpty
    }

    It 'an answer that is no choice is asked again; lower-case hot keys work' {
        $run = Invoke-DkvConfirmed -Command 'Stop-DkvStore -Name CartStore -Confirm' -Answer maybe, y, n
        $run.Choices | Should -Be 3
        $run.Targets | Should -Be @('cart-1', 'cart-2')
        $run.Text | Should -Match 'StopInstance:cart-1 SUCCESS'
        $run.Text | Should -Not -Match 'StopInstance:cart-2'
        Get-StopRequest | Should -Be @('127.0.0.11 cart-1')
    }

    It '-Force -Confirm names the forced stop and sends force=true for the approved node only' {
        $run = Invoke-DkvConfirmed -Command 'Stop-DkvStore -Name CartStore -Force -Confirm' -Answer N, Y
        $run.Text | Should -Match 'Performing the operation "Stop node \(forced\)" on target "node cart-2 of store CartStore'
        Get-StopRequest | Should -Be @('127.0.0.12 cart-2 force=true')
    }

    It "`$ConfirmPreference = 'Medium' prompts once per node" {
        $run = Invoke-DkvConfirmed -Command "`$ConfirmPreference = 'Medium'; Stop-DkvStore -Name CartStore; `$ConfirmPreference = 'High'" -Answer N, N
        $run.Choices | Should -Be 2
        $run.Targets | Should -Be @('cart-1', 'cart-2')
        Get-StopRequest | Should -BeNullOrEmpty
    }

    It '-WhatIf at the console prints the same lines and sends nothing but discovery' {
        $text = Invoke-DkvTestTerminal -Terminal $script:Terminal -Command 'Stop-DkvStore -Name CartStore -WhatIf'
        $address = Get-DkvTestAddress $script:Manager -Index 1
        $text | Should -Match ([regex]::Escape("What if: Performing the operation `"Stop node (graceful)`" on target `"node cart-2 of store CartStore on manager $address`"."))
        $text | Should -Not -Match 'StopInstance:'
        (Get-DkvTestLog $script:Manager) | Where-Object method -NE GET | Should -BeNullOrEmpty
    }
}

Describe 'A node the library reaches by resolved address' -Tag OwnManager {
    # The store lists its node on server 'localhost' while the operator names the manager 127.0.0.1: the library
    # routes by resolved address (docs/manager-api.md), so the node must be part of the question, never stopped
    # unasked by a whole-store call.
    BeforeAll {
        $layout = [System.IO.Path]::Combine($TestDrive, 'local-layout.json')
        [System.IO.File]::WriteAllText($layout, '{"stores":[{"name":"LocalStore","instances":[{"name":"local-1","server":"localhost"}]}]}')
        $script:Local = Start-DkvTestManager -Hosts @('127.0.0.1') -Layout $layout
    }
    AfterAll { Stop-DkvTestManager $script:Local }

    It '-WhatIf names the manager the library routes it to, and sends nothing but discovery' {
        Reset-DkvTestManager $script:Local
        $address = Get-DkvTestAddress -Manager $script:Local
        $shown = Get-WhatIfText { Stop-DkvStore -Name LocalStore -Managers $address -WhatIf }
        # The library's own plan: matched by resolved address, so the description is exact, not a guess.
        $shown.Text | Should -Match ([regex]::Escape("What if: Performing the operation `"Stop node (graceful)`" on target `"node local-1 of store LocalStore on manager $address`"."))
        @(Get-DkvTestLog -Manager $script:Local | Where-Object { $_.method -ne 'GET' }) | Should -BeNullOrEmpty
        Get-DkvTestStatus -Manager $script:Local -Store LocalStore -Instance local-1 | Should -Be 'Running'
    }

    It 'without -WhatIf the library stops it through that manager' {
        Reset-DkvTestManager $script:Local
        $row = Stop-DkvStore -Name LocalStore -Managers (Get-DkvTestAddress -Manager $script:Local)
        $row.Result | Should -Be 'SUCCESS'
        Get-DkvTestStatus -Manager $script:Local -Store LocalStore -Instance local-1 | Should -Be 'Stopped'
    }
}
