using System.Linq;
using Clustron.Dkv.Tests.Infrastructure;
using Xunit;

namespace Clustron.Dkv.Tests
{
    /// <summary>-WhatIf sends no stop; -Confirm answered by the host stops exactly the approved nodes; by default nothing prompts.</summary>
    public class ShouldProcessTests : ManagerTest, IClassFixture<RefManager>
    {
        public ShouldProcessTests(RefManager managers) : base(managers) { }

        [Fact]
        public void WhatIf_lists_every_node_with_its_manager_and_sends_no_POST()
        {
            PsSession ps = Connected();
            PsRun run = ps.Show("Stop-DkvStore -Name OrdersStore -WhatIf");
            Assert.Empty(run.Errors);
            Assert.Empty(run.Rows);
            string text = ps.UI.Text;
            foreach ((string host, string node) in new[] { (Host1, "orders-1"), (Host2, "orders-2"), (Host3, "orders-3") })
            {
                Assert.Contains($"What if: Performing the operation \"Stop node (graceful)\" on target \"node {node} of store OrdersStore on manager {Managers.Address(host)}\".", text);
            }
            Assert.DoesNotContain(Managers.Log(), r => r.Method != "GET");
            Assert.All(Managers.Instances("OrdersStore").Instances, i => Assert.Equal("Running", i.Status));
            Assert.Equal("Active", Managers.Instances("OrdersStore").State);
        }

        [Fact]
        public void WhatIf_with_Force_says_forced_and_sends_nothing()
        {
            PsSession ps = Connected();
            PsRun run = ps.Show("Stop-DkvStore -Name OrdersStore -InstanceName orders-2 -Force -WhatIf");
            Assert.Empty(run.Errors);
            Assert.Contains($"What if: Performing the operation \"Stop node (forced)\" on target \"node orders-2 of store OrdersStore on manager {Managers.Address(Host2)}\".", ps.UI.Text);
            Assert.DoesNotContain("orders-1", ps.UI.Text);
            Assert.DoesNotContain(Managers.Log(), r => r.Method != "GET");
        }

        [Fact]
        public void Confirm_yes_to_one_no_to_another_stops_exactly_the_approved_nodes()
        {
            PsSession ps = Connected();
            ps.UI.Answer("Y", "N", "Y");
            PsRun run = ps.Run("Stop-DkvStore -Name OrdersStore -Confirm");
            Assert.Empty(run.Errors);
            Assert.Equal(3, ps.UI.Prompts.Count);
            Assert.Contains("node orders-1 of store OrdersStore", ps.UI.Prompts[0].Message);
            Assert.Contains("node orders-2 of store OrdersStore", ps.UI.Prompts[1].Message);
            Assert.Contains("node orders-3 of store OrdersStore", ps.UI.Prompts[2].Message);
            AssertRows(run, (Host1, "orders-1", "SUCCESS"), (Host3, "orders-3", "SUCCESS"));
            AssertStopRequests((Host1, "orders-1", ""), (Host3, "orders-3", ""));
            StoreState store = Managers.Instances("OrdersStore");
            Assert.Equal("Stopped", store.StatusOf("orders-1"));
            Assert.Equal("Running", store.StatusOf("orders-2"));
            Assert.Equal("Stopped", store.StatusOf("orders-3"));
        }

        [Fact]
        public void Confirm_no_to_all_stops_nothing()
        {
            PsSession ps = Connected();
            ps.UI.Answer("L");
            PsRun run = ps.Run("Stop-DkvStore -Name OrdersStore -Confirm");
            Assert.Empty(run.Errors);
            Assert.Single(ps.UI.Prompts);
            Assert.Empty(run.Rows);
            Assert.Empty(Managers.Stops());
        }

        [Fact]
        public void Confirm_yes_to_all_stops_every_node_the_usual_way()
        {
            PsSession ps = Connected();
            ps.UI.Answer("A");
            PsRun run = ps.Run("Stop-DkvStore -Name OrdersStore -Confirm");
            Assert.Empty(run.Errors);
            Assert.Single(ps.UI.Prompts);
            AssertRows(run, (Host1, "orders-1", "SUCCESS"), (Host2, "orders-2", "SUCCESS"), (Host3, "orders-3", "SUCCESS"));
            Assert.Contains(Managers.Log(), r => r.Method == "PUT" && r.Path.EndsWith("/state"));
        }

        [Fact]
        public void A_default_script_never_prompts()
        {
            PsSession ps = Connected();
            PsRun run = ps.Run("Stop-DkvStore -Name OrdersStore; Stop-DkvStore -Name CartStore -Force; Stop-DkvStore -Name OrdersStore -InstanceName orders-1");
            Assert.Empty(ps.UI.Prompts);
            Assert.Empty(run.Errors);
            Assert.Equal(6, run.Rows.Count); // 3 + 2 + orders-1 again (already stopped: SUCCESS)
        }

        [Fact]
        public void ConfirmPreference_Medium_prompts_once_per_node()
        {
            PsSession ps = Connected();
            ps.UI.Answer("N", "N");
            PsRun run = ps.Run("$ConfirmPreference = 'Medium'; Stop-DkvStore -Name CartStore");
            Assert.Empty(run.Errors);
            Assert.Equal(2, ps.UI.Prompts.Count);
            Assert.Empty(Managers.Stops());
        }
    }
}
