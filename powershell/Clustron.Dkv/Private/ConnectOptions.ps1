# DkvConnectOptions for dkv_connect_ex: {u32 struct_size, i32 skip_certificate_check, bearer_token, user,
# password}. Secrets are copied to native memory only for the call and wiped before they are freed.

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
    $p = $script:DkvPtr
    $size = 8 + 3 * $p
    $options = New-DkvNativeBlock -Scope $Scope -Size $size
    [System.Runtime.InteropServices.Marshal]::WriteInt32($options, 0, $size)
    [System.Runtime.InteropServices.Marshal]::WriteInt32($options, 4, [int][bool]$SkipCertificateCheck)
    if ($null -ne $Token) {
        $tokenText = New-DkvUtf8 -Scope $Scope -Text ([System.Net.NetworkCredential]::new('', $Token).Password)
        $secrets.Add($tokenText)
        [System.Runtime.InteropServices.Marshal]::WriteIntPtr($options, 8, $tokenText)
    }
    if ($null -ne $Credential) {
        $user = New-DkvUtf8 -Scope $Scope -Text $Credential.UserName
        $password = New-DkvUtf8 -Scope $Scope -Text $Credential.GetNetworkCredential().Password
        $secrets.Add($password)
        [System.Runtime.InteropServices.Marshal]::WriteIntPtr($options, 8 + $p, $user)
        [System.Runtime.InteropServices.Marshal]::WriteIntPtr($options, 8 + 2 * $p, $password)
    }
    [pscustomobject]@{ Pointer = $options; Secrets = $secrets }
}
