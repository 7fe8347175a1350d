# One failure is exactly one ErrorRecord, attributed to the command, with its documented ErrorId
# (powershell/Clustron.Dkv/README.md, "Error IDs"), seen alike in the four places a user or a script looks:
# `catch` (-ErrorAction Stop), $Error, -ErrorVariable, and the console (ConciseView: "Stop-DkvStore: <message>").
# Nothing internal (no SessionStateException, no Exception: prefix), nothing null.

BeforeDiscovery {
    $script:Cases = . "$PSScriptRoot/Support/ErrorCases.ps1"
}

BeforeAll {
    $script:Cases = . "$PSScriptRoot/Support/ErrorCases.ps1"
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1" -Force
    $script:Manager = Start-DkvTestManager
    $null = Import-DkvTestModule

    function Expand-Case([string]$Text) {
        # 127.0.0.14 is loopback, but nothing listens there.
        $m = $script:Manager
        $Text.Replace('{ALL}', ((Get-DkvTestAddressList -Manager $m) -join ',')).
        Replace('{M1}', (Get-DkvTestAddress -Manager $m -Index 0)).
        Replace('{M2}', (Get-DkvTestAddress -Manager $m -Index 1)).
        Replace('{M3}', (Get-DkvTestAddress -Manager $m -Index 2)).
        Replace('{DEAD}', ('127.0.0.14:{0}' -f $m.Port))
    }

    function Initialize-Case($Case) {
        Reset-DkvTestManager -Manager $script:Manager
        Disconnect-DkvManager
        if ($Case.Fault) { Set-DkvTestFault -Manager $script:Manager -HostName '127.0.0.12' -Fault $Case.Fault }
        if ($Case.Hang) { Set-DkvTestFault -Manager $script:Manager -HostName $Case.Hang -Fault 'hang' }
    }

    function Get-CommandName($Case) { ($Case.Command -split ' ')[0] }

    function Get-InnerRecord($Item) {
        # -ErrorVariable keeps a terminating error as the exception that carries the record, as for compiled cmdlets
        # (Invoke-RestMethod does the same); the record inside is what counts.
        if ($Item -is [System.Management.Automation.ErrorRecord]) { return $Item }
        if ($Item -is [System.Management.Automation.IContainsErrorRecord]) { return $Item.ErrorRecord }
        $null
    }

    function Assert-Record($Record, $Case) {
        $Record | Should -Not -BeNullOrEmpty
        $Record.FullyQualifiedErrorId | Should -BeExactly ('{0},{1}' -f $Case.Id, (Get-CommandName $Case))
        $Record.CategoryInfo.Category | Should -Be $Case.Category
        $Record.Exception.Message | Should -BeLike ('*' + [WildcardPattern]::Escape((Expand-Case $Case.Message)) + '*')
        $Record.InvocationInfo.MyCommand.Name | Should -BeExactly (Get-CommandName $Case)
        if ($null -ne $Case.Target) { $Record.TargetObject | Should -BeExactly $Case.Target }
    }

    function Invoke-Case($Case, [string]$Suffix) {
        # Runs the command as typed at a prompt, with -ErrorVariable captured; returns @{ Caught; Captured }.
        $block = [scriptblock]::Create((Expand-Case $Case.Command) + ' ' + $Suffix + ' -ErrorVariable captured')
        $caught = $null
        $captured = $null
        try { $null = . $block } catch { $caught = $_ }
        @{ Caught = $caught; Captured = @($captured) }
    }
}

AfterAll {
    Disconnect-DkvManager
    Stop-DkvTestManager $script:Manager
}

Describe 'Error records' -Tag Windows {
    It '<Id> from <Command>: catch gets the one record' -ForEach $script:Cases {
        Initialize-Case $_
        $run = Invoke-Case $_ '-ErrorAction Stop'
        Assert-Record $run.Caught $_
        (Get-DkvLive).Operations | Should -Be 0
        (Get-DkvLive).Allocations | Should -Be 0
    }

    It '<Id> from <Command>: $Error gets exactly one record, the documented one' -ForEach $script:Cases {
        Initialize-Case $_
        $Error.Clear()
        $null = Invoke-Case $_ '-ErrorAction SilentlyContinue'
        $Error.Count | Should -Be 1 -Because (($Error | ForEach-Object { "$_" }) -join ' | ')
        Assert-Record (Get-InnerRecord $Error[0]) $_
    }

    It '<Id> from <Command>: -ErrorVariable gets exactly one record, the documented one' -ForEach $script:Cases {
        Initialize-Case $_
        $captured = (Invoke-Case $_ '-ErrorAction SilentlyContinue').Captured
        $captured.Count | Should -Be 1 -Because (($captured | ForEach-Object { "$_" }) -join ' | ')
        $captured[0] | Should -Not -BeNullOrEmpty
        Assert-Record (Get-InnerRecord $captured[0]) $_
    }

    It 'a terminating <Id> ends the statement without -ErrorAction Stop' -ForEach @($script:Cases | Where-Object { $_.Terminating }) {
        Initialize-Case $_
        $run = Invoke-Case $_ ''
        Assert-Record $run.Caught $_
    }

    It 'a non-terminating <Id> lets the script go on and sets $? to false' -ForEach @($script:Cases | Where-Object { -not $_.Terminating }) {
        Initialize-Case $_
        $block = [scriptblock]::Create((Expand-Case $_.Command) + ' -ErrorAction SilentlyContinue; $script:Succeeded = $?; $script:WentOn = $true')
        $script:WentOn = $false
        $null = . $block
        $script:WentOn | Should -BeTrue
        $script:Succeeded | Should -BeFalse
    }

    It 'several failures in one call are one record each, in order, and nothing else' {
        Initialize-Case @{}
        Set-DkvTestFault -Manager $script:Manager -HostName '127.0.0.12' -Fault '500'
        Set-DkvTestFault -Manager $script:Manager -HostName '127.0.0.13' -Fault '500'
        $Error.Clear()
        $rows = Stop-DkvStore -Name OrdersStore -Managers (Get-DkvTestAddressList -Manager $script:Manager) -ErrorVariable captured -ErrorAction SilentlyContinue
        @($rows).Count | Should -Be 3
        @($captured).Count | Should -Be 2
        $Error.Count | Should -Be 2
        @($captured | ForEach-Object { $_.TargetObject }) | Should -Be @('orders-2', 'orders-3')
        @($captured | ForEach-Object { $_.FullyQualifiedErrorId } | Sort-Object -Unique) | Should -Be @('StopFailed,Stop-DkvStore')
        $captured[0].Exception.Data['Clustron.Dkv.HttpStatus'] | Should -Be 500
    }

    It 'a store not found among several piped names is one record for that name; the others are stopped' {
        Initialize-Case @{}
        Connect-DkvManager -Managers (Get-DkvTestAddressList -Manager $script:Manager) | Out-Null
        $Error.Clear()
        $rows = 'NoSuchStore', 'CartStore' | Stop-DkvStore -ErrorVariable captured -ErrorAction SilentlyContinue
        @($captured).Count | Should -Be 1
        $Error.Count | Should -Be 1
        $captured[0].FullyQualifiedErrorId | Should -BeExactly 'StoreNotFound,Stop-DkvStore'
        $captured[0].TargetObject | Should -BeExactly 'NoSuchStore'
        @($rows | Where-Object Result -EQ 'SUCCESS').Count | Should -Be 2
    }

    It 'statuses no manager can provoke still map to their documented ErrorIds: <Id>' -ForEach @(
        @{ Status = 7; Id = 'OperationCancelled'; Category = 'OperationStopped'; Type = [System.OperationCanceledException] }
        @{ Status = 8; Id = 'ProtocolError'; Category = 'ProtocolError'; Type = [System.InvalidOperationException] }
        @{ Status = 9; Id = 'InternalError'; Category = 'NotSpecified'; Type = [System.InvalidOperationException] }
        @{ Status = 42; Id = 'InternalError'; Category = 'NotSpecified'; Type = [System.InvalidOperationException] }
    ) {
        $record = & (Get-Module Clustron.Dkv) {
            param($Status)
            ConvertTo-DkvErrorRecord -Failure (New-DkvFailure -Status $Status -Message 'text from the library') -TargetObject 'OrdersStore'
        } $Status
        $record.FullyQualifiedErrorId | Should -BeExactly $Id
        $record.CategoryInfo.Category | Should -Be $Category
        $record.Exception | Should -BeOfType $Type
        $record.Exception.Message | Should -BeExactly 'text from the library'
        $record.Exception.Data['Clustron.Dkv.Status'] | Should -Be $Status
    }

    It 'failed validation of a parameter is the engine''s one record, naming the parameter' {
        $Error.Clear()
        try { Stop-DkvStore -Name OrdersStore -Managers 127.0.0.11 -TimeoutSec 0 } catch { $caught = $_ }
        $Error.Count | Should -Be 1
        $caught.FullyQualifiedErrorId | Should -BeExactly 'ParameterArgumentValidationError,Stop-DkvStore'
        $caught.Exception.Message | Should -BeLike "*'TimeoutSec'*"
    }
}

Describe 'Error records in the console' -Tag ChildProcess {
    BeforeAll {
        # One child pwsh runs every case, each after a marker line, as a user would type them at a prompt (a
        # statement-terminating error ends only its statement). The manager's faults are set per case from the
        # child itself through the same control endpoint.
        $lines = [System.Collections.Generic.List[string]]::new()
        $lines.Add('Import-Module ''' + ("$PSScriptRoot/Support/DkvTest.psm1").Replace("'", "''") + '''')
        $lines.Add('$m = [pscustomobject]@{ Port = ' + $script:Manager.Port + '; Hosts = @(''127.0.0.11'', ''127.0.0.12'', ''127.0.0.13''); Process = $null }')
        $index = 0
        foreach ($case in $script:Cases) {
            $lines.Add("Reset-DkvTestManager -Manager `$m; Disconnect-DkvManager")
            if ($case.Fault) { $lines.Add("Set-DkvTestFault -Manager `$m -HostName 127.0.0.12 -Fault '$($case.Fault)'") }
            if ($case.Hang) { $lines.Add("Set-DkvTestFault -Manager `$m -HostName $($case.Hang) -Fault hang") }
            # The console writes errors to stderr when it is redirected; the markers go there too, in order.
            $lines.Add("[Console]::Error.WriteLine('=== case $index')")
            $lines.Add((Expand-Case $case.Command) + ' | Out-Null')
            $index++
        }
        $lines.Add("[Console]::Error.WriteLine('=== end')")
        $script:Console = Invoke-DkvChildPwsh -Script ($lines -join "`n") -TimeoutSec 120
        $script:Sections = @{}
        $current = $null
        foreach ($line in $script:Console.Error -split "`r?`n") {
            if ($line -match '^=== case (\d+)$') { $current = [int]$Matches[1]; $script:Sections[$current] = [System.Collections.Generic.List[string]]::new(); continue }
            if ($line -eq '=== end') { $current = $null; continue }
            if ($null -ne $current) { $script:Sections[$current].Add($line) }
        }
    }

    It 'prints <Command> as "<Command>: message", nothing internal' -ForEach @(for ($i = 0; $i -lt $script:Cases.Count; $i++) {
            @{ Index = $i; Case = $script:Cases[$i]; Command = ($script:Cases[$i].Command -split ' ')[0] } }) {
        $text = @($script:Sections[$Index])
        $text.Count | Should -BeGreaterThan 0 -Because ($script:Console.Output + $script:Console.Error)
        # ConciseView: "<Command>: <script>:<line>", then the line, then the message wrapped behind "| ".
        $text[0] | Should -BeLike "$Command*: *"
        $flat = (($text | ForEach-Object { $_ -replace '^\s*\|\s?', '' }) -join ' ') -replace '\s+', ' '
        $flat | Should -BeLike ('*' + [WildcardPattern]::Escape(((Expand-Case $Case.Message) -replace '\s+', ' ')) + '*')
        $flat | Should -Not -Match 'SessionStateException|^Exception:|\bException: '
        @($text | Where-Object { $_ -match '^\S+: ' }).Count | Should -Be 1 -Because ($text -join "`n")
    }
}

Describe 'ConfirmationUnavailable: -Confirm where the console cannot prompt' -Tag ChildProcess {
    # Only a pwsh that cannot prompt shows it, so a child pwsh started with -NonInteractive reports all four views.
    It 'is one record of Stop-DkvStore in catch, $Error, -ErrorVariable and the console, and nothing is sent' {
        Reset-DkvTestManager -Manager $script:Manager
        $managers = (Get-DkvTestAddressList -Manager $script:Manager) -join ','
        $script = @"
try { Stop-DkvStore -Name OrdersStore -Managers $managers -Confirm -ErrorAction Stop } catch { 'catch=' + `$_.FullyQualifiedErrorId }
`$Error.Clear()
Stop-DkvStore -Name OrdersStore -Managers $managers -Confirm -ErrorVariable captured -ErrorAction SilentlyContinue
'error=' + `$Error.Count + ' ' + `$Error[0].FullyQualifiedErrorId
'variable=' + @(`$captured).Count + ' ' + `$captured[0].ErrorRecord.FullyQualifiedErrorId
[Console]::Error.WriteLine('=== console')
Stop-DkvStore -Name OrdersStore -Managers $managers -Confirm
"@
        $run = Invoke-DkvChildPwsh -Script $script
        $run.Output | Should -Match '(?m)^catch=ConfirmationUnavailable,Stop-DkvStore\r?$'
        $run.Output | Should -Match '(?m)^error=1 ConfirmationUnavailable,Stop-DkvStore\r?$'
        $run.Output | Should -Match '(?m)^variable=1 ConfirmationUnavailable,Stop-DkvStore\r?$'
        $console = ($run.Error -split '=== console')[-1]
        @($console -split "`r?`n" | Where-Object { $_ -match '^\S+: ' }).Count | Should -Be 1 -Because $console
        $console | Should -Match '(?m)^Stop-DkvStore: '
        (($console -replace '(?m)^\s*\|\s?', '') -replace '\s+', ' ') | Should -BeLike '*cannot prompt*Nothing was stopped*'
        @(Get-DkvTestLog -Manager $script:Manager) | Should -BeNullOrEmpty
    }
}
