using System;
using System.IO;

namespace Clustron.Dkv.Tests.Infrastructure
{
    /// <summary>Paths of the things under test, from the repository root (found upwards from the test binary).</summary>
    public static class Repo
    {
        private static readonly Lazy<string> root = new Lazy<string>(FindRoot);

        public static string Root => root.Value;

        public static string ModuleSource => Path.Combine(Root, "powershell", "Clustron.Dkv");

        public static string DistModule => Path.Combine(Root, "dist", "Clustron.Dkv");

        public static string DistManifest => Path.Combine(DistModule, "Clustron.Dkv.psd1");

        public static string RefManager => Path.Combine(Root, "target", "debug", "examples", "dkv-refmanager");

        public static string DkvShell => Path.Combine(Root, "powershell", "host", "DkvShell", "bin", "Release", "net10.0", "DkvShell");

        /// <summary>The assembled module, or an exception that says how to assemble it.</summary>
        public static string RequireDistManifest()
        {
            if (!File.Exists(DistManifest))
            {
                throw new InvalidOperationException(
                    $"The module is not assembled: {DistManifest} is missing. Run `cargo build --release && bash powershell/assemble.sh` " +
                    "(tests/dotnet.sh does this when dist/ is missing).");
            }
            string native = Path.Combine(DistModule, "runtimes", "linux-x64", "native", "libclustron_dkv.so");
            if (!File.Exists(native))
            {
                throw new InvalidOperationException($"dist/Clustron.Dkv has no native library at {native}. Run `cargo build --release && bash powershell/assemble.sh`.");
            }
            return DistManifest;
        }

        public static string RequireRefManager()
        {
            if (!File.Exists(RefManager))
            {
                throw new InvalidOperationException(
                    $"The reference manager is not built: {RefManager} is missing. Run `cargo build --example dkv-refmanager`.");
            }
            return RefManager;
        }

        private static string FindRoot()
        {
            string? fromEnvironment = Environment.GetEnvironmentVariable("CLUSTRON_REPO");
            if (!string.IsNullOrEmpty(fromEnvironment)) { return Path.GetFullPath(fromEnvironment); }
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory != null)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Cargo.toml")) &&
                    Directory.Exists(Path.Combine(directory.FullName, "powershell")))
                {
                    return directory.FullName;
                }
                directory = directory.Parent;
            }
            throw new InvalidOperationException(
                $"Cannot find the repository root above {AppContext.BaseDirectory}; set CLUSTRON_REPO.");
        }
    }
}
