using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text;

namespace Clustron.Dkv.Shell.Hosting
{
    /// <summary>
    /// Runs one script or script file in a runspace built on the engine alone (InitialSessionState.CreateDefault2:
    /// Microsoft.PowerShell.Core only), sends its output through Out-Default to the host, shows errors as they are
    /// written, and turns the outcome into an exit code. Stop() (Ctrl+C) stops the running pipeline.
    /// </summary>
    public sealed class DkvScriptRunner : IDisposable
    {
        private readonly DkvHost host;
        private readonly Runspace runspace;
        private readonly object gate = new object();
        private PowerShell? current;

        public DkvScriptRunner(DkvHost host)
        {
            this.host = host;
            runspace = RunspaceFactory.CreateRunspace(host, InitialSessionState.CreateDefault2());
            runspace.Open();
        }

        /// <summary>Runs script text (as -Command does). Returns the exit code.</summary>
        public int RunCommand(string script) => Run(ps => ps.AddScript(script));

        /// <summary>Runs a script file with arguments (as -File does): "-Name" words bind as parameter names.</summary>
        public int RunFile(string path, IReadOnlyList<string> arguments) => Run(ps => ps.AddScript(BuildFileInvocation(path, arguments)));

        /// <summary>"&amp; 'path' 'arg' -Switch 'value'": every argument quoted except parameter names.</summary>
        public static string BuildFileInvocation(string path, IReadOnlyList<string> arguments)
        {
            var text = new StringBuilder("& ").Append(Quote(path));
            foreach (string argument in arguments)
            {
                text.Append(' ');
                text.Append(IsParameterName(argument) ? argument : Quote(argument));
            }
            return text.ToString();
        }

        /// <summary>Stops the running pipeline, if any, without waiting (Ctrl+C).</summary>
        public void Stop()
        {
            lock (gate)
            {
                current?.BeginStop(null, null);
            }
        }

        /// <summary>The one line an error shows as, like pwsh's ConciseView: "Command: message".</summary>
        public static string FormatError(ErrorRecord record)
        {
            string message = record.ErrorDetails?.Message ?? record.Exception?.Message ?? record.ToString();
            string? command = record.InvocationInfo?.MyCommand?.Name;
            return string.IsNullOrEmpty(command) ? message : command + ": " + message;
        }

        private int Run(Action<PowerShell> addScript)
        {
            using (PowerShell ps = PowerShell.Create())
            {
                ps.Runspace = runspace;
                addScript(ps);
                ps.AddCommand("Out-Default");
                ps.Streams.Error.DataAdded += (sender, e) =>
                {
                    var errors = (PSDataCollection<ErrorRecord>)sender!;
                    host.UI.WriteErrorLine(FormatError(errors[e.Index]));
                };
                lock (gate) { current = ps; }
                bool failed;
                try
                {
                    ps.Invoke();
                    failed = ps.HadErrors;
                }
                catch (RuntimeException terminating) when (!(terminating is PipelineStoppedException))
                {
                    host.UI.WriteErrorLine(FormatError(terminating.ErrorRecord));
                    failed = true;
                }
                catch (PipelineStoppedException)
                {
                    failed = true;
                }
                finally
                {
                    lock (gate) { current = null; }
                }
                if (host.ExitCode.HasValue) { return host.ExitCode.Value; }
                return failed ? 1 : 0;
            }
        }

        private static bool IsParameterName(string argument) =>
            argument.Length > 1 && argument[0] == '-' && (char.IsLetter(argument[1]) || argument[1] == '_') &&
            argument.IndexOfAny(new[] { ' ', '\'', '"', '`', '$', ';', '(', ')', '{', '}', '@', '&', '|' }) < 0;

        private static string Quote(string text) => "'" + text.Replace("'", "''") + "'";

        public void Dispose() => runspace.Dispose();
    }
}
