using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Clustron.Dkv.Tests.Infrastructure;
using Xunit;

namespace Clustron.Dkv.Tests
{
    /// <summary>-TimeoutSec, -Parallel and -FailFast, judged from the rows and the manager's request log.</summary>
    public class StopBehaviourTests : ManagerTest, IClassFixture<RefManager>
    {
        public StopBehaviourTests(RefManager managers) : base(managers) { }

        /// <summary>A node's stop on its manager: from its POST to the end of the last request on that manager after it (the polls).</summary>
        private List<(string Instance, long Start, long End)> StopSpans()
        {
            List<LoggedRequest> log = Managers.Log().OrderBy(r => r.Seq).ToList();
            return log.Where(r => r.IsStop).Select(stop =>
            {
                long end = log.Where(r => r.Manager == stop.Manager && r.Seq >= stop.Seq).Max(r => r.EndMs);
                return (stop.StopInstance!, stop.StartMs, end);
            }).OrderBy(s => s.Item2).ToList();
        }

        private string Describe(List<(string Instance, long Start, long End)> spans) =>
            string.Join(", ", spans.Select(s => $"{s.Instance} [{s.Start}..{s.End}]")) + "\nlog:\n  " + string.Join("\n  ", Managers.Log());

        [Fact]
        public void A_hanging_manager_gives_a_TIMEOUT_row_within_the_deadline()
        {
            Managers.SetFault(Host2, "hang");
            PsSession ps = Connected();
            PsRun run = ps.Run("Stop-DkvStore -Name OrdersStore -InstanceName orders-2 -TimeoutSec 2");
            // A deadline bound, not a speed claim: -TimeoutSec 2 must be honoured within a second of slack.
            Assert.True(run.Elapsed.TotalSeconds < 3, $"took {run.Elapsed.TotalSeconds:F2} s");
            AssertRows(run, (Host2, "orders-2", "TIMEOUT"));
            Assert.StartsWith("timed out after 2 s", run.Rows[0].Prop("Message"));
            ErrorRecord error = Assert.Single(run.Errors);
            Assert.Equal("StopTimedOut,Stop-DkvStore", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
            Assert.Equal("orders-2", error.TargetObject);
            Assert.DoesNotContain(Managers.Log(), r => r.Query.Contains("force"));
            Assert.Equal((0, 0), ps.Live());
        }

        [Fact]
        public void TimeoutSec_is_one_deadline_for_the_whole_stop()
        {
            // Every manager answers 700 ms late: a whole-store graceful stop needs more than 2 s of requests, so with
            // -TimeoutSec 2 some nodes end TIMEOUT and the call still returns within the deadline (+1 s).
            foreach (string host in RefManager.Hosts) { Managers.SetFault(host, "latency:700"); }
            PsSession ps = Connected();
            PsRun run = ps.Run("Stop-DkvStore -Name OrdersStore -TimeoutSec 2");
            Assert.True(run.Elapsed.TotalSeconds < 3, $"took {run.Elapsed.TotalSeconds:F2} s");
            Assert.Contains(run.Rows, r => r.Prop("Result") == "TIMEOUT");
            Assert.Equal(3, run.Rows.Count);
        }

        [Fact]
        public void Parallel_stops_on_different_managers_overlap_in_time()
        {
            PsSession ps = Connected();
            PsRun run = ps.Run("Stop-DkvStore -Name OrdersStore -Parallel");
            Assert.Empty(run.Errors);
            AssertRows(run, (Host1, "orders-1", "SUCCESS"), (Host2, "orders-2", "SUCCESS"), (Host3, "orders-3", "SUCCESS"));
            var spans = StopSpans();
            Assert.Equal(3, spans.Count);
            foreach (var a in spans)
            {
                foreach (var b in spans.Where(s => s.Instance != a.Instance))
                {
                    Assert.True(a.Start < b.End && b.Start < a.End, $"{a.Instance} and {b.Instance} did not overlap: {Describe(spans)}");
                }
            }
        }

        [Fact]
        public void Sequential_stops_do_not_overlap()
        {
            PsSession ps = Connected();
            PsRun run = ps.Run("Stop-DkvStore -Name OrdersStore");
            Assert.Empty(run.Errors);
            var spans = StopSpans();
            Assert.Equal(3, spans.Count);
            for (int i = 1; i < spans.Count; i++)
            {
                Assert.True(spans[i].Start >= spans[i - 1].End, $"{spans[i].Instance} began before {spans[i - 1].Instance} was done: {Describe(spans)}");
            }
        }

        [Fact]
        public void Parallel_with_forced_stops_overlaps_too()
        {
            foreach (string host in RefManager.Hosts) { Managers.SetFault(host, "latency:300"); }
            PsSession ps = Connected();
            PsRun run = ps.Run("Stop-DkvStore -Name OrdersStore -Force -Parallel");
            Assert.Empty(run.Errors);
            var stops = Managers.Stops();
            Assert.Equal(3, stops.Count);
            Assert.All(stops, s => Assert.Equal("force=true", s.Query));
            foreach (var a in stops)
            {
                foreach (var b in stops.Where(s => s.Seq != a.Seq))
                {
                    Assert.True(a.StartMs < b.EndMs && b.StartMs < a.EndMs, $"{a} and {b} did not overlap");
                }
            }
        }

        [Fact]
        public void FailFast_makes_the_first_failure_terminating_and_starts_nothing_after_it()
        {
            Managers.SetFault(Host2, "500");
            PsSession ps = Connected();
            (PsRun run, ErrorRecord? caught) = RunCatching(ps, "Stop-DkvStore -Name OrdersStore -FailFast\n'went on'");
            Assert.NotNull(caught);
            Assert.Equal("StopFailed,Stop-DkvStore", caught!.FullyQualifiedErrorId);
            Assert.Equal("orders-2", caught.TargetObject);
            Assert.DoesNotContain(run.Output, o => o?.BaseObject as string == "went on");
            var rows = run.Rows.ToDictionary(r => r.Prop("Instance"), r => r.Prop("Result"));
            Assert.Equal("SUCCESS", rows["orders-1"]);
            Assert.Equal("FAILED", rows["orders-2"]);
            if (rows.TryGetValue("orders-3", out string? third)) { Assert.Equal("CANCELLED", third); }
            Assert.DoesNotContain(Managers.Stops(), s => s.StopInstance == "orders-3");
            Assert.Equal("Running", Managers.Instances("OrdersStore").StatusOf("orders-3"));
            Assert.Equal((0, 0), ps.Live());
        }

        [Fact]
        public void Without_FailFast_the_stop_goes_on_after_a_failure()
        {
            Managers.SetFault(Host1, "500");
            PsSession ps = Connected();
            // .11 fails discovery too, so .12 answers it and the store is made passive there.
            PsRun run = ps.Run("Stop-DkvStore -Name OrdersStore");
            AssertRows(run, (Host1, "orders-1", "FAILED"), (Host2, "orders-2", "SUCCESS"), (Host3, "orders-3", "SUCCESS"));
            Assert.Equal("StopFailed,Stop-DkvStore", Assert.Single(run.Errors).FullyQualifiedErrorId);
        }

        [Fact]
        public void FailFast_on_a_timeout_cancels_the_rest()
        {
            Managers.SetFault(Host2, "hang");
            PsSession ps = Connected();
            (PsRun run, ErrorRecord? caught) = RunCatching(ps, "Stop-DkvStore -Name OrdersStore -FailFast -TimeoutSec 2");
            Assert.NotNull(caught);
            Assert.Equal("StopTimedOut,Stop-DkvStore", caught!.FullyQualifiedErrorId);
            var rows = run.Rows.ToDictionary(r => r.Prop("Instance"), r => r.Prop("Result"));
            Assert.Equal("SUCCESS", rows["orders-1"]);
            Assert.Equal("TIMEOUT", rows["orders-2"]);
            if (rows.TryGetValue("orders-3", out string? third)) { Assert.Equal("CANCELLED", third); }
            Assert.DoesNotContain(Managers.Stops(), s => s.StopInstance == "orders-3");
        }
    }
}
