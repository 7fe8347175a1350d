using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Clustron.Dkv.Shell.Hosting;

namespace Clustron.Dkv.Tests.Infrastructure
{
    /// <summary>What one script run produced.</summary>
    public sealed class PsRun
    {
        public Collection<PSObject> Output { get; set; } = new Collection<PSObject>();
        public List<ErrorRecord> Errors { get; set; } = new List<ErrorRecord>();
        /// <summary>An error that ended the whole invocation (escaped the script), or null.</summary>
        public RuntimeException? Terminating { get; set; }
        public bool HadErrors { get; set; }
        public TimeSpan Elapsed { get; set; }

        /// <summary>Output objects of a given type name (PSTypeName), e.g. Clustron.Dkv.StopResult.</summary>
        public List<PSObject> OfType(string typeName) => Output.Where(o => o != null && o.TypeNames.Contains(typeName)).ToList();

        public List<PSObject> Rows => OfType("Clustron.Dkv.StopResult");

        public string Describe() =>
            "output:\n  " + string.Join("\n  ", Output.Select(o => o?.ToString() ?? "<null>")) +
            "\nerrors:\n  " + string.Join("\n  ", Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)) +
            (Terminating != null ? "\nterminating: " + Terminating.ErrorRecord?.FullyQualifiedErrorId + ": " + Terminating.Message : "");
    }

    /// <summary>
    /// A runspace of the engine alone (InitialSessionState.CreateDefault2: Microsoft.PowerShell.Core only) on the
    /// recording host, with dist/Clustron.Dkv imported.
    /// </summary>
    public sealed class PsSession : IDisposable
    {
        private PsSession(bool importModule)
        {
            UI = new RecordingUserInterface();
            Host = new DkvHost(UI);
            Runspace = RunspaceFactory.CreateRunspace(Host, InitialSessionState.CreateDefault2());
            Runspace.Open();
            if (importModule)
            {
                PsRun import = Run($"Import-Module '{Repo.RequireDistManifest()}' -ErrorAction Stop");
                if (import.Terminating != null || import.Errors.Count > 0)
                {
                    Runspace.Dispose();
                    throw new InvalidOperationException("Import-Module dist/Clustron.Dkv failed:\n" + import.Describe());
                }
            }
        }

        public RecordingUserInterface UI { get; }
        public DkvHost Host { get; }
        public Runspace Runspace { get; }

        public static PsSession Open(bool importModule = true) => new PsSession(importModule);

        /// <summary>A session connected (Connect-DkvManager) to the three managers of the reference manager.</summary>
        public static PsSession Connected(RefManager managers)
        {
            PsSession session = Open();
            PsRun connect = session.Run($"$null = Connect-DkvManager -Managers 127.0.0.11,127.0.0.12,127.0.0.13 -Port {managers.Port}");
            if (connect.Terminating != null || connect.Errors.Count > 0)
            {
                session.Dispose();
                throw new InvalidOperationException("Connect-DkvManager failed:\n" + connect.Describe());
            }
            return session;
        }

        /// <summary>Runs script text; non-terminating errors are collected, a terminating one is kept, not thrown.</summary>
        public PsRun Run(string script)
        {
            using (PowerShell ps = PowerShell.Create())
            {
                ps.Runspace = Runspace;
                ps.AddScript(script);
                var run = new PsRun();
                var clock = Stopwatch.StartNew();
                try
                {
                    run.Output = ps.Invoke();
                }
                catch (RuntimeException terminating)
                {
                    run.Terminating = terminating;
                }
                run.Elapsed = clock.Elapsed;
                run.Errors = ps.Streams.Error.ToList();
                run.HadErrors = ps.HadErrors;
                return run;
            }
        }

        /// <summary>Runs script text with its output sent through Out-Default to the host, as a console shows it.</summary>
        public PsRun Show(string script) => Run(script + " | Out-Default");

        /// <summary>A global variable's value after a run.</summary>
        public object? Variable(string name)
        {
            object? value = Runspace.SessionStateProxy.GetVariable(name);
            return value is PSObject wrapped ? wrapped.BaseObject : value;
        }

        /// <summary>The module's live native allocations and operation handles (both 0 between commands).</summary>
        public (int Allocations, int Operations) Live()
        {
            PsRun run = Run("$l = & (Get-Module Clustron.Dkv) { $script:DkvLive }; $l.Allocations; $l.Operations");
            return (Convert.ToInt32(run.Output[0].BaseObject), Convert.ToInt32(run.Output[1].BaseObject));
        }

        public void Dispose() => Runspace.Dispose();
    }

    public static class PsObjectExtensions
    {
        public static string Prop(this PSObject o, string name) => o.Properties[name]?.Value?.ToString() ?? "";
    }
}
