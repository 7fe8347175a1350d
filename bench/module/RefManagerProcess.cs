using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading;

namespace Clustron.Dkv.Bench
{
    /// <summary>dkv-refmanager serving one store with one node on each of its loopback hosts; killed on Dispose.</summary>
    public sealed class RefManagerProcess : IDisposable
    {
        private readonly Process process;
        private readonly string scratch;
        private readonly HttpClient http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        /// <summary>host:port of the first manager.</summary>
        public string Address => Addresses[0];

        /// <summary>host:port of every manager, in the order of the hosts given.</summary>
        public string[] Addresses { get; }

        private RefManagerProcess(Process process, string scratch, string[] addresses)
        {
            this.process = process;
            this.scratch = scratch;
            Addresses = addresses;
        }

        public static RefManagerProcess Start(string binary, string host, string store, string instance) =>
            Start(binary, new[] { host }, store, new[] { instance });

        /// <summary>instances[i] runs on hosts[i].</summary>
        public static RefManagerProcess Start(string binary, string[] hosts, string store, string[] instances)
        {
            string scratch = Path.Combine(Path.GetTempPath(), "dkv-module-bench-" + Environment.ProcessId + "-" + store);
            Directory.CreateDirectory(scratch);
            string layout = Path.Combine(scratch, "layout.json");
            string ready = Path.Combine(scratch, "port");
            string nodes = string.Join(", ", instances.Select((name, i) => "{\"name\": \"" + name + "\", \"server\": \"" + hosts[i] + "\"}"));
            File.WriteAllText(layout, "{\"stores\": [{\"name\": \"" + store + "\", \"instances\": [" + nodes + "]}]}");
            var start = new ProcessStartInfo(binary)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
            };
            foreach (string arg in new[] { "--hosts", string.Join(",", hosts), "--port", "0", "--quiet", "--layout", layout, "--ready-file", ready })
            {
                start.ArgumentList.Add(arg);
            }
            Process process = Process.Start(start) ?? throw new InvalidOperationException("cannot start " + binary);
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < TimeSpan.FromSeconds(20))
            {
                if (File.Exists(ready) && int.TryParse(File.ReadAllText(ready).Trim(), out int port))
                {
                    return new RefManagerProcess(process, scratch, hosts.Select(h => h + ":" + port).ToArray());
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

        /// <summary>Every node Running again, no faults (POST /_control/reset): not part of any timing.</summary>
        public void Reset() => Post("/_control/reset", "");

        /// <summary>A fault on every later request to one manager, e.g. "latency:200" (cleared by Reset).</summary>
        public void SetFault(string host, string fault) =>
            Post("/_control/fault", "{\"host\": \"" + host + "\", \"fault\": \"" + fault + "\"}");

        public void ClearLog() => Post("/_control/log/clear", "");

        /// <summary>The requests since the last ClearLog, as "METHOD path?query" sorted, so two clients can be compared.</summary>
        public List<string> Requests()
        {
            string body = http.GetStringAsync("http://" + Address + "/_control/log").Result;
            using JsonDocument log = JsonDocument.Parse(body);
            var requests = new List<string>();
            foreach (JsonElement entry in log.RootElement.EnumerateArray())
            {
                string query = entry.GetProperty("query").GetString() ?? "";
                requests.Add(entry.GetProperty("manager").GetString() + " " + entry.GetProperty("method").GetString() + " "
                    + entry.GetProperty("path").GetString() + (query.Length > 0 ? "?" + query : ""));
            }
            requests.Sort(StringComparer.Ordinal);
            return requests;
        }

        private void Post(string path, string json)
        {
            using var content = new StringContent(json, Encoding.UTF8, "application/json");
            using var response = http.PostAsync("http://" + Address + path, content).Result;
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
