using System;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using Clustron.Dkv.Shell.Hosting;
using Clustron.Dkv.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Clustron.Dkv.Tests
{
    /// <summary>The console host's pieces in-process: runner exit codes, error lines, prompts, -File arguments.</summary>
    public class HostRunnerTests : ManagerTest, IClassFixture<RefManager>
    {
        public HostRunnerTests(RefManager managers) : base(managers) { }

        private (int ExitCode, RecordingUserInterface UI) RunCommand(string script)
        {
            var ui = new RecordingUserInterface();
            using (var runner = new DkvScriptRunner(new DkvHost(ui)))
            {
                int code = runner.RunCommand($"Import-Module '{Repo.RequireDistManifest()}'\n" + script);
                return (code, ui);
            }
        }

        [Fact]
        public void A_clean_stop_exits_0_and_shows_the_table()
        {
            var (code, ui) = RunCommand($"Stop-DkvStore -Name CartStore -Managers {Managers.ManagersLiteral(2)}");
            Assert.Equal(0, code);
            Assert.Contains($"{Managers.Address(Host1)} StopInstance:cart-1 SUCCESS   Stopped", ui.Text);
            Assert.Empty(ui.Errors);
        }

        [Fact]
        public void The_no_managers_error_is_shown_as_one_line_and_exits_1()
        {
            var (code, ui) = RunCommand("Stop-DkvStore -Name OrdersStore");
            Assert.Equal(1, code);
            Assert.Equal(new[] { "Stop-DkvStore: No managers connected. Use Connect-DkvManager or specify -Managers." }, ui.Errors);
        }

        [Fact]
        public void A_failed_row_exits_1_with_the_rows_and_the_error_shown()
        {
            Managers.SetFault(Host2, "500");
            var (code, ui) = RunCommand($"Stop-DkvStore -Name CartStore -Managers {Managers.ManagersLiteral(2)}");
            Assert.Equal(1, code);
            Assert.Contains("StopInstance:cart-1 SUCCESS   Stopped", ui.Text);
            Assert.Contains("StopInstance:cart-2 FAILED", ui.Text);
            string error = Assert.Single(ui.Errors);
            Assert.StartsWith("Stop-DkvStore: Stopping node 'cart-2' of store 'CartStore' through " + Managers.Address(Host2) + " failed: ", error);
        }

        [Fact]
        public void Exit_n_sets_the_exit_code()
        {
            var (code, _) = RunCommand("exit 7");
            Assert.Equal(7, code);
        }

        [Fact]
        public void Warnings_and_verbose_lines_are_prefixed()
        {
            var (code, ui) = RunCommand($"Connect-DkvManager -Managers '{Managers.Address(Host1)}' -SkipCertificateCheck | Out-Null; Disconnect-DkvManager -Verbose");
            Assert.Equal(0, code);
            Assert.Contains("\nWARNING: Certificate verification is off", "\n" + ui.Text);
            Assert.Contains("\nVERBOSE: Disconnected from the Clustron DKV managers.", "\n" + ui.Text);
        }

        [Fact]
        public void File_arguments_bind_by_name_and_switches_work()
        {
            string script = Path.Combine(Path.GetTempPath(), $"dkv-file-{Guid.NewGuid():N}.ps1");
            File.WriteAllText(script,
                "param([string]$Store, [string]$Node, [switch]$Force, [string[]]$Managers)\n" +
                $"Import-Module '{Repo.RequireDistManifest()}'\n" +
                "Stop-DkvStore -Name $Store -InstanceName $Node -Force:$Force -Managers $Managers\n");
            try
            {
                var ui = new RecordingUserInterface();
                using (var runner = new DkvScriptRunner(new DkvHost(ui)))
                {
                    int code = runner.RunFile(script, new[] { "-Store", "OrdersStore", "-Node", "orders-2", "-Force", "-Managers", Managers.Address(Host2) });
                    Assert.Equal(0, code);
                }
                Assert.Contains("StopInstance:orders-2 SUCCESS", ui.Text);
                AssertStopRequests((Host2, "orders-2", "force=true"));
            }
            finally
            {
                File.Delete(script);
            }
        }

        [Fact]
        public void File_invocation_quotes_values_so_they_stay_values()
        {
            Assert.Equal("& '/tmp/a b.ps1' -Name 'x; Remove-Item y' '-' 'it''s'",
                DkvScriptRunner.BuildFileInvocation("/tmp/a b.ps1", new[] { "-Name", "x; Remove-Item y", "-", "it's" }));
        }

        [Fact]
        public void Choices_match_by_hot_key_or_label()
        {
            var choices = new Collection<ChoiceDescription> { new ChoiceDescription("&Yes"), new ChoiceDescription("Yes to &All"), new ChoiceDescription("&No") };
            Assert.Equal(0, DkvHostUserInterface.MatchChoice(choices, "y"));
            Assert.Equal(1, DkvHostUserInterface.MatchChoice(choices, "A"));
            Assert.Equal(1, DkvHostUserInterface.MatchChoice(choices, "yes to all"));
            Assert.Equal(2, DkvHostUserInterface.MatchChoice(choices, "no"));
            Assert.Equal(-1, DkvHostUserInterface.MatchChoice(choices, "maybe"));
        }

        [Fact]
        public void The_console_ui_answers_a_prompt_from_its_input_and_re_asks_on_nonsense()
        {
            var output = new StringWriter();
            var ui = new DkvHostUserInterface(output, output, new StringReader("maybe\nn\n"), new DkvRawUserInterface(80), colour: false, renderProgress: false);
            var choices = new Collection<ChoiceDescription> { new ChoiceDescription("&Yes"), new ChoiceDescription("&No") };
            Assert.Equal(1, ui.PromptForChoice("Confirm", "Really?", choices, 0));
            string shown = output.ToString();
            Assert.Equal(2, shown.Split("[Y] Yes  [N] No  [?] Help (default is \"Y\"): ").Length - 1);
            Assert.Throws<PromptingException>(() => ui.PromptForChoice("Confirm", "Again?", choices, 0));
        }

        [Fact]
        public void Progress_renders_as_one_status_line_and_is_cleared()
        {
            var output = new StringWriter();
            var error = new StringWriter();
            var ui = new DkvHostUserInterface(output, error, new StringReader(""), new DkvRawUserInterface(60), colour: false, renderProgress: true);
            ui.WriteProgress(1, new ProgressRecord(1, "Stopping store OrdersStore", "1 of 3 nodes done") { PercentComplete = 33 });
            Assert.StartsWith("\rStopping store OrdersStore: 1 of 3 nodes done (33%)", error.ToString());
            ui.WriteLine("row");
            Assert.EndsWith("\r" + new string(' ', 59) + "\r", error.ToString());
            Assert.Equal("row" + Environment.NewLine, output.ToString());
        }
    }

    /// <summary>The DkvShell executable itself (built by tests/dotnet.sh): exit codes, stdin prompts, SIGINT.</summary>
    public class DkvShellProcessTests : ManagerTest, IClassFixture<RefManager>
    {
        private readonly ITestOutputHelper log;

        public DkvShellProcessTests(RefManager managers, ITestOutputHelper log) : base(managers)
        {
            this.log = log;
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int kill(int pid, int signal);

        private const int SIGINT = 2;

        private static Process Start(string script, out StringBuilder stdout, out StringBuilder stderr)
        {
            if (!File.Exists(Repo.DkvShell))
            {
                throw new InvalidOperationException($"{Repo.DkvShell} is missing: build it with `dotnet build powershell/host/DkvShell -c Release` (tests/dotnet.sh does).");
            }
            var start = new ProcessStartInfo(Repo.DkvShell)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("-NoProfile");
            start.ArgumentList.Add("-Command");
            start.ArgumentList.Add($"Import-Module '{Repo.RequireDistManifest()}'; " + script);
            Process process = Process.Start(start)!;
            var o = new StringBuilder();
            var e = new StringBuilder();
            process.OutputDataReceived += (s, a) => { if (a.Data != null) { lock (o) { o.AppendLine(a.Data); } } };
            process.ErrorDataReceived += (s, a) => { if (a.Data != null) { lock (e) { e.AppendLine(a.Data); } } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            stdout = o;
            stderr = e;
            return process;
        }

        private static string Read(StringBuilder text) { lock (text) { return text.ToString(); } }

        private static int Finish(Process process, TimeSpan timeout)
        {
            if (!process.WaitForExit((int)timeout.TotalMilliseconds))
            {
                process.Kill();
                throw new TimeoutException("DkvShell did not exit in time");
            }
            process.WaitForExit();
            return process.ExitCode;
        }

        [Fact]
        public void Exit_codes_follow_the_outcome()
        {
            using (Process ok = Start($"Stop-DkvStore -Name CartStore -Managers {Managers.ManagersLiteral(2)}", out var okOut, out var okErr))
            {
                ok.StandardInput.Close();
                Assert.Equal(0, Finish(ok, TimeSpan.FromSeconds(30)));
                Assert.Contains($"{Managers.Address(Host2)} StopInstance:cart-2 SUCCESS   Stopped", Read(okOut));
                Assert.Equal("", Read(okErr));
            }
            using (Process none = Start("Stop-DkvStore -Name CartStore", out var noneOut, out var noneErr))
            {
                none.StandardInput.Close();
                Assert.Equal(1, Finish(none, TimeSpan.FromSeconds(30)));
                Assert.Equal("Stop-DkvStore: No managers connected. Use Connect-DkvManager or specify -Managers.\n", Read(noneErr).Replace("\r\n", "\n"));
            }
        }

        [Fact]
        public void Confirm_reads_the_answers_from_standard_input()
        {
            using (Process shell = Start($"Stop-DkvStore -Name CartStore -Confirm -Managers {Managers.ManagersLiteral(2)}", out var stdout, out _))
            {
                shell.StandardInput.Write("y\nn\n");
                shell.StandardInput.Close();
                Assert.Equal(0, Finish(shell, TimeSpan.FromSeconds(30)));
                string text = Read(stdout);
                Assert.Equal(2, text.Split("[Y] Yes  [A] Yes to All  [N] No  [L] No to All  [S] Suspend  [?] Help (default is \"Y\"): ").Length - 1);
                Assert.Contains("StopInstance:cart-1 SUCCESS", text);
                Assert.DoesNotContain("StopInstance:cart-2", text);
            }
            AssertStopRequests((Host1, "cart-1", ""));
        }

        [Fact]
        public void Confirm_with_closed_input_stops_nothing()
        {
            using (Process shell = Start($"Stop-DkvStore -Name CartStore -Confirm -Managers {Managers.ManagersLiteral(2)}", out _, out _))
            {
                shell.StandardInput.Close();
                Assert.Equal(1, Finish(shell, TimeSpan.FromSeconds(30)));
            }
            Assert.Empty(Managers.Stops());
        }

        [Fact]
        public void SIGINT_stops_the_pipeline_and_the_shell_exits_promptly_keeping_what_was_shown()
        {
            // Out-Default holds the first rows of a table to size the columns, and lets them go only when a row arrives
            // more than 300 ms after the first (or at the end); rows still held when the pipeline stops are never shown
            // (pwsh has the same formatter). orders-2's manager answers 1 s late, so the table is flowing before
            // orders-3 hangs.
            Managers.SetFault(Host2, "latency:1000");
            Managers.SetFault(Host3, "hang");
            using (Process shell = Start($"Stop-DkvStore -Name OrdersStore -Managers {Managers.ManagersLiteral()}", out var stdout, out var stderr))
            {
                shell.StandardInput.Close();
                Interrupt.WaitFor(() => Managers.Stops().Any(s => s.Manager == Host3), TimeSpan.FromSeconds(20), "the stop of orders-3 is in flight");
                Interrupt.WaitFor(() => Read(stdout).Contains("StopInstance:orders-2"), TimeSpan.FromSeconds(5), "orders-2 is shown");
                var clock = Stopwatch.StartNew();
                Assert.Equal(0, kill(shell.Id, SIGINT));
                int code = Finish(shell, TimeSpan.FromSeconds(30));
                log.WriteLine($"exit {code} {clock.ElapsedMilliseconds} ms after SIGINT\n{Read(stdout)}\n{Read(stderr)}");
                // The pipeline's deadline plus the process's own shutdown.
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"exited {clock.ElapsedMilliseconds} ms after SIGINT");
                Assert.Equal(1, code);
                foreach (string node in new[] { "orders-1", "orders-2" })
                {
                    Assert.Contains($"StopInstance:{node} SUCCESS   Stopped", Read(stdout));
                }
                Assert.DoesNotContain("orders-3", Read(stdout));
                Assert.DoesNotContain("Exception", Read(stderr));
            }
        }
    }
}
