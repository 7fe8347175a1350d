# Locating libclustron_dkv for this OS and architecture, and binding its exports with Reflection.Emit.
# Add-Type would compile C# on every import; an emitted P/Invoke type costs a few milliseconds and needs no compiler.

# The export table ($script:DkvExportSignatures) is in NativeAbi.ps1, with the rest of the header as the module
# uses it.

# Test switch, never set by the module: $true sends the Desktop-edition code paths (the platform choice below,
# Read-DkvUtf8's UTF-8 decoding without PtrToStringUTF8) through pwsh too, so the tests run them although Windows
# PowerShell 5.1 cannot run there: `& (Get-Module Clustron.Dkv) { $script:DkvAssumeDesktop = $true }`.
$script:DkvAssumeDesktop = $false

function Get-DkvNativeCandidatePath {
    # The runtimes/{rid}/native layout is NuGet's, so one dist folder can carry every platform's library.
    [CmdletBinding()]
    [OutputType([string])]
    # -ProcessArchitecture (an Architecture name: X64, Arm64) stands in for this process's, for tests on one machine.
    param([Parameter(Mandatory)][string]$ModuleRoot, [string]$ProcessArchitecture = '')

    $runtimeInfo = 'System.Runtime.InteropServices.RuntimeInformation' -as [type]
    $arch = 'x64'
    if (-not $ProcessArchitecture -and $null -ne $runtimeInfo) {
        $ProcessArchitecture = [string]$runtimeInfo::ProcessArchitecture
    }
    if ($ProcessArchitecture -eq 'Arm64') { $arch = 'arm64' }
    # Windows PowerShell 5.1 only runs on Windows; RuntimeInformation.IsOSPlatform is the cross-platform test.
    $os = 'win'
    if ($PSVersionTable.PSEdition -eq 'Core' -and -not $script:DkvAssumeDesktop) {
        $platform = [System.Runtime.InteropServices.OSPlatform]
        if ($runtimeInfo::IsOSPlatform($platform::Linux)) { $os = 'linux' }
        elseif ($runtimeInfo::IsOSPlatform($platform::OSX)) { $os = 'osx' }
    }
    $fileName = switch ($os) {
        'win' { 'clustron_dkv.dll' }
        'osx' { 'libclustron_dkv.dylib' }
        default { 'libclustron_dkv.so' }
    }
    $runtimes = [System.IO.Path]::Combine($ModuleRoot, 'runtimes')
    [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($runtimes, "$os-$arch", 'native', $fileName))
    if ($os -eq 'osx') {
        # A universal (fat) dylib serves both architectures.
        [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($runtimes, 'osx', 'native', $fileName))
    }
}

function Resolve-DkvNativeLibrary {
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)][string]$ModuleRoot)

    # The library's path, or an ErrorRecord: never an exception, which the engine would record once per function
    # it passes through (the command that asked for the library reports one record with a stable ErrorId).
    if (-not [Environment]::Is64BitProcess) {
        return (New-DkvErrorRecord -ErrorId 'NativeLibraryUnsupportedProcess' -Category NotImplemented -TargetObject $ModuleRoot `
            -Exception ([System.PlatformNotSupportedException]::new(
                'Clustron.Dkv needs a 64-bit PowerShell process; this one is 32-bit. Start the 64-bit PowerShell and import the module again.')))
    }
    $tried = @(Get-DkvNativeCandidatePath -ModuleRoot $ModuleRoot)
    foreach ($path in $tried) {
        if ([System.IO.File]::Exists($path)) { return $path }
    }
    New-DkvErrorRecord -ErrorId 'NativeLibraryNotFound' -Category ObjectNotFound -TargetObject $ModuleRoot `
        -Exception ([System.IO.FileNotFoundException]::new(
            "Clustron.Dkv cannot find its native library. Paths tried: $($tried -join '; '). " +
            'Assemble the module with powershell/assemble.sh after building the native library.'))
}

function Get-DkvNativeMethod {
    # Returns the emitted type whose static methods are the exports, or an ErrorRecord when the library cannot
    # load. Emitted once per process and library path;
    # re-imports, Import-Module -Force and other runspaces find it in an AppDomain slot instead of emitting a
    # second type (a second binding would work too, but would leak a dynamic assembly per import).
    [CmdletBinding()]
    [OutputType([type])]
    param([Parameter(Mandatory)][string]$LibraryPath)

    $slot = "Clustron.Dkv.NativeMethods|$LibraryPath"
    $domain = [AppDomain]::CurrentDomain
    $lock = [string]::Intern('Clustron.Dkv.NativeMethods.Lock')
    [System.Threading.Monitor]::Enter($lock)
    try {
        $existing = $domain.GetData($slot)
        if ($existing -is [type]) { return $existing }

        $assemblyName = [System.Reflection.AssemblyName]::new('Clustron.Dkv.Native.' + [Guid]::NewGuid().ToString('N'))
        $assembly = [System.Reflection.Emit.AssemblyBuilder]::DefineDynamicAssembly(
            $assemblyName, [System.Reflection.Emit.AssemblyBuilderAccess]::Run)
        $module = $assembly.DefineDynamicModule($assemblyName.Name)
        $typeAttributes = [System.Reflection.TypeAttributes]'Public, Abstract, Sealed, Class'
        $builder = $module.DefineType('Clustron.Dkv.NativeMethods', $typeAttributes)
        $methodAttributes = [System.Reflection.MethodAttributes]'Public, Static, HideBySig, PinvokeImpl'
        foreach ($export in $script:DkvExportSignatures) {
            $method = $builder.DefinePInvokeMethod(
                $export[0], $LibraryPath, $methodAttributes,
                [System.Reflection.CallingConventions]::Standard, $export[1], [type[]]$export[2],
                [System.Runtime.InteropServices.CallingConvention]::Cdecl,
                [System.Runtime.InteropServices.CharSet]::Ansi)
            $method.SetImplementationFlags([System.Reflection.MethodImplAttributes]::PreserveSig)
        }
        $type = $builder.CreateType()
        # P/Invoke loads lazily; calling one export now turns a library that cannot load (wrong architecture,
        # missing dependency) into an import error instead of a failure in the middle of a stop.
        try {
            # On .NET (Core) a failed load from a dynamic assembly surfaces as an unrelated ArgumentNullException;
            # NativeLibrary.Load reports the loader's own reason (wrong ELF class, missing symbol, ...).
            $nativeLibrary = 'System.Runtime.InteropServices.NativeLibrary' -as [type]
            if ($null -ne $nativeLibrary) { $null = $nativeLibrary::Load($LibraryPath) }
            $null = $type::dkv_version()
        }
        catch {
            return (New-DkvErrorRecord -ErrorId 'NativeLibraryUnloadable' -Category ResourceUnavailable -TargetObject $LibraryPath `
                -Exception ([System.DllNotFoundException]::new(
                    "Clustron.Dkv found its native library at $LibraryPath but cannot load it: $($_.Exception.GetBaseException().Message)")))
        }
        $domain.SetData($slot, $type)
        return $type
    }
    finally {
        [System.Threading.Monitor]::Exit($lock)
    }
}

# The bound type, or $null until the first native call (the module binds on first use, not at import).
$script:DkvNative = $null

function Get-DkvNative {
    # The emitted type of the exports, bound on the first call: Invoke-DkvTransport calls this only while
    # $script:DkvNative is still $null. A library that cannot be found or loaded gives an ErrorRecord instead
    # (NativeLibraryNotFound, NativeLibraryUnloadable, NativeLibraryUnsupportedProcess) with the paths tried or the
    # loader's reason; the next call tries again.
    [CmdletBinding()]
    param()
    if ($null -eq $script:DkvNative) {
        $path = Resolve-DkvNativeLibrary -ModuleRoot $script:DkvModuleRoot
        if ($path -is [System.Management.Automation.ErrorRecord]) { return $path }
        $bound = Get-DkvNativeMethod -LibraryPath $path
        if ($bound -is [System.Management.Automation.ErrorRecord]) { return $bound }
        $script:DkvNative = $bound
    }
    $script:DkvNative
}
