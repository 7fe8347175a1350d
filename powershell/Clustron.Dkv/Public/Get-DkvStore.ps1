function Get-DkvStore {
    <#
    .SYNOPSIS
    Gets Clustron DKV stores and their nodes from the managers: one by name, those a wildcard matches, or all.

    .DESCRIPTION
    Without -Name, Get-DkvStore lists every store the targeted managers know (GET /admin/v1/stores on each
    targeted manager, an extension endpoint; a store several managers know is listed once) and writes each of them
    as below. -Name accepts wildcards (Get-DkvStore Orders*): the list is read and every store whose name matches,
    ignoring case, is written; a pattern that matches nothing writes nothing, as Get-Service does. When a manager
    does not answer the list, the stores of the others are written and a warning names the manager: the list may
    be incomplete. When no targeted manager has the list (an older manager), the error (ErrorId NotSupported) says
    so: name the store instead (Get-DkvStore -Name OrdersStore), which works with every manager. Nothing is
    guessed. A name without wildcard characters is asked for directly, as before; to ask for a name that contains
    [ ] * or ?, escape them with a backtick.

    For each store, Get-DkvStore asks the targeted managers in order (GET /admin/v1/stores/{StoreName}) until one knows the store,
    and writes a Clustron.Dkv.Store object (Name, State, Safe, MigrationsPending, Manager, Instances). Instances are
    Clustron.Dkv.Instance objects (Store, InstanceName, Server, ClustronPort, ClientPort, Status, Manager).

    State is Active or Passive (a Passive store keeps the partitions of stopped nodes where they are; see
    Start-DkvStore). Safe says whether the store can lose a node now (no migrations pending, backups in sync), and
    MigrationsPending how many migrations it waits for. They come from the manager that answered, through its
    safety endpoint (GET .../safety, which names the state too) or else its state endpoint (GET .../state); both are
    extensions: where the manager lacks them the property is $null and the table shows "unknown". That is never an
    error: the store and its nodes are still written.

    Both kinds of object pipe into Stop-DkvStore: a store object stops the whole store (its Name binds -Name);
    node objects stop those nodes (Store binds -Name through its alias, InstanceName binds -InstanceName).

    A store that cannot be discovered (not found, no manager reachable) writes a non-terminating error and the
    next piped name is processed. Without -Managers and without a Connect-DkvManager session the command
    terminates with "No managers connected. Use Connect-DkvManager or specify -Managers."

    .PARAMETER Name
    Name of the store to get, for example OrdersStore; several names get several stores. Wildcards (* ? [ ])
    select from the list of stores the managers know. Leave it out to get every store. Aliases: Store,
    StoreName.

    .PARAMETER Managers
    Target Clustron manager services, for example -Managers 10.0.0.11,10.0.0.12. If not specified, the command
    uses the active Connect-DkvManager session. Applies to this call only.

    .PARAMETER Port
    Management API port used for the manager services (addresses without a port). Default: 7801, or the
    port of the Connect-DkvManager session.

    .PARAMETER TimeoutSec
    Maximum allowed time for the discovery of each store, and for the list of stores (without -Name or with a
    wildcard), 1 to 86400 seconds. Default: 30 seconds, or the timeout of the Connect-DkvManager session.

    .EXAMPLE
    Get-DkvStore

    Lists every store the targeted managers know, with its state, safety and manager.

    .EXAMPLE
    Get-DkvStore Orders* | Where-Object Safe -eq $false

    The stores whose name starts with Orders (any case) that are not safe to lose a node now.

    .EXAMPLE
    Get-DkvStore -Name OrdersStore

    Shows the store, its state (Active or Passive), whether it is safe, the manager that answered and its nodes.

    .EXAMPLE
    (Get-DkvStore -Name OrdersStore).Safe

    True when no migrations are pending and every backup is in sync: the store can lose a node now (a rolling
    restart waits for this before each node). $null when the manager has no safety endpoint.

    .EXAMPLE
    (Get-DkvStore OrdersStore -Managers 10.0.0.11).Instances

    Lists the nodes of the store: server, ports and status.

    .EXAMPLE
    Get-DkvStore -Name OrdersStore | Stop-DkvStore

    Stops every node of the store.

    .EXAMPLE
    (Get-DkvStore OrdersStore).Instances | Where-Object Server -eq 10.0.0.12 | Stop-DkvStore

    Stops the nodes of the store that run on one server.

    .INPUTS
    System.String. Objects with a Name, Store or StoreName property.

    .OUTPUTS
    Clustron.Dkv.Store

    .LINK
    Stop-DkvStore

    .LINK
    Connect-DkvManager
    #>
    [CmdletBinding()]
    [OutputType('Clustron.Dkv.Store')]
    param(
        [Parameter(Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('Store', 'StoreName')]
        [SupportsWildcards()]
        # Names are checked by the library, whose message names the problem (docs/bad-input.md); a ValidateScript
        # that throws would leave a second, internal record in $Error.
        [AllowEmptyString()]
        [ValidateNotNull()]
        [string[]]$Name,

        [ValidateNotNullOrEmpty()]
        [string[]]$Managers,

        [ValidateRange(1, 65535)]
        [int]$Port = 7801,

        [ValidateRange(1, 86400)]
        [int]$TimeoutSec = 30
    )

    begin {
        # -Name on the command line, so not bound from a piped object (Get-DkvPipedNameError).
        $nameGiven = $PSBoundParameters.ContainsKey('Name')
        $target = Resolve-DkvCommandTarget -Cmdlet $PSCmdlet -BoundParameters $PSBoundParameters -Managers $Managers `
            -Port $Port -TimeoutSec $TimeoutSec
    }

    process {
        $refused = Get-DkvPipedNameError -Cmdlet $PSCmdlet -InputObject $_ -NameGiven $nameGiven
        if ($null -ne $refused) { $PSCmdlet.WriteError($refused); return }
        # Without -Name every listed store; a wildcard selects from the list (read once per call); a plain name
        # is asked for directly. Listed names are written once even when several patterns match them.
        $listed = $null
        $names = [System.Collections.Generic.List[string]]::new()
        $fromList = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::Ordinal)
        $patterns = @()
        if (-not $PSBoundParameters.ContainsKey('Name')) { $patterns = @('*') }
        foreach ($storeName in $Name) {
            if ([System.Management.Automation.WildcardPattern]::ContainsWildcardCharacters($storeName)) {
                $patterns += $storeName
            }
            elseif ($storeName -match '`[\[\]*?]') {
                # An escaped wildcard character (`* `? `[ `]) names the character itself.
                $names.Add([System.Management.Automation.WildcardPattern]::Unescape($storeName))
            }
            else {
                $names.Add($storeName)
            }
        }
        if ($patterns.Count -gt 0) {
            $listed = Get-DkvStoreList -Target $target
            if ($null -ne $listed.Failure) {
                $record = ConvertTo-DkvErrorRecord -Failure $listed.Failure -TargetObject ($patterns -join ',')
                if ($record.FullyQualifiedErrorId -eq 'NoManagers') { $PSCmdlet.ThrowTerminatingError($record) }
                $PSCmdlet.WriteError($record)
            }
            else {
                if ($null -ne $listed.Unanswered) {
                    $PSCmdlet.WriteWarning("The store list may be incomplete: $($listed.Unanswered)")
                }
                foreach ($listedName in $listed.Names) {
                    Add-DkvSeenStore -Name $listedName
                    foreach ($pattern in $patterns) {
                        $match = [System.Management.Automation.WildcardPattern]::new(
                            $pattern, [System.Management.Automation.WildcardOptions]::IgnoreCase)
                        if ($match.IsMatch($listedName)) {
                            if ($fromList.Add($listedName)) { $names.Add($listedName) }
                            break
                        }
                    }
                }
            }
        }
        foreach ($storeName in $names) {
            $discovered = Get-DkvStoreInfo -Target $target -Store $storeName
            if ($null -ne $discovered.Failure) {
                $record = ConvertTo-DkvErrorRecord -Failure $discovered.Failure -TargetObject $storeName
                if ($record.FullyQualifiedErrorId -eq 'NoManagers') { $PSCmdlet.ThrowTerminatingError($record) }
                $PSCmdlet.WriteError($record)
                continue
            }
            $info = $discovered.Info
            Add-DkvSeenStore -Name $info.Name
            $PSCmdlet.WriteObject((ConvertTo-DkvStoreObject -Info $info))
        }
    }
}
