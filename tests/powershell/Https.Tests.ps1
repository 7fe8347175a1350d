# https managers as operators address them (issue 14): by IP and by name, a certificate from a CA the platform trusts
# is verified and one from an untrusted CA is refused; -SkipCertificateCheck gets through, with a warning. The CA is
# made at test time (tests/support/make-test-pki.sh) and trusted the platform's way: SSL_CERT_FILE for OpenSSL on
# Linux (tests/powershell/run.sh), the Wine prefix's LocalMachine\Root store for SChannel (tests/windows/pwsh.sh).
# Two managers serve the demo layout over https: one with a certificate from the trusted CA, one ("rogue") with
# the same names from a CA nobody trusts. Under Wine they run on Linux (DKV_TEST_TLS_PORT, DKV_TEST_TLS_ROGUE_PORT).

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1" -Force
    $null = Import-DkvTestModule
    $script:Started = @()
    if ($env:DKV_TEST_TLS_PORT) {
        $script:TlsPort = [int]$env:DKV_TEST_TLS_PORT
        $script:RoguePort = [int]$env:DKV_TEST_TLS_ROGUE_PORT
    }
    else {
        $pki = $env:DKV_TEST_PKI
        if (-not $pki) { throw 'DKV_TEST_PKI is not set: run the suite through tests/powershell/run.sh, which makes the test CA.' }
        # 127.0.0.1 too, so a manager addressed as localhost is there.
        $hosts = @('127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.1')
        $trusted = Start-DkvTestManager -Hosts $hosts -ArgumentList @('--tls-cert', "$pki/server.pem", '--tls-key', "$pki/server.key")
        $rogue = Start-DkvTestManager -Hosts $hosts -ArgumentList @('--tls-cert', "$pki/rogue.pem", '--tls-key', "$pki/rogue.key")
        $script:Started = @($trusted, $rogue)
        $script:TlsPort = $trusted.Port
        $script:RoguePort = $rogue.Port
    }
}

AfterAll {
    Disconnect-DkvManager
    foreach ($manager in $script:Started) { Stop-DkvTestManager $manager }
}

Describe 'https managers' -Tag Windows {
    BeforeEach { Disconnect-DkvManager }

    It 'a certificate from a trusted CA is verified for a manager addressed <Case>' -ForEach @(
        @{ Case = 'by IP'; HostName = '127.0.0.11' }
        @{ Case = 'by name'; HostName = 'localhost' }
    ) {
        $store = Get-DkvStore -Name OrdersStore -Managers "https://${HostName}:$($script:TlsPort)"
        $store.Name | Should -Be 'OrdersStore'
        @($store.Instances).Count | Should -Be 3
        (Get-DkvLive).Allocations | Should -Be 0
    }

    It 'a node is stopped over https through the manager on its server, addressed by IP' {
        $managers = @(foreach ($h in '127.0.0.11', '127.0.0.12', '127.0.0.13') { "https://${h}:$($script:TlsPort)" })
        $row = Stop-DkvStore -Name CartStore -InstanceName cart-2 -Force -Managers $managers
        $row.Result | Should -Be 'SUCCESS'
        $row.Manager | Should -BeLike "*127.0.0.12:$($script:TlsPort)"
    }

    It 'a certificate from an untrusted CA is refused for a manager addressed <Case>, as one error naming it' -ForEach @(
        @{ Case = 'by IP'; HostName = '127.0.0.11' }
        @{ Case = 'by name'; HostName = 'localhost' }
    ) {
        $Error.Clear()
        $store = Get-DkvStore -Name OrdersStore -Managers "https://${HostName}:$($script:RoguePort)" -TimeoutSec 10 `
            -ErrorVariable failures -ErrorAction SilentlyContinue
        $store | Should -BeNullOrEmpty
        @($failures).Count | Should -Be 1
        $Error.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'ManagerUnreachable,Get-DkvStore'
        $failures[0].Exception.Message | Should -Match '(?i)certificate|trust'
    }

    It '-SkipCertificateCheck gets through to the untrusted manager, and says so' {
        $session = Connect-DkvManager -Managers "https://127.0.0.11:$($script:RoguePort)" -SkipCertificateCheck -WarningVariable warned -WarningAction SilentlyContinue
        $session.SkipCertificateCheck | Should -BeTrue
        @($warned).Count | Should -Be 1
        "$($warned[0])" | Should -BeLike '*Certificate verification is off*'
        (Get-DkvStore -Name OrdersStore).Name | Should -Be 'OrdersStore'
    }
}
