using System;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using Clustron.Dkv.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Clustron.Dkv.Tests
{
    /// <summary>
    /// Ctrl+C is PowerShell.Stop(). The module waits on the native operation in 100 ms turns and cancels it in a
    /// finally block, so a stop ends promptly. The bound asserted is 0.5 s plus 0.25 s of slack for a loaded two-core
    /// machine: a deadline (it would catch a wait that ignores the stop, which takes the whole -TimeoutSec), not a
    /// speed claim.
    /// </summary>
    internal static class Interrupt
    {
        public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(0.5) + TimeSpan.FromSeconds(0.25);

        /// <summary>Starts the script; returns the running pipeline and its live output.</summary>
        public static (PowerShell Ps, PSDataCollection<PSObject> Output, IAsyncResult Pending) Start(PsSession session, string script)
        {
            PowerShell ps = PowerShell.Create();
            ps.Runspace = session.Runspace;
            ps.AddScript(script);
            var input = new PSDataCollection<PSObject>();
            input.Complete();
            var output = new PSDataCollection<PSObject>();
            IAsyncResult pending = ps.BeginInvoke(input, output);
            return (ps, output, pending);
        }

        public static void WaitFor(Func<bool> condition, TimeSpan timeout, string what)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                if (clock.Elapsed > timeout) { throw new TimeoutException("timed out waiting until " + what); }
                Thread.Sleep(20);
            }
        }

        /// <summary>Stops the pipeline as Ctrl+C does; returns how long until it was over.</summary>
        public static TimeSpan Stop(PowerShell ps, IAsyncResult pending)
        {
            var clock = Stopwatch.StartNew();
            ps.Stop();
            Assert.True(pending.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30)), "the pipeline did not end within 30 s of Stop()");
            TimeSpan took = clock.Elapsed;
            Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
            return took;
        }
    }

    public class CancelTests : ManagerTest, IClassFixture<RefManager>
    {
        private readonly ITestOutputHelper log;

        public CancelTests(RefManager managers, ITestOutputHelper log) : base(managers)
        {
            this.log = log;
        }

        [Fact]
        public void Stop_during_a_request_to_a_hanging_manager_ends_within_the_deadline_keeping_the_rows_so_far()
        {
            Managers.SetFault(Host3, "hang");
            PsSession ps = Connected();
            var (pipeline, output, pending) = Interrupt.Start(ps, "Stop-DkvStore -Name OrdersStore");
            using (pipeline)
            {
                Interrupt.WaitFor(() => output.Count >= 2, TimeSpan.FromSeconds(20), "orders-1 and orders-2 are reported");
                Interrupt.WaitFor(() => Managers.Stops().Any(s => s.Manager == Host3), TimeSpan.FromSeconds(10), "the stop of orders-3 is in flight");
                TimeSpan took = Interrupt.Stop(pipeline, pending);
                log.WriteLine($"Stop() took {took.TotalMilliseconds:F0} ms");
                Assert.True(took < Interrupt.Deadline, $"Stop() took {took.TotalMilliseconds:F0} ms");
                var rows = output.Where(o => o.TypeNames.Contains("Clustron.Dkv.StopResult")).Select(r => r.Prop("Instance") + " " + r.Prop("Result")).ToList();
                Assert.Equal(new[] { "orders-1 SUCCESS", "orders-2 SUCCESS" }, rows.OrderBy(r => r));
            }
            Assert.Equal((0, 0), ps.Live());
            // The runspace is usable again at once.
            Managers.SetFault(Host3, "none");
            PsRun next = ps.Run("Stop-DkvStore -Name CartStore");
            Assert.Empty(next.Errors);
            Assert.Equal(2, next.Rows.Count);
        }

        [Fact]
        public void Stop_between_turns_of_a_parallel_stop_ends_within_the_deadline()
        {
            foreach (string host in RefManager.Hosts) { Managers.SetFault(host, "latency:3000"); }
            PsSession ps = Connected();
            var (pipeline, output, pending) = Interrupt.Start(ps, $"Stop-DkvStore -Name OrdersStore -Parallel -Managers {Managers.ManagersLiteral()}");
            using (pipeline)
            {
                Interrupt.WaitFor(() => Managers.Log().Any(), TimeSpan.FromSeconds(10), "the first request is in flight");
                Thread.Sleep(300);
                TimeSpan took = Interrupt.Stop(pipeline, pending);
                log.WriteLine($"Stop() took {took.TotalMilliseconds:F0} ms");
                Assert.True(took < Interrupt.Deadline, $"Stop() took {took.TotalMilliseconds:F0} ms");
            }
            Assert.Equal((0, 0), ps.Live());
        }
    }

    /// <summary>Ctrl+C during a long graceful stop (each partition migration takes 1 s on this manager).</summary>
    public class SlowStopCancelTests : ManagerTest, IClassFixture<SlowMigrationRefManager>
    {
        private readonly ITestOutputHelper log;

        public SlowStopCancelTests(SlowMigrationRefManager managers, ITestOutputHelper log) : base(managers)
        {
            this.log = log;
        }

        [Fact]
        public void Stop_during_a_long_graceful_stop_ends_within_the_deadline_and_never_forces()
        {
            PsSession ps = Connected();
            // CartStore as a whole is made passive: no migrations, done at once. Then orders-1 alone, on an Active
            // store: its partitions migrate one per second first.
            var (pipeline, output, pending) = Interrupt.Start(ps,
                "[pscustomobject]@{ Name = 'CartStore' }, [pscustomobject]@{ Name = 'OrdersStore'; InstanceName = 'orders-1' } | Stop-DkvStore");
            using (pipeline)
            {
                Interrupt.WaitFor(() => output.Count >= 2, TimeSpan.FromSeconds(20), "CartStore's two nodes are reported");
                Interrupt.WaitFor(() => Managers.Instances("OrdersStore").StatusOf("orders-1") == "Stopping", TimeSpan.FromSeconds(10), "orders-1 is Stopping");
                Thread.Sleep(300);
                TimeSpan took = Interrupt.Stop(pipeline, pending);
                log.WriteLine($"Stop() took {took.TotalMilliseconds:F0} ms");
                Assert.True(took < Interrupt.Deadline, $"Stop() took {took.TotalMilliseconds:F0} ms");
                var rows = output.Where(o => o.TypeNames.Contains("Clustron.Dkv.StopResult")).Select(r => r.Prop("Instance") + " " + r.Prop("Result")).ToList();
                Assert.Equal(new[] { "cart-1 SUCCESS", "cart-2 SUCCESS" }, rows.OrderBy(r => r));
            }
            Assert.Equal("Stopping", Managers.Instances("OrdersStore").StatusOf("orders-1"));
            Assert.DoesNotContain(Managers.Log(), r => r.Query.Contains("force"));
            Assert.Equal((0, 0), ps.Live());
        }
    }
}
