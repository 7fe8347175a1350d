using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Clustron.Dkv.Tests.Infrastructure;
using Xunit;

namespace Clustron.Dkv.Tests
{
    /// <summary>Every parameter's validation: refused before anything is sent, with the engine's or the module's error.</summary>
    public class ParameterTests : ManagerTest, IClassFixture<RefManager>
    {
        public ParameterTests(RefManager managers) : base(managers) { }

        private ErrorRecord Refused(PsSession ps, string command, string errorIdPrefix)
        {
            (PsRun run, ErrorRecord? caught) = RunCatching(ps, command + "\n'not refused'");
            Assert.True(caught != null, $"'{command}' was not refused:\n" + run.Describe());
            Assert.DoesNotContain(run.Output, o => o?.BaseObject as string == "not refused");
            Assert.StartsWith(errorIdPrefix, caught!.FullyQualifiedErrorId);
            Assert.Empty(Managers.Log());
            return caught;
        }

        [Theory]
        [InlineData("Stop-DkvStore -Name ''", "ParameterArgumentValidationError")]
        [InlineData("Stop-DkvStore -Name '   '", "ParameterArgumentValidationError")]
        [InlineData("Stop-DkvStore -Name \"`t\"", "ParameterArgumentValidationError")]
        [InlineData("Stop-DkvStore -Name $null", "ParameterArgumentValidationError")]
        [InlineData("Stop-DkvStore -Name ' OrdersStore'", "ParameterArgumentValidationError")]
        [InlineData("Stop-DkvStore -Name OrdersStore -InstanceName ''", "ParameterArgumentValidationError")]
        [InlineData("Stop-DkvStore -Name OrdersStore -InstanceName '  '", "ParameterArgumentValidationError")]
        [InlineData("Stop-DkvStore -Name OrdersStore -Port 0", "ParameterArgumentValidationError")]
        [InlineData("Stop-DkvStore -Name OrdersStore -Port 65536", "ParameterArgumentValidationError")]
        [InlineData("Stop-DkvStore -Name OrdersStore -Port -1", "ParameterArgumentValidationError")]
        [InlineData("Stop-DkvStore -Name OrdersStore -TimeoutSec 0", "ParameterArgumentValidationError")]
        [InlineData("Stop-DkvStore -Name OrdersStore -TimeoutSec -1", "ParameterArgumentValidationError")]
        [InlineData("Stop-DkvStore -Name OrdersStore -TimeoutSec 86401", "ParameterArgumentValidationError")]
        [InlineData("Stop-DkvStore -Name OrdersStore -Port abc", "ParameterArgumentTransformationError")]
        [InlineData("Stop-DkvStore -Name OrdersStore -Managers ''", "ParameterArgumentValidationError")]
        [InlineData("Stop-DkvStore -Name OrdersStore -Managers @()", "ParameterArgumentValidationError")]
        [InlineData("Stop-DkvStore -Name OrdersStore -Bogus", "NamedParameterNotFound")]
        [InlineData("Get-DkvStore -Name ''", "ParameterArgumentValidationError")]
        [InlineData("Get-DkvStore -Name OrdersStore -Port 0", "ParameterArgumentValidationError")]
        [InlineData("Get-DkvStore -Name OrdersStore -TimeoutSec 0", "ParameterArgumentValidationError")]
        [InlineData("Connect-DkvManager -Managers 127.0.0.11 -Port 0", "ParameterArgumentValidationError")]
        [InlineData("Connect-DkvManager -Managers 127.0.0.11 -Port 65536", "ParameterArgumentValidationError")]
        [InlineData("Connect-DkvManager -Managers 127.0.0.11 -TimeoutSec 0", "ParameterArgumentValidationError")]
        [InlineData("Connect-DkvManager -Managers 127.0.0.11 -TimeoutSec -1", "ParameterArgumentValidationError")]
        [InlineData("Connect-DkvManager -Managers @()", "ParameterArgumentValidationError")]
        public void Invalid_values_are_refused_by_parameter_binding(string command, string errorId)
        {
            PsSession ps = Connected();
            ErrorRecord error = Refused(ps, command, errorId);
            string commandName = command.Split(' ')[0];
            Assert.EndsWith("," + commandName, error.FullyQualifiedErrorId);
        }

        [Fact]
        public void An_empty_store_name_message_says_what_is_wrong()
        {
            ErrorRecord error = Refused(Connected(), "Stop-DkvStore -Name '  '", "ParameterArgumentValidationError");
            Assert.Contains("'Name'", error.Exception.Message);
            Assert.Contains("Store name is empty", error.Exception.Message);
        }

        [Theory]
        [InlineData("http://127.0.0.11:{port}/admin")]
        [InlineData("http://127.0.0.11:{port}/?x=1")]
        [InlineData("127.0.0.11:0")]
        [InlineData("127.0.0.11:65536")]
        [InlineData("127.0.0.11:port")]
        [InlineData("user@127.0.0.11")]
        [InlineData("http://")]
        [InlineData("ftp://127.0.0.11")]
        public void A_bad_manager_address_is_refused_naming_it_before_anything_is_sent(string address)
        {
            address = address.Replace("{port}", Managers.Port.ToString());
            foreach (string command in new[] { "Stop-DkvStore -Name OrdersStore -Managers", "Get-DkvStore -Name OrdersStore -Managers", "Connect-DkvManager -Managers" })
            {
                PsSession ps = Open();
                ErrorRecord error = Refused(ps, $"{command} '127.0.0.12:{Managers.Port}','{address}'", "InvalidManagerAddress,");
                Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
                Assert.Contains(address, error.Exception.Message);
            }
        }

        [Fact]
        public void Boundary_values_are_accepted_and_an_address_port_wins_over_Port()
        {
            PsSession ps = Open();
            PsRun run = ps.Run($"Stop-DkvStore -Name OrdersStore -InstanceName orders-1 -Managers '{Managers.Address(Host1)}' -Port 65535 -TimeoutSec 86400");
            Assert.Empty(run.Errors);
            AssertRows(run, (Host1, "orders-1", "SUCCESS"));
            run = ps.Run($"Stop-DkvStore -Name OrdersStore -InstanceName orders-2 -Managers '{Managers.Address(Host2)}' -Port 1 -TimeoutSec 1");
            Assert.Empty(run.Errors);
            AssertRows(run, (Host2, "orders-2", "SUCCESS"));
        }

        [Fact]
        public void Port_applies_to_addresses_without_one()
        {
            PsSession ps = Open();
            PsRun run = ps.Run($"Stop-DkvStore -Name OrdersStore -InstanceName orders-1 -Managers 127.0.0.11 -Port {Managers.Port}");
            Assert.Empty(run.Errors);
            AssertRows(run, (Host1, "orders-1", "SUCCESS"));
        }

        [Fact]
        public void An_unknown_instance_is_an_error_listing_the_nodes_and_nothing_is_stopped()
        {
            PsSession ps = Connected();
            PsRun run = ps.Run("Stop-DkvStore -Name OrdersStore -InstanceName orders-9");
            ErrorRecord error = Assert.Single(run.Errors);
            Assert.Equal("InstanceNotFound,Stop-DkvStore", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
            foreach (string node in new[] { "orders-1", "orders-2", "orders-3" }) { Assert.Contains(node, error.Exception.Message); }
            Assert.Empty(run.Rows);
            Assert.Empty(Managers.Stops());
        }

        [Fact]
        public void An_unknown_store_is_a_not_found_error()
        {
            PsSession ps = Connected();
            PsRun run = ps.Run("Stop-DkvStore -Name NoSuchStore; 'went on'");
            ErrorRecord error = Assert.Single(run.Errors);
            Assert.Equal("StoreNotFound,Stop-DkvStore", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
            Assert.Equal("NoSuchStore", error.TargetObject);
            Assert.Contains(run.Output, o => o?.BaseObject as string == "went on");
            Assert.Empty(Managers.Stops());
        }

        [Theory]
        [InlineData("Stop-DkvStore")]
        [InlineData("Get-DkvStore")]
        [InlineData("Connect-DkvManager")]
        public void Parameter_metadata_matches_the_reference(string command)
        {
            PsSession ps = Open();
            PsRun run = ps.Run($"(Get-Command {command}).Parameters.Values | ForEach-Object {{ '{{0}}|{{1}}|{{2}}' -f $_.Name, $_.ParameterType.Name, (@($_.Attributes | Where-Object {{ $_ -is [Parameter] }} | ForEach-Object {{ $_.Mandatory }}) -contains $true) }}");
            var parameters = run.Output.Select(o => o.BaseObject.ToString()!.Split('|')).ToDictionary(p => p[0], p => (Type: p[1], Mandatory: bool.Parse(p[2])));
            var expected = new Dictionary<string, (string, bool)>();
            switch (command)
            {
                case "Stop-DkvStore":
                    expected["Name"] = ("String", true);
                    expected["InstanceName"] = ("String", false);
                    expected["Force"] = ("SwitchParameter", false);
                    expected["Managers"] = ("String[]", false);
                    expected["Port"] = ("Int32", false);
                    expected["TimeoutSec"] = ("Int32", false);
                    expected["Parallel"] = ("SwitchParameter", false);
                    expected["FailFast"] = ("SwitchParameter", false);
                    expected["WhatIf"] = ("SwitchParameter", false);
                    expected["Confirm"] = ("SwitchParameter", false);
                    break;
                case "Get-DkvStore":
                    expected["Name"] = ("String[]", true);
                    expected["Managers"] = ("String[]", false);
                    expected["Port"] = ("Int32", false);
                    expected["TimeoutSec"] = ("Int32", false);
                    break;
                default:
                    expected["Managers"] = ("String[]", true);
                    expected["Port"] = ("Int32", false);
                    expected["TimeoutSec"] = ("Int32", false);
                    break;
            }
            foreach (var pair in expected)
            {
                Assert.True(parameters.ContainsKey(pair.Key), $"{command} has no -{pair.Key}");
                Assert.Equal(pair.Value, parameters[pair.Key]);
            }
        }

        [Fact]
        public void Defaults_are_port_7801_and_30_seconds()
        {
            PsSession ps = Open();
            PsRun run = ps.Run("Connect-DkvManager -Managers 127.0.0.11,127.0.0.12");
            Assert.Empty(run.Errors);
            PSObject session = run.OfType("Clustron.Dkv.Session").Single();
            Assert.Equal("7801", session.Prop("Port"));
            Assert.Equal("30", session.Prop("TimeoutSec"));
            Assert.Equal(new[] { "http://127.0.0.11:7801", "http://127.0.0.12:7801" },
                ((object[])session.Properties["Managers"].Value).Select(o => o.ToString()));
        }
    }

    /// <summary>Get-Help: the reference's synopsis, its seven examples as written, and help for every parameter.</summary>
    public class HelpTests : ManagerTest, IClassFixture<RefManager>
    {
        public HelpTests(RefManager managers) : base(managers) { }

        private static readonly string[] ReferenceExamples =
        {
            "Stop-DkvStore -Name OrdersStore",
            "Stop-DkvStore -Name OrdersStore -InstanceName orders-1",
            "Stop-DkvStore -Name OrdersStore -InstanceName orders-1 -Force",
            "Connect-DkvManager -Managers 10.0.0.11,10.0.0.12\nStop-DkvStore -Name OrdersStore",
            "Stop-DkvStore `\n-Name OrdersStore `\n-Managers 10.0.0.11,10.0.0.12",
            "Stop-DkvStore `\n-Name OrdersStore `\n-Managers 10.0.0.11,10.0.0.12,10.0.0.13 `\n-Parallel",
            "Stop-DkvStore `\n-Name OrdersStore `\n-FailFast",
        };

        private static readonly string[] CommonParameters =
        {
            "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
            "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable",
        };

        [Fact]
        public void Stop_DkvStore_help_has_the_reference_synopsis_and_the_seven_examples_as_written()
        {
            PsSession ps = Open();
            PsRun run = ps.Run("$h = Get-Help Stop-DkvStore -Full; $h.Synopsis; foreach ($e in $h.examples.example) { $e.code }");
            Assert.Empty(run.Errors);
            Assert.Equal("Stops one or more nodes of a Clustron Distributed Key-Value (DKV) store.", run.Output[0].ToString());
            var examples = run.Output.Skip(1).Select(o => o.ToString().Replace("\r\n", "\n").Trim()).ToList();
            Assert.Equal(ReferenceExamples, examples);
        }

        [Theory]
        [InlineData("Stop-DkvStore")]
        [InlineData("Get-DkvStore")]
        [InlineData("Connect-DkvManager")]
        [InlineData("Disconnect-DkvManager")]
        public void Every_parameter_has_help(string command)
        {
            PsSession ps = Open();
            PsRun run = ps.Run(
                $"$declared = @((Get-Command {command}).Parameters.Keys)\n" +
                $"$help = @{{}}; foreach ($p in (Get-Help {command} -Full).parameters.parameter) {{ $help[$p.name] = (@($p.description | ForEach-Object {{ $_.Text }}) -join ' ') }}\n" +
                "foreach ($name in $declared) { '{0}|{1}' -f $name, $help[$name] }\n" +
                $"'synopsis|' + (Get-Help {command}).Synopsis");
            Assert.Empty(run.Errors);
            var lines = run.Output.Select(o => o.ToString().Split('|', 2)).ToList();
            var undocumented = lines.Where(l => l[0] != "synopsis" && !CommonParameters.Contains(l[0]) && l[1].Trim().Length < 10).Select(l => l[0]).ToList();
            Assert.True(undocumented.Count == 0, $"{command} parameters without help: {string.Join(", ", undocumented)}");
            string synopsis = lines.Single(l => l[0] == "synopsis")[1];
            Assert.False(synopsis.Trim().StartsWith(command), $"{command} has no synopsis (Get-Help shows the syntax instead): {synopsis}");
        }
    }
}
