# -Reason on Stop-, Start- and Restart-DkvStore: sent as X-Dkv-Reason with every changing request (the reference
# manager logs it), percent-encoded beyond printable ASCII, never on a GET; an empty reason or one with a control
# character is one InvalidArgument error and nothing is sent; without -Reason no header.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1", "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
    $script:Manager = Start-DkvTestManager
    $null = Import-DkvTestModule
}

AfterAll {
    Stop-DkvTestManager $script:Manager
}

Describe '-Reason' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Clear-DkvTestLog $script:Manager
        Connect-DkvTestSession $script:Manager
    }

    It 'Stop-, Start- and Restart-DkvStore send it with every changing request and with no GET' {
        $reason = 'CHG-1234: patch 50% (für Café)'
        $null = Stop-DkvStore -Name OrdersStore -Reason $reason -Confirm:$false
        $null = Start-DkvStore -Name OrdersStore -Reason $reason -Confirm:$false
        $null = Restart-DkvStore -Name CartStore -InstanceName cart-1 -Reason $reason -Confirm:$false
        $log = Get-DkvTestLog -Manager $script:Manager
        $changes = @($log | Where-Object method -NE 'GET')
        @($changes | Where-Object { $_.path.EndsWith('/stop') }).Count | Should -Be 4
        @($changes | Where-Object { $_.path.EndsWith('/start') }).Count | Should -BeGreaterOrEqual 4
        @($changes | Where-Object method -EQ 'PUT').Count | Should -BeGreaterOrEqual 2
        foreach ($request in $changes) {
            $request.reason | Should -BeExactly 'CHG-1234: patch 50%25 (f%C3%BCr Caf%C3%A9)' -Because "$($request.method) $($request.path)"
        }
        @($log | Where-Object { $_.method -eq 'GET' -and $null -ne $_.reason }).Count | Should -Be 0
    }

    It 'without -Reason no request carries one' {
        $null = Stop-DkvStore -Name OrdersStore -InstanceName orders-1 -Force -Confirm:$false
        $log = Get-DkvTestLog -Manager $script:Manager
        @($log | Where-Object method -EQ 'POST').Count | Should -Be 1
        @($log | Where-Object { $null -ne $_.reason }).Count | Should -Be 0
    }

    It 'the bad reason <Case> on <Command> is one InvalidArgument error saying why, and nothing is sent' -ForEach @(
        @{ Case = "''"; Reason = ''; Command = 'Stop-DkvStore'; Message = 'The reason is empty.' }
        @{ Case = "'   '"; Reason = '   '; Command = 'Start-DkvStore'; Message = 'The reason is empty.' }
        @{ Case = 'with a line break'; Reason = "two`nlines"; Command = 'Restart-DkvStore'; Message = 'control character (U+000A at position 4)' }
        @{ Case = 'with NUL'; Reason = "nul`0"; Command = 'Stop-DkvStore'; Message = 'control character (U+0000 at position 4)' }
        @{ Case = 'of 513 characters'; Reason = ('x' * 513); Command = 'Stop-DkvStore'; Message = '513 characters long; at most 512' }
    ) {
        $rows = @(& $Command -Name OrdersStore -Reason $Reason -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue)
        $rows.Count | Should -Be 0
        @($failures).Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeExactly "InvalidArgument,$Command"
        $failures[0].Exception.Message | Should -BeLike "*$Message*"
        (Get-DkvTestLog -Manager $script:Manager).Count | Should -Be 0 -Because 'nothing is sent'
    }

    It '-WhatIf checks the reason too, before anything is sent' {
        $null = Stop-DkvStore -Name OrdersStore -Reason "a`tb" -WhatIf -ErrorVariable failures -ErrorAction SilentlyContinue
        @($failures).Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeExactly 'InvalidArgument,Stop-DkvStore'
        (Get-DkvTestLog -Manager $script:Manager).Count | Should -Be 0
    }
}
