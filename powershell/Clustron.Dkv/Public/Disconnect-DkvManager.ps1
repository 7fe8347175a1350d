function Disconnect-DkvManager {
    <#
    .SYNOPSIS
    Ends the Clustron DKV manager session of this PowerShell session.

    .DESCRIPTION
    Disconnect-DkvManager forgets the managers given to Connect-DkvManager and frees the native session. Later
    commands need -Managers or a new Connect-DkvManager. Stops already running keep running. Without a session
    the command does nothing (with -Verbose it says so).

    .EXAMPLE
    Disconnect-DkvManager

    Ends the session.

    .LINK
    Connect-DkvManager
    #>
    [CmdletBinding()]
    param()

    if (Remove-DkvSession) { $PSCmdlet.WriteVerbose('Disconnected from the Clustron DKV managers.') }
    else { $PSCmdlet.WriteVerbose('No manager session to disconnect.') }
}
