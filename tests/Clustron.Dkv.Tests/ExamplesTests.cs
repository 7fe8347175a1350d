using System.Linq;
using Clustron.Dkv.Tests.Infrastructure;
using Xunit;

namespace Clustron.Dkv.Tests
{
    /// <summary>
    /// The seven examples of the reference (shared/reference/stop-dkvstore.txt) as written, with 127.0.0.x for
    /// 10.0.0.x. The reference manager listens on a free port, not 7801: examples that name no port get it through
    /// $PSDefaultParameterValues (the engine's own mechanism), so their text stays as documented.
    /// </summary>
    public class ExamplesTests : ManagerTest, IClassFixture<RefManager>
    {
        public ExamplesTests(RefManager managers) : base(managers) { }

        [Fact]
        public void Example1_stops_all_nodes_of_a_store()
        {
            PsSession ps = Connected();
            PsRun run = ps.Run("Stop-DkvStore -Name OrdersStore");
            Assert.Empty(run.Errors);
            AssertRows(run, (Host1, "orders-1", "SUCCESS"), (Host2, "orders-2", "SUCCESS"), (Host3, "orders-3", "SUCCESS"));
            Assert.All(run.Rows, r => Assert.Equal("Stopped", r.Prop("Message")));
            AssertStopRequests((Host1, "orders-1", ""), (Host2, "orders-2", ""), (Host3, "orders-3", ""));
            Assert.All(Managers.Instances("OrdersStore").Instances, i => Assert.Equal("Stopped", i.Status));
            Assert.Equal("Running", Managers.Instances("CartStore").StatusOf("cart-1"));
        }

        [Fact]
        public void Example2_stops_a_specific_node()
        {
            PsSession ps = Connected();
            PsRun run = ps.Run("Stop-DkvStore -Name OrdersStore -InstanceName orders-1");
            Assert.Empty(run.Errors);
            AssertRows(run, (Host1, "orders-1", "SUCCESS"));
            AssertStopRequests((Host1, "orders-1", ""));
            StoreState store = Managers.Instances("OrdersStore");
            Assert.Equal("Stopped", store.StatusOf("orders-1"));
            Assert.Equal("Running", store.StatusOf("orders-2"));
            Assert.Equal("Running", store.StatusOf("orders-3"));
        }

        [Fact]
        public void Example3_force_stops_a_node_with_force_true()
        {
            PsSession ps = Connected();
            PsRun run = ps.Run("Stop-DkvStore -Name OrdersStore -InstanceName orders-1 -Force");
            Assert.Empty(run.Errors);
            AssertRows(run, (Host1, "orders-1", "SUCCESS"));
            AssertStopRequests((Host1, "orders-1", "force=true"));
            Assert.Equal("Stopped", Managers.Instances("OrdersStore").StatusOf("orders-1"));
        }

        [Fact]
        public void Example4_uses_the_connected_session_and_skips_the_node_of_an_untargeted_server()
        {
            PsSession ps = Open();
            PsRun run = ps.Run($"$PSDefaultParameterValues['Connect-DkvManager:Port'] = {Managers.Port}\n" +
                "Connect-DkvManager -Managers 127.0.0.11,127.0.0.12\n" +
                "Stop-DkvStore -Name OrdersStore");
            Assert.Empty(run.Errors);
            var session = run.OfType("Clustron.Dkv.Session").Single();
            Assert.Equal(new[] { $"http://{Host1}:{Managers.Port}", $"http://{Host2}:{Managers.Port}" },
                ((object[])session.Properties["Managers"].Value).Select(o => o.ToString()));
            AssertRows(run, (Host1, "orders-1", "SUCCESS"), (Host2, "orders-2", "SUCCESS"), (Host3, "orders-3", "SKIPPED"));
            AssertStopRequests((Host1, "orders-1", ""), (Host2, "orders-2", ""));
            Assert.Equal("Running", Managers.Instances("OrdersStore").StatusOf("orders-3"));
            Assert.Contains(Host3, run.Rows.Single(r => r.Prop("Result") == "SKIPPED").Prop("Message"));
        }

        [Fact]
        public void Example5_stops_nodes_on_specific_managers_without_a_session()
        {
            PsSession ps = Open();
            PsRun run = ps.Run($"$PSDefaultParameterValues['Stop-DkvStore:Port'] = {Managers.Port}\n" +
                "Stop-DkvStore `\n-Name OrdersStore `\n-Managers 127.0.0.11,127.0.0.12");
            Assert.Empty(run.Errors);
            AssertRows(run, (Host1, "orders-1", "SUCCESS"), (Host2, "orders-2", "SUCCESS"), (Host3, "orders-3", "SKIPPED"));
            AssertStopRequests((Host1, "orders-1", ""), (Host2, "orders-2", ""));
            Assert.DoesNotContain(Managers.Log(), r => r.Manager == Host3);
        }

        [Fact]
        public void Example6_stops_nodes_across_managers_in_parallel()
        {
            PsSession ps = Open();
            PsRun run = ps.Run($"$PSDefaultParameterValues['Stop-DkvStore:Port'] = {Managers.Port}\n" +
                "Stop-DkvStore `\n-Name OrdersStore `\n-Managers 127.0.0.11,127.0.0.12,127.0.0.13 `\n-Parallel");
            Assert.Empty(run.Errors);
            AssertRows(run, (Host1, "orders-1", "SUCCESS"), (Host2, "orders-2", "SUCCESS"), (Host3, "orders-3", "SUCCESS"));
            AssertStopRequests((Host1, "orders-1", ""), (Host2, "orders-2", ""), (Host3, "orders-3", ""));
        }

        [Fact]
        public void Example7_with_failfast_and_no_failure_stops_everything()
        {
            PsSession ps = Connected();
            PsRun run = ps.Run("Stop-DkvStore `\n-Name OrdersStore `\n-FailFast");
            Assert.Empty(run.Errors);
            Assert.False(run.HadErrors);
            AssertRows(run, (Host1, "orders-1", "SUCCESS"), (Host2, "orders-2", "SUCCESS"), (Host3, "orders-3", "SUCCESS"));
            AssertStopRequests((Host1, "orders-1", ""), (Host2, "orders-2", ""), (Host3, "orders-3", ""));
        }

        [Fact]
        public void Graceful_whole_store_stop_makes_the_store_passive_first_and_never_forces()
        {
            PsSession ps = Connected();
            ps.Run("Stop-DkvStore -Name OrdersStore");
            var log = Managers.Log();
            var put = log.Single(r => r.Method == "PUT" && r.Path == "/admin/v1/stores/OrdersStore/state");
            Assert.All(log.Where(r => r.IsStop), stop =>
            {
                Assert.True(stop.Seq > put.Seq, $"stop {stop} came before the store was made passive ({put})");
                Assert.Equal("", stop.Query);
            });
            Assert.Equal("Passive", Managers.Instances("OrdersStore").State);
        }
    }
}
