using System;
using System.Linq;
using System.Text.Json;
using Clustron.Dkv.Tests.Infrastructure;
using Xunit;

namespace Clustron.Dkv.Tests
{
    /// <summary>
    /// Stopping without losing data, through the module: graceful waits with progress, the passive whole-store stop,
    /// the safety check, and -Force saying when data may be lost; proven by the reference manager's accounting.
    /// </summary>
    public class SafeStopTests : ManagerTest, IClassFixture<MigratingRefManager>
    {
        public SafeStopTests(MigratingRefManager managers) : base(managers) { }

        private static int Int(JsonElement e, string name) => e.GetProperty(name).GetInt32();

        [Fact]
        public void A_graceful_stop_shows_the_migrations_remaining_and_loses_nothing()
        {
            PsSession ps = Connected();
            PsRun run = ps.Run("Stop-DkvStore -Name OrdersStore -InstanceName orders-1 -Verbose");
            Assert.Empty(run.Errors);
            Assert.Equal("SUCCESS", Assert.Single(run.Rows).Prop("Result"));
            Assert.Contains(ps.UI.Progress, p => (p.CurrentOperation ?? "").Contains("migrations remaining"));
            Assert.Contains(ps.UI.Verbose, v => v.Contains("/safety -> 200"));
            JsonElement accounting = Managers.Accounting("OrdersStore");
            Assert.Equal(0, Int(accounting, "lost"));
            Assert.True(Int(accounting, "migrations") > 0);
        }

        [Fact]
        public void A_whole_store_stop_makes_the_store_passive_first_and_moves_no_data()
        {
            PsSession ps = Connected();
            PsRun run = ps.Run("Stop-DkvStore -Name OrdersStore -Verbose");
            Assert.Empty(run.Errors);
            Assert.All(run.Rows, r => Assert.Equal("SUCCESS", r.Prop("Result")));
            Assert.Contains(ps.UI.Verbose, v => v.Contains("is Passive"));
            var log = Managers.Log();
            int put = log.FindIndex(r => r.Method == "PUT" && r.Path.EndsWith("/state"));
            int firstStop = log.FindIndex(r => r.IsStop);
            Assert.True(put >= 0 && put < firstStop, string.Join("\n", log));
            JsonElement accounting = Managers.Accounting("OrdersStore");
            Assert.Equal(0, Int(accounting, "lost"));
            Assert.Equal(0, Int(accounting, "migrations"));
        }

        [Fact]
        public void A_graceful_stop_that_runs_out_of_time_is_a_TIMEOUT_saying_what_remained_and_never_forced()
        {
            PsSession ps = Connected();
            PsRun run = ps.Run("Stop-DkvStore -Name OrdersStore -InstanceName orders-2 -TimeoutSec 1");
            var row = Assert.Single(run.Rows);
            Assert.Equal("TIMEOUT", row.Prop("Result"));
            Assert.Contains("still Stopping", row.Prop("Message"));
            Assert.Contains("migrations remaining", row.Prop("Message"));
            Assert.Equal("StopTimedOut,Stop-DkvStore", Assert.Single(run.Errors).FullyQualifiedErrorId);
            Assert.All(Managers.Stops(), r => Assert.Equal("", r.Query));
        }

        [Fact]
        public void Force_on_an_unsafe_store_says_data_may_be_lost()
        {
            PsSession ps = Connected();
            // Killing one node makes the survivors rebuild its backups: the store is unsafe for a while.
            PsRun first = ps.Run("Stop-DkvStore -Name OrdersStore -InstanceName orders-1 -Force");
            Assert.Equal("SUCCESS", Assert.Single(first.Rows).Prop("Result"));
            PsRun second = ps.Run("Stop-DkvStore -Name OrdersStore -InstanceName orders-2 -Force");
            var row = Assert.Single(second.Rows);
            Assert.Equal("SUCCESS", row.Prop("Result"));
            Assert.Contains("data may be lost: store was not safe", row.Prop("Message"));
        }
    }

    /// <summary>A manager without the extension endpoints gets the documented behaviour, with a note and a warning.</summary>
    public class OldManagerTests : ManagerTest, IClassFixture<OldRefManager>
    {
        public OldManagerTests(OldRefManager managers) : base(managers) { }

        [Fact]
        public void Without_the_extensions_a_whole_store_stop_warns_and_goes_node_by_node()
        {
            PsSession ps = Connected();
            PsRun run = ps.Run("Stop-DkvStore -Name OrdersStore -Verbose");
            Assert.Empty(run.Errors);
            Assert.Equal(3, run.Rows.Count(r => r.Prop("Result") == "SUCCESS"));
            Assert.Contains(ps.UI.Warnings, w => w.Contains("cannot make store 'OrdersStore' passive"));
            Assert.Contains(ps.UI.Verbose, v => v.Contains("has no safety endpoint; stopping without a safety check"));
            Assert.Equal(3, Managers.Stops().Count);
        }
    }
}
