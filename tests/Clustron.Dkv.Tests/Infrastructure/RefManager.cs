using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading;

namespace Clustron.Dkv.Tests.Infrastructure
{
    /// <summary>One request as the reference manager logged it (GET /_control/log).</summary>
    public sealed class LoggedRequest
    {
        [JsonPropertyName("seq")] public long Seq { get; set; }
        [JsonPropertyName("manager")] public string Manager { get; set; } = "";
        [JsonPropertyName("method")] public string Method { get; set; } = "";
        [JsonPropertyName("path")] public string Path { get; set; } = "";
        [JsonPropertyName("query")] public string Query { get; set; } = "";
        [JsonPropertyName("status")] public int Status { get; set; }
        [JsonPropertyName("startMs")] public long StartMs { get; set; }
        [JsonPropertyName("endMs")] public long EndMs { get; set; }
        [JsonPropertyName("fault")] public string Fault { get; set; } = "";

        public bool IsStop => Method == "POST" && Path.EndsWith("/stop", StringComparison.Ordinal);

        /// <summary>The instance of a stop request (…/instances/{instance}/stop), else null.</summary>
        public string? StopInstance
        {
            get
            {
                if (!IsStop) { return null; }
                string[] parts = Path.Split('/');
                return parts.Length >= 2 ? Uri.UnescapeDataString(parts[parts.Length - 2]) : null;
            }
        }

        public override string ToString() => $"#{Seq} {Manager} {Method} {Path}{(Query.Length > 0 ? "?" + Query : "")} -> {Status} [{StartMs}..{EndMs}] {Fault}";
    }

    public sealed class InstanceState
    {
        [JsonPropertyName("name")] public string Name { get; set; } = "";
        [JsonPropertyName("server")] public string Server { get; set; } = "";
        [JsonPropertyName("status")] public string Status { get; set; } = "";
        [JsonPropertyName("migrationsRemaining")] public int MigrationsRemaining { get; set; }
    }

    public sealed class StoreState
    {
        [JsonPropertyName("store")] public string Store { get; set; } = "";
        [JsonPropertyName("state")] public string State { get; set; } = "";
        [JsonPropertyName("instances")] public List<InstanceState> Instances { get; set; } = new List<InstanceState>();

        public string StatusOf(string instance) => Instances.Single(i => i.Name == instance).Status;
    }

    /// <summary>
    /// A dkv-refmanager process (examples/refmanager) serving managers on 127.0.0.11.. on one free port, with the
    /// demo layout: OrdersStore (orders-1/2/3 on .11/.12/.13) and CartStore (cart-1 on .11, cart-2 on .12).
    /// Killed on dispose. Control calls go to /_control on the first host.
    /// </summary>
    public class RefManager : IDisposable
    {
        public static readonly string[] Hosts = { "127.0.0.11", "127.0.0.12", "127.0.0.13" };

        private static readonly JsonSerializerOptions Json = new JsonSerializerOptions();
        private readonly Process process;
        private readonly string workDirectory;
        private readonly StringBuilder stderr = new StringBuilder();
        private readonly HttpClient http;

        public RefManager() : this(Array.Empty<string>()) { }

        protected RefManager(IEnumerable<string> extraArguments)
        {
            string binary = Repo.RequireRefManager();
            workDirectory = Directory.CreateTempSubdirectory("dkv-refmanager-").FullName;
            string readyFile = System.IO.Path.Combine(workDirectory, "port");
            var start = new ProcessStartInfo(binary)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in new[] { "--hosts", string.Join(",", Hosts), "--port", "0", "--ready-file", readyFile, "--layout", "demo", "--quiet" }.Concat(extraArguments))
            {
                start.ArgumentList.Add(argument);
            }
            process = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start {binary}.");
            process.OutputDataReceived += (s, e) => { };
            process.ErrorDataReceived += (s, e) => { if (e.Data != null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            var deadline = Stopwatch.StartNew();
            while (!File.Exists(readyFile))
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"dkv-refmanager exited with {process.ExitCode}: {Stderr}");
                }
                if (deadline.Elapsed > TimeSpan.FromSeconds(30))
                {
                    Dispose();
                    throw new TimeoutException($"dkv-refmanager did not write {readyFile} within 30 s: {Stderr}");
                }
                Thread.Sleep(20);
            }
            Port = int.Parse(File.ReadAllText(readyFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            http = new HttpClient { BaseAddress = new Uri($"http://{Hosts[0]}:{Port}/"), Timeout = TimeSpan.FromSeconds(10) };
        }

        public int Port { get; }

        public string Stderr { get { lock (stderr) { return stderr.ToString(); } } }

        /// <summary>"127.0.0.11:PORT", as the Manager column shows it.</summary>
        public string Address(string host) => $"{host}:{Port}";

        /// <summary>The three managers as a PowerShell array literal with the port: '127.0.0.11:P','127.0.0.12:P',...</summary>
        public string ManagersLiteral(int count = 3) => string.Join(",", Hosts.Take(count).Select(h => $"'{Address(h)}'"));

        /// <summary>Initial layout, all stores Active, no faults; and an empty request log.</summary>
        public void ResetAll()
        {
            Post("_control/reset", "{}");
            Post("_control/log/clear", "{}");
        }

        public void ClearLog() => Post("_control/log/clear", "{}");

        public void SetFault(string host, string fault) =>
            Post("_control/fault", JsonSerializer.Serialize(new Dictionary<string, string> { ["host"] = host, ["fault"] = fault }));

        public List<LoggedRequest> Log() =>
            JsonSerializer.Deserialize<List<LoggedRequest>>(Get("_control/log"), Json) ?? new List<LoggedRequest>();

        public List<LoggedRequest> Stops() => Log().Where(r => r.IsStop).OrderBy(r => r.Seq).ToList();

        public StoreState Instances(string store) =>
            JsonSerializer.Deserialize<StoreState>(Get("_control/instances/" + Uri.EscapeDataString(store)), Json)
            ?? throw new InvalidOperationException("empty answer from /_control/instances");

        /// <summary>The manager's own data accounting of a store (lost partitions, migrations, per node).</summary>
        public JsonElement Accounting(string store) =>
            JsonDocument.Parse(Get("_control/accounting/" + Uri.EscapeDataString(store))).RootElement;

        private string Get(string path)
        {
            using (HttpResponseMessage response = http.GetAsync(path).GetAwaiter().GetResult())
            {
                string body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
                if (!response.IsSuccessStatusCode) { throw new InvalidOperationException($"GET /{path}: {(int)response.StatusCode} {body}"); }
                return body;
            }
        }

        private void Post(string path, string json)
        {
            using (var content = new StringContent(json, Encoding.UTF8, "application/json"))
            using (HttpResponseMessage response = http.PostAsync(path, content).GetAwaiter().GetResult())
            {
                if (!response.IsSuccessStatusCode)
                {
                    string body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
                    throw new InvalidOperationException($"POST /{path} {json}: {(int)response.StatusCode} {body}");
                }
            }
        }

        public void Dispose()
        {
            http?.Dispose();
            try
            {
                if (!process.HasExited)
                {
                    process.Kill();
                    process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            process.Dispose();
            try { Directory.Delete(workDirectory, recursive: true); }
            catch (IOException) { }
            GC.SuppressFinalize(this);
        }
    }

    /// <summary>
    /// Slow graceful stops: each partition migration takes 1 s, so stopping a node of an Active store takes many
    /// seconds (long enough to interrupt it).
    /// </summary>
    public sealed class SlowMigrationRefManager : RefManager
    {
        public SlowMigrationRefManager() : base(new[] { "--migration-ms", "1000" }) { }
    }

    /// <summary>Graceful stops that visibly take time: 200 ms per partition replica handed off (about 1.6 s a node).</summary>
    public sealed class MigratingRefManager : RefManager
    {
        public MigratingRefManager() : base(new[] { "--migration-ms", "200" }) { }
    }

    /// <summary>A manager from before the extension endpoints: no safety check, no store state (both 404).</summary>
    public sealed class OldRefManager : RefManager
    {
        public OldRefManager() : base(new[] { "--no-safety-endpoint", "--no-state-endpoint" }) { }
    }
}
