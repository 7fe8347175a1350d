# Strings the native library cannot take (issue 24): a NUL cuts a C string short, so the library would act on a
# store, node or manager the user did not name; an unpaired UTF-16 surrogate has no UTF-8 form and would arrive as
# U+FFFD. Every parameter that crosses into the library is refused with its documented ErrorId, a message naming
# the parameter, the problem, the position and the fix, and nothing is sent. Also: a piped object without a usable
# Name is refused (never bound as its text), and a store document that lists one node name twice is a ProtocolError
# naming both servers. The messages are the rows of docs/bad-input.md marked "(module)"; this file runs them.

BeforeDiscovery {
    $nul = [string][char]0
    $lone = [string][char]0xD800
    $script:NameCases = @(
        @{ Command = 'Stop-DkvStore'; Extra = '-Force' }
        @{ Command = 'Start-DkvStore'; Extra = '' }
        @{ Command = 'Restart-DkvStore'; Extra = '' }
        @{ Command = 'Get-DkvStore'; Extra = '' }
    )
    $script:ModuleRows = @(
        # Row ID, the command (placeholders {ALL}: -Managers of the three managers, {NUL}, {LONE}), ErrorId, whether
        # the error is terminating.
        @{ Id = 'B66'; Command = 'Stop-DkvStore -Name "OrdersStore{NUL}Test" -Force -Managers {ALL}'; ErrorId = 'InvalidArgument'; Terminating = $false; Target = "OrdersStore${nul}Test" }
        @{ Id = 'B67'; Command = 'Stop-DkvStore -Name OrdersStore -InstanceName "orders-1{NUL}x" -Force -Managers {ALL}'; ErrorId = 'InvalidArgument'; Terminating = $false; Target = "orders-1${nul}x" }
        @{ Id = 'B68'; Command = 'Stop-DkvStore -Name "A{LONE}B" -Force -Managers {ALL}'; ErrorId = 'InvalidArgument'; Terminating = $false; Target = "A${lone}B" }
        @{ Id = 'B69'; Command = 'Stop-DkvStore -Name OrdersStore -Force -Managers "127.0.0.11{NUL}x"'; ErrorId = 'InvalidManagerAddress'; Terminating = $true; Target = "127.0.0.11${nul}x" }
        @{ Id = 'B70'; Command = 'Connect-DkvManager -Managers {ALL} -Credential ([pscredential]::new("admin", (New-SecretText "pass{NUL}word")))'; ErrorId = 'InvalidArgument'; Terminating = $true; Target = $null }
        @{ Id = 'B71'; Command = 'Connect-DkvManager -Managers {ALL} -Token (New-SecretText "tok{LONE}en")'; ErrorId = 'InvalidArgument'; Terminating = $true; Target = $null }
        @{ Id = 'B72'; Command = '[pscustomobject]@{ Name = $null } | Stop-DkvStore -Force -Managers {ALL}'; ErrorId = 'InvalidArgument'; Terminating = $false; Target = '{OBJECT}' }
    )
}

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1", "$PSScriptRoot/Support/DkvAssertions.psm1" -Force
    $script:Manager = Start-DkvTestManager
    $null = Import-DkvTestModule
    $script:Nul = [string][char]0
    $script:Lone = [string][char]0xD800

    function New-SecretText {
        # A SecureString of exactly this text (ConvertTo-SecureString -AsPlainText stops at a NUL).
        param([Parameter(Mandatory)][string]$Text)
        $secret = [System.Security.SecureString]::new()
        foreach ($c in $Text.ToCharArray()) { $secret.AppendChar($c) }
        $secret.MakeReadOnly()
        $secret
    }

    function Get-BadInputRow {
        # The Outcome of a docs/bad-input.md row, as tests/bad_input.rs reads it.
        param([Parameter(Mandatory)][string]$Id)
        $doc = [System.IO.File]::ReadAllLines([System.IO.Path]::Combine((Get-DkvTestRepo), 'docs', 'bad-input.md'))
        foreach ($line in $doc) {
            if (-not $line.StartsWith("| $Id | ")) { continue }
            $cells = $line -split ' \| '
            return $cells[$cells.Length - 1].TrimEnd(' ', '|').Trim().Trim('`')
        }
        throw "docs/bad-input.md has no row $Id"
    }

    function Expand-TextCommand {
        param([Parameter(Mandatory)][string]$Command)
        $all = (Get-DkvTestAddressList -Manager $script:Manager) -join ','
        $Command.Replace('{ALL}', $all).Replace('{NUL}', '$([char]0)').Replace('{LONE}', '$([char]0xD800)')
    }

    function Invoke-TextCommand {
        # Runs the command text; returns @{ Caught (a terminating error), Errors (-ErrorVariable), Output }.
        param([Parameter(Mandatory)][string]$Command, [switch]$Terminating)
        $global:Error.Clear()
        $caught = $null
        $failures = $null
        $common = '-ErrorVariable +failures -ErrorAction SilentlyContinue'
        # Continue, whatever the preference the module sees: only a terminating error may reach the catch.
        if ($Terminating) { $common = '-ErrorVariable +failures -ErrorAction Continue' }
        $block = [scriptblock]::Create("$(Expand-TextCommand $Command) $common")
        $output = @(try { . $block } catch { $caught = $_ })
        [pscustomobject]@{ Caught = $caught; Errors = @($failures); Output = $output }
    }
}

AfterAll {
    Stop-DkvTestManager $script:Manager
}

Describe 'A string the native library cannot take is refused before anything is sent' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
        $Error.Clear()
    }

    It '<Id>: <Command>' -ForEach $script:ModuleRows {
        $expected = Get-BadInputRow -Id $Id
        $outcome = Invoke-TextCommand -Command $Command -Terminating:$Terminating
        if ($Terminating) {
            $outcome.Caught | Should -Not -BeNullOrEmpty -Because 'the error is terminating'
            $record = $outcome.Caught
        }
        else {
            $outcome.Caught | Should -BeNullOrEmpty
            $outcome.Errors.Count | Should -Be 1
            $record = $outcome.Errors[0]
        }
        $global:Error.Count | Should -Be 1 -Because 'one failure is one record in $Error'
        $record.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $record.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $record.Exception | Should -BeOfType [System.ArgumentException]
        $record.Exception.Message | Should -BeExactly $expected
        if ($Target -eq '{OBJECT}') { $record.TargetObject.PSObject.Properties['Name'] | Should -Not -BeNullOrEmpty }
        else { $record.TargetObject | Should -BeExactly $Target }
        @($outcome.Output | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] }).Count | Should -Be 0
        (Get-DkvTestLog -Manager $script:Manager).Count | Should -Be 0 -Because 'nothing may be sent for a refused string'
        Get-DkvTestStatusText $script:Manager | Should -Be @('orders-1 Running', 'orders-2 Running', 'orders-3 Running')
        Assert-DkvTestNothingHeld
    }

    It '<Command> refuses a NUL and a lone surrogate in -Name, and -InstanceName where it has one' -ForEach $script:NameCases {
        $all = Get-DkvTestAddressList -Manager $script:Manager
        $names = @("Orders$($script:Nul)Store", "Orders$($script:Lone)Store")
        foreach ($name in $names) {
            $global:Error.Clear()
            $extra = @{}
            if ($Extra -eq '-Force') { $extra.Force = $true }
            $rows = @(& $Command -Name $name -Managers $all @extra -ErrorVariable failures -ErrorAction SilentlyContinue)
            $rows.Count | Should -Be 0
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be "InvalidArgument,$Command"
            $failures[0].Exception.Message | Should -BeLike '-Name holds *at position 7. *nothing was sent. Remove *'
            $failures[0].TargetObject | Should -BeExactly $name
            $global:Error.Count | Should -Be 1
        }
        if ($Command -ne 'Get-DkvStore') {
            $global:Error.Clear()
            $extra = @{}
            if ($Extra -eq '-Force') { $extra.Force = $true }
            $null = & $Command -Name OrdersStore -InstanceName "orders-1$($script:Lone)" -Managers $all @extra -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be "InvalidArgument,$Command"
            $failures[0].Exception.Message | Should -BeLike '-InstanceName holds an unpaired UTF-16 surrogate (U+D800) at position 9.*'
        }
        (Get-DkvTestLog -Manager $script:Manager).Count | Should -Be 0
        Assert-DkvTestNothingHeld
    }

    It '-WhatIf and -Confirm refuse the name too, before planning sends anything' {
        $all = Get-DkvTestAddressList -Manager $script:Manager
        $null = Stop-DkvStore -Name "OrdersStore$($script:Nul)" -Managers $all -WhatIf -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,Stop-DkvStore'
        (Get-DkvTestLog -Manager $script:Manager).Count | Should -Be 0
    }

    It 'a name with a NUL in a session command refuses that name only; the next piped name is stopped' {
        Connect-DkvTestSession $script:Manager
        $rows = @("OrdersStore$($script:Nul)Test", 'CartStore' | Stop-DkvStore -Force -ErrorVariable failures -ErrorAction SilentlyContinue)
        $failures.Count | Should -Be 1
        $failures[0].Exception.Message | Should -BeLike "-Name holds a NUL character (U+0000) at position 12. *'OrdersStore'*"
        @($rows.Store | Sort-Object -Unique) | Should -Be @('CartStore')
        Get-DkvTestStatusText $script:Manager | Should -Be @('orders-1 Running', 'orders-2 Running', 'orders-3 Running')
        @(Get-DkvTestLog -Manager $script:Manager | Where-Object { $_.path -like '*OrdersStore*' }).Count | Should -Be 0
    }

    It 'every -Managers command and Connect-DkvManager refuse an address with a NUL as InvalidManagerAddress' {
        $good = Get-DkvTestAddress -Manager $script:Manager -Index 1
        $bad = "127.0.0.11$($script:Nul)x"
        foreach ($command in 'Get-DkvStore -Name OrdersStore', 'Stop-DkvStore -Name OrdersStore -Force', 'Start-DkvStore -Name OrdersStore', 'Restart-DkvStore -Name OrdersStore', 'Connect-DkvManager') {
            $global:Error.Clear()
            $caught = $null
            try { $null = & ([scriptblock]::Create("$command -Managers `$args[0], `$args[1]")) $good $bad } catch { $caught = $_ }
            $caught | Should -Not -BeNullOrEmpty -Because "$command must refuse the address"
            $caught.FullyQualifiedErrorId | Should -BeLike 'InvalidManagerAddress,*'
            $caught.Exception.Message | Should -BeLike "-Managers item 2 holds a NUL character (U+0000) at position 11. *'127.0.0.11'*"
            $global:Error.Count | Should -Be 1
        }
        (Get-DkvTestLog -Manager $script:Manager).Count | Should -Be 0
        Assert-DkvTestNothingHeld
    }

    It 'Connect-DkvManager refuses a NUL in the user name, and a lone surrogate in the password, naming neither secret' {
        $all = Get-DkvTestAddressList -Manager $script:Manager
        $password = New-SecretText "S3cr3t$($script:Lone)"
        $caught = $null
        try { Connect-DkvManager -Managers $all -Credential ([pscredential]::new("adm$($script:Nul)in", $password)) } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -Be 'InvalidArgument,Connect-DkvManager'
        $caught.Exception.Message | Should -BeLike "The user name of -Credential holds a NUL character (U+0000) at position 4. *'adm'*"
        $caught = $null
        try { Connect-DkvManager -Managers $all -Credential ([pscredential]::new('admin', $password)) } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -Be 'InvalidArgument,Connect-DkvManager'
        $caught.Exception.Message | Should -BeLike 'The password of -Credential holds an unpaired UTF-16 surrogate (U+D800) at position 7.*'
        $caught.Exception.Message | Should -Not -BeLike '*S3cr3t*'
        $caught.TargetObject | Should -BeNullOrEmpty
        & (Get-Module Clustron.Dkv) { $script:DkvSession } | Should -BeNullOrEmpty -Because 'no session is made'
        Assert-DkvTestNothingHeld
    }

    It 'a refused string leaves nothing pending: the next command runs normally' {
        $all = Get-DkvTestAddressList -Manager $script:Manager
        $null = Get-DkvStore -Name "x$($script:Nul)" -Managers $all -ErrorAction SilentlyContinue
        $store = Get-DkvStore -Name OrdersStore -Managers $all
        $store.Name | Should -Be 'OrdersStore'
    }
}

Describe 'An object piped in without a usable Name is refused, never bound as its text' -Tag Windows {
    BeforeEach {
        Reset-DkvTestManager $script:Manager
        Disconnect-DkvManager
        $Error.Clear()
    }

    It '<Command> refuses [pscustomobject]@{ Name = $null } and a hashtable, and goes on with the next input' -ForEach $script:NameCases {
        Connect-DkvTestSession $script:Manager
        $inputs = @([pscustomobject]@{ Name = $null }, @{ Name = 'OrdersStore' }, 'CartStore')
        $extra = @{}
        if ($Extra -eq '-Force') { $extra.Force = $true }
        $global:Error.Clear()
        $output = @($inputs | & $Command @extra -ErrorVariable failures -ErrorAction SilentlyContinue)
        $global:Error.Count | Should -Be 2
        if ($Command -eq 'Get-DkvStore') {
            # Its -Name is a [string[]] with [ValidateNotNull()] (optional since it lists every store without one):
            # PowerShell's binder refuses the $null itself (in $Error, not -ErrorVariable), never as text.
            $global:Error[1].FullyQualifiedErrorId | Should -Be 'ParameterArgumentValidationError,Get-DkvStore'
            $global:Error[1].Exception.Message | Should -BeLike "*'Name'*null*"
            $failures = @($null) + @($failures)
        }
        else {
            $failures[0].FullyQualifiedErrorId | Should -Be "InvalidArgument,$Command"
            $failures[0].Exception.Message | Should -BeLike "The object piped to $Command has no usable Name*PSCustomObject*"
            $failures[0].Exception.Message | Should -Not -BeLike '*@{Name=}*'
        }
        $failures.Count | Should -Be 2
        $failures[1].FullyQualifiedErrorId | Should -Be "InvalidArgument,$Command"
        $failures[1].Exception.Message | Should -BeLike "The object piped to $Command has no usable Name*"
        $failures[1].Exception.Message | Should -BeLike '*System.Collections.Hashtable*'
        @(Get-DkvTestLog -Manager $script:Manager | Where-Object { $_.path -notlike '*CartStore*' }).Count | Should -Be 0 -Because 'only CartStore is asked about'
        if ($Command -eq 'Get-DkvStore') { @($output.Name) | Should -Be @('CartStore') }
        else { @($output.Store | Sort-Object -Unique) | Should -Be @('CartStore') }
    }

    It 'objects with Name, Store or StoreName and strings still bind as before' {
        Connect-DkvTestSession $script:Manager
        $stores = @([pscustomobject]@{ StoreName = 'CartStore' }, 'OrdersStore' | Get-DkvStore)
        @($stores.Name) | Should -Be @('CartStore', 'OrdersStore')
        $rows = @([pscustomobject]@{ Store = 'OrdersStore'; InstanceName = 'orders-2' } | Stop-DkvStore -Force)
        @($rows.Instance) | Should -Be @('orders-2')
        $Error.Count | Should -Be 0
    }
}

Describe 'A store document that lists one node name twice' -Tag Windows {
    BeforeAll {
        function Start-TwinManager {
            # A manager with the documented API only, that answers discovery of OrdersStore with orders-1 on
            # 127.0.0.11 and again on 127.0.0.12, and 404 to everything else. Records each request line.
            $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
            $listener.Start()
            $lines = [System.Collections.ArrayList]::Synchronized([System.Collections.ArrayList]::new())
            $serve = {
                param($Listener, $Lines)
                while ($true) {
                    try { $client = $Listener.AcceptTcpClient() } catch { return }
                    try {
                        $stream = $client.GetStream()
                        $stream.ReadTimeout = 5000
                        $head = [System.Text.StringBuilder]::new()
                        $buffer = [byte[]]::new(4096)
                        while (-not $head.ToString().Contains("`r`n`r`n")) {
                            $n = $stream.Read($buffer, 0, $buffer.Length)
                            if ($n -le 0) { break }
                            $null = $head.Append([System.Text.Encoding]::ASCII.GetString($buffer, 0, $n))
                        }
                        $line = $head.ToString().Split("`r")[0]
                        $null = $Lines.Add($line)
                        if ($line -eq 'GET /admin/v1/stores/OrdersStore HTTP/1.1') {
                            $status = '200 OK'
                            $text = '{"name":"OrdersStore","instances":[{"name":"orders-1","server":"127.0.0.11","status":"Running"},' +
                            '{"name":"orders-2","server":"127.0.0.11","status":"Running"},{"name":"orders-1","server":"127.0.0.12","status":"Running"}]}'
                        }
                        else {
                            $status = '404 Not Found'
                            $text = '{"error":{"code":"NotFound","message":"not here"}}'
                        }
                        $body = [System.Text.Encoding]::UTF8.GetBytes($text)
                        $answer = [System.Text.Encoding]::ASCII.GetBytes(
                            "HTTP/1.1 $status`r`nContent-Type: application/json`r`nContent-Length: $($body.Length)`r`nConnection: close`r`n`r`n")
                        $stream.Write($answer, 0, $answer.Length)
                        $stream.Write($body, 0, $body.Length)
                    }
                    catch { $null = $_ }
                    finally { $client.Dispose() }
                }
            }
            $ps = [powershell]::Create()
            $null = $ps.AddScript($serve.ToString()).AddArgument($listener).AddArgument($lines)
            $pending = $ps.BeginInvoke()
            [pscustomobject]@{ Listener = $listener; Lines = $lines; PowerShell = $ps; Pending = $pending; Address = "127.0.0.1:$($listener.LocalEndpoint.Port)" }
        }
        $script:Twin = Start-TwinManager
    }

    AfterAll {
        $script:Twin.Listener.Stop()
        $null = $script:Twin.Pending.AsyncWaitHandle.WaitOne(5000)
        $script:Twin.PowerShell.Dispose()
    }

    BeforeEach { $script:Twin.Lines.Clear(); $Error.Clear() }

    It '<Case> is a ProtocolError naming both servers, and only discovery is sent' -ForEach @(
        @{ Case = 'Stop-DkvStore -InstanceName orders-1 -Force'; Command = 'Stop-DkvStore'; Arguments = @{ InstanceName = 'orders-1'; Force = $true } }
        @{ Case = 'Stop-DkvStore (whole store)'; Command = 'Stop-DkvStore'; Arguments = @{} }
        @{ Case = 'Stop-DkvStore -InstanceName orders-2'; Command = 'Stop-DkvStore'; Arguments = @{ InstanceName = 'orders-2' } }
        @{ Case = 'Start-DkvStore'; Command = 'Start-DkvStore'; Arguments = @{} }
        @{ Case = 'Restart-DkvStore'; Command = 'Restart-DkvStore'; Arguments = @{} }
        @{ Case = 'Stop-DkvStore -WhatIf'; Command = 'Stop-DkvStore'; Arguments = @{ WhatIf = $true } }
    ) {
        $global:Error.Clear()
        $rows = @(& $Command -Name OrdersStore -Managers $script:Twin.Address @Arguments -ErrorVariable failures -ErrorAction SilentlyContinue)
        $rows.Count | Should -Be 0
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be "ProtocolError,$Command"
        $failures[0].Exception.Message | Should -BeExactly (
            "Manager $($script:Twin.Address) lists node 'orders-1' of store 'OrdersStore' twice: on server 127.0.0.11 and on " +
            "server 127.0.0.12. A node name must name one node, so nothing was stopped or started; fix the store's " +
            'configuration on the managers.')
        @($script:Twin.Lines) | Should -Be @('GET /admin/v1/stores/OrdersStore HTTP/1.1') -Because 'nothing but discovery may be sent'
        Assert-DkvTestNothingHeld
    }

    It 'Get-DkvStore refuses the answer the same way' {
        $null = Get-DkvStore -Name OrdersStore -Managers $script:Twin.Address -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'ProtocolError,Get-DkvStore'
        $failures[0].Exception.Message | Should -BeLike "*'orders-1'*127.0.0.11*127.0.0.12*"
    }
}
