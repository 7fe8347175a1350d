function Start-DkvStore {
    <#
    .SYNOPSIS
    Starts one or more nodes of a Clustron Distributed Key-Value (DKV) store.

    .DESCRIPTION
    Start-DkvStore starts stopped nodes of a Clustron store by issuing start commands through the connected manager
    services. The cmdlet resolves the target managers, queries a manager to discover the store configuration
    (GET /admin/v1/stores/{StoreName}), determines which nodes should be started, and sends a start command to each
    node (POST /admin/v1/stores/{StoreName}/instances/{InstanceName}/start) through the manager on the node's own
    server. A node that already runs is a SUCCESS ("already running").

    Without -InstanceName every node of the store is started; once every node runs, the cmdlet waits until the store
    is safe and only then makes a Passive store Active (a lossless restart: every member is back first). If some
    node did not come up, the store is left as it is and a warning names the node(s) and why. Starting a store whose
    nodes all run just makes a Passive store Active. A start of one node (-InstanceName) never changes the store's
    state. There is no forced start.

    The cmdlet writes one result (Clustron.Dkv.StartResult: Manager, Action, Result, Message, Duration, Store,
    Instance) per node start, as soon as that node is done. FAILED and TIMEOUT results also write a non-terminating
    error (ErrorId StartFailed or StartTimedOut, TargetObject the node name). A manager without the start endpoint
    gives a FAILED row that says so. Progress is reported with a progress bar; -Verbose shows each step the library
    takes.

    If neither -Managers nor an active Connect-DkvManager session is present, the cmdlet terminates with the error
    "No managers connected. Use Connect-DkvManager or specify -Managers."

    Pipeline input: store names (strings), objects with a Name, Store or StoreName property (Get-DkvStore output
    starts the whole store), and node objects with Store and InstanceName properties
    ((Get-DkvStore OrdersStore).Instances starts those nodes).
    An object with none of these properties, or only $null ones, is refused (InvalidArgument), never taken as its
    text; a name, address or secret that holds a NUL or an unpaired UTF-16 surrogate is refused before anything
    is sent.

    Start-DkvStore supports -WhatIf and -Confirm (ConfirmImpact Medium): the store is discovered first and each
    node is listed or confirmed with its manager; nothing is started for -WhatIf. When only some nodes are
    confirmed, only those are started, by name, in one operation under the one -TimeoutSec deadline (the store is
    then not made Active).

    .PARAMETER Name
    Name of the store whose nodes should be started, for example OrdersStore. Aliases: Store, StoreName.

    .PARAMETER InstanceName
    Name of a specific node to start, for example orders-1. If omitted, all nodes of the store are started and a
    Passive store is made Active once they all run and the store is safe. Alias: Instance.

    .PARAMETER Managers
    Target Clustron manager services, for example -Managers 10.0.0.11,10.0.0.12 (host, host:port, [v6]:port,
    http:// or https:// addresses). If not specified, the cmdlet uses the active Connect-DkvManager session.
    Applies to this call only.

    .PARAMETER Port
    Management API port used for the manager services (addresses without a port). Default: 7801, or the
    port of the Connect-DkvManager session.

    .PARAMETER TimeoutSec
    Maximum allowed time for the whole operation (every node start, the safety wait and making the store Active),
    1 to 86400 seconds. Default: 30 seconds, or the timeout of the Connect-DkvManager session.

    .PARAMETER Parallel
    Executes the operation against multiple managers concurrently. Useful for clusters with many manager services.

    .PARAMETER FailFast
    Stops execution immediately when a failure occurs: the first FAILED or TIMEOUT node (or a store that cannot be
    discovered) becomes a terminating error after the results so far are written. Without this flag the cmdlet
    continues processing the remaining managers.

    .PARAMETER ThrottleLimit
    With -Parallel, the most requests in flight at once (1 to 1024). Default: 32, as Invoke-Command.

    .PARAMETER Reason
    Why: sent with every request that changes something, as the X-Dkv-Reason header (docs/manager-api.md), so that
    managers that log requests record it; older managers ignore it. At most 512 characters; leading and trailing
    white space is removed. An empty reason or one with a control character (a line break, a tab) is refused
    before anything is sent. Characters beyond printable ASCII are sent percent-encoded (UTF-8).

    .PARAMETER WhatIf
    Lists the nodes that would be started, with their managers, and starts nothing.

    .PARAMETER Confirm
    Asks for confirmation before starting each node.

    .EXAMPLE
    Stop-DkvStore -Name OrdersStore
    Start-DkvStore -Name OrdersStore

    Start a whole store again after a stop that left it Passive: every node is started, and once all of them run
    and the store is safe the store is made Active again.

    .EXAMPLE
    Start-DkvStore -Name OrdersStore -InstanceName orders-1

    Start a specific node. The store's state is not changed.

    .EXAMPLE
    Start-DkvStore -Name OrdersStore -WhatIf

    List the nodes that would be started, each with its manager, and start nothing.

    .EXAMPLE
    Start-DkvStore `
    -Name OrdersStore `
    -Managers 10.0.0.11,10.0.0.12,10.0.0.13 `
    -Parallel

    Start nodes across managers in parallel.

    .EXAMPLE
    Start-DkvStore -Name OrdersStore -Reason 'CHG-1234 done: bringing the store back'

    Starts every node and tells the managers why.

    .INPUTS
    System.String. Objects with Name/Store/StoreName and InstanceName properties.

    .OUTPUTS
    Clustron.Dkv.StartResult

    .LINK
    Stop-DkvStore

    .LINK
    Connect-DkvManager

    .LINK
    Get-DkvStore
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('Clustron.Dkv.StartResult')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('Store', 'StoreName')]
        # Names are checked by the library, whose message names the problem (docs/bad-input.md).
        [AllowEmptyString()]
        [string]$Name,

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('Instance')]
        [AllowEmptyString()]
        [string]$InstanceName,

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
        $target = Add-DkvChangeContext -Target $target -BoundParameters $PSBoundParameters -Command Start-DkvStore
        # The start shares the stop's options struct; DKV_STOP_FORCE is never set (the library refuses it).
        $flags = [uint32]0
        if ($Parallel) { $flags = $flags -bor $script:DkvStopFlags.Parallel }
        if ($FailFast) { $flags = $flags -bor $script:DkvStopFlags.FailFast }
        $mayAsk = Test-DkvMayAsk -Cmdlet $PSCmdlet -WhatIfRequested ([bool]$WhatIfPreference) `
            -ConfirmLevel $ConfirmPreference -Kind Start
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
            Invoke-DkvStopOperation -Cmdlet $PSCmdlet -Target $target -Store $Name -Instances $instances -Flags $flags `
                -Throttle $ThrottleLimit -Kind Start
            return
        }

        $approval = Request-DkvStopApproval -Cmdlet $PSCmdlet -Target $target -Store $Name -Instances $instances `
            -FailFast:$FailFast -Kind Start
        if ($null -eq $approval -or $WhatIfPreference) { return }
        if ($approval.All) {
            Invoke-DkvStopOperation -Cmdlet $PSCmdlet -Target $target -Store $Name -Instances $instances -Flags $flags `
                -Throttle $ThrottleLimit -Kind Start
            return
        }
        if ($approval.Approved.Count -eq 0) { return }
        if ($null -eq $instances) {
            $PSCmdlet.WriteWarning(("Only some nodes of store '{0}' were confirmed; starting only those " +
                    "(the store is not made Active afterwards).") -f $Name)
        }
        # The approved nodes, as one operation under one deadline.
        Invoke-DkvStopOperation -Cmdlet $PSCmdlet -Target $target -Store $Name -Instances $approval.Approved -Flags $flags `
            -Throttle $ThrottleLimit -Kind Start
    }
}
