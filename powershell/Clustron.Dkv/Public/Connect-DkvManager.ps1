function Connect-DkvManager {
    <#
    .SYNOPSIS
    Connects this PowerShell session to Clustron DKV manager services.

    .DESCRIPTION
    Connect-DkvManager validates the manager addresses and remembers them, with a default port and timeout, for
    the other Clustron.Dkv commands of this session. Nothing is sent yet: a manager that is down now may be up
    when it is needed, and discovery fails over between managers.

    Addresses may be host, host:port, [IPv6] or [IPv6]:port, http://host[:port] or https://host[:port]. An
    address with a path, query, user info, an empty host or a port outside 1..65535 is rejected with a
    terminating error (ErrorId InvalidManagerAddress, category InvalidArgument).

    Connecting again replaces the previous session. Disconnect-DkvManager (or removing the module) ends it.
    -Managers on another command overrides the session for that call only.

    The command writes a Clustron.Dkv.Session object (Managers as normalized addresses, Port, TimeoutSec).

    .PARAMETER Managers
    Clustron manager services to use, for example -Managers 10.0.0.11,10.0.0.12.

    .PARAMETER Port
    Management API port for addresses that do not name one. Default: 7801.

    .PARAMETER TimeoutSec
    Default maximum time of an administrative operation, 1 to 86400 seconds. Default: 30 seconds.

    .EXAMPLE
    Connect-DkvManager -Managers 10.0.0.11,10.0.0.12

    Uses two managers on the default port 7801 for the following commands.

    .EXAMPLE
    Connect-DkvManager -Managers mgr-a.corp,mgr-b.corp -Port 7900 -TimeoutSec 120

    Uses port 7900 and allows two minutes per operation.

    .OUTPUTS
    Clustron.Dkv.Session

    .LINK
    Disconnect-DkvManager

    .LINK
    Stop-DkvStore
    #>
    [CmdletBinding()]
    [OutputType('Clustron.Dkv.Session')]
    param(
        [Parameter(Mandatory, Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string[]]$Managers,

        [ValidateRange(1, 65535)]
        [int]$Port = 7801,

        [ValidateRange(1, 86400)]
        [int]$TimeoutSec = 30
    )

    $scope = New-DkvNativeScope
    try {
        $array = New-DkvUtf8Array -Scope $scope -Items $Managers
        $handle = Invoke-DkvTransport -Function dkv_connect -ArgumentList @(
            $array, [UIntPtr]::new([uint64]$Managers.Count), [int]$Port, [int]$TimeoutSec)
    }
    catch {
        $record = ConvertTo-DkvErrorRecord -Exception $_.Exception -TargetObject ($Managers -join ',')
        if ($record.CategoryInfo.Category -eq 'InvalidArgument') {
            $record = New-DkvErrorRecord -Exception $_.Exception -ErrorId 'InvalidManagerAddress' `
                -Category InvalidArgument -TargetObject ($Managers -join ',')
        }
        $PSCmdlet.ThrowTerminatingError($record)
    }
    finally {
        Close-DkvNativeScope -Scope $scope
    }

    try {
        $session = [pscustomobject]@{
            PSTypeName = 'Clustron.Dkv.Session'
            Managers   = [string[]]@(Get-DkvSessionManagerUrl -Handle $handle)
            Port       = $Port
            TimeoutSec = $TimeoutSec
        }
    }
    catch {
        $null = Invoke-DkvTransport -Function dkv_disconnect -ArgumentList @($handle)
        $PSCmdlet.ThrowTerminatingError((ConvertTo-DkvErrorRecord -Exception $_.Exception -TargetObject $null))
    }
    Set-DkvSession -Handle $handle -Session $session
    $PSCmdlet.WriteObject($session)
}
