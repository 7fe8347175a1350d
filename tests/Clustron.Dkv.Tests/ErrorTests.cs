using System;
using System.Linq;
using System.Management.Automation;
using Clustron.Dkv.Tests.Infrastructure;
using Xunit;

namespace Clustron.Dkv.Tests
{
    /// <summary>The no-managers error, FAILED rows as errors ($?, -ErrorAction Stop), error records' category and target.</summary>
    public class ErrorTests : ManagerTest, IClassFixture<RefManager>
    {
        private const string NoManagers = "No managers connected. Use Connect-DkvManager or specify -Managers.";

        public ErrorTests(RefManager managers) : base(managers) { }

        [Theory]
        [InlineData("Stop-DkvStore -Name OrdersStore")]
        [InlineData("Stop-DkvStore -Name OrdersStore -InstanceName orders-1 -Force -Parallel -FailFast")]
        [InlineData("'OrdersStore','CartStore' | Stop-DkvStore")]
        [InlineData("Get-DkvStore -Name OrdersStore")]
        public void Without_managers_the_command_terminates_with_the_documented_text(string command)
        {
            PsSession ps = Open();
            (PsRun run, ErrorRecord? caught) = RunCatching(ps, command + "\n'went on'");
            Assert.NotNull(caught);
            Assert.Equal(NoManagers, caught!.Exception.Message);
            Assert.Equal("NoManagers," + command.Split('|').Last().Trim().Split(' ')[0], caught.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ConnectionError, caught.CategoryInfo.Category);
            Assert.DoesNotContain(run.Output, o => o?.BaseObject as string == "went on");
            Assert.Empty(Managers.Log());
        }

        [Fact]
        public void A_failed_row_is_a_non_terminating_error_all_rows_are_written_and_dollar_question_is_false()
        {
            Managers.SetFault(Host2, "500");
            PsSession ps = Connected();
            PsRun run = ps.Run("$global:rows = @(Stop-DkvStore -Name OrdersStore); $global:ok = $?; 'went on'");
            Assert.Null(run.Terminating);
            Assert.Equal(false, ps.Variable("ok"));
            Assert.Contains(run.Output, o => o?.BaseObject as string == "went on");
            var rows = ((object[])ps.Variable("rows")!).Cast<PSObject>().ToList();
            Assert.Equal(new[] { "orders-1 SUCCESS", "orders-2 FAILED", "orders-3 SUCCESS" },
                rows.Select(r => r.Prop("Instance") + " " + r.Prop("Result")).OrderBy(s => s));
            ErrorRecord error = Assert.Single(run.Errors);
            Assert.Equal("StopFailed,Stop-DkvStore", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidResult, error.CategoryInfo.Category);
            Assert.Equal("orders-2", error.TargetObject);
            Assert.Equal(500, Convert.ToInt32(error.Exception.Data["Clustron.Dkv.HttpStatus"]));
            string message = rows.Single(r => r.Prop("Result") == "FAILED").Prop("Message");
            Assert.False(string.IsNullOrWhiteSpace(message));
            Assert.EndsWith(message, error.Exception.Message);
            Assert.Contains(Managers.Address(Host2), error.Exception.Message);
            Assert.Equal("Running", Managers.Instances("OrdersStore").StatusOf("orders-2"));
            Assert.Equal((0, 0), ps.Live());
        }

        [Fact]
        public void ErrorAction_Stop_turns_a_failed_row_into_a_terminating_error()
        {
            Managers.SetFault(Host2, "500");
            PsSession ps = Connected();
            (PsRun run, ErrorRecord? caught) = RunCatching(ps, "Stop-DkvStore -Name OrdersStore -ErrorAction Stop\n'went on'");
            Assert.NotNull(caught);
            Assert.Equal("StopFailed,Stop-DkvStore", caught!.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidResult, caught.CategoryInfo.Category);
            Assert.Equal("orders-2", caught.TargetObject);
            Assert.DoesNotContain(run.Output, o => o?.BaseObject as string == "went on");
            var written = run.Rows.Select(r => r.Prop("Instance") + " " + r.Prop("Result")).ToList();
            Assert.Contains("orders-1 SUCCESS", written);
            Assert.Contains("orders-2 FAILED", written);
            Assert.Equal((0, 0), ps.Live());
        }

        [Fact]
        public void An_unreachable_manager_list_is_a_ManagerUnreachable_error_naming_each_manager()
        {
            PsSession ps = Open();
            // 127.0.0.14 is loopback but nothing listens there.
            PsRun run = ps.Run($"Stop-DkvStore -Name OrdersStore -Managers '127.0.0.14:{Managers.Port}' -TimeoutSec 5");
            ErrorRecord error = Assert.Single(run.Errors);
            Assert.Equal("ManagerUnreachable,Stop-DkvStore", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
            Assert.Contains("127.0.0.14", error.Exception.Message);
            Assert.Empty(run.Rows);
        }
    }

    /// <summary>Connect-DkvManager / Disconnect-DkvManager and -Managers overrides.</summary>
    public class SessionTests : ManagerTest, IClassFixture<RefManager>
    {
        public SessionTests(RefManager managers) : base(managers) { }

        [Fact]
        public void Disconnect_then_Stop_is_the_no_managers_error()
        {
            PsSession ps = Connected();
            (PsRun run, ErrorRecord? caught) = RunCatching(ps, "Disconnect-DkvManager\nStop-DkvStore -Name OrdersStore");
            Assert.Empty(run.Errors);
            Assert.NotNull(caught);
            Assert.Equal("NoManagers,Stop-DkvStore", caught!.FullyQualifiedErrorId);
            Assert.Empty(Managers.Log());
        }

        [Fact]
        public void Disconnect_without_a_session_does_nothing_and_is_not_an_error()
        {
            PsSession ps = Open();
            PsRun run = ps.Run("Disconnect-DkvManager; Disconnect-DkvManager -Verbose");
            Assert.Empty(run.Errors);
            Assert.Contains("No manager session to disconnect.", ps.UI.Verbose);
        }

        [Fact]
        public void Connecting_again_replaces_the_session()
        {
            PsSession ps = Connected();
            PsRun run = ps.Run($"$null = Connect-DkvManager -Managers 127.0.0.13 -Port {Managers.Port}\nStop-DkvStore -Name OrdersStore");
            Assert.Empty(run.Errors);
            AssertRows(run, (Host1, "orders-1", "SKIPPED"), (Host2, "orders-2", "SKIPPED"), (Host3, "orders-3", "SUCCESS"));
            AssertStopRequests((Host3, "orders-3", ""));
            Assert.DoesNotContain(Managers.Log(), r => r.Manager != Host3);
        }

        [Fact]
        public void Managers_overrides_the_session_for_one_call_only()
        {
            PsSession ps = Connected();
            PsRun first = ps.Run($"Stop-DkvStore -Name CartStore -Managers '{Managers.Address(Host2)}'");
            Assert.Empty(first.Errors);
            AssertRows(first, (Host1, "cart-1", "SKIPPED"), (Host2, "cart-2", "SUCCESS"));
            PsRun second = ps.Run("Stop-DkvStore -Name CartStore");
            Assert.Empty(second.Errors);
            AssertRows(second, (Host1, "cart-1", "SUCCESS"), (Host2, "cart-2", "SUCCESS"));
        }

        [Fact]
        public void The_session_port_and_timeout_apply_to_managers_given_without_a_port()
        {
            PsSession ps = Open();
            PsRun run = ps.Run($"$null = Connect-DkvManager -Managers 127.0.0.13 -Port {Managers.Port}\nStop-DkvStore -Name OrdersStore -InstanceName orders-1 -Managers 127.0.0.11");
            Assert.Empty(run.Errors);
            AssertRows(run, (Host1, "orders-1", "SUCCESS"));
        }

        [Fact]
        public void Commands_leave_no_native_allocation_or_operation_behind()
        {
            PsSession ps = Connected();
            Managers.SetFault(Host3, "500");
            ps.Run("Stop-DkvStore -Name OrdersStore; Get-DkvStore -Name CartStore; Stop-DkvStore -Name NoSuchStore; Stop-DkvStore -Name CartStore -WhatIf");
            Assert.Equal((0, 0), ps.Live());
        }
    }
}
