using System;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using Clustron.Dkv.Tests.Infrastructure;
using Xunit;

namespace Clustron.Dkv.Tests
{
    /// <summary>
    /// Tab completion through the engine's own CommandCompletion: -InstanceName from the store named in -Name
    /// (discovered within 1 s, cached), -Name from the stores this session has seen. And Ctrl+C during the
    /// discovery that -WhatIf and Get-DkvStore make.
    /// </summary>
    public class CompletionTests : ManagerTest, IClassFixture<RefManager>
    {
        public CompletionTests(RefManager managers) : base(managers) { }

        private static string[] Complete(PsSession session, string input)
        {
            using PowerShell ps = PowerShell.Create();
            ps.Runspace = session.Runspace;
            CommandCompletion completion = CommandCompletion.CompleteInput(input, input.Length, null, ps);
            return completion.CompletionMatches.Select(m => m.CompletionText).ToArray();
        }

        [Fact]
        public void InstanceName_completes_from_the_store_named_in_Name()
        {
            PsSession ps = Connected();
            Assert.Equal(new[] { "orders-1", "orders-2", "orders-3" }, Complete(ps, "Stop-DkvStore -Name OrdersStore -InstanceName "));
            Assert.Equal(new[] { "orders-2" }, Complete(ps, "Stop-DkvStore -Name OrdersStore -InstanceName orders-2"));
            Assert.Equal(new[] { "cart-1", "cart-2" }, Complete(ps, "Stop-DkvStore -Name CartStore -InstanceName c"));
            Assert.Empty(Complete(ps, "Stop-DkvStore -Name NoSuchStore -InstanceName "));
            Assert.DoesNotContain(Managers.Log(), r => r.Method == "POST");
        }

        [Fact]
        public void InstanceName_completion_is_cached_briefly()
        {
            PsSession ps = Connected();
            Complete(ps, "Stop-DkvStore -Name OrdersStore -InstanceName ");
            int gets = Managers.Log().Count(r => r.Method == "GET");
            Assert.Equal(new[] { "orders-1", "orders-2", "orders-3" }, Complete(ps, "Stop-DkvStore -Name OrdersStore -InstanceName o"));
            Assert.Equal(gets, Managers.Log().Count(r => r.Method == "GET"));
        }

        [Fact]
        public void InstanceName_completion_gives_up_on_a_hanging_manager_within_its_second()
        {
            Managers.SetFault(Host1, "hang");
            PsSession ps = Connected();
            var clock = Stopwatch.StartNew();
            string[] names = Complete(ps, "Stop-DkvStore -Name OrdersStore -InstanceName ");
            // A deadline bound, not a speed claim: 1 s of discovery plus slack for a loaded machine.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2.5), $"completion took {clock.Elapsed}");
            Assert.Empty(names);
        }

        [Fact]
        public void Name_completes_from_stores_seen_in_this_session()
        {
            PsSession ps = Connected();
            Assert.Empty(Complete(ps, "Stop-DkvStore -Name "));
            ps.Run("$null = Get-DkvStore -Name OrdersStore, CartStore");
            Assert.Equal(new[] { "CartStore", "OrdersStore" }, Complete(ps, "Stop-DkvStore -Name "));
            Assert.Equal(new[] { "OrdersStore" }, Complete(ps, "Get-DkvStore -Name ord"));
        }

        [Fact]
        public void Ctrl_C_during_discovery_for_WhatIf_ends_promptly()
        {
            Managers.SetFault(Host1, "hang");
            Managers.SetFault(Host2, "hang");
            Managers.SetFault(Host3, "hang");
            PsSession session = Connected();
            var (ps, _, pending) = Interrupt.Start(session, "Stop-DkvStore -Name OrdersStore -WhatIf -TimeoutSec 30");
            Interrupt.WaitFor(() => Managers.Log().Any(r => r.Method == "GET"), TimeSpan.FromSeconds(10), "discovery began");
            TimeSpan took = Interrupt.Stop(ps, pending);
            Assert.True(took < Interrupt.Deadline, $"Stop() took {took}");
            Assert.Equal((0, 0), session.Live());
            ps.Dispose();
        }
    }
}
