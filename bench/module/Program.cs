using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.InteropServices;

namespace Clustron.Dkv.Bench
{
    /// <summary>
    /// DkvModuleBench --module DIR --refmanager PATH --archive DIR [--imports N] [--iterations N] [--warmup N] [--parallel-reps N]
    /// Scenario 4 of dkv-bench: the module on the PowerShell engine, against what a user would otherwise run in the
    /// same process: Import-Module against Microsoft.PowerShell.Archive (M1), one Stop-DkvStore against an
    /// Invoke-RestMethod script and the native call (M2), a 64-manager -Parallel stop against ForEach-Object
    /// -Parallel (M3).
    /// </summary>
    public static class Program
    {
        private const string Host = "127.0.203.1";
        private const string Store = "ModuleStore";
        private const string Instance = "node-001-01";

        private sealed class Options
        {
            public string ModuleDir = "";
            public string RefManager = "";
            public int Imports = 10;
            public int Iterations = 200;
            public int Warmup = 10;
            public string Archive = "";
            public int ParallelReps = 3;
        }

        public static int Main(string[] args)
        {
            if (args.Length > 0 && args[0] == ImportComparison.ChildFlag) { return ImportComparison.RunChild(args); }
            Options options;
            try { options = Parse(args); }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine("DkvModuleBench: " + e.Message);
                Console.Error.WriteLine("usage: DkvModuleBench --module DIR --refmanager PATH --archive DIR [--imports N] [--iterations N] [--warmup N] [--parallel-reps N]");
                return 2;
            }
            try
            {
                Run(options);
                return 0;
            }
            catch (Exception e) when (e is InvalidOperationException || e is IOException || e is TimeoutException || e is RuntimeException)
            {
                Console.Error.WriteLine("DkvModuleBench: " + e.Message);
                return 1;
            }
        }

        private static Options Parse(string[] args)
        {
            var o = new Options();
            for (int i = 0; i < args.Length; i++)
            {
                string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException(args[i] + " needs a value");
                switch (args[i])
                {
                    case "--module": o.ModuleDir = value; break;
                    case "--refmanager": o.RefManager = value; break;
                    case "--imports": o.Imports = Positive(args[i], value); break;
                    case "--iterations": o.Iterations = Positive(args[i], value); break;
                    case "--warmup": o.Warmup = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--archive": o.Archive = value; break;
                    case "--parallel-reps": o.ParallelReps = Positive(args[i], value); break;
                    default: throw new ArgumentException("unknown flag " + args[i]);
                }
                i++;
            }
            if (o.ModuleDir.Length == 0 || o.RefManager.Length == 0 || o.Archive.Length == 0)
            {
                throw new ArgumentException("--module, --refmanager and --archive are required");
            }
            return o;
        }

        private static int Positive(string flag, string value)
        {
            if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < 1)
            {
                throw new ArgumentException(flag + " expects a number of at least 1");
            }
            return n;
        }

        private static void Run(Options options)
        {
            string manifest = Path.GetFullPath(Path.Combine(options.ModuleDir, "Clustron.Dkv.psd1"));
            string arch = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "arm64" : "x64";
            string native = Path.Combine(Path.GetDirectoryName(manifest) ?? ".", "runtimes", "linux-" + arch, "native", "libclustron_dkv.so");
            if (!File.Exists(manifest)) { throw new IOException("no module at " + manifest + " (run powershell/assemble.sh)"); }
            if (!File.Exists(native)) { throw new IOException("no native library at " + native); }
            NativeStop.Bind(native);
            var ratios = new List<string[]>();
            var figures = new List<string>();

            Console.WriteLine("== Scenario 4: the Clustron.Dkv module on the pwsh engine (Microsoft.PowerShell.SDK; System.Management.Automation "
                + typeof(PowerShell).Assembly.GetName().Version + ", .NET " + Environment.Version + ")");
            Console.WriteLine("   module: " + manifest);
            MeasureImport(manifest, options.Imports, figures);
            ImportComparison.Measure(manifest, options.Archive, options.Imports, ratios, figures);
            using (RefManagerProcess managers = RefManagerProcess.Start(options.RefManager, Host, Store, Instance))
            {
                MeasureStop(manifest, managers, options, ratios, figures);
            }
            ParallelComparison.Measure(manifest, options.RefManager, options.ParallelReps, ratios, figures);
            Console.WriteLine("== Ratios measured in this run (module)");
            var table = new Table("ratio", "value");
            foreach (string[] r in ratios) { table.Row(r[0], r[1]); }
            Console.Write(table.Render());
            foreach (string[] r in ratios) { Console.WriteLine("  " + r[0] + ": " + r[2]); }
            foreach (string f in figures) { Console.WriteLine("  " + f); }
        }

        /// <summary>A fresh runspace per import, so every import really loads the module; the first pays the JIT.</summary>
        private static void MeasureImport(string manifest, int imports, List<string> figures)
        {
            var open = new List<double>();
            var import = new List<double>();
            for (int i = 0; i < imports; i++)
            {
                var watch = Stopwatch.StartNew();
                using Runspace runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
                runspace.Open();
                open.Add(watch.Elapsed.TotalMilliseconds);
                using PowerShell ps = PowerShell.Create(runspace);
                ps.AddCommand("Import-Module").AddParameter("Name", manifest).AddParameter("ErrorAction", "Stop");
                watch.Restart();
                ps.Invoke();
                import.Add(watch.Elapsed.TotalMilliseconds);
                ThrowOnErrors(ps, "Import-Module");
                ps.Commands.Clear();
                ps.AddCommand("Get-Command").AddParameter("Module", "Clustron.Dkv");
                int commands = ps.Invoke().Count;
                // The manifest is the list of what an import must export; a hard-coded count went stale with every
                // new command.
                ps.Commands.Clear();
                ps.AddCommand("Import-PowerShellDataFile").AddParameter("Path", manifest);
                var data = (System.Collections.Hashtable)ps.Invoke()[0].BaseObject;
                int expected = ((object[])data["FunctionsToExport"]!).Length;
                if (commands != expected) { throw new InvalidOperationException("the imported module exports " + commands + " commands, expected " + expected + " (FunctionsToExport of " + manifest + ")"); }
            }
            var warmOpen = new Samples(open.GetRange(1, open.Count - 1));
            var warmImport = new Samples(import.GetRange(1, import.Count - 1));
            var table = new Table("measurement", "runs", "first ms", "median of the rest ms", "min ms");
            table.Row("open a runspace (CreateDefault2)", open.Count.ToString(CultureInfo.InvariantCulture),
                Samples.Ms(open[0]), Samples.Ms(warmOpen.Median), Samples.Ms(new Samples(open).Min));
            table.Row("Import-Module Clustron.Dkv", import.Count.ToString(CultureInfo.InvariantCulture),
                Samples.Ms(import[0]), Samples.Ms(warmImport.Median), Samples.Ms(new Samples(import).Min));
            Console.Write(table.Render());
            Console.WriteLine("   first = first in this process (JIT, native library load); the rest each import into a new runspace");
            Console.WriteLine();
            figures.Add("S4 Import-Module: " + Samples.Ms(import[0]) + " ms the first time in a process, " + Samples.Ms(warmImport.Median)
                + " ms (median) into each later fresh runspace");
        }

        private static void MeasureStop(string manifest, RefManagerProcess managers, Options options, List<string[]> ratios,
            List<string> figures)
        {
            // CreateDefault (not CreateDefault2), as pwsh: the script needs Invoke-RestMethod.
            using Runspace runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault());
            runspace.Open();
            using PowerShell ps = PowerShell.Create(runspace);
            ps.AddCommand("Import-Module").AddParameter("Name", manifest).AddParameter("ErrorAction", "Stop");
            ps.Invoke();
            ThrowOnErrors(ps, "Import-Module");
            ps.Commands.Clear();
            ps.AddScript(RestScripts.StopNode);
            ps.Invoke();
            ThrowOnErrors(ps, "defining the Invoke-RestMethod script");
            CheckSameRequests(ps, managers);

            var cmdlet = new List<double>();
            var native = new List<double>();
            var empty = new List<double>();
            var rest = new List<double>();
            for (int i = 0; i < options.Warmup + options.Iterations; i++)
            {
                var times = new double[4];
                for (int k = 0; k < 4; k++)
                {
                    int which = (i + k) % 4;
                    times[which] = which switch
                    {
                        0 => TimeCmdlet(ps, managers),
                        1 => TimeNative(managers),
                        2 => TimeRest(ps, managers),
                        _ => TimeEmpty(ps),
                    };
                }
                if (i >= options.Warmup)
                {
                    cmdlet.Add(times[0]);
                    native.Add(times[1]);
                    rest.Add(times[2]);
                    empty.Add(times[3]);
                }
            }
            var c = new Samples(cmdlet);
            var n = new Samples(native);
            var e = new Samples(empty);
            var r = new Samples(rest);
            Console.WriteLine("   one forced single-node stop on " + managers.Address + ", the manager reset between stops (untimed)");
            var table = new Table("measurement", "runs", "median ms", "p10 ms", "p90 ms", "min ms");
            void Add(string name, Samples s) => table.Row(name, s.Count.ToString(CultureInfo.InvariantCulture), Samples.Ms(s.Median),
                Samples.Ms(s.Percentile(10)), Samples.Ms(s.Percentile(90)), Samples.Ms(s.Min));
            Add("Stop-DkvStore -InstanceName -Force -Managers", c);
            Add("Invoke-RestMethod script, same 3 requests", r);
            Add("dkv_stop_store from .NET (P/Invoke)", n);
            Add("empty PowerShell.Invoke ($null)", e);
            Console.Write(table.Render());
            Console.WriteLine("   Stop-DkvStore overhead over the native call (median difference): " + Samples.Ms(c.Median - n.Median) + " ms");
            Console.WriteLine();
            ratios.Add(new[] { "M2: Stop-DkvStore / Invoke-RestMethod script", (c.Median / r.Median).ToString("F3", CultureInfo.InvariantCulture),
                "median of " + c.Count + " Stop-DkvStore calls over the median of as many calls of a function sending the same three "
                + "requests with Invoke-RestMethod, in the same runspace (goal <= 1.3)" });
            ratios.Add(new[] { "S4: Stop-DkvStore / native dkv_stop_store", (c.Median / n.Median).ToString("F3", CultureInfo.InvariantCulture),
                "median of " + c.Count + " Stop-DkvStore calls in one runspace over the median of as many dkv_stop_store calls "
                + "from the same process, both a forced stop of one node" });
            figures.Add("S4 Stop-DkvStore overhead: " + Samples.Ms(c.Median - n.Median) + " ms per call (median Stop-DkvStore "
                + Samples.Ms(c.Median) + " ms minus median native call " + Samples.Ms(n.Median) + " ms)");
        }

        private static double TimeCmdlet(PowerShell ps, RefManagerProcess managers)
        {
            managers.Reset();
            ps.Commands.Clear();
            ps.Streams.ClearStreams();
            ps.AddCommand("Stop-DkvStore").AddParameter("Name", Store).AddParameter("InstanceName", Instance)
                .AddParameter("Force").AddParameter("Managers", new[] { managers.Address });
            var watch = Stopwatch.StartNew();
            Collection<PSObject> rows = ps.Invoke();
            double ms = watch.Elapsed.TotalMilliseconds;
            ThrowOnErrors(ps, "Stop-DkvStore");
            string result = rows.Count == 1 ? rows[0].Properties["Result"]?.Value as string ?? "" : "";
            if (result != "SUCCESS") { throw new InvalidOperationException("Stop-DkvStore wrote " + rows.Count + " rows, Result '" + result + "'"); }
            return ms;
        }

        private static double TimeNative(RefManagerProcess managers)
        {
            managers.Reset();
            var watch = Stopwatch.StartNew();
            NativeStop.StopOne(managers.Address, Store, Instance);
            return watch.Elapsed.TotalMilliseconds;
        }

        private static double TimeRest(PowerShell ps, RefManagerProcess managers)
        {
            managers.Reset();
            ps.Commands.Clear();
            ps.Streams.ClearStreams();
            ps.AddCommand("Stop-DkvNodeByRest").AddParameter("Manager", managers.Address).AddParameter("Store", Store)
                .AddParameter("Instance", Instance);
            var watch = Stopwatch.StartNew();
            Collection<PSObject> rows = ps.Invoke();
            double ms = watch.Elapsed.TotalMilliseconds;
            ThrowOnErrors(ps, "Stop-DkvNodeByRest");
            if (rows.Count != 1) { throw new InvalidOperationException("Stop-DkvNodeByRest wrote " + rows.Count + " rows"); }
            return ms;
        }

        /// <summary>The script must send what the module sends, or the comparison means nothing.</summary>
        private static void CheckSameRequests(PowerShell ps, RefManagerProcess managers)
        {
            managers.ClearLog();
            TimeCmdlet(ps, managers);
            List<string> module = managers.Requests();
            managers.ClearLog();
            TimeRest(ps, managers);
            List<string> script = managers.Requests();
            if (!module.SequenceEqual(script))
            {
                throw new InvalidOperationException("the module and the script send different requests: module [" + string.Join("; ", module)
                    + "], script [" + string.Join("; ", script) + "]");
            }
            Console.WriteLine("   both send: " + string.Join("; ", module));
        }

        private static double TimeEmpty(PowerShell ps)
        {
            ps.Commands.Clear();
            ps.AddScript("$null");
            var watch = Stopwatch.StartNew();
            ps.Invoke();
            return watch.Elapsed.TotalMilliseconds;
        }

        private static void ThrowOnErrors(PowerShell ps, string what)
        {
            if (ps.HadErrors || ps.Streams.Error.Count > 0)
            {
                string first = ps.Streams.Error.Count > 0 ? ps.Streams.Error[0].ToString() : "(no error record)";
                throw new InvalidOperationException(what + " failed: " + first);
            }
        }
    }
}
