// pwsh for linux-arm64: the PowerShell console host, exactly as pwsh starts it (src/powershell/Program.cs upstream).
namespace ArmPwsh;

public static class Program
{
    public static int Main(string[] args) => Microsoft.PowerShell.UnmanagedPSEntry.Start(args, args.Length);
}
