using System;
using System.Diagnostics;
using System.IO;
using System.Net.Http;
using System.Threading;

namespace Clustron.Dkv.Bench
{
    /// <summary>dkv-refmanager serving one store with one node on one loopback host; killed on Dispose.</summary>
    public sealed class RefManagerProcess : IDisposable
    {
        private readonly Process process;
        private readonly string scratch;
        private readonly HttpClient http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        public string Address { get; }

        private RefManagerProcess(Process process, string scratch, string address)
        {
            this.process = process;
            this.scratch = scratch;
            Address = address;
        }

        public static RefManagerProcess Start(string binary, string host, string store, string instance)
        {
            string scratch = Path.Combine(Path.GetTempPath(), "dkv-module-bench-" + Environment.ProcessId);
            Directory.CreateDirectory(scratch);
            string layout = Path.Combine(scratch, "layout.json");
            string ready = Path.Combine(scratch, "port");
            File.WriteAllText(layout,
                "{\"stores\": [{\"name\": \"" + store + "\", \"instances\": [{\"name\": \"" + instance +
                "\", \"server\": \"" + host + "\"}]}]}");
            var start = new ProcessStartInfo(binary)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
            };
            foreach (string arg in new[] { "--hosts", host, "--port", "0", "--quiet", "--layout", layout, "--ready-file", ready })
            {
                start.ArgumentList.Add(arg);
            }
            Process process = Process.Start(start) ?? throw new InvalidOperationException("cannot start " + binary);
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < TimeSpan.FromSeconds(20))
            {
                if (File.Exists(ready) && int.TryParse(File.ReadAllText(ready).Trim(), out int port))
                {
                    return new RefManagerProcess(process, scratch, host + ":" + port);
                }
                if (process.HasExited)
                {
                    throw new InvalidOperationException("dkv-refmanager exited early with code " + process.ExitCode);
                }
                Thread.Sleep(20);
            }
            process.Kill();
            throw new TimeoutException("dkv-refmanager was not ready within 20 s");
        }

        /// <summary>Every node Running again (POST /_control/reset): not part of any timing.</summary>
        public void Reset()
        {
            using var response = http.PostAsync("http://" + Address + "/_control/reset", new StringContent("")).Result;
            response.EnsureSuccessStatusCode();
        }

        public void Dispose()
        {
            http.Dispose();
            try
            {
                if (!process.HasExited)
                {
                    process.Kill();
                    process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            process.Dispose();
            try { Directory.Delete(scratch, true); } catch (IOException) { }
        }
    }
}
