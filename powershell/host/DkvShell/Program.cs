using System;
using System.Collections.Generic;
using System.IO;
using Clustron.Dkv.Shell.Hosting;

namespace Clustron.Dkv.Shell
{
    /// <summary>DkvShell -Command "&lt;script&gt;" | -File path.ps1 [args]: the engine without pwsh.</summary>
    public static class Program
    {
        private const string Usage =
            "Usage: DkvShell -Command <script>      run script text ('-' reads it from standard input)\n" +
            "       DkvShell -File <path.ps1> [args] run a script file\n" +
            "Output goes through Out-Default; the exit code is 1 when the script had errors, else 0 (or its exit N).";

        public static int Main(string[] args)
        {
            if (args.Length == 0 || IsFlag(args[0], "help") || args[0] == "-?" || args[0] == "/?")
            {
                Console.Out.WriteLine(Usage);
                return args.Length == 0 ? 2 : 0;
            }
            int next = 0;
            while (next < args.Length && (IsFlag(args[next], "noprofile") || IsFlag(args[next], "noninteractive") || IsFlag(args[next], "nologo")))
            {
                next++; // No profiles, no prompt loop, no banner: these are accepted for pwsh compatibility.
            }
            if (next >= args.Length)
            {
                Console.Error.WriteLine(Usage);
                return 2;
            }

            string mode = args[next];
            var host = new DkvHost(DkvHostUserInterface.ForConsole());
            using (var runner = new DkvScriptRunner(host))
            {
                Console.CancelKeyPress += (sender, e) =>
                {
                    // Stop the pipeline (its finally blocks run) instead of killing the process.
                    e.Cancel = true;
                    runner.Stop();
                };
                if (IsFlag(mode, "command", "c"))
                {
                    if (next + 1 >= args.Length)
                    {
                        Console.Error.WriteLine("DkvShell: -Command needs a script.\n" + Usage);
                        return 2;
                    }
                    string script = string.Join(" ", args, next + 1, args.Length - next - 1);
                    if (script == "-") { script = Console.In.ReadToEnd(); }
                    return runner.RunCommand(script);
                }
                string path;
                int first;
                if (IsFlag(mode, "file", "f"))
                {
                    if (next + 1 >= args.Length)
                    {
                        Console.Error.WriteLine("DkvShell: -File needs a path.\n" + Usage);
                        return 2;
                    }
                    path = args[next + 1];
                    first = next + 2;
                }
                else if (!mode.StartsWith("-", StringComparison.Ordinal))
                {
                    path = mode;
                    first = next + 1;
                }
                else
                {
                    Console.Error.WriteLine("DkvShell: unknown option '" + mode + "'.\n" + Usage);
                    return 2;
                }
                if (!File.Exists(path))
                {
                    Console.Error.WriteLine("DkvShell: the script file '" + path + "' does not exist.");
                    return 2;
                }
                var rest = new List<string>();
                for (int i = first; i < args.Length; i++) { rest.Add(args[i]); }
                return runner.RunFile(Path.GetFullPath(path), rest);
            }
        }

        private static bool IsFlag(string arg, string name, string? shortName = null)
        {
            if (arg.Length < 2 || (arg[0] != '-' && arg[0] != '/')) { return false; }
            string word = arg.TrimStart('-', '/');
            return string.Equals(word, name, StringComparison.OrdinalIgnoreCase) ||
                (shortName != null && string.Equals(word, shortName, StringComparison.OrdinalIgnoreCase));
        }
    }
}
