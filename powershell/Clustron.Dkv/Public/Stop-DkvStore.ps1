function Stop-DkvStore {
    <#
    .SYNOPSIS
    Stops one or more nodes of a Clustron Distributed Key-Value (DKV) store.

    .DESCRIPTION
    Stop-DkvStore stops running nodes of a Clustron store by issuing stop commands through the connected manager
    services. The cmdlet resolves the target managers, queries a manager to discover the store configuration
    (GET /admin/v1/stores/{StoreName}), determines which nodes should be stopped, and sends a stop command to each
    node (POST /admin/v1/stores/{StoreName}/instances/{InstanceName}/stop, with ?force=true for -Force) through the
    manager on the node's own server.

    The cmdlet can stop all nodes of a store, or a specific node (-InstanceName). Execution is sequential by
    default, or concurrent across managers with -Parallel. With -FailFast the first failure stops execution.

    The cmdlet writes one result (Clustron.Dkv.StopResult: Manager, Action, Result, Message, Duration, Store,
    Instance) per node stop operation, as soon as that node is done. FAILED and TIMEOUT results also write a
    non-terminating error (ErrorId StopFailed or StopTimedOut, TargetObject the node name). Progress is reported
    with a progress bar; -Verbose shows each step the library takes.

    If neither -Managers nor an active Connect-DkvManager session is present, the cmdlet terminates with the error
    "No managers connected. Use Connect-DkvManager or specify -Managers."

    Pipeline input: store names (strings), objects with a Name, Store or StoreName property (Get-DkvStore output
    stops the whole store), and node objects with Store and InstanceName properties
    ((Get-DkvStore OrdersStore).Instances stops those nodes).
    An object with none of these properties, or only $null ones, is refused (InvalidArgument), never taken as its
    text; a name, address or secret that holds a NUL or an unpaired UTF-16 surrogate is refused before anything
    is sent.

    Stop-DkvStore supports -WhatIf and -Confirm (ConfirmImpact Medium): the store is discovered first and each
    node is listed or confirmed with its manager and whether the stop is graceful or forced; nothing is stopped
    for -WhatIf. When only some nodes are confirmed, only those are stopped, by name, in one operation under the
    one -TimeoutSec deadline (the store is not made passive first).

    .PARAMETER Name
    Name of the store whose nodes should be stopped, for example OrdersStore. Aliases: Store, StoreName.

    .PARAMETER InstanceName
    Name of a specific node to stop, for example orders-1. If omitted, all nodes of the store are stopped.
    Alias: Instance.

    .PARAMETER Force
    Forces the node to stop immediately. The manager API is called with ?force=true, which bypasses graceful
    shutdown checks and immediately terminates the node.

    .PARAMETER Managers
    Target Clustron manager services, for example -Managers 10.0.0.11,10.0.0.12 (host, host:port, [v6]:port,
    http:// or https:// addresses). If not specified, the cmdlet uses the active Connect-DkvManager session.
    Applies to this call only.

    .PARAMETER Port
    Management API port used for the manager services (addresses without a port). Default: 7801, or the
    port of the Connect-DkvManager session.

    .PARAMETER TimeoutSec
    Maximum allowed time for the administrative operation, 1 to 86400 seconds. Default: 30 seconds, or the
    timeout of the Connect-DkvManager session.

    .PARAMETER Parallel
    Executes the operation against multiple managers concurrently. Useful for clusters with many manager services.

    .PARAMETER FailFast
    Stops execution immediately when a failure occurs: the first FAILED or TIMEOUT node (or a store that cannot be
    discovered) becomes a terminating error after the results so far are written. Without this flag the cmdlet
    continues processing the remaining managers.

    .PARAMETER ThrottleLimit
    With -Parallel, the most requests in flight at once (1 to 1024). Default: 32, as Invoke-Command. A node that
    is waiting for its graceful stop to finish holds none, so every manager's nodes proceed at once.

    .PARAMETER Reason
    Why: sent with every request that changes something, as the X-Dkv-Reason header (docs/manager-api.md), so that
    managers that log requests record it; older managers ignore it. At most 512 characters; leading and trailing
    white space is removed. An empty reason or one with a control character (a line break, a tab) is refused
    before anything is sent. Characters beyond printable ASCII are sent percent-encoded (UTF-8).

    .PARAMETER WhatIf
    Lists the nodes that would be stopped, with their managers, and stops nothing.

    .PARAMETER Confirm
    Asks for confirmation before stopping each node.

    .EXAMPLE
    Stop-DkvStore -Name OrdersStore

    Stop all nodes of a store.

    .EXAMPLE
    Stop-DkvStore -Name OrdersStore -InstanceName orders-1

    Stop a specific node.

    .EXAMPLE
    Stop-DkvStore -Name OrdersStore -InstanceName orders-1 -Force

    Force stop a node. This immediately terminates the node.

    .EXAMPLE
    Connect-DkvManager -Managers 10.0.0.11,10.0.0.12
    Stop-DkvStore -Name OrdersStore

    Stop nodes using a connected manager session.

    .EXAMPLE
    Stop-DkvStore `
    -Name OrdersStore `
    -Managers 10.0.0.11,10.0.0.12

    Stop nodes on specific managers.

    .EXAMPLE
    Stop-DkvStore `
    -Name OrdersStore `
    -Managers 10.0.0.11,10.0.0.12,10.0.0.13 `
    -Parallel

    Stop nodes across managers in parallel.

    .EXAMPLE
    Stop-DkvStore `
    -Name OrdersStore `
    -FailFast

    Stop execution on first failure.

    .INPUTS
    System.String. Objects with Name/Store/StoreName and InstanceName properties.

    .OUTPUTS
    Clustron.Dkv.StopResult

    .LINK
    Connect-DkvManager

    .LINK
    Get-DkvStore
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('Clustron.Dkv.StopResult')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('Store', 'StoreName')]
        # Names are checked by the library, whose message names the problem (docs/bad-input.md); a ValidateScript
        # that throws would leave a second, internal record in $Error.
        [AllowEmptyString()]
        [string]$Name,

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('Instance')]
        [AllowEmptyString()]
        [string]$InstanceName,

        [switch]$Force,

        [ValidateNotNullOrEmpty()]
        [string[]]$Managers,

        [ValidateRange(1, 65535)]
        [int]$Port = 7801,

        [ValidateRange(1, 86400)]
        [int]$TimeoutSec = 30,

        [switch]$Parallel,

        [switch]$FailFast,

        [ValidateRange(1, 1024)]
        [int]$ThrottleLimit = 32,

        [string]$Reason
    )

    begin {
        # -Name on the command line, so not bound from a piped object (Get-DkvPipedNameError).
        $nameGiven = $PSBoundParameters.ContainsKey('Name')
        $target = Resolve-DkvCommandTarget -Cmdlet $PSCmdlet -BoundParameters $PSBoundParameters -Managers $Managers `
            -Port $Port -TimeoutSec $TimeoutSec
        $target = Add-DkvChangeContext -Target $target -BoundParameters $PSBoundParameters -Command Stop-DkvStore
        $flags = [uint32]0
        if ($Force) { $flags = $flags -bor $script:DkvStopFlags.Force }
        if ($Parallel) { $flags = $flags -bor $script:DkvStopFlags.Parallel }
        if ($FailFast) { $flags = $flags -bor $script:DkvStopFlags.FailFast }
        $mayAsk = Test-DkvMayAsk -Cmdlet $PSCmdlet -WhatIfRequested ([bool]$WhatIfPreference) `
            -ConfirmLevel $ConfirmPreference
    }

    process {
        $refused = Get-DkvPipedNameError -Cmdlet $PSCmdlet -InputObject $_ -NameGiven $nameGiven
        if ($null -ne $refused) { $PSCmdlet.WriteError($refused); return }
        Add-DkvSeenStore -Name $Name
        # $null = every node. A bound -InstanceName, even empty, is a list of one: the library refuses an empty name
        # in its own words (docs/bad-input.md), never reading it as "every node".
        $instances = $null
        if ($PSBoundParameters.ContainsKey('InstanceName')) { $instances = [string[]]@($InstanceName) }
        if (-not $mayAsk) {
            Invoke-DkvStopOperation -Cmdlet $PSCmdlet -Target $target -Store $Name -Instances $instances -Flags $flags -Throttle $ThrottleLimit
            return
        }

        $approval = Request-DkvStopApproval -Cmdlet $PSCmdlet -Target $target -Store $Name -Instances $instances `
            -Force:$Force -FailFast:$FailFast
        if ($null -eq $approval -or $WhatIfPreference) { return }
        if ($approval.All) {
            Invoke-DkvStopOperation -Cmdlet $PSCmdlet -Target $target -Store $Name -Instances $instances -Flags $flags -Throttle $ThrottleLimit
            return
        }
        if ($approval.Approved.Count -eq 0) { return }
        if ($null -eq $instances) {
            $PSCmdlet.WriteWarning(("Only some nodes of store '{0}' were confirmed; stopping only those " +
                    "(the store is not made passive first).") -f $Name)
        }
        # The approved nodes, as one operation under one deadline.
        Invoke-DkvStopOperation -Cmdlet $PSCmdlet -Target $target -Store $Name -Instances $approval.Approved -Flags $flags -Throttle $ThrottleLimit
    }
}
