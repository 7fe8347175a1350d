using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace Clustron.Dkv.Bench
{
    /// <summary>
    /// Import-Module of Clustron.Dkv against Import-Module Microsoft.PowerShell.Archive, both in the same fresh
    /// process: one child process (this program, --import-child) per sample. In the child, a tiny throw-away module
    /// is imported first so that neither timed import pays the engine's first Import-Module (JIT); the two timed
    /// imports then alternate their order from one child to the next, and the ratio is that of the two means (each
    /// module was first as often as second, so the one that goes first, and pays the engine's remaining first-use
    /// costs, does not decide it).
    /// </summary>
    public static class ImportComparison
    {
        public const string ChildFlag = "--import-child";

        public static void Measure(string manifest, string archive, int processes, List<string[]> ratios, List<string> figures)
        {
            processes += processes % 2; // each order as often
            string self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
            string scratch = Path.Combine(Path.GetTempPath(), "dkv-module-bench-import-" + Environment.ProcessId);
            Directory.CreateDirectory(scratch);
            string warm = Path.Combine(scratch, "Warm.psm1");
            File.WriteAllText(warm, "function Get-Warm { 'warm' }\n");
            var dkv = new List<double>();
            var arch = new List<double>();
            try
            {
                for (int i = 0; i < processes; i++)
                {
                    string order = i % 2 == 0 ? "dkv-first" : "archive-first";
                    var start = new ProcessStartInfo(self) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
                    foreach (string arg in new[] { ChildFlag, manifest, archive, warm, order }) { start.ArgumentList.Add(arg); }
                    using Process child = Process.Start(start) ?? throw new InvalidOperationException("cannot start " + self);
                    string output = child.StandardOutput.ReadToEnd();
                    string error = child.StandardError.ReadToEnd();
                    child.WaitForExit();
                    string[] parts = output.Trim().Split(' ');
                    if (child.ExitCode != 0 || parts.Length != 2)
                    {
                        throw new InvalidOperationException("import child failed (exit " + child.ExitCode + "): " + output + error);
                    }
                    dkv.Add(double.Parse(parts[0], CultureInfo.InvariantCulture));
                    arch.Add(double.Parse(parts[1], CultureInfo.InvariantCulture));
                }
            }
            finally
            {
                try { Directory.Delete(scratch, true); } catch (IOException) { }
            }
            var d = new Samples(dkv);
            var a = new Samples(arch);
            Console.WriteLine("   Import-Module in a fresh process each (" + processes + " processes, the order alternating; a tiny module imported first)");
            var table = new Table("measurement", "processes", "mean ms", "median ms", "min ms", "max ms");
            void Add(string name, Samples s, List<double> raw) => table.Row(name, s.Count.ToString(CultureInfo.InvariantCulture),
                Samples.Ms(raw.Average()), Samples.Ms(s.Median), Samples.Ms(s.Min), Samples.Ms(s.Percentile(100)));
            Add("Import-Module Clustron.Dkv (assembled)", d, dkv);
            Add("Import-Module Microsoft.PowerShell.Archive", a, arch);
            Console.Write(table.Render());
            Console.WriteLine();
            ratios.Add(new[] { "M1: Import-Module Clustron.Dkv / Microsoft.PowerShell.Archive", Ratio(dkv.Average(), arch.Average()),
                "mean of " + processes + " imports of each, both in the same fresh process, each first in half of them (goal <= 2)" });
            figures.Add("M1 Import-Module in a fresh process: Clustron.Dkv " + Samples.Ms(dkv.Average()) + " ms, Microsoft.PowerShell.Archive "
                + Samples.Ms(arch.Average()) + " ms (means)");
        }

        /// <summary>The child: prints "DKV_MS ARCHIVE_MS".</summary>
        public static int RunChild(string[] args)
        {
            if (args.Length != 5) { Console.Error.WriteLine("usage: " + ChildFlag + " MANIFEST ARCHIVE WARM dkv-first|archive-first"); return 2; }
            string manifest = args[1], archive = args[2], warm = args[3];
            bool dkvFirst = args[4] == "dkv-first";
            using Runspace runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault());
            runspace.Open();
            using PowerShell ps = PowerShell.Create(runspace);
            Import(ps, warm);
            double dkv, arch;
            if (dkvFirst) { dkv = Import(ps, manifest); arch = Import(ps, archive); }
            else { arch = Import(ps, archive); dkv = Import(ps, manifest); }
            Console.WriteLine(dkv.ToString("F3", CultureInfo.InvariantCulture) + " " + arch.ToString("F3", CultureInfo.InvariantCulture));
            return 0;
        }

        private static double Import(PowerShell ps, string module)
        {
            ps.Commands.Clear();
            ps.AddCommand("Import-Module").AddParameter("Name", module).AddParameter("ErrorAction", "Stop");
            var watch = Stopwatch.StartNew();
            ps.Invoke();
            double ms = watch.Elapsed.TotalMilliseconds;
            if (ps.HadErrors) { throw new InvalidOperationException("Import-Module " + module + " failed: " + ps.Streams.Error[0]); }
            return ms;
        }

        public static string Ratio(double numerator, double denominator) =>
            (numerator / denominator).ToString("F3", CultureInfo.InvariantCulture);
    }
}
