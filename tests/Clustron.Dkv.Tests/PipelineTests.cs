using System.Linq;
using Clustron.Dkv.Tests.Infrastructure;
using Xunit;

namespace Clustron.Dkv.Tests
{
    public class PipelineTests : ManagerTest, IClassFixture<RefManager>
    {
        public PipelineTests(RefManager managers) : base(managers) { }

        [Fact]
        public void Store_names_from_the_pipeline_stop_each_store()
        {
            PsSession ps = Connected();
            PsRun run = ps.Run("'OrdersStore','CartStore' | Stop-DkvStore");
            Assert.Empty(run.Errors);
            AssertRows(run, (Host1, "orders-1", "SUCCESS"), (Host2, "orders-2", "SUCCESS"), (Host3, "orders-3", "SUCCESS"),
                (Host1, "cart-1", "SUCCESS"), (Host2, "cart-2", "SUCCESS"));
            Assert.Equal(new[] { "OrdersStore", "OrdersStore", "OrdersStore", "CartStore", "CartStore" }, run.Rows.Select(r => r.Prop("Store")));
            Assert.All(Managers.Instances("CartStore").Instances, i => Assert.Equal("Stopped", i.Status));
            Assert.All(Managers.Instances("OrdersStore").Instances, i => Assert.Equal("Stopped", i.Status));
        }

        [Fact]
        public void A_store_object_from_Get_DkvStore_stops_the_whole_store()
        {
            PsSession ps = Connected();
            PsRun run = ps.Run("Get-DkvStore -Name OrdersStore | Stop-DkvStore");
            Assert.Empty(run.Errors);
            AssertRows(run, (Host1, "orders-1", "SUCCESS"), (Host2, "orders-2", "SUCCESS"), (Host3, "orders-3", "SUCCESS"));
            Assert.Equal("Running", Managers.Instances("CartStore").StatusOf("cart-1"));
        }

        [Fact]
        public void Node_objects_stop_just_those_nodes()
        {
            PsSession ps = Connected();
            PsRun run = ps.Run($"(Get-DkvStore -Name OrdersStore).Instances | Where-Object Server -ne '{Host2}' | Stop-DkvStore");
            Assert.Empty(run.Errors);
            AssertRows(run, (Host1, "orders-1", "SUCCESS"), (Host3, "orders-3", "SUCCESS"));
            Assert.Equal("Running", Managers.Instances("OrdersStore").StatusOf("orders-2"));
        }

        [Fact]
        public void A_bad_name_in_the_pipeline_does_not_stop_the_others()
        {
            PsSession ps = Connected();
            PsRun run = ps.Run("'NoSuchStore','CartStore' | Stop-DkvStore");
            Assert.Equal("StoreNotFound,Stop-DkvStore", Assert.Single(run.Errors).FullyQualifiedErrorId);
            AssertRows(run, (Host1, "cart-1", "SUCCESS"), (Host2, "cart-2", "SUCCESS"));
        }

        [Fact]
        public void Rows_stream_to_the_next_command_as_each_node_finishes()
        {
            // orders-3's manager never answers, so the stop ends only at the 3 s deadline (TIMEOUT). The rows of
            // orders-1 and orders-2 must reach the next command long before that: rows are written as nodes finish,
            // not collected until the end.
            Managers.SetFault(Host3, "hang");
            PsSession ps = Connected();
            PsRun run = ps.Run("$t = [Diagnostics.Stopwatch]::StartNew()\n" +
                "Stop-DkvStore -Name OrdersStore -TimeoutSec 3 -ErrorAction SilentlyContinue | ForEach-Object { '{0}|{1}' -f $t.ElapsedMilliseconds, $_.Action }");
            var rows = run.Output.Select(o => o.ToString().Split('|')).Select(p => (Ms: long.Parse(p[0]), Action: p[1])).ToList();
            string seen = string.Join(", ", rows.Select(r => $"{r.Action} at {r.Ms} ms"));
            Assert.Equal(new[] { "StopInstance:orders-1", "StopInstance:orders-2", "StopInstance:orders-3" }, rows.Select(r => r.Action));
            Assert.True(rows[2].Ms >= 2500, "orders-3 ended before its deadline: " + seen);
            Assert.True(rows[1].Ms <= rows[2].Ms - 1000, "orders-2 did not reach the next command before the stop ended: " + seen);
        }
    }
}
