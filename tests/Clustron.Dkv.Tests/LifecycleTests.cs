using System;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Clustron.Dkv.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Clustron.Dkv.Tests
{
    /// <summary>Importing again, Import-Module -Force, and several runspaces in one process.</summary>
    public class LifecycleTests : ManagerTest, IClassFixture<RefManager>
    {
        private readonly ITestOutputHelper log;

        public LifecycleTests(RefManager managers, ITestOutputHelper log) : base(managers)
        {
            this.log = log;
        }

        [Fact]
        public void The_bare_engine_has_only_Microsoft_PowerShell_Core_and_the_module_exports_its_four_commands()
        {
            PsSession ps = Open();
            PsRun run = ps.Run("@(Get-Module | ForEach-Object Name) -join ','; @(Get-Command -Module Clustron.Dkv | ForEach-Object Name) -join ','; " +
                "@(Get-Command -CommandType Cmdlet | ForEach-Object ModuleName | Where-Object { $_ -ne 'Microsoft.PowerShell.Core' }).Count");
            Assert.Empty(run.Errors);
            Assert.Equal("Clustron.Dkv", run.Output[0].ToString());
            Assert.Equal(new[] { "Connect-DkvManager", "Disconnect-DkvManager", "Get-DkvStore", "Stop-DkvStore" },
                run.Output[1].ToString().Split(',').OrderBy(n => n, StringComparer.Ordinal));
            Assert.Equal("0", run.Output[2].ToString());
            PsRun utility = ps.Run("Get-Command Select-Object, Sort-Object, Write-Host, Get-Date, Test-Path, New-Object -ErrorAction SilentlyContinue");
            Assert.Empty(utility.Output);
        }

        [Fact]
        public void Importing_twice_keeps_one_module_and_the_session()
        {
            PsSession ps = Connected();
            PsRun run = ps.Run($"Import-Module '{Repo.DistManifest}'; @(Get-Module Clustron.Dkv).Count; Stop-DkvStore -Name CartStore");
            Assert.Empty(run.Errors);
            Assert.Equal(1, Convert.ToInt32(run.Output[0].BaseObject));
            AssertRows(run, (Host1, "cart-1", "SUCCESS"), (Host2, "cart-2", "SUCCESS"));
        }

        [Fact]
        public void Import_Module_Force_ends_the_old_session_and_the_new_module_works()
        {
            PsSession ps = Connected();
            (PsRun run, var caught) = RunCatching(ps, $"Import-Module '{Repo.DistManifest}' -Force\nStop-DkvStore -Name CartStore");
            Assert.NotNull(caught);
            Assert.Equal("NoManagers,Stop-DkvStore", caught!.FullyQualifiedErrorId);
            PsRun again = ps.Run($"$null = Connect-DkvManager -Managers 127.0.0.11,127.0.0.12 -Port {Managers.Port}; Stop-DkvStore -Name CartStore");
            Assert.Empty(again.Errors);
            AssertRows(again, (Host1, "cart-1", "SUCCESS"), (Host2, "cart-2", "SUCCESS"));
            Assert.Equal((0, 0), ps.Live());
        }

        [Fact]
        public void Remove_Module_then_Import_Module_works()
        {
            PsSession ps = Connected();
            PsRun run = ps.Run($"Remove-Module Clustron.Dkv; Import-Module '{Repo.DistManifest}'; " +
                $"Stop-DkvStore -Name CartStore -Managers '{Managers.Address(Host1)}','{Managers.Address(Host2)}'");
            Assert.Empty(run.Errors);
            AssertRows(run, (Host1, "cart-1", "SUCCESS"), (Host2, "cart-2", "SUCCESS"));
        }

        [Fact]
        public async Task Two_runspaces_stop_concurrently_each_with_its_own_session()
        {
            PsSession orders = Connected();
            PsSession carts = Track(PsSession.Open());
            Assert.Empty(carts.Run($"$null = Connect-DkvManager -Managers 127.0.0.11,127.0.0.12 -Port {Managers.Port}").Errors);

            Task<PsRun> a = Task.Run(() => orders.Run("Stop-DkvStore -Name OrdersStore -Parallel"));
            Task<PsRun> b = Task.Run(() => carts.Run("Stop-DkvStore -Name CartStore"));
            Task both = Task.WhenAll(a, b);
            Assert.Same(both, await Task.WhenAny(both, Task.Delay(TimeSpan.FromSeconds(60))));
            PsRun ordersRun = await a;
            PsRun cartsRun = await b;
            Assert.Empty(ordersRun.Errors);
            Assert.Empty(cartsRun.Errors);
            AssertRows(ordersRun, (Host1, "orders-1", "SUCCESS"), (Host2, "orders-2", "SUCCESS"), (Host3, "orders-3", "SUCCESS"));
            AssertRows(cartsRun, (Host1, "cart-1", "SUCCESS"), (Host2, "cart-2", "SUCCESS"));

            // Sessions are per runspace: disconnecting one leaves the other connected.
            Assert.Empty(orders.Run("Disconnect-DkvManager").Errors);
            Managers.ResetAll();
            PsRun still = carts.Run("Stop-DkvStore -Name CartStore -InstanceName cart-1");
            Assert.Empty(still.Errors);
            AssertRows(still, (Host1, "cart-1", "SUCCESS"));
            (PsRun _, var caught) = RunCatching(orders, "Stop-DkvStore -Name CartStore");
            Assert.Equal("NoManagers,Stop-DkvStore", caught?.FullyQualifiedErrorId);
        }

        [Fact]
        public void Import_time_is_reported_not_asserted()
        {
            // Measured for information only (the bench owns performance); the assertion is that import works.
            var clock = Stopwatch.StartNew();
            using (PsSession ps = PsSession.Open())
            {
                log.WriteLine($"runspace open + Import-Module: {clock.ElapsedMilliseconds} ms");
                clock.Restart();
                PsRun again = ps.Run($"Import-Module '{Repo.DistManifest}' -Force");
                log.WriteLine($"Import-Module -Force: {clock.ElapsedMilliseconds} ms");
                Assert.Empty(again.Errors);
            }
        }
    }
}
