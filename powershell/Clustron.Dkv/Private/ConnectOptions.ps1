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
        $tokenText = New-DkvUtf8 -Scope $Scope -Text (ConvertFrom-DkvSecret -Secret $Token) -Label '-Token' -Secret
        $secrets.Add($tokenText)
        [System.Runtime.InteropServices.Marshal]::WriteIntPtr($options, $o.bearer_token, $tokenText)
    }
    if ($null -ne $Credential) {
        $user = New-DkvUtf8 -Scope $Scope -Text $Credential.UserName -Label 'The user name of -Credential'
        $password = New-DkvUtf8 -Scope $Scope -Text (ConvertFrom-DkvSecret -Secret $Credential.Password) -Label 'The password of -Credential' -Secret
        $secrets.Add($password)
        [System.Runtime.InteropServices.Marshal]::WriteIntPtr($options, $o.user, $user)
        [System.Runtime.InteropServices.Marshal]::WriteIntPtr($options, $o.password, $password)
    }
    [pscustomobject]@{ Pointer = $options; Secrets = $secrets }
}

function ConvertFrom-DkvSecret {
    # The whole text of a SecureString. NetworkCredential.Password stops at a NUL: it would hand on a shorter secret
    # than the one given, and hide the NUL from New-DkvUtf8, which refuses it.
    param([AllowNull()][System.Security.SecureString]$Secret)
    if ($null -eq $Secret -or $Secret.Length -eq 0) { return '' }
    $buffer = [System.Runtime.InteropServices.Marshal]::SecureStringToGlobalAllocUnicode($Secret)
    try { [System.Runtime.InteropServices.Marshal]::PtrToStringUni($buffer, $Secret.Length) }
    finally { [System.Runtime.InteropServices.Marshal]::ZeroFreeGlobalAllocUnicode($buffer) }
}
