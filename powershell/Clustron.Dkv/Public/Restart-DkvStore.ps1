function Restart-DkvStore {
    <#
    .SYNOPSIS
    Restarts the nodes of a Clustron Distributed Key-Value (DKV) store one at a time (a rolling restart).

    .DESCRIPTION
    Restart-DkvStore restarts the nodes of a Clustron store while the store keeps serving: one node at a time, in
    the store's order, it waits until the store is safe (no migrations pending, backups in sync), stops the node
    gracefully (POST .../instances/{InstanceName}/stop), starts it (POST .../instances/{InstanceName}/start), waits
    until it is Running and the store is safe again, and only then goes on to the next node. Never are two nodes
    down at once, counting nodes already down: right before each stop the store is read; a node that is Starting
    or Stopping is waited for, and a node that stays Stopped (crashed, or stopped by someone else) ends the restart
    there with a FAILED row naming it, nothing stopped. The cmdlet resolves the target managers, discovers the store (GET /admin/v1/stores/{StoreName})
    and sends each request through the manager on the node's own server, as Stop-DkvStore and Start-DkvStore do.

    Without -InstanceName every node of the store is restarted; with it, only the named nodes (in the store's
    order). The store's state (Active/Passive) is not changed.

    The cmdlet writes one result (Clustron.Dkv.RestartResult: Manager, Action, Result, Message, Duration, Downtime,
    Store, Instance) per node, as soon as that node is done: SUCCESS "Running; down 1.24 s" with Downtime, the
    time from the node's stop request to its being Running again. The restart stops at the first node that does not
    come back cleanly: that node's row is FAILED or TIMEOUT (saying in which step), every later node is SKIPPED
    ("not restarted: the rolling restart stopped at orders-3"), a warning says where it stopped, and one
    non-terminating error (ErrorId RestartFailed or RestartTimedOut, TargetObject the node) is written once the
    rows are, whose ErrorDetails.RecommendedAction gives the commands that go on from there: Restart-DkvStore for
    that node and the remaining ones, or, when the node is down, Start-DkvStore for it first. Before it stops a node,
    the restart sends that node's start request while it runs (a manager answers "already running"): a manager
    without the start endpoint could not bring the node back, so that node is not stopped, its row is FAILED and
    says so, and the restart goes no further.

    -TimeoutSec bounds the whole restart; -NodeTimeoutSec bounds each node (its safety wait, stop, start and wait
    for a safe store again). A node over either limit after its stop was sent is not left down: its start is sent
    (within 10 s, even past the deadline) and its row says whether it was started again.

    Ctrl+C in the middle of a restart ends it as soon as the node being restarted is back: the module waits for
    that (at most 11 s) and prints what became of it ("orders-3 was started again", or "orders-3 is DOWN:
    Start-DkvStore -Name OrdersStore -InstanceName orders-3"). No other node is restarted.

    If neither -Managers nor an active Connect-DkvManager session is present, the cmdlet terminates with the error
    "No managers connected. Use Connect-DkvManager or specify -Managers."

    Pipeline input: store names (strings), objects with a Name, Store or StoreName property (Get-DkvStore output
    restarts the whole store), and node objects with Store and InstanceName properties
    ((Get-DkvStore OrdersStore).Instances restarts those nodes). Everything piped is collected first and each store
    is restarted as ONE rolling restart, so that the nodes of one store are never restarted by two operations and
    the restart stops at the first failure among all of them.
    An object with none of these properties, or only $null ones, is refused (InvalidArgument), never taken as its
    text; a name, address or secret that holds a NUL or an unpaired UTF-16 surrogate is refused before anything
    is sent.

    Restart-DkvStore supports -WhatIf and -Confirm (ConfirmImpact Medium, as Stop-DkvStore: a rolling restart
    takes one node down at a time, only while the store is safe, and brings it back; a High impact would ask
    before every routine restart by default). The store is discovered first and each node is listed or confirmed
    with its manager; nothing is sent for -WhatIf. When only some nodes are confirmed, only those are restarted, in
    one rolling restart under the one -TimeoutSec deadline.

    .PARAMETER Name
    Name of the store whose nodes should be restarted, for example OrdersStore. Aliases: Store, StoreName.

    .PARAMETER InstanceName
    Names of the nodes to restart, for example orders-1,orders-2; they are restarted in the store's order, one at a
    time. If omitted, every node of the store is restarted. Alias: Instance.

    .PARAMETER Managers
    Target Clustron manager services, for example -Managers 10.0.0.11,10.0.0.12 (host, host:port, [v6]:port,
    http:// or https:// addresses). If not specified, the cmdlet uses the active Connect-DkvManager session.
    Applies to this call only.

    .PARAMETER Port
    Management API port used for the manager services (addresses without a port). Default: 7801, or the
    port of the Connect-DkvManager session.

    .PARAMETER TimeoutSec
    Maximum allowed time for the whole rolling restart (every node), 1 to 86400 seconds. Default: 30 seconds, or
    the timeout of the Connect-DkvManager session. A restart of many nodes needs more: each node waits for a safe
    store, stops, starts and waits for a safe store again.

    .PARAMETER NodeTimeoutSec
    Maximum allowed time for each node (its wait for a safe store, graceful stop, start and wait for a safe store
    again), 1 to 86400 seconds, within -TimeoutSec. A node over it is TIMEOUT (started again first when it was
    stopped) and the restart stops there. Default: no per-node limit.

    .PARAMETER Reason
    Why: sent with every request that changes something, as the X-Dkv-Reason header (docs/manager-api.md), so that
    managers that log requests record it; older managers ignore it. At most 512 characters; leading and trailing
    white space is removed. An empty reason or one with a control character (a line break, a tab) is refused
    before anything is sent. Characters beyond printable ASCII are sent percent-encoded (UTF-8).

    .PARAMETER WhatIf
    Lists the nodes that would be restarted, with their managers, and sends nothing.

    .PARAMETER Confirm
    Asks for confirmation before restarting each node.

    .EXAMPLE
    Restart-DkvStore -Name OrdersStore -TimeoutSec 600

    A rolling restart of every node of the store, one at a time, while the store keeps serving. Each row says how
    long its node was down.

    .EXAMPLE
    (Get-DkvStore OrdersStore).Instances | Where-Object Server -eq 10.0.0.12 | Restart-DkvStore

    Restarts the nodes that run on one server (for example after patching it), one at a time.

    .EXAMPLE
    Restart-DkvStore -Name OrdersStore -WhatIf

    Lists the nodes that would be restarted, each with its manager, and restarts nothing.

    .EXAMPLE
    Restart-DkvStore -Name OrdersStore -TimeoutSec 1800 -NodeTimeoutSec 120

    Gives each node at most two minutes: a node that does not come back in time is TIMEOUT (started again if it
    was stopped), the restart stops there, and the error's RecommendedAction says how to go on.

    .EXAMPLE
    Restart-DkvStore -Name OrdersStore -ErrorVariable failed
    $failed[0].ErrorDetails.RecommendedAction

    After a restart that stopped early: the commands that go on from the node where it stopped, for example
    "Once the cause is fixed, run: Restart-DkvStore -Name OrdersStore -InstanceName orders-3,orders-4".

    .EXAMPLE
    Restart-DkvStore -Name OrdersStore -Reason 'CHG-1234: rolling kernel patch'

    Restarts every node, one at a time, and tells the managers why with every stop and start.

    .INPUTS
    System.String. Objects with Name/Store/StoreName and InstanceName properties.

    .OUTPUTS
    Clustron.Dkv.RestartResult

    .LINK
    Start-DkvStore

    .LINK
    Stop-DkvStore

    .LINK
    Get-DkvStore

    .LINK
    Connect-DkvManager
    #>
    # Medium, as Stop-DkvStore: a rolling restart takes only one node down at a time and only while the store is
    # safe, and brings it back; High would prompt before every routine restart under the default $ConfirmPreference.
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('Clustron.Dkv.RestartResult')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('Store', 'StoreName')]
        # Names are checked by the library, whose message names the problem (docs/bad-input.md).
        [AllowEmptyString()]
        [string]$Name,

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('Instance')]
        [AllowEmptyCollection()]
        [AllowEmptyString()]
        [string[]]$InstanceName,

        [ValidateNotNullOrEmpty()]
        [string[]]$Managers,

        [ValidateRange(1, 65535)]
        [int]$Port = 7801,

        [ValidateRange(1, 86400)]
        [int]$TimeoutSec = 30,

        [ValidateRange(1, 86400)]
        [int]$NodeTimeoutSec,

        [string]$Reason
    )

    begin {
        # -Name on the command line, so not bound from a piped object (Get-DkvPipedNameError).
        $nameGiven = $PSBoundParameters.ContainsKey('Name')
        $target = Resolve-DkvCommandTarget -Cmdlet $PSCmdlet -BoundParameters $PSBoundParameters -Managers $Managers `
            -Port $Port -TimeoutSec $TimeoutSec
        $target = Add-DkvChangeContext -Target $target -BoundParameters $PSBoundParameters -Command Restart-DkvStore
        $mayAsk = Test-DkvMayAsk -Cmdlet $PSCmdlet -WhatIfRequested ([bool]$WhatIfPreference) `
            -ConfirmLevel $ConfirmPreference -Kind Restart
        # Store name -> the nodes piped or named for it, in arrival order; $null = every node.
        $stores = [System.Collections.Specialized.OrderedDictionary]::new([System.StringComparer]::Ordinal)
    }

    process {
        $refused = Get-DkvPipedNameError -Cmdlet $PSCmdlet -InputObject $_ -NameGiven $nameGiven
        if ($null -ne $refused) { $PSCmdlet.WriteError($refused); return }
        Add-DkvSeenStore -Name $Name
        # A bound -InstanceName, even empty, is a list: the library refuses an empty one in its own words.
        $named = $PSBoundParameters.ContainsKey('InstanceName')
        if (-not $stores.Contains($Name)) {
            $list = $null
            if ($named) { $list = [System.Collections.Generic.List[string]]::new() }
            $stores[$Name] = $list
        }
        elseif (-not $named) {
            $stores[$Name] = $null
        }
        if ($named -and $null -ne $stores[$Name]) {
            foreach ($instance in @($InstanceName)) {
                if (-not $stores[$Name].Contains($instance)) { $stores[$Name].Add($instance) }
            }
        }
    }

    end {
        foreach ($entry in $stores.GetEnumerator()) {
            $store = [string]$entry.Key
            $instances = $null
            if ($null -ne $entry.Value) { $instances = [string[]]$entry.Value.ToArray() }
            if ($mayAsk) {
                $approval = Request-DkvStopApproval -Cmdlet $PSCmdlet -Target $target -Store $store -Instances $instances -Kind Restart
                if ($null -eq $approval -or $WhatIfPreference) { continue }
                if (-not $approval.All) {
                    if ($approval.Approved.Count -eq 0) { continue }
                    $instances = $approval.Approved
                }
            }
            Invoke-DkvStopOperation -Cmdlet $PSCmdlet -Target $target -Store $store -Instances $instances -Kind Restart `
                -NodeTimeoutSec $NodeTimeoutSec
        }
    }
}
