# DkvConnectOptions for dkv_connect_ex (offsets from $script:DkvLayout, NativeAbi.ps1). Secrets are copied to
# native memory only for the call and wiped before they are freed.

function New-DkvConnectOption {
    # Returns @{ Pointer; Secrets } (Pointer NULL when nothing is set, which dkv_connect_ex reads as dkv_connect).
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][AllowEmptyCollection()][System.Collections.Generic.List[IntPtr]]$Scope,
        [System.Management.Automation.PSCredential]$Credential,
        [System.Security.SecureString]$Token,
        [switch]$SkipCertificateCheck
    )
    $secrets = [System.Collections.Generic.List[IntPtr]]::new()
    if ($null -eq $Credential -and $null -eq $Token -and -not $SkipCertificateCheck) {
        return [pscustomobject]@{ Pointer = [IntPtr]::Zero; Secrets = $secrets }
    }
    $o = $script:DkvLayout.DkvConnectOptions
    $options = New-DkvNativeBlock -Scope $Scope -Size $o.Size
    [System.Runtime.InteropServices.Marshal]::WriteInt32($options, $o.struct_size, $o.Size)
    [System.Runtime.InteropServices.Marshal]::WriteInt32($options, $o.skip_certificate_check, [int][bool]$SkipCertificateCheck)
    if ($null -ne $Token) {
        $tokenText = New-DkvUtf8 -Scope $Scope -Text ([System.Net.NetworkCredential]::new('', $Token).Password)
        $secrets.Add($tokenText)
        [System.Runtime.InteropServices.Marshal]::WriteIntPtr($options, $o.bearer_token, $tokenText)
    }
    if ($null -ne $Credential) {
        $user = New-DkvUtf8 -Scope $Scope -Text $Credential.UserName
        $password = New-DkvUtf8 -Scope $Scope -Text $Credential.GetNetworkCredential().Password
        $secrets.Add($password)
        [System.Runtime.InteropServices.Marshal]::WriteIntPtr($options, $o.user, $user)
        [System.Runtime.InteropServices.Marshal]::WriteIntPtr($options, $o.password, $password)
    }
    [pscustomobject]@{ Pointer = $options; Secrets = $secrets }
}
