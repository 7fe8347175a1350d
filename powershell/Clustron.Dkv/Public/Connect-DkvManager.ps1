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

    The command writes a Clustron.Dkv.Session object (Managers as normalized addresses, Port, TimeoutSec,
    Authentication: Anonymous, Credential or Token, SkipCertificateCheck, AuditLog). Secrets are not kept in it.

    .PARAMETER Managers
    Clustron manager services to use, for example -Managers 10.0.0.11,10.0.0.12.

    .PARAMETER Port
    Management API port for addresses that do not name one. Default: 7801.

    .PARAMETER TimeoutSec
    Default maximum time of an administrative operation, 1 to 86400 seconds. Default: 30 seconds.

    .PARAMETER Credential
    User name and password sent to the managers as HTTP Basic authorization. Use https:// addresses so they are
    not sent in clear text. Not together with -Token.

    .PARAMETER Token
    Bearer token sent to the managers (Authorization: Bearer). Not together with -Credential.

    .PARAMETER SkipCertificateCheck
    Accepts any server certificate on https:// addresses. For test systems only: certificates are verified
    otherwise.

    .PARAMETER AuditLog
    A file that records every Stop-, Start- and Restart-DkvStore of this session: one JSON line when it begins
    (UTC time, user, machine, process id, the command and its parameters as bound, never a credential or token, the
    managers, the store, the nodes it will touch, the -Reason) and one when it ends (each node with its result and
    whether its request was sent, the duration, the outcome), tied by an operationId. Lines are appended, each in
    one write, so several processes can share the file. The folder must exist; the file is created if needed, and
    checked now. When a beginning line cannot be written, nothing is sent and the command says why; when an ending
    line cannot, a warning. -WhatIf writes nothing. Without -AuditLog, the file the environment variable
    CLUSTRON_DKV_AUDIT_LOG names is used, if any (docs/manager-api.md, "Audit trail").

    .EXAMPLE
    Connect-DkvManager -Managers 10.0.0.11,10.0.0.12

    Uses two managers on the default port 7801 for the following commands.

    .EXAMPLE
    Connect-DkvManager -Managers mgr-a.corp,mgr-b.corp -Port 7900 -TimeoutSec 120

    Uses port 7900 and allows two minutes per operation.

    .EXAMPLE
    Connect-DkvManager -Managers https://mgr-a.corp -Credential (Get-Credential)

    Uses HTTPS with HTTP Basic authorization; the credentials never appear in messages or results.

    .OUTPUTS
    Clustron.Dkv.Session

    .EXAMPLE
    Connect-DkvManager -Managers 10.0.0.11,10.0.0.12 -AuditLog D:\Logs\dkv-audit.jsonl

    Connects and records every stop, start and restart of this session, with its -Reason, in an audit log that
    other administrators' sessions can append to as well.

    .LINK
    Disconnect-DkvManager

    .LINK
    Stop-DkvStore
    #>
    [CmdletBinding(DefaultParameterSetName = 'Anonymous')]
    [OutputType('Clustron.Dkv.Session')]
    param(
        [Parameter(Mandatory, Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string[]]$Managers,

        [ValidateRange(1, 65535)]
        [int]$Port = 7801,

        [ValidateRange(1, 86400)]
        [int]$TimeoutSec = 30,

        [Parameter(Mandatory, ParameterSetName = 'Credential')]
        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential,

        [Parameter(Mandatory, ParameterSetName = 'Token')]
        [System.Security.SecureString]$Token,

        [switch]$SkipCertificateCheck,

        [ValidateNotNullOrEmpty()]
        [string]$AuditLog
    )

    $auditPath = $null
    if ($PSBoundParameters.ContainsKey('AuditLog')) {
        $auditPath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($AuditLog)
        $problem = Test-DkvAuditLog -Path $auditPath
        if ($null -ne $problem) {
            $PSCmdlet.ThrowTerminatingError((New-DkvErrorRecord -Exception ([System.ArgumentException]::new($problem)) `
                        -ErrorId 'InvalidAuditLog' -Category InvalidArgument -TargetObject $AuditLog))
        }
    }

    if ($SkipCertificateCheck) {
        # Explicit and loud: a session that accepts any certificate cannot tell a manager from an impostor.
        $PSCmdlet.WriteWarning('Certificate verification is off for this session (-SkipCertificateCheck): any server can pose as these managers. Use it only for test systems with self-signed certificates.')
    }

    $scope = New-DkvNativeScope
    try {
        $array = New-DkvUtf8Array -Scope $scope -Items $Managers -Label '-Managers'
        $options = New-DkvConnectOption -Scope $scope -Credential $Credential -Token $Token `
            -SkipCertificateCheck:$SkipCertificateCheck
        try {
            $call = Invoke-DkvTransport -Function dkv_connect_ex -ArgumentList @(
                $array, [UIntPtr]::new([uint64]$Managers.Count), [int]$Port, [int]$TimeoutSec, [IntPtr]$options.Pointer)
        }
        finally {
            foreach ($secret in $options.Secrets) { Clear-DkvNativeBlock -Pointer $secret }
        }
    }
    finally {
        Close-DkvNativeScope -Scope $scope
    }
    if ($null -ne $call.Failure) {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-DkvManagerErrorRecord -Failure $call.Failure -Managers $Managers))
    }
    $handle = $call.Value

    $addresses = Get-DkvSessionManagerUrl -Handle $handle
    if ($null -ne $addresses.Failure) {
        $null = Invoke-DkvTransport -Function dkv_disconnect -ArgumentList @($handle)
        $PSCmdlet.ThrowTerminatingError((ConvertTo-DkvErrorRecord -Failure $addresses.Failure -TargetObject $null))
    }
    $session = [pscustomobject]@{
        PSTypeName           = 'Clustron.Dkv.Session'
        Managers             = $addresses.Urls
        Port                 = $Port
        TimeoutSec           = $TimeoutSec
        Authentication       = $PSCmdlet.ParameterSetName
        SkipCertificateCheck = [bool]$SkipCertificateCheck
        AuditLog             = $auditPath
    }
    Set-DkvSession -Handle $handle -Session $session
    $PSCmdlet.WriteObject($session)
}
