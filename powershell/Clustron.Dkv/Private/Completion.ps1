# Tab completion. -Name offers the stores this session has seen; -InstanceName discovers the store named in -Name
# (at most 1 s, cached 30 s) so completion never hangs a prompt on a manager that is down.

$script:DkvInstanceCompletionCache = @{}
$script:DkvCompletionTtl = [TimeSpan]::FromSeconds(30)
$script:DkvCompletionTimeoutSec = 1

function ConvertTo-DkvCompletionResult {
    [CmdletBinding()]
    param([AllowEmptyCollection()][string[]]$Candidates, [AllowNull()][string]$WordToComplete)
    $word = ''
    if ($null -ne $WordToComplete) { $word = $WordToComplete.Trim("'", '"') }
    $sorted = [string[]]@($Candidates)
    [Array]::Sort($sorted, [System.StringComparer]::OrdinalIgnoreCase)
    foreach ($candidate in $sorted) {
        if (-not $candidate.StartsWith($word, [System.StringComparison]::OrdinalIgnoreCase)) { continue }
        $text = $candidate
        if ($candidate -match '[\s''"`$;,(){}@&|<>#]') { $text = "'" + $candidate.Replace("'", "''") + "'" }
        [System.Management.Automation.CompletionResult]::new(
            $text, $candidate, [System.Management.Automation.CompletionResultType]::ParameterValue, $candidate)
    }
}

function Get-DkvStoreNameCompletion {
    [CmdletBinding()]
    param([AllowNull()][string]$WordToComplete)
    ConvertTo-DkvCompletionResult -Candidates ([string[]]@($script:DkvSeenStores)) -WordToComplete $WordToComplete
}

function Get-DkvInstanceNameCompletion {
    # Errors (no session, store unknown, manager down) just mean no suggestions.
    [CmdletBinding()]
    param([AllowNull()][string]$WordToComplete, [AllowNull()][System.Collections.IDictionary]$BoundParameters)
    if ($null -eq $BoundParameters) { return }
    $store = [string]$BoundParameters['Name']
    if ([string]::IsNullOrWhiteSpace($store)) { return }
    $managers = $null
    if ($BoundParameters.Contains('Managers')) { $managers = [string[]]@($BoundParameters['Managers']) }
    $port = 0
    if ($BoundParameters.Contains('Port')) { $port = [int]$BoundParameters['Port'] }
    $key = '{0}|{1}|{2}|{3}' -f $store.ToLowerInvariant(), ($managers -join ','), $port, $script:DkvSessionHandle
    $cached = $script:DkvInstanceCompletionCache[$key]
    $names = $null
    if ($null -ne $cached -and ([DateTime]::UtcNow - $cached.At) -lt $script:DkvCompletionTtl) {
        $names = $cached.Names
    }
    else {
        $target = Resolve-DkvTarget -Managers $managers -Port $port -TimeoutSec $script:DkvCompletionTimeoutSec
        $discovered = Get-DkvStoreInfo -Target $target -Store $store
        if ($null -ne $discovered.Failure) { return }
        $info = $discovered.Info
        Add-DkvSeenStore -Name $info.Name
        $names = [string[]]@(foreach ($node in $info.Instances) { $node.Name })
        $script:DkvInstanceCompletionCache[$key] = @{ At = [DateTime]::UtcNow; Names = $names }
    }
    ConvertTo-DkvCompletionResult -Candidates $names -WordToComplete $WordToComplete
}
