using System;
using System.Globalization;
using System.Management.Automation.Host;

namespace Clustron.Dkv.Shell.Hosting
{
    /// <summary>The PSHost of DkvShell: identity, culture, and the exit code a script asks for with `exit`.</summary>
    public class DkvHost : PSHost
    {
        private readonly DkvHostUserInterface ui;
        private readonly Guid instanceId = Guid.NewGuid();

        public DkvHost(DkvHostUserInterface ui)
        {
            this.ui = ui;
        }

        /// <summary>The code of the last `exit N` the engine reported, or null.</summary>
        public int? ExitCode { get; private set; }

        public override CultureInfo CurrentCulture => CultureInfo.CurrentCulture;
        public override CultureInfo CurrentUICulture => CultureInfo.CurrentUICulture;
        public override Guid InstanceId => instanceId;
        public override string Name => "DkvShell";
        public override PSHostUserInterface UI => ui;
        public override Version Version => typeof(DkvHost).Assembly.GetName().Version ?? new Version(0, 1);

        public override void EnterNestedPrompt() =>
            throw new NotSupportedException("DkvShell runs commands and scripts; it has no interactive prompt.");

        public override void ExitNestedPrompt() =>
            throw new NotSupportedException("DkvShell runs commands and scripts; it has no interactive prompt.");

        public override void NotifyBeginApplication() { }

        public override void NotifyEndApplication() { }

        public override void SetShouldExit(int exitCode) => ExitCode = exitCode;
    }
}
