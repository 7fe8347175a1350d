using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Clustron.Dkv.Tests.Infrastructure;
using Xunit;

namespace Clustron.Dkv.Tests
{
    /// <summary>
    /// Credentials reach the manager as an Authorization header and nowhere else: not in output, errors, verbose,
    /// warnings, progress, the session object or $Error. -SkipCertificateCheck warns.
    /// </summary>
    public class SecurityTests : ManagerTest, IClassFixture<RefManager>
    {
        private const string Secret = "tok-S3CR3T-9f41c";

        public SecurityTests(RefManager managers) : base(managers) { }

        private static string SecureStringScript(string variable, string text) =>
            $"${variable} = [System.Security.SecureString]::new(); foreach ($c in '{text}'.ToCharArray()) {{ ${variable}.AppendChar($c) }}\n";

        /// <summary>Everything a user or a transcript could see of a run, as one text.</summary>
        private static string EverythingShown(PsSession ps, PsRun run)
        {
            var parts = new List<string> { ps.UI.Text };
            parts.AddRange(ps.UI.Verbose);
            parts.AddRange(ps.UI.Warnings);
            parts.AddRange(ps.UI.Errors);
            parts.AddRange(ps.UI.Progress.Select(p => p.ToString()));
            foreach (PSObject o in run.Output.Where(o => o != null))
            {
                parts.Add(o.ToString());
                parts.AddRange(o.Properties.Select(p => p.Name + "=" + Convert.ToString(p.Value)));
            }
            foreach (ErrorRecord e in run.Errors)
            {
                parts.Add(e.ToString());
                parts.Add(e.Exception.ToString());
                parts.Add(Convert.ToString(e.TargetObject) ?? "");
            }
            PsRun errors = ps.Run("$global:Error | ForEach-Object { $_.ToString(); $_.Exception.ToString(); [string]$_.TargetObject }");
            parts.AddRange(errors.Output.Select(o => o?.ToString() ?? ""));
            return string.Join("\n", parts);
        }

        /// <summary>One-request HTTP server on loopback that records the request head and answers 404.</summary>
        private sealed class HeaderRecorder : IDisposable
        {
            private readonly TcpListener listener = new TcpListener(IPAddress.Loopback, 0);
            private readonly List<string> heads = new List<string>();
            private readonly CancellationTokenSource stop = new CancellationTokenSource();

            public HeaderRecorder()
            {
                listener.Start();
                Task.Run(Serve);
            }

            public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

            public IReadOnlyList<string> Heads { get { lock (heads) { return heads.ToList(); } } }

            private async Task Serve()
            {
                while (!stop.IsCancellationRequested)
                {
                    TcpClient client;
                    try { client = await listener.AcceptTcpClientAsync(stop.Token); }
                    catch (Exception) { return; }
                    using (client)
                    {
                        NetworkStream stream = client.GetStream();
                        var head = new StringBuilder();
                        var buffer = new byte[4096];
                        while (!head.ToString().Contains("\r\n\r\n"))
                        {
                            int n = await stream.ReadAsync(buffer, 0, buffer.Length);
                            if (n == 0) { break; }
                            head.Append(Encoding.ASCII.GetString(buffer, 0, n));
                        }
                        lock (heads) { heads.Add(head.ToString()); }
                        byte[] body = Encoding.UTF8.GetBytes("{\"error\":{\"code\":\"StoreNotFound\",\"message\":\"Store 'S' was not found.\"}}");
                        byte[] answer = Encoding.ASCII.GetBytes(
                            $"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                        await stream.WriteAsync(answer, 0, answer.Length);
                        await stream.WriteAsync(body, 0, body.Length);
                    }
                }
            }

            public void Dispose()
            {
                stop.Cancel();
                listener.Stop();
            }
        }

        [Fact]
        public void A_token_is_sent_as_a_bearer_header_and_shown_nowhere()
        {
            using var recorder = new HeaderRecorder();
            PsSession ps = Open();
            PsRun run = ps.Run(SecureStringScript("token", Secret) +
                $"Connect-DkvManager -Managers 127.0.0.1:{recorder.Port} -Token $token -Verbose\n" +
                "Get-DkvStore -Name S -Verbose\n" +
                "Stop-DkvStore -Name S -Verbose");
            Assert.Contains(recorder.Heads, h => h.Contains("Authorization: Bearer " + Secret + "\r\n"));
            Assert.Contains(run.Errors, e => e.FullyQualifiedErrorId.StartsWith("StoreNotFound"));
            string shown = EverythingShown(ps, run);
            Assert.DoesNotContain(Secret, shown);
            PSObject session = Assert.Single(run.OfType("Clustron.Dkv.Session"));
            Assert.Equal("Token", session.Prop("Authentication"));
        }

        [Fact]
        public void A_credential_is_sent_as_basic_authentication_and_shown_nowhere()
        {
            using var recorder = new HeaderRecorder();
            PsSession ps = Open();
            PsRun run = ps.Run(SecureStringScript("password", Secret) +
                "$credential = [pscredential]::new('dkv-admin', $password)\n" +
                $"Connect-DkvManager -Managers 127.0.0.1:{recorder.Port} -Credential $credential\n" +
                "Get-DkvStore -Name S -Verbose");
            string expected = Convert.ToBase64String(Encoding.UTF8.GetBytes("dkv-admin:" + Secret));
            Assert.Contains(recorder.Heads, h => h.Contains("Authorization: Basic " + expected + "\r\n"));
            string shown = EverythingShown(ps, run);
            Assert.DoesNotContain(Secret, shown);
            Assert.DoesNotContain(expected, shown);
        }

        [Fact]
        public void A_stop_with_credentials_against_failing_managers_keeps_them_out_of_every_stream()
        {
            Managers.SetFault(Host2, "500");
            PsSession ps = Open();
            PsRun run = ps.Run(SecureStringScript("token", Secret) +
                $"$null = Connect-DkvManager -Managers 127.0.0.11,127.0.0.12,127.0.0.13 -Port {Managers.Port} -Token $token\n" +
                "Stop-DkvStore -Name OrdersStore -Verbose -ErrorAction SilentlyContinue | Out-Default");
            Assert.Contains("StopInstance:orders-2", ps.UI.Text);
            Assert.NotEmpty(ps.UI.Verbose);
            Assert.DoesNotContain(Secret, EverythingShown(ps, run));
        }

        [Fact]
        public void Skipping_certificate_checks_is_explicit_and_warns()
        {
            PsSession ps = Open();
            PsRun plain = ps.Run("$null = Connect-DkvManager -Managers https://127.0.0.1:7443");
            Assert.Empty(plain.Errors);
            Assert.Empty(ps.UI.Warnings);
            PsRun skipped = ps.Run("Connect-DkvManager -Managers https://127.0.0.1:7443 -SkipCertificateCheck");
            Assert.Empty(skipped.Errors);
            Assert.Contains(ps.UI.Warnings, w => w.Contains("-SkipCertificateCheck") && w.Contains("test systems"));
            PSObject session = Assert.Single(skipped.OfType("Clustron.Dkv.Session"));
            Assert.Equal("True", session.Prop("SkipCertificateCheck"));
        }
    }
}
