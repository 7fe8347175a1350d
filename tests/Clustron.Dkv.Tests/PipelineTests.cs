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
            // When the first row reaches the next command, the last node is not stopped yet (sequential stop; its
            // manager answers 500 ms late): rows are written as nodes finish, not collected until the end.
            Managers.SetFault(Host3, "latency:500");
            PsSession ps = Connected();
            ps.Runspace.SessionStateProxy.SetVariable("orders3", new System.Func<string>(() => Managers.Instances("OrdersStore").StatusOf("orders-3")));
            PsRun run = ps.Run("Stop-DkvStore -Name OrdersStore | ForEach-Object { '{0} while orders-3 is {1}' -f $_.Action, $orders3.Invoke() }");
            Assert.Empty(run.Errors);
            Assert.Matches("^StopInstance:orders-1 while orders-3 is (Running|Stopping)$", run.Output[0].ToString());
            Assert.Equal("StopInstance:orders-3 while orders-3 is Stopped", run.Output[2].ToString());
        }
    }
}
