# Tab completion. -Name offers the stores the targeted managers list (GET /admin/v1/stores) and those this session
# has seen; -InstanceName discovers the store named in -Name. Each asks at most 1 s and is cached 30 s (a failure
# too: a manager without the list or one that is down is asked again only after that), so completion never hangs a
# prompt on a manager that is down.

$script:DkvInstanceCompletionCache = @{}
$script:DkvStoreCompletionCache = @{}
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
    # Errors (no session, no list endpoint, managers down) just mean the seen names alone.
    [CmdletBinding()]
    param([AllowNull()][string]$WordToComplete, [AllowNull()][System.Collections.IDictionary]$BoundParameters)
    $managers = $null
    $port = 0
    if ($null -ne $BoundParameters) {
        if ($BoundParameters.Contains('Managers')) { $managers = [string[]]@($BoundParameters['Managers']) }
        if ($BoundParameters.Contains('Port')) { $port = [int]$BoundParameters['Port'] }
    }
    $listed = @()
    if ($null -ne $managers -or $script:DkvSessionHandle -ne [IntPtr]::Zero) {
        $key = '{0}|{1}|{2}' -f ($managers -join ','), $port, $script:DkvSessionHandle
        $cached = $script:DkvStoreCompletionCache[$key]
        if ($null -ne $cached -and ([DateTime]::UtcNow - $cached.At) -lt $script:DkvCompletionTtl) {
            $listed = $cached.Names
        }
        else {
            $target = Resolve-DkvTarget -Managers $managers -Port $port -TimeoutSec $script:DkvCompletionTimeoutSec
            $list = Get-DkvStoreList -Target $target
            if ($null -eq $list.Failure) { $listed = [string[]]@($list.Names) }
            $script:DkvStoreCompletionCache[$key] = @{ At = [DateTime]::UtcNow; Names = $listed }
        }
    }
    $candidates = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
    foreach ($candidate in @($script:DkvSeenStores) + @($listed)) {
        if (-not [string]::IsNullOrWhiteSpace($candidate)) { $null = $candidates.Add($candidate) }
    }
    ConvertTo-DkvCompletionResult -Candidates ([string[]]@($candidates)) -WordToComplete $WordToComplete
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
