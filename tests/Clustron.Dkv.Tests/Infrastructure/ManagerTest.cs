using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace Clustron.Dkv.Tests.Infrastructure
{
    /// <summary>
    /// A test class against one reference manager process (per class); before each test the cluster is back to
    /// the demo layout with no faults and an empty request log. Sessions opened through Open/Connected are disposed
    /// after the test.
    /// </summary>
    public abstract class ManagerTest : IDisposable
    {
        private readonly List<PsSession> sessions = new List<PsSession>();

        protected ManagerTest(RefManager managers)
        {
            Managers = managers;
            Managers.ResetAll();
        }

        protected RefManager Managers { get; }

        protected string Host1 => RefManager.Hosts[0];
        protected string Host2 => RefManager.Hosts[1];
        protected string Host3 => RefManager.Hosts[2];

        /// <summary>A fresh runspace with the module imported and no session.</summary>
        protected PsSession Open() => Track(PsSession.Open());

        /// <summary>A fresh runspace, Connect-DkvManager to .11, .12, .13 on the fixture's port.</summary>
        protected PsSession Connected() => Track(PsSession.Connected(Managers));

        protected PsSession Track(PsSession session)
        {
            sessions.Add(session);
            return session;
        }

        /// <summary>Runs the script in try/catch; returns the error that reached catch (a terminating one), or null.</summary>
        protected static (PsRun Run, ErrorRecord? Caught) RunCatching(PsSession session, string script)
        {
            PsRun run = session.Run("$global:caught = $null\ntry {\n" + script + "\n}\ncatch { $global:caught = $_ }");
            Assert.True(run.Terminating == null, "nothing should escape try/catch:\n" + run.Describe());
            return (run, session.Variable("caught") as ErrorRecord);
        }

        /// <summary>Asserts the rows, in any order: (host, instance, result).</summary>
        protected void AssertRows(PsRun run, params (string Host, string Instance, string Result)[] expected)
        {
            var actual = run.Rows.Select(r => (r.Prop("Manager"), r.Prop("Action"), r.Prop("Result"))).OrderBy(r => r.Item2).ToList();
            var wanted = expected.Select(e => (Managers.Address(e.Host), "StopInstance:" + e.Instance, e.Result)).OrderBy(r => r.Item2).ToList();
            Assert.True(wanted.SequenceEqual(actual),
                "rows expected:\n  " + string.Join("\n  ", wanted) + "\nactual:\n  " + string.Join("\n  ", actual) + "\n" + run.Describe());
        }

        /// <summary>The stop requests the managers received: (manager host, instance, query), in arrival order.</summary>
        protected List<(string Manager, string Instance, string Query)> StopRequests() =>
            Managers.Stops().Select(r => (r.Manager, r.StopInstance ?? "", r.Query)).ToList();

        protected void AssertStopRequests(params (string Host, string Instance, string Query)[] expected)
        {
            var actual = StopRequests().OrderBy(r => r.Instance).ToList();
            var wanted = expected.OrderBy(r => r.Instance).ToList();
            Assert.True(wanted.SequenceEqual(actual),
                "stop requests expected:\n  " + string.Join("\n  ", wanted) + "\nactual:\n  " + string.Join("\n  ", actual) +
                "\nfull log:\n  " + string.Join("\n  ", Managers.Log()));
        }

        public virtual void Dispose()
        {
            foreach (PsSession session in sessions) { session.Dispose(); }
            sessions.Clear();
            GC.SuppressFinalize(this);
        }
    }
}
