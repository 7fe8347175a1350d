# The audit trail in real pwsh: Connect-DkvManager -AuditLog (or CLUSTRON_DKV_AUDIT_LOG) makes every Stop-, Start-
# and Restart-DkvStore append a JSON line when it begins (command and parameters as bound, never a credential,
# managers, store, the nodes it will touch, the reason) and one when it ends (each node's result and whether its
# request was sent, duration, outcome), tied by operationId; -WhatIf writes nothing; an audit log that cannot be
# written stops the command before anything is sent. Concurrent writers: tests/audit.rs (several processes).

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1", "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
    $script:Manager = Start-DkvTestManager
    $null = Import-DkvTestModule

    function Read-AuditLine {
        param([Parameter(Mandatory)][string]$Path)
        if (-not (Test-Path -LiteralPath $Path)) { return , @() }
        , @(Get-Content -LiteralPath $Path | ForEach-Object { $_ | ConvertFrom-Json })
    }
}

AfterAll {
    Stop-DkvTestManager $script:Manager
    $env:CLUSTRON_DKV_AUDIT_LOG = $null
}

Describe 'Audit trail' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Clear-DkvTestLog $script:Manager
        Disconnect-DkvManager
        $env:CLUSTRON_DKV_AUDIT_LOG = $null
        $script:Log = Join-Path $TestDrive ('audit-{0}.jsonl' -f [Guid]::NewGuid().ToString('N'))
    }

    It 'a stop writes a begin line naming its nodes and an end line with their results, tied by operationId' {
        $session = Connect-DkvManager -Managers (Get-DkvTestAddressList -Manager $script:Manager) -AuditLog $script:Log
        $session.AuditLog | Should -BeExactly $script:Log
        $rows = @('OrdersStore' | Stop-DkvStore -InstanceName orders-2 -Force -Reason 'CHG-9: disk swap' -Confirm:$false)
        $rows.Count | Should -Be 1
        $lines = Read-AuditLine -Path $script:Log
        $lines.Count | Should -Be 2
        $begin, $end = $lines
        $begin.event | Should -BeExactly 'begin'
        $end.event | Should -BeExactly 'end'
        $end.operationId | Should -BeExactly $begin.operationId
        $begin.command | Should -BeExactly 'Stop-DkvStore'
        $begin.parameters.Name | Should -BeExactly 'OrdersStore' -Because 'a name bound from the pipeline is in the parameters as bound'
        $begin.parameters.InstanceName | Should -BeExactly 'orders-2'
        $begin.parameters.Force | Should -BeTrue
        $begin.parameters.Reason | Should -BeExactly 'CHG-9: disk swap'
        $begin.reason | Should -BeExactly 'CHG-9: disk swap'
        $begin.store | Should -BeExactly 'OrdersStore'
        $begin.processId | Should -Be $PID
        $begin.machine | Should -Not -BeNullOrEmpty
        $begin.user | Should -Not -BeNullOrEmpty
        # The raw text: ConvertFrom-Json turns the time into a DateTime.
        @(Get-Content -LiteralPath $script:Log)[0] | Should -Match '"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"'
        @($begin.managers).Count | Should -Be 3
        @($begin.nodes.instance) | Should -Be @('orders-2')
        $end.outcome | Should -BeExactly 'succeeded'
        $end.nodes[0].instance | Should -BeExactly 'orders-2'
        $end.nodes[0].result | Should -BeExactly 'SUCCESS'
        $end.nodes[0].requestSent | Should -BeTrue
        $end.durationMs | Should -BeGreaterOrEqual 0
    }

    It 'Start- and Restart-DkvStore are recorded too, each operation with its own id' {
        $null = Connect-DkvManager -Managers (Get-DkvTestAddressList -Manager $script:Manager) -AuditLog $script:Log
        $null = Stop-DkvStore -Name CartStore -InstanceName cart-1 -Force -Confirm:$false
        $null = Start-DkvStore -Name CartStore -InstanceName cart-1 -Confirm:$false
        $null = Restart-DkvStore -Name CartStore -InstanceName cart-2 -Confirm:$false
        $lines = Read-AuditLine -Path $script:Log
        @($lines.command) | Should -Be @('Stop-DkvStore', 'Stop-DkvStore', 'Start-DkvStore', 'Start-DkvStore', 'Restart-DkvStore', 'Restart-DkvStore')
        @($lines.operationId | Select-Object -Unique).Count | Should -Be 3
        $lines[5].nodes[0].result | Should -BeExactly 'SUCCESS'
        $lines[5].reason | Should -BeNullOrEmpty
    }

    It '-WhatIf writes nothing' {
        $null = Connect-DkvManager -Managers (Get-DkvTestAddressList -Manager $script:Manager) -AuditLog $script:Log
        $null = Stop-DkvStore -Name OrdersStore -Reason 'just looking' -WhatIf
        $null = Restart-DkvStore -Name OrdersStore -WhatIf
        (Read-AuditLine -Path $script:Log).Count | Should -Be 0
    }

    It 'CLUSTRON_DKV_AUDIT_LOG names the log when Connect-DkvManager gave none' {
        $env:CLUSTRON_DKV_AUDIT_LOG = $script:Log
        $null = Stop-DkvStore -Name OrdersStore -InstanceName orders-3 -Force -Managers (Get-DkvTestAddressList -Manager $script:Manager) -Confirm:$false
        $lines = Read-AuditLine -Path $script:Log
        $lines.Count | Should -Be 2
        $lines[0].parameters.Managers.Count | Should -Be 3
    }

    It 'Connect-DkvManager -AuditLog in a missing folder is refused, and no session is made' {
        $missing = Join-Path $TestDrive 'no-such-folder/audit.jsonl'
        { Connect-DkvManager -Managers 127.0.0.11 -AuditLog $missing -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidAuditLog,Connect-DkvManager' -ExpectedMessage "*cannot be written*create its folder*"
        { Stop-DkvStore -Name OrdersStore -ErrorAction Stop } | Should -Throw -ErrorId 'NoManagers,Stop-DkvStore'
    }

    It 'an audit log that cannot be written when the command runs: one error saying why, and nothing is sent' {
        $env:CLUSTRON_DKV_AUDIT_LOG = $TestDrive
        $rows = @(Stop-DkvStore -Name OrdersStore -Managers (Get-DkvTestAddressList -Manager $script:Manager) -Confirm:$false `
                -ErrorVariable failures -ErrorAction SilentlyContinue)
        $rows.Count | Should -Be 0
        @($failures).Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeExactly 'InvalidArgument,Stop-DkvStore'
        $failures[0].Exception.Message | Should -BeLike "The audit log '$TestDrive' cannot be written (*); nothing was sent.*"
        (Get-DkvTestLog -Manager $script:Manager).Count | Should -Be 0
    }
}
