# Checks the .NET API a PowerShell script names against Windows PowerShell 5.1's: .NET Framework 4.8's reference
# assemblies (NuGet Microsoft.NETFramework.ReferenceAssemblies.net48) and Windows PowerShell 5.1's engine
# (PowerShellStandard.Library's System.Management.Automation.dll), read as metadata through a MetadataLoadContext,
# so nothing of them is loaded into this pwsh. Windows PowerShell 5.1 itself cannot run here; this is the next best.
#
# What is checked, in every .ps1/.psm1 parsed with the pwsh parser:
#   - every type literal and type constraint ([Foo.Bar], [Foo.Bar]$x, [int[]], [List[IntPtr]], param types,
#     attributes like [Parameter(Mandatory)] and [ValidateRange(1, 10)]) resolves the way Windows PowerShell 5.1
#     resolves it: its built-in type accelerators, the name as written, the name with 'System.' in front, the names of
#     `using namespace` lines, and for attributes the name with 'Attribute' after; generic names resolve their
#     definition (List`1) and each argument. A name resolves only in the assemblies any Windows PowerShell 5.1
#     session has loaded: mscorlib, System, System.Core, System.Management.Automation, and the assemblies of its
#     built-in accelerators (System.Xml, System.Numerics, System.Management, System.DirectoryServices). A type of
#     another Framework assembly (System.Net.Http's HttpClient) needs Add-Type -AssemblyName first, which the module
#     cannot do (it is a Utility cmdlet), so it is reported too;
#   - [T]::new(a, b) needs a public constructor of T taking that many arguments (optional and params counted);
#     [T]::Name(a) a public static method Name of T or a base type taking that many; [T]::Name (no call) a public
#     static property, field (enum value) or method group; attribute positional arguments a constructor, and named
#     arguments a public property or field;
#   - [SomeEnum]'A, B' needs enum values A and B; 'Name' -as [type] and [type]'Name' need Name to be a type somewhere
#     (.NET Framework 4.8 or this pwsh): a misspelled lookup would be $null everywhere;
#   - $v::Name(...) where $v was assigned [T] or 'T' -as [type] in the same function is checked as [T]::Name(...).
# Instance members ($x.Foo()) are not checked: their types are not known without running the script. Overloads are
# matched by argument count only (PowerShell converts arguments, so a type mismatch is rarely a 5.1 failure).
# PowerShellStandard's engine is the API Windows PowerShell 5.1 shares with PowerShell 6+, so an engine API that only
# 5.1 has would be reported too; the module uses none.
#
# Guard rule: a node is exempt from the Windows PowerShell 5.1 check when it lies in a region that 5.1 never runs or
# where the API was first tested for: (1) in the body of an if/elseif whose condition is an edition test that holds
# only on PowerShell 6+ ($PSVersionTable.PSEdition -eq 'Core', -ne 'Desktop', $IsCoreCLR,
# $PSVersionTable.PSVersion.Major -ge 6), alone or as one operand of -and, or in the else/later elseif branches of
# an if whose condition is the opposite test (-eq 'Desktop', -ne 'Core', -not $IsCoreCLR, Major -lt 6); (2) for
# $v::Name where $v = 'T' -as [type]: in the body of an if/elseif testing `$null -ne $v`, `$v -ne $null` or `$v`
# (alone or under -and), or in the else branch of `$null -eq $v` / `-not $v`. Early returns (if (...) { return })
# and try/catch are not guards. An exempt node is still checked against this pwsh's own .NET, so a misspelled or
# nonexistent API is reported even inside a guard.
#
# Use: Import-Module Support/ApiSurface.psm1; Find-DkvApiSurfaceIssue -Path <files> [-Root <dir>] returns one object
# per finding (File, Line, Expression, Why; ToString() gives "file:line: expression -- why").

Set-StrictMode -Version 3.0

# Windows PowerShell 5.1's built-in type accelerators ([psobject].Assembly.GetType(
# 'System.Management.Automation.TypeAccelerators')::Get on 5.1). Later pwsh adds more ([semver], [ordered] as a
# type, [uint], [ValidateNotNullOrWhiteSpace], ...); those do not resolve on 5.1.
$script:Accelerators51 = @{
    'Alias' = 'System.Management.Automation.AliasAttribute'
    'AllowEmptyCollection' = 'System.Management.Automation.AllowEmptyCollectionAttribute'
    'AllowEmptyString' = 'System.Management.Automation.AllowEmptyStringAttribute'
    'AllowNull' = 'System.Management.Automation.AllowNullAttribute'
    'ArgumentCompleter' = 'System.Management.Automation.ArgumentCompleterAttribute'
    'array' = 'System.Array'
    'bool' = 'System.Boolean'
    'byte' = 'System.Byte'
    'char' = 'System.Char'
    'CmdletBinding' = 'System.Management.Automation.CmdletBindingAttribute'
    'datetime' = 'System.DateTime'
    'decimal' = 'System.Decimal'
    'double' = 'System.Double'
    'DscResource' = 'System.Management.Automation.DscResourceAttribute'
    'float' = 'System.Single'
    'single' = 'System.Single'
    'guid' = 'System.Guid'
    'hashtable' = 'System.Collections.Hashtable'
    'int' = 'System.Int32'
    'int32' = 'System.Int32'
    'int16' = 'System.Int16'
    'long' = 'System.Int64'
    'int64' = 'System.Int64'
    'ciminstance' = 'Microsoft.Management.Infrastructure.CimInstance'
    'cimclass' = 'Microsoft.Management.Infrastructure.CimClass'
    'cimtype' = 'Microsoft.Management.Infrastructure.CimType'
    'cimconverter' = 'Microsoft.Management.Infrastructure.CimConverter'
    'IPEndpoint' = 'System.Net.IPEndPoint'
    'NullString' = 'System.Management.Automation.Language.NullString'
    'OutputType' = 'System.Management.Automation.OutputTypeAttribute'
    'ObjectSecurity' = 'System.Security.AccessControl.ObjectSecurity'
    'Parameter' = 'System.Management.Automation.ParameterAttribute'
    'PhysicalAddress' = 'System.Net.NetworkInformation.PhysicalAddress'
    'pscredential' = 'System.Management.Automation.PSCredential'
    'PSDefaultValue' = 'System.Management.Automation.PSDefaultValueAttribute'
    'pslistmodifier' = 'System.Management.Automation.PSListModifier'
    'psobject' = 'System.Management.Automation.PSObject'
    'pscustomobject' = 'System.Management.Automation.PSObject'
    'psprimitivedictionary' = 'System.Management.Automation.PSPrimitiveDictionary'
    'ref' = 'System.Management.Automation.PSReference'
    'PSTypeNameAttribute' = 'System.Management.Automation.PSTypeNameAttribute'
    'regex' = 'System.Text.RegularExpressions.Regex'
    'DscProperty' = 'System.Management.Automation.DscPropertyAttribute'
    'sbyte' = 'System.SByte'
    'string' = 'System.String'
    'SupportsWildcards' = 'System.Management.Automation.SupportsWildcardsAttribute'
    'switch' = 'System.Management.Automation.SwitchParameter'
    'cultureinfo' = 'System.Globalization.CultureInfo'
    'bigint' = 'System.Numerics.BigInteger'
    'securestring' = 'System.Security.SecureString'
    'timespan' = 'System.TimeSpan'
    'uint16' = 'System.UInt16'
    'uint32' = 'System.UInt32'
    'uint64' = 'System.UInt64'
    'uri' = 'System.Uri'
    'ValidateCount' = 'System.Management.Automation.ValidateCountAttribute'
    'ValidateDrive' = 'System.Management.Automation.ValidateDriveAttribute'
    'ValidateLength' = 'System.Management.Automation.ValidateLengthAttribute'
    'ValidateNotNull' = 'System.Management.Automation.ValidateNotNullAttribute'
    'ValidateNotNullOrEmpty' = 'System.Management.Automation.ValidateNotNullOrEmptyAttribute'
    'ValidatePattern' = 'System.Management.Automation.ValidatePatternAttribute'
    'ValidateRange' = 'System.Management.Automation.ValidateRangeAttribute'
    'ValidateScript' = 'System.Management.Automation.ValidateScriptAttribute'
    'ValidateSet' = 'System.Management.Automation.ValidateSetAttribute'
    'ValidateUserDrive' = 'System.Management.Automation.ValidateUserDriveAttribute'
    'version' = 'System.Version'
    'void' = 'System.Void'
    'ipaddress' = 'System.Net.IPAddress'
    'DscLocalConfigurationManager' = 'System.Management.Automation.DscLocalConfigurationManagerAttribute'
    'WildcardPattern' = 'System.Management.Automation.WildcardPattern'
    'X509Certificate' = 'System.Security.Cryptography.X509Certificates.X509Certificate'
    'X500DistinguishedName' = 'System.Security.Cryptography.X509Certificates.X500DistinguishedName'
    'xml' = 'System.Xml.XmlDocument'
    'CimSession' = 'Microsoft.Management.Infrastructure.CimSession'
    'adsi' = 'System.DirectoryServices.DirectoryEntry'
    'adsisearcher' = 'System.DirectoryServices.DirectorySearcher'
    'wmiclass' = 'System.Management.ManagementClass'
    'wmi' = 'System.Management.ManagementObject'
    'wmisearcher' = 'System.Management.ManagementObjectSearcher'
    'mailaddress' = 'System.Net.Mail.MailAddress'
    'scriptblock' = 'System.Management.Automation.ScriptBlock'
    'psvariable' = 'System.Management.Automation.PSVariable'
    'type' = 'System.Type'
    'psmoduleinfo' = 'System.Management.Automation.PSModuleInfo'
    'powershell' = 'System.Management.Automation.PowerShell'
    'runspacefactory' = 'System.Management.Automation.Runspaces.RunspaceFactory'
    'runspace' = 'System.Management.Automation.Runspaces.Runspace'
    'initialsessionstate' = 'System.Management.Automation.Runspaces.InitialSessionState'
    'psscriptmethod' = 'System.Management.Automation.PSScriptMethod'
    'psscriptproperty' = 'System.Management.Automation.PSScriptProperty'
    'psnoteproperty' = 'System.Management.Automation.PSNoteProperty'
    'psaliasproperty' = 'System.Management.Automation.PSAliasProperty'
    'psvariableproperty' = 'System.Management.Automation.PSVariableProperty'
}

# Assemblies every Windows PowerShell 5.1 session has loaded: the engine, what it is built on, and the assemblies
# its accelerator table names with typeof() (so they load with it). Microsoft.Management.Infrastructure is not part
# of the Framework reference set; its accelerators resolve but their members are not checked.
$script:VisibleAssemblies51 = @('mscorlib', 'System', 'System.Core', 'System.Management.Automation', 'System.Xml',
    'System.Numerics', 'System.Management', 'System.DirectoryServices')

# The packages restored by tests/powershell/tools/Tools.csproj.
$script:Packages = @{
    Framework = @('microsoft.netframework.referenceassemblies.net48', '1.0.3')
    Engine    = @('powershellstandard.library', '5.1.1')
    Metadata  = @('system.reflection.metadataloadcontext', '10.0.12')
}

$script:Surface = $null

function Get-ApiPackageFolder {
    param([Parameter(Mandatory)][string]$Key)
    $id, $version = $script:Packages[$Key]
    $root = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { [System.IO.Path]::Combine($HOME, '.nuget', 'packages') }
    $folder = [System.IO.Path]::Combine($root, $id, $version)
    if (-not [System.IO.Directory]::Exists($folder)) {
        throw "ApiSurface: NuGet package $id $version is not in $root. Restore it: dotnet restore tests/powershell/tools/Tools.csproj"
    }
    $folder
}

function Initialize-ApiSurface {
    # One MetadataLoadContext per process (it is read-only and cheap to keep).
    if ($null -ne $script:Surface) { return $script:Surface }
    if ($null -eq ('System.Reflection.MetadataLoadContext' -as [type])) {
        $metadata = Get-ApiPackageFolder -Key Metadata
        Add-Type -Path ([System.IO.Path]::Combine($metadata, 'lib', 'net10.0', 'System.Reflection.MetadataLoadContext.dll'))
    }
    $framework = [System.IO.Path]::Combine((Get-ApiPackageFolder -Key Framework), 'build', '.NETFramework', 'v4.8')
    $engine = [System.IO.Path]::Combine((Get-ApiPackageFolder -Key Engine), 'lib', 'net452', 'System.Management.Automation.dll')
    $paths = [System.Collections.Generic.List[string]]::new()
    $paths.AddRange([System.IO.Directory]::GetFiles($framework, '*.dll'))
    $paths.AddRange([System.IO.Directory]::GetFiles([System.IO.Path]::Combine($framework, 'Facades'), '*.dll'))
    $paths.Add($engine)
    $context = [System.Reflection.MetadataLoadContext]::new([System.Reflection.PathAssemblyResolver]::new([string[]]$paths), 'mscorlib')

    $visible = [System.Collections.Generic.Dictionary[string, type]]::new([System.StringComparer]::OrdinalIgnoreCase)
    foreach ($name in $script:VisibleAssemblies51) {
        $assembly = if ($name -eq 'System.Management.Automation') { $context.LoadFromAssemblyPath($engine) } else { $context.LoadFromAssemblyName($name) }
        foreach ($type in $assembly.GetExportedTypes()) {
            if (-not $visible.ContainsKey($type.FullName)) { $visible[$type.FullName] = $type }
        }
    }
    $script:Surface = [pscustomobject]@{
        Context   = $context
        Visible   = $visible
        # Every public type of the Framework reference set, built on first need (only to explain a miss).
        All       = $null
        Framework = $framework
        # Caches: name resolutions and member checks, by name.
        Resolved  = @{}
        Members   = @{}
    }
    $script:Surface
}

function Get-ApiAllFrameworkTypes {
    $surface = Initialize-ApiSurface
    if ($null -eq $surface.All) {
        $all = [System.Collections.Generic.Dictionary[string, type]]::new([System.StringComparer]::OrdinalIgnoreCase)
        foreach ($file in [System.IO.Directory]::GetFiles($surface.Framework, '*.dll')) {
            try { $types = $surface.Context.LoadFromAssemblyPath($file).GetExportedTypes() } catch { continue }
            foreach ($type in $types) { if (-not $all.ContainsKey($type.FullName)) { $all[$type.FullName] = $type } }
        }
        $surface.All = $all
    }
    $surface.All
}

# ---- Resolving names --------------------------------------------------------------------------------------------

function Get-ApiCandidateName {
    # The full names Windows PowerShell 5.1 tries for a name, in order.
    param([string]$Name, [string[]]$Namespaces, [switch]$Attribute)
    $bases = [System.Collections.Generic.List[string]]::new()
    $bases.Add($Name)
    $bases.Add("System.$Name")
    foreach ($namespace in $Namespaces) { $bases.Add("$namespace.$Name") }
    foreach ($base in $bases) {
        $base
        if ($Attribute -and -not $base.EndsWith('Attribute', [System.StringComparison]::OrdinalIgnoreCase)) { "${base}Attribute" }
    }
}

function Resolve-ApiType {
    # Resolves an ITypeName as Windows PowerShell 5.1 would. Returns Type (a MetadataLoadContext type, or $null when
    # it resolves to something the reference set lacks, like CimInstance), Ok, and Why when not Ok.
    param(
        [Parameter(Mandatory)][System.Management.Automation.Language.ITypeName]$TypeName,
        [string[]]$Namespaces = @(),
        [string[]]$LocalTypes = @(),
        [switch]$Attribute
    )
    $surface = Initialize-ApiSurface
    $key = "$($TypeName.FullName)|$Attribute|$($Namespaces -join ',')|$($LocalTypes -join ',')"
    $cached = $surface.Resolved[$key]
    if ($null -ne $cached) { return $cached }
    $cached = Resolve-ApiTypeUncached @PSBoundParameters
    $surface.Resolved[$key] = $cached
    $cached
}

function Resolve-ApiTypeUncached {
    param(
        [Parameter(Mandatory)][System.Management.Automation.Language.ITypeName]$TypeName,
        [string[]]$Namespaces = @(),
        [string[]]$LocalTypes = @(),
        [switch]$Attribute
    )
    $surface = Initialize-ApiSurface
    if ($TypeName -is [System.Management.Automation.Language.ArrayTypeName]) {
        $element = Resolve-ApiType -TypeName $TypeName.ElementType -Namespaces $Namespaces -LocalTypes $LocalTypes
        if (-not $element.Ok -or $null -eq $element.Type) { return $element }
        $array = if ($TypeName.Rank -eq 1) { $element.Type.MakeArrayType() } else { $element.Type.MakeArrayType($TypeName.Rank) }
        return [pscustomobject]@{ Ok = $true; Type = $array; Why = $null }
    }
    if ($TypeName -is [System.Management.Automation.Language.GenericTypeName]) {
        $arguments = [System.Collections.Generic.List[type]]::new()
        $known = $true
        foreach ($argument in $TypeName.GenericArguments) {
            $resolved = Resolve-ApiType -TypeName $argument -Namespaces $Namespaces -LocalTypes $LocalTypes
            if (-not $resolved.Ok) { return $resolved }
            if ($null -eq $resolved.Type) { $known = $false } else { $arguments.Add($resolved.Type) }
        }
        $definitionName = "$($TypeName.TypeName.Name)``$($TypeName.GenericArguments.Count)"
        $definition = Find-ApiTypeByName -Name $definitionName -Namespaces $Namespaces -DisplayName $TypeName.TypeName.Name
        if (-not $definition.Ok -or -not $known) { return $definition }
        return [pscustomobject]@{ Ok = $true; Type = $definition.Type.MakeGenericType($arguments.ToArray()); Why = $null }
    }
    $name = $TypeName.Name
    if ($LocalTypes -contains $name) { return [pscustomobject]@{ Ok = $true; Type = $null; Why = $null } }
    $accelerated = $script:Accelerators51[$name]
    if ($null -eq $accelerated -and $Attribute) { $accelerated = $script:Accelerators51["${name}Attribute"] }
    if ($null -ne $accelerated) {
        # The accelerator loads its assembly, so any reference assembly may hold it.
        $type = $null
        if (-not $surface.Visible.TryGetValue($accelerated, [ref]$type)) { $null = (Get-ApiAllFrameworkTypes).TryGetValue($accelerated, [ref]$type) }
        return [pscustomobject]@{ Ok = $true; Type = $type; Why = $null }
    }
    Find-ApiTypeByName -Name $name -Namespaces $Namespaces -Attribute:$Attribute -DisplayName $name
}

function Find-ApiTypeByName {
    param([string]$Name, [string[]]$Namespaces, [switch]$Attribute, [string]$DisplayName)
    $surface = Initialize-ApiSurface
    $candidates = @(Get-ApiCandidateName -Name $Name -Namespaces $Namespaces -Attribute:$Attribute)
    foreach ($candidate in $candidates) {
        $type = $null
        if ($surface.Visible.TryGetValue($candidate, [ref]$type)) { return [pscustomobject]@{ Ok = $true; Type = $type; Why = $null } }
    }
    $all = Get-ApiAllFrameworkTypes
    foreach ($candidate in $candidates) {
        $type = $null
        if ($all.TryGetValue($candidate, [ref]$type)) {
            $assembly = $type.Assembly.GetName().Name
            return [pscustomobject]@{ Ok = $false; Type = $null; Why = "type '$($type.FullName)' is in the Framework's $assembly.dll, which Windows PowerShell 5.1 does not load (it would need Add-Type -AssemblyName $assembly)" }
        }
    }
    $live = $null
    foreach ($candidate in $candidates) { if ($null -eq $live) { $live = $candidate -as [type] } }
    if ($null -ne $live -and ($surface.Visible.ContainsKey($live.FullName) -or $all.ContainsKey($live.FullName))) {
        # [uint], [ordered] as a type, ...: the type is old, the short name for it is not.
        return [pscustomobject]@{ Ok = $false; Type = $null; Why = "'$DisplayName' is an accelerator only PowerShell 6+ has (for $($live.FullName)); Windows PowerShell 5.1 does not resolve it" }
    }
    if ($null -ne $live) {
        return [pscustomobject]@{ Ok = $false; Type = $null; Why = "type '$($live.FullName)' is not in .NET Framework 4.8 nor Windows PowerShell 5.1's engine (.NET/PowerShell 7 only)" }
    }
    [pscustomobject]@{ Ok = $false; Type = $null; Why = "type '$DisplayName' does not exist (not in .NET Framework 4.8, Windows PowerShell 5.1's engine, nor this pwsh; a short name resolves only as an accelerator, with 'System.' in front, or through a 'using namespace' line)" }
}

function Resolve-LiveType {
    # The type as this pwsh resolves it, or $null.
    param([System.Management.Automation.Language.ITypeName]$TypeName, [switch]$Attribute)
    $live = $TypeName.FullName -as [type]
    if ($null -eq $live -and $Attribute) { $live = "$($TypeName.FullName)Attribute" -as [type] }
    if ($null -eq $live -and $TypeName.Name -eq 'ordered') { $live = [System.Collections.Specialized.OrderedDictionary] }
    $live
}

function Format-ApiTypeName {
    # A type as PowerShell writes it: System.Collections.Generic.List[System.IntPtr], System.Byte[].
    param([type]$Type)
    if ($Type.IsArray) { return (Format-ApiTypeName $Type.GetElementType()) + '[' + (',' * ($Type.GetArrayRank() - 1)) + ']' }
    if ($Type.IsGenericType -and -not $Type.IsGenericTypeDefinition) {
        $arguments = @($Type.GetGenericArguments() | ForEach-Object { Format-ApiTypeName $_ }) -join ', '
        return ($Type.GetGenericTypeDefinition().FullName -replace '`\d+$', '') + "[$arguments]"
    }
    $Type.FullName
}

# ---- Members ----------------------------------------------------------------------------------------------------

function Test-ApiArity {
    # Whether a method or constructor can take $Count arguments (optional and params parameters counted).
    param([System.Reflection.MethodBase]$Method, [int]$Count)
    $parameters = $Method.GetParameters()
    $maximum = $parameters.Count
    $minimum = 0
    for ($i = 0; $i -lt $parameters.Count; $i++) {
        $parameter = $parameters[$i]
        $isParams = $i -eq $parameters.Count - 1 -and @($parameter.GetCustomAttributesData() | Where-Object { $_.AttributeType.FullName -eq 'System.ParamArrayAttribute' }).Count -gt 0
        if ($isParams) { $maximum = [int]::MaxValue }
        elseif (-not $parameter.IsOptional) { $minimum = $i + 1 }
    }
    $Count -ge $minimum -and $Count -le $maximum
}

function Test-ApiMember {
    # Returns $null when $Type (from either the metadata context or this pwsh) has the member, else why not.
    param(
        [Parameter(Mandatory)][type]$Type,
        [Parameter(Mandatory)][string]$Member,
        [Parameter(Mandatory)][ValidateSet('Constructor', 'Method', 'Property')][string]$Kind,
        [int]$ArgumentCount,
        [string]$Where = 'on Windows PowerShell 5.1 (.NET Framework 4.8)'
    )
    $members = (Initialize-ApiSurface).Members
    $key = "$($Type.AssemblyQualifiedName)|$($Type.Assembly.GetType().Name)|$Member|$Kind|$ArgumentCount|$Where"
    if (-not $members.ContainsKey($key)) { $members[$key] = Test-ApiMemberUncached @PSBoundParameters }
    $members[$key]
}

function Test-ApiMemberUncached {
    param(
        [Parameter(Mandatory)][type]$Type,
        [Parameter(Mandatory)][string]$Member,
        [Parameter(Mandatory)][ValidateSet('Constructor', 'Method', 'Property')][string]$Kind,
        [int]$ArgumentCount,
        [string]$Where = 'on .NET Framework 4.8'
    )
    $static = [System.Reflection.BindingFlags]'Public, Static, FlattenHierarchy'
    switch ($Kind) {
        'Constructor' {
            if ($Type.IsArray) {
                # [T[]]::new(n): one length per dimension.
                if ($ArgumentCount -eq $Type.GetArrayRank()) { return $null }
                return "an array of rank $($Type.GetArrayRank()) is created with $($Type.GetArrayRank()) length(s), not $ArgumentCount"
            }
            if ($Type.IsValueType -and $ArgumentCount -eq 0) { return $null }
            $constructors = @($Type.GetConstructors([System.Reflection.BindingFlags]'Public, Instance'))
            foreach ($constructor in $constructors) { if (Test-ApiArity -Method $constructor -Count $ArgumentCount) { return $null } }
            $counts = ($constructors | ForEach-Object { $_.GetParameters().Count } | Sort-Object -Unique) -join ', '
            if (-not $counts) { $counts = 'none: it has no public constructor' }
            return "no public constructor of $(Format-ApiTypeName $Type) takes $ArgumentCount argument(s) $Where (argument counts there: $counts)"
        }
        'Method' {
            $methods = @($Type.GetMethods($static) | Where-Object { $_.Name -eq $Member })
            if ($methods.Count -eq 0) { return "'$Member' is not a public static method of $(Format-ApiTypeName $Type) $Where" }
            foreach ($method in $methods) { if (Test-ApiArity -Method $method -Count $ArgumentCount) { return $null } }
            $counts = ($methods | ForEach-Object { $_.GetParameters().Count } | Sort-Object -Unique) -join ', '
            return "no overload of $(Format-ApiTypeName $Type)::$Member takes $ArgumentCount argument(s) $Where (argument counts there: $counts)"
        }
        'Property' {
            if (@($Type.GetProperties($static) | Where-Object { $_.Name -eq $Member }).Count -gt 0) { return $null }
            if (@($Type.GetFields($static) | Where-Object { $_.Name -eq $Member }).Count -gt 0) { return $null }
            # [T]::Method without a call is the method group, which PowerShell allows.
            if (@($Type.GetMethods($static) | Where-Object { $_.Name -eq $Member }).Count -gt 0) { return $null }
            return "'$Member' is not a public static property, field or method of $(Format-ApiTypeName $Type) $Where"
        }
    }
}

# ---- Guards -----------------------------------------------------------------------------------------------------

function Get-ApiConditionExpression {
    # The expression of an if condition (a pipeline of one expression), parentheses removed.
    param([System.Management.Automation.Language.Ast]$Node)
    while ($true) {
        if ($Node -is [System.Management.Automation.Language.PipelineAst] -and $Node.PipelineElements.Count -eq 1 -and
            $Node.PipelineElements[0] -is [System.Management.Automation.Language.CommandExpressionAst]) {
            $Node = $Node.PipelineElements[0].Expression
        }
        elseif ($Node -is [System.Management.Automation.Language.CommandExpressionAst]) { $Node = $Node.Expression }
        elseif ($Node -is [System.Management.Automation.Language.ParenExpressionAst]) { $Node = $Node.Pipeline }
        else { return $Node }
    }
}

function Test-ApiEditionComparison {
    # 'Core' when the expression holds only on PowerShell 6+, 'Desktop' when only on 5.1, else $null.
    param([System.Management.Automation.Language.Ast]$Expression)
    $Expression = Get-ApiConditionExpression $Expression
    $language = [System.Management.Automation.Language.TokenKind]
    if ($Expression -is [System.Management.Automation.Language.VariableExpressionAst] -and $Expression.VariablePath.UserPath -eq 'IsCoreCLR') { return 'Core' }
    if ($Expression -is [System.Management.Automation.Language.UnaryExpressionAst] -and $Expression.TokenKind -in $language::Not, $language::Exclaim) {
        $inner = Test-ApiEditionComparison $Expression.Child
        if ($inner -eq 'Core') { return 'Desktop' }
        if ($inner -eq 'Desktop') { return 'Core' }
        return $null
    }
    if ($Expression -isnot [System.Management.Automation.Language.BinaryExpressionAst]) { return $null }
    $left, $right = $Expression.Left, $Expression.Right
    if ($right -is [System.Management.Automation.Language.MemberExpressionAst]) { $left, $right = $right, $left }
    $subject = $left.Extent.Text -replace '\s', ''
    $operator = $Expression.Operator.ToString() -replace '^[IC]', ''
    if ($subject -match '^\$PSVersionTable\.PSEdition$' -and $right -is [System.Management.Automation.Language.StringConstantExpressionAst]) {
        $isCore = $right.Value -eq 'Core'
        $isDesktop = $right.Value -eq 'Desktop'
        if (($operator -eq 'Eq' -and $isCore) -or ($operator -eq 'Ne' -and $isDesktop)) { return 'Core' }
        if (($operator -eq 'Eq' -and $isDesktop) -or ($operator -eq 'Ne' -and $isCore)) { return 'Desktop' }
        return $null
    }
    if ($subject -match '^\$PSVersionTable\.PSVersion\.Major$' -and $right -is [System.Management.Automation.Language.ConstantExpressionAst] -and
        $Expression.Left -eq $left) {
        $n = [int]$right.Value
        switch ($operator) {
            'Ge' { if ($n -ge 6) { return 'Core' } }
            'Gt' { if ($n -ge 5) { return 'Core' } }
            'Lt' { if ($n -le 6) { return 'Desktop' } }
            'Le' { if ($n -le 5) { return 'Desktop' } }
        }
    }
    $null
}

function Test-ApiNullTest {
    # 'NotNull' when the expression holds only when $Variable is not $null, 'Null' when only when it is.
    param([System.Management.Automation.Language.Ast]$Expression, [string]$Variable)
    $Expression = Get-ApiConditionExpression $Expression
    $isVariable = { param($e) $e -is [System.Management.Automation.Language.VariableExpressionAst] -and $e.VariablePath.UserPath -eq $Variable }
    $isNull = { param($e) $e -is [System.Management.Automation.Language.VariableExpressionAst] -and $e.VariablePath.UserPath -eq 'null' }
    if (& $isVariable $Expression) { return 'NotNull' }
    $language = [System.Management.Automation.Language.TokenKind]
    if ($Expression -is [System.Management.Automation.Language.UnaryExpressionAst] -and $Expression.TokenKind -in $language::Not, $language::Exclaim) {
        $inner = Test-ApiNullTest -Expression $Expression.Child -Variable $Variable
        if ($inner -eq 'NotNull') { return 'Null' }
        if ($inner -eq 'Null') { return 'NotNull' }
        return $null
    }
    if ($Expression -isnot [System.Management.Automation.Language.BinaryExpressionAst]) { return $null }
    $pair = ((& $isNull $Expression.Left) -and (& $isVariable $Expression.Right)) -or ((& $isVariable $Expression.Left) -and (& $isNull $Expression.Right))
    if (-not $pair) { return $null }
    $operator = $Expression.Operator.ToString() -replace '^[IC]', ''
    if ($operator -eq 'Ne') { return 'NotNull' }
    if ($operator -eq 'Eq') { return 'Null' }
    $null
}

function Test-ApiConditionHolds {
    # Whether a condition being true implies $Wanted ('Core' edition test, or 'NotNull' for $Variable): the test
    # itself, or -and with the test as one operand.
    param([System.Management.Automation.Language.Ast]$Condition, [string]$Wanted, [string]$Variable)
    $Condition = Get-ApiConditionExpression $Condition
    if ($Condition -is [System.Management.Automation.Language.BinaryExpressionAst] -and $Condition.Operator -eq 'And') {
        return (Test-ApiConditionHolds $Condition.Left $Wanted $Variable) -or (Test-ApiConditionHolds $Condition.Right $Wanted $Variable)
    }
    if ($Wanted -eq 'NotNull') { return (Test-ApiNullTest -Expression $Condition -Variable $Variable) -eq 'NotNull' }
    (Test-ApiEditionComparison $Condition) -eq $Wanted
}

function Test-ApiConditionFails {
    # Whether a condition being false implies $Wanted: the opposite test, or -or with the opposite test as one operand.
    param([System.Management.Automation.Language.Ast]$Condition, [string]$Wanted, [string]$Variable)
    $Condition = Get-ApiConditionExpression $Condition
    if ($Condition -is [System.Management.Automation.Language.BinaryExpressionAst] -and $Condition.Operator -eq 'Or') {
        return (Test-ApiConditionFails $Condition.Left $Wanted $Variable) -or (Test-ApiConditionFails $Condition.Right $Wanted $Variable)
    }
    if ($Wanted -eq 'NotNull') { return (Test-ApiNullTest -Expression $Condition -Variable $Variable) -eq 'Null' }
    $opposite = if ($Wanted -eq 'Core') { 'Desktop' } else { 'Core' }
    (Test-ApiEditionComparison $Condition) -eq $opposite
}

function Test-ApiGuarded {
    # Whether $Node only runs where $Wanted holds ('Core': PowerShell 6+; 'NotNull': $Variable is not $null).
    param([System.Management.Automation.Language.Ast]$Node, [string]$Wanted, [string]$Variable)
    for ($child = $Node; $null -ne $child.Parent; $child = $child.Parent) {
        $parent = $child.Parent
        if ($parent -isnot [System.Management.Automation.Language.IfStatementAst]) { continue }
        $clauses = $parent.Clauses
        for ($i = 0; $i -lt $clauses.Count; $i++) {
            if ($clauses[$i].Item2 -ne $child) { continue }
            if (Test-ApiConditionHolds $clauses[$i].Item1 $Wanted $Variable) { return $true }
            for ($j = 0; $j -lt $i; $j++) { if (Test-ApiConditionFails $clauses[$j].Item1 $Wanted $Variable) { return $true } }
        }
        if ($parent.ElseClause -eq $child) {
            foreach ($clause in $clauses) { if (Test-ApiConditionFails $clause.Item1 $Wanted $Variable) { return $true } }
        }
    }
    $false
}

# ---- The walk ---------------------------------------------------------------------------------------------------

function Find-ApiTypeVariable {
    # For $v::Member: the last assignment `$v = [T]` or `$v = 'T' -as [type]` before it in the same function
    # (or script). Returns Kind ('Literal' or 'LookedUp'), TypeName (ITypeName, for a literal) or Name (string).
    param([System.Management.Automation.Language.VariableExpressionAst]$Variable)
    $scope = $Variable.Parent
    while ($null -ne $scope -and $scope -isnot [System.Management.Automation.Language.FunctionDefinitionAst] -and $null -ne $scope.Parent) { $scope = $scope.Parent }
    $name = $Variable.VariablePath.UserPath
    $found = $null
    $assignments = $scope.FindAll({
            param($a)
            $a -is [System.Management.Automation.Language.AssignmentStatementAst] -and
            $a.Left -is [System.Management.Automation.Language.VariableExpressionAst] -and $a.Left.VariablePath.UserPath -eq $name
        }, $true)
    foreach ($assignment in $assignments) {
        if ($assignment.Extent.StartOffset -gt $Variable.Extent.StartOffset) { continue }
        $right = Get-ApiConditionExpression $assignment.Right
        if ($right -is [System.Management.Automation.Language.TypeExpressionAst]) {
            $found = [pscustomobject]@{ Kind = 'Literal'; TypeName = $right.TypeName; Name = $right.TypeName.FullName; Assignment = $assignment }
        }
        elseif ($right -is [System.Management.Automation.Language.BinaryExpressionAst] -and $right.Operator -eq 'As' -and
            $right.Left -is [System.Management.Automation.Language.StringConstantExpressionAst] -and
            $right.Right -is [System.Management.Automation.Language.TypeExpressionAst] -and $right.Right.TypeName.FullName -eq 'type') {
            $found = [pscustomobject]@{ Kind = 'LookedUp'; TypeName = $null; Name = $right.Left.Value; Assignment = $assignment }
        }
        else { $found = $null }
    }
    $found
}

function New-ApiFinding {
    param([string]$File, [System.Management.Automation.Language.IScriptExtent]$Extent, [System.Management.Automation.Language.Ast]$Node, [string]$Why)
    if ($Node) { $Extent = $Node.Extent }
    $text = ($Extent.Text -replace '\s*\r?\n\s*', ' ')
    if ($text.Length -gt 100) { $text = $text.Substring(0, 100) + '...' }
    $finding = [pscustomobject]@{ File = $File; Line = $Extent.StartLineNumber; Expression = $text; Why = $Why }
    $finding | Add-Member -MemberType ScriptMethod -Name ToString -Force -Value { "$($this.File):$($this.Line): $($this.Expression) -- $($this.Why)" }
    $finding
}

function Find-DkvApiSurfaceIssue {
    <#
    .SYNOPSIS
    Reports every .NET API the scripts name that Windows PowerShell 5.1 (.NET Framework 4.8) lacks, outside guards.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, ValueFromPipeline, ValueFromPipelineByPropertyName)][Alias('FullName')][string[]]$Path,
        # Findings name files relative to this folder.
        [string]$Root
    )
    process {
        $null = Initialize-ApiSurface
        foreach ($file in $Path) {
            $full = [System.IO.Path]::GetFullPath($file)
            $display = if ($Root) { [System.IO.Path]::GetRelativePath($Root, $full) } else { $full }
            $tokens = $null
            $errors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseFile($full, [ref]$tokens, [ref]$errors)
            foreach ($parseError in $errors) {
                New-ApiFinding -File $display -Extent $parseError.Extent -Why "parse error: $($parseError.Message)"
            }
            Find-ApiIssueInAst -Ast $ast -File $display | Sort-Object -Property Line -Stable
        }
    }
}

function Find-ApiIssueInAst {
    param([System.Management.Automation.Language.ScriptBlockAst]$Ast, [string]$File)
    $language = 'System.Management.Automation.Language'
    $namespaces = @($Ast.UsingStatements | Where-Object { $_.UsingStatementKind -eq 'Namespace' } | ForEach-Object { $_.Name.Value })
    $localTypes = @($Ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.TypeDefinitionAst] }, $true) | ForEach-Object { $_.Name })
    $resolveArgs = @{ Namespaces = $namespaces; LocalTypes = $localTypes }

    # Type names: literals, constraints, attributes.
    $typeNodes = $Ast.FindAll({
            param($n)
            $n -is [System.Management.Automation.Language.TypeExpressionAst] -or $n -is [System.Management.Automation.Language.TypeConstraintAst] -or
            $n -is [System.Management.Automation.Language.AttributeAst]
        }, $true)
    foreach ($node in $typeNodes) {
        $isAttribute = $node -is [System.Management.Automation.Language.AttributeAst]
        # [ordered]@{...} is the parser's, on 5.1 too; [ordered] anywhere else is a type only PowerShell 7 has.
        if ($node.TypeName.FullName -eq 'ordered' -and $node.Parent -is [System.Management.Automation.Language.ConvertExpressionAst] -and
            $node.Parent.Child -is [System.Management.Automation.Language.HashtableAst]) { continue }
        $guarded = Test-ApiGuarded -Node $node -Wanted Core
        $resolved = Resolve-ApiType -TypeName $node.TypeName -Attribute:$isAttribute @resolveArgs
        if (-not $resolved.Ok) {
            if (-not $guarded) { New-ApiFinding -File $File -Node $node -Why $resolved.Why; continue }
            if ($null -eq (Resolve-LiveType -TypeName $node.TypeName -Attribute:$isAttribute)) {
                New-ApiFinding -File $File -Node $node -Why "inside an edition guard, but $($resolved.Why)"
            }
            continue
        }
        if ($isAttribute -and $null -ne $resolved.Type -and -not $guarded) {
            $why = Test-ApiMember -Type $resolved.Type -Member '.ctor' -Kind Constructor -ArgumentCount $node.PositionalArguments.Count
            if ($why) { New-ApiFinding -File $File -Node $node -Why $why }
            foreach ($named in $node.NamedArguments) {
                $instance = [System.Reflection.BindingFlags]'Public, Instance'
                $has = @($resolved.Type.GetProperties($instance) | Where-Object { $_.Name -eq $named.ArgumentName }).Count +
                @($resolved.Type.GetFields($instance) | Where-Object { $_.Name -eq $named.ArgumentName }).Count
                if ($has -eq 0) {
                    New-ApiFinding -File $File -Node $named -Why "$($resolved.Type.FullName) has no property '$($named.ArgumentName)' in Windows PowerShell 5.1's engine"
                }
            }
        }
        # [SomeEnum]'A, B': each name must be a value of the enum.
        if ($node -is [System.Management.Automation.Language.TypeConstraintAst] -and $null -ne $resolved.Type -and $resolved.Type.IsEnum -and -not $guarded -and
            $node.Parent -is [System.Management.Automation.Language.ConvertExpressionAst] -and
            $node.Parent.Child -is [System.Management.Automation.Language.StringConstantExpressionAst]) {
            $values = @($resolved.Type.GetFields([System.Reflection.BindingFlags]'Public, Static') | ForEach-Object { $_.Name })
            foreach ($value in ($node.Parent.Child.Value -split ',')) {
                if ($values -notcontains $value.Trim()) {
                    New-ApiFinding -File $File -Node $node.Parent -Why "'$($value.Trim())' is not a value of $($resolved.Type.FullName) on .NET Framework 4.8"
                }
            }
        }
    }

    # Type names in strings: 'Name' -as [type] and [type]'Name'.
    $lookups = $Ast.FindAll({
            param($n)
            ($n -is [System.Management.Automation.Language.BinaryExpressionAst] -and $n.Operator -eq 'As' -and
                $n.Left -is [System.Management.Automation.Language.StringConstantExpressionAst] -and
                $n.Right -is [System.Management.Automation.Language.TypeExpressionAst] -and $n.Right.TypeName.FullName -eq 'type') -or
            ($n -is [System.Management.Automation.Language.ConvertExpressionAst] -and $n.Type.TypeName.FullName -eq 'type' -and
                $n.Child -is [System.Management.Automation.Language.StringConstantExpressionAst])
        }, $true)
    foreach ($node in $lookups) {
        $text = if ($node -is [System.Management.Automation.Language.BinaryExpressionAst]) { $node.Left.Value } else { $node.Child.Value }
        $typeName = [System.Management.Automation.Language.Parser]::ParseInput("[$text]", [ref]$null, [ref]$null).EndBlock.Statements[0].PipelineElements[0].Expression.TypeName
        $resolved = Resolve-ApiType -TypeName $typeName @resolveArgs
        if (-not $resolved.Ok -and $null -eq (Resolve-LiveType -TypeName $typeName)) {
            New-ApiFinding -File $File -Node $node -Why "the name '$text' is a type nowhere: the lookup is `$null on every edition"
        }
    }

    # Static members: [T]::new(...), [T]::Method(...), [T]::Property, and the same through $v = [T] / 'T' -as [type].
    $members = $Ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.MemberExpressionAst] -and $n.Static }, $true)
    foreach ($node in $members) {
        if ($node.Member -isnot [System.Management.Automation.Language.StringConstantExpressionAst]) { continue }
        $member = $node.Member.Value
        $isCall = $node -is [System.Management.Automation.Language.InvokeMemberExpressionAst]
        $count = if ($isCall -and $null -ne $node.Arguments) { $node.Arguments.Count } else { 0 }
        $kind = if (-not $isCall) { 'Property' } elseif ($member -eq 'new') { 'Constructor' } else { 'Method' }
        $guarded = Test-ApiGuarded -Node $node -Wanted Core
        $typeName = $null
        $lookedUp = $null
        if ($node.Expression -is [System.Management.Automation.Language.TypeExpressionAst]) { $typeName = $node.Expression.TypeName }
        elseif ($node.Expression -is [System.Management.Automation.Language.VariableExpressionAst]) {
            $variable = Find-ApiTypeVariable -Variable $node.Expression
            if ($null -eq $variable) { continue }
            if ($variable.Kind -eq 'Literal') { $typeName = $variable.TypeName }
            else {
                $lookedUp = $variable
                if (-not $guarded) { $guarded = Test-ApiGuarded -Node $node -Wanted NotNull -Variable $node.Expression.VariablePath.UserPath }
                $typeName = [System.Management.Automation.Language.Parser]::ParseInput("[$($variable.Name)]", [ref]$null, [ref]$null).EndBlock.Statements[0].PipelineElements[0].Expression.TypeName
            }
        }
        else { continue }

        if ($guarded) {
            # Not run on 5.1; still, it must exist here.
            $live = Resolve-LiveType -TypeName $typeName
            if ($null -eq $live) { continue } # the type literal itself is reported above
            $why = Test-ApiMember -Type $live -Member $member -Kind $kind -ArgumentCount $count -Where "in this pwsh's .NET either"
            if ($why) { New-ApiFinding -File $File -Node $node -Why "inside a guard, but $why" }
            continue
        }
        $resolved = Resolve-ApiType -TypeName $typeName @resolveArgs
        if (-not $resolved.Ok) {
            if ($null -ne $lookedUp) {
                New-ApiFinding -File $File -Node $node -Why ("`$$($node.Expression.VariablePath.UserPath) is `$null on Windows PowerShell 5.1 ($($resolved.Why)), " +
                    "and this use is not inside if (`$null -ne `$$($node.Expression.VariablePath.UserPath)) or an edition check")
            }
            continue # a literal type that does not resolve is reported once, above
        }
        if ($null -eq $resolved.Type) { continue } # a local class, or an accelerator outside the reference set
        $why = Test-ApiMember -Type $resolved.Type -Member $member -Kind $kind -ArgumentCount $count
        if ($why) { New-ApiFinding -File $File -Node $node -Why $why }
    }
}

Export-ModuleMember -Function 'Find-DkvApiSurfaceIssue', 'Initialize-ApiSurface'
