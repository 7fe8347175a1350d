# The numbers the module must write down itself (parameter defaults and ranges Get-Help shows, the stop flag bits)
# are the library's, read from include/clustron_dkv.h: the documented contract keeps its literals, and this test
# keeps them from drifting away from the one place they are defined.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/DkvTest.psm1" -Force
    $null = Import-DkvTestModule
    $header = [System.IO.File]::ReadAllText([System.IO.Path]::Combine((Get-DkvTestRepo), 'include', 'clustron_dkv.h'))

    function Get-HeaderNumber {
        # A `#define NAME n` or an enum item `NAME = n,` of the header.
        param([Parameter(Mandatory)][string]$Name)
        $match = [regex]::Match($header, "(?m)^\s*(?:#define\s+$Name\s+|$Name\s*=\s*)(-?\d+)")
        if (-not $match.Success) { throw "include/clustron_dkv.h does not define $Name" }
        [long]$match.Groups[1].Value
    }

    function Get-ParameterDefault {
        param([Parameter(Mandatory)][string]$Command, [Parameter(Mandatory)][string]$Parameter)
        $ast = (Get-Command $Command).ScriptBlock.Ast
        $param = $ast.Body.ParamBlock.Parameters | Where-Object { $_.Name.VariablePath.UserPath -eq $Parameter }
        [long]$param.DefaultValue.Value
    }

    function Get-ParameterRange {
        param([Parameter(Mandatory)][string]$Command, [Parameter(Mandatory)][string]$Parameter)
        $range = (Get-Command $Command).Parameters[$Parameter].Attributes |
            Where-Object { $_ -is [System.Management.Automation.ValidateRangeAttribute] }
        @([long]$range.MinRange, [long]$range.MaxRange)
    }
}

Describe 'Parameter defaults and ranges are the header''s' -Tag Windows {
    It '<Command> -Port defaults to DKV_DEFAULT_PORT' -ForEach @(
        @{ Command = 'Stop-DkvStore' }, @{ Command = 'Get-DkvStore' }, @{ Command = 'Connect-DkvManager' }
    ) {
        Get-ParameterDefault -Command $Command -Parameter Port | Should -Be (Get-HeaderNumber DKV_DEFAULT_PORT)
    }

    It '<Command> -TimeoutSec defaults to DKV_DEFAULT_TIMEOUT_SEC, 1 to DKV_MAX_TIMEOUT_SEC' -ForEach @(
        @{ Command = 'Stop-DkvStore' }, @{ Command = 'Get-DkvStore' }, @{ Command = 'Connect-DkvManager' }
    ) {
        Get-ParameterDefault -Command $Command -Parameter TimeoutSec | Should -Be (Get-HeaderNumber DKV_DEFAULT_TIMEOUT_SEC)
        Get-ParameterRange -Command $Command -Parameter TimeoutSec | Should -Be @(1, (Get-HeaderNumber DKV_MAX_TIMEOUT_SEC))
    }

    It 'Stop-DkvStore -ThrottleLimit defaults to DKV_DEFAULT_THROTTLE, 1 to DKV_MAX_THROTTLE' {
        Get-ParameterDefault -Command Stop-DkvStore -Parameter ThrottleLimit | Should -Be (Get-HeaderNumber DKV_DEFAULT_THROTTLE)
        Get-ParameterRange -Command Stop-DkvStore -Parameter ThrottleLimit | Should -Be @(1, (Get-HeaderNumber DKV_MAX_THROTTLE))
    }

    It 'the module''s stop flag bits are DKV_STOP_*' {
        $flags = & (Get-Module Clustron.Dkv) { $script:DkvStopFlags }
        [long]$flags.Force | Should -Be (Get-HeaderNumber DKV_STOP_FORCE)
        [long]$flags.Parallel | Should -Be (Get-HeaderNumber DKV_STOP_PARALLEL)
        [long]$flags.FailFast | Should -Be (Get-HeaderNumber DKV_STOP_FAIL_FAST)
    }

    It 'the no-managers text comes from the library, and the module has no copy of it' {
        $text = & (Get-Module Clustron.Dkv) { Read-DkvUtf8 -Pointer ((Get-DkvNative)::dkv_no_managers_message()) }
        $text | Should -Be 'No managers connected. Use Connect-DkvManager or specify -Managers.'
        $private = [System.IO.Path]::Combine((Get-DkvTestRepo), 'powershell', 'Clustron.Dkv', 'Private')
        foreach ($file in [System.IO.Directory]::GetFiles($private, '*.ps1')) {
            [System.IO.File]::ReadAllText($file) | Should -Not -Match ([regex]::Escape($text)) -Because "$file must take it from the library"
        }
    }
}
