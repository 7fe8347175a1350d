using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using Clustron.Dkv.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Clustron.Dkv.Tests
{
    /// <summary>What a user sees: the table through Out-Default at 120 columns, progress, verbose lines.</summary>
    public class OutputTests : ManagerTest, IClassFixture<RefManager>
    {
        private readonly ITestOutputHelper log;

        public OutputTests(RefManager managers, ITestOutputHelper log) : base(managers)
        {
            this.log = log;
        }

        [Fact]
        public void The_table_is_exactly_as_documented()
        {
            PsSession ps = Connected();
            PsRun run = ps.Show("Stop-DkvStore -Name OrdersStore");
            Assert.Empty(run.Errors);
            log.WriteLine(ps.UI.Text);
            int manager = Managers.Address(Host1).Length;
            string Line(string a, string b, string c, string d) => a.PadRight(manager) + " " + b.PadRight(21) + " " + c.PadRight(9) + " " + d;
            string expected = "\n" + string.Join("\n",
                Line("Manager", "Action", "Result", "Message"),
                Line("-------", "------", "---------", "-------"),
                Line(Managers.Address(Host1), "StopInstance:orders-1", "SUCCESS", "Stopped"),
                Line(Managers.Address(Host2), "StopInstance:orders-2", "SUCCESS", "Stopped"),
                Line(Managers.Address(Host3), "StopInstance:orders-3", "SUCCESS", "Stopped")) + "\n\n";
            Assert.Equal(expected, ps.UI.Text);
        }

        [Fact]
        public void The_table_shows_every_result_in_full()
        {
            // A later row must not be cut to the width the first rows set: CANCELLED (-FailFast) after SUCCESS rows.
            Managers.SetFault(Host2, "hang");
            PsSession ps = Connected();
            ps.Show("Stop-DkvStore -Name OrdersStore -FailFast -TimeoutSec 2 -ErrorAction SilentlyContinue");
            log.WriteLine(ps.UI.Text);
            string[] lines = ps.UI.Text.Split('\n');
            Assert.Contains(lines, l => Regex.IsMatch(l, @"StopInstance:orders-2 +TIMEOUT +timed out after 2 s"));
            Assert.Contains(lines, l => Regex.IsMatch(l, @"StopInstance:orders-3 +CANCELLED +\S"));
        }

        [Fact]
        public void Errors_do_not_break_the_table()
        {
            Managers.SetFault(Host2, "500");
            PsSession ps = Connected();
            PsRun run = ps.Show("Stop-DkvStore -Name OrdersStore");
            Assert.Single(run.Errors);
            string[] lines = ps.UI.Text.Split('\n');
            Assert.Contains(lines, l => Regex.IsMatch(l, $@"^{Regex.Escape(Managers.Address(Host2))} StopInstance:orders-2 FAILED +\S"));
            Assert.Contains(lines, l => Regex.IsMatch(l, $@"^{Regex.Escape(Managers.Address(Host3))} StopInstance:orders-3 SUCCESS +Stopped"));
        }

        [Fact]
        public void Progress_is_reported_per_node_and_completed()
        {
            PsSession ps = Connected();
            PsRun run = ps.Run("Stop-DkvStore -Name OrdersStore");
            Assert.Empty(run.Errors);
            var progress = ps.UI.Progress;
            foreach (SeenProgress p in progress) { log.WriteLine(p.ToString()); }
            Assert.NotEmpty(progress);
            Assert.All(progress, p => Assert.Equal("Stopping store OrdersStore", p.Activity));
            var processing = progress.Where(p => p.RecordType == ProgressRecordType.Processing).ToList();
            Assert.NotEmpty(processing);
            Assert.Contains(processing, p => Regex.IsMatch(p.Status, "^[0-3] of 3 nodes done$"));
            var percents = processing.Where(p => p.PercentComplete >= 0).Select(p => p.PercentComplete).ToList();
            Assert.Equal(percents.OrderBy(x => x), percents);
            Assert.Equal(ProgressRecordType.Completed, progress.Last().RecordType);
            Assert.Single(progress, p => p.RecordType == ProgressRecordType.Completed);
        }

        [Fact]
        public void Verbose_shows_every_request_the_managers_received()
        {
            PsSession ps = Connected();
            PsRun run = ps.Run("Stop-DkvStore -Name OrdersStore -Verbose");
            Assert.Empty(run.Errors);
            var verbose = ps.UI.Verbose;
            foreach (string line in verbose) { log.WriteLine(line); }
            var requests = Managers.Log();
            Assert.NotEmpty(requests);
            foreach (LoggedRequest request in requests)
            {
                string url = $"{request.Method} http://{request.Manager}:{Managers.Port}{request.Path}{(request.Query.Length > 0 ? "?" + request.Query : "")} -> {request.Status}";
                Assert.True(verbose.Any(v => v.StartsWith(url)), $"no verbose line for '{url}' in:\n  " + string.Join("\n  ", verbose));
            }
        }

        [Fact]
        public void Without_Verbose_there_are_no_verbose_lines()
        {
            PsSession ps = Connected();
            ps.Run("Stop-DkvStore -Name OrdersStore");
            Assert.Empty(ps.UI.Verbose);
        }
    }
}
