using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace Clustron.Dkv.Bench
{
    /// <summary>
    /// A forced whole-store stop of 64 nodes, one on each of 64 managers that answer every request 200 ms late:
    /// Stop-DkvStore -Parallel -ThrottleLimit 64 against ForEach-Object -Parallel -ThrottleLimit 64 with
    /// Invoke-RestMethod, in one runspace. The floor is three round trips (discovery, safety, stop) = 600 ms.
    /// </summary>
    public static class ParallelComparison
    {
        public const int Managers = 64;
        public const int LatencyMs = 200;
        private const string Store = "ParallelStore";

        public static void Measure(string manifest, string refManager, int reps, List<string[]> ratios, List<string> figures)
        {
            string[] hosts = Enumerable.Range(1, Managers).Select(i => "127.0.204." + i).ToArray();
            string[] nodes = Enumerable.Range(1, Managers).Select(i => "node-" + i.ToString("D2", CultureInfo.InvariantCulture)).ToArray();
            using RefManagerProcess managers = RefManagerProcess.Start(refManager, hosts, Store, nodes);
            using Runspace runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault());
            runspace.Open();
            using PowerShell ps = PowerShell.Create(runspace);
            ps.AddCommand("Import-Module").AddParameter("Name", manifest).AddParameter("ErrorAction", "Stop");
            ps.Invoke();
            ps.Commands.Clear();
            ps.AddScript(RestScripts.StopStoreParallel);
            ps.Invoke();

            // One untimed round of each first: warms both up and checks that they send the same requests.
            List<string> moduleRequests = Requests(managers, () => Run(ps, managers, hosts, true));
            List<string> restRequests = Requests(managers, () => Run(ps, managers, hosts, false));
            if (!moduleRequests.SequenceEqual(restRequests))
            {
                throw new InvalidOperationException("the module and the script send different requests:\n  module: "
                    + string.Join("\n          ", moduleRequests.Except(restRequests)) + "\n  script: " + string.Join("\n          ", restRequests.Except(moduleRequests)));
            }
            var module = new List<double>();
            var rest = new List<double>();
            for (int i = 0; i < reps; i++)
            {
                bool moduleFirst = i % 2 == 0;
                foreach (bool isModule in moduleFirst ? new[] { true, false } : new[] { false, true })
                {
                    Prepare(managers, hosts);
                    (isModule ? module : rest).Add(Run(ps, managers, hosts, isModule));
                }
            }
            var m = new Samples(module);
            var r = new Samples(rest);
            Console.WriteLine("   forced whole-store stop, " + Managers + " nodes on " + Managers + " managers (127.0.204.x), every request answered "
                + LatencyMs + " ms late; " + moduleRequests.Count + " requests each (same list); floor 3 x " + LatencyMs + " ms");
            var table = new Table("measurement", "runs", "median ms", "min ms", "max ms");
            table.Row("Stop-DkvStore -Force -Parallel -ThrottleLimit 64", m.Count.ToString(CultureInfo.InvariantCulture), Samples.Ms(m.Median),
                Samples.Ms(m.Min), Samples.Ms(m.Percentile(100)));
            table.Row("ForEach-Object -Parallel -ThrottleLimit 64 + Invoke-RestMethod", r.Count.ToString(CultureInfo.InvariantCulture),
                Samples.Ms(r.Median), Samples.Ms(r.Min), Samples.Ms(r.Percentile(100)));
            Console.Write(table.Render());
            Console.WriteLine();
            ratios.Add(new[] { "M3: Stop-DkvStore -Parallel / ForEach-Object -Parallel + Invoke-RestMethod (64 managers)",
                ImportComparison.Ratio(m.Median, r.Median), "median of " + reps + " runs each (goal < 1)" });
            ratios.Add(new[] { "M3: Stop-DkvStore -Parallel / floor (3 x " + LatencyMs + " ms)",
                ImportComparison.Ratio(m.Median, 3 * LatencyMs), "median over the three round trips a forced stop needs" });
            figures.Add("M3 64-manager forced parallel stop: Stop-DkvStore " + Samples.Ms(m.Median) + " ms, ForEach-Object -Parallel + Invoke-RestMethod "
                + Samples.Ms(r.Median) + " ms (medians)");
        }

        private static void Prepare(RefManagerProcess managers, string[] hosts)
        {
            managers.Reset();
            foreach (string host in hosts) { managers.SetFault(host, "latency:" + LatencyMs); }
            managers.ClearLog();
        }

        private static List<string> Requests(RefManagerProcess managers, Action run)
        {
            Prepare(managers, managers.Addresses.Select(a => a.Split(':')[0]).ToArray());
            run();
            return managers.Requests();
        }

        private static double Run(PowerShell ps, RefManagerProcess managers, string[] hosts, bool module)
        {
            ps.Commands.Clear();
            ps.Streams.ClearStreams();
            if (module)
            {
                ps.AddCommand("Stop-DkvStore").AddParameter("Name", Store).AddParameter("Force").AddParameter("Parallel")
                    .AddParameter("ThrottleLimit", Managers).AddParameter("Managers", managers.Addresses);
            }
            else
            {
                ps.AddCommand("Stop-DkvStoreByRest").AddParameter("Managers", managers.Addresses).AddParameter("Store", Store)
                    .AddParameter("ThrottleLimit", Managers);
            }
            var watch = Stopwatch.StartNew();
            Collection<PSObject> rows = ps.Invoke();
            double ms = watch.Elapsed.TotalMilliseconds;
            if (ps.HadErrors) { throw new InvalidOperationException((module ? "Stop-DkvStore" : "the script") + " failed: " + ps.Streams.Error[0]); }
            int success = rows.Count(row => (row.Properties["Result"]?.Value as string) == "SUCCESS");
            if (rows.Count != hosts.Length || success != hosts.Length)
            {
                throw new InvalidOperationException((module ? "Stop-DkvStore" : "the script") + " wrote " + rows.Count + " rows, " + success + " SUCCESS");
            }
            return ms;
        }
    }
}
