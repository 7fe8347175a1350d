using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text;

namespace Clustron.Dkv.Shell.Hosting
{
    /// <summary>
    /// Line-oriented host UI over a TextWriter pair and a TextReader. Everything PowerShell shows (Out-Default's
    /// formatted text, errors, warnings, verbose lines, prompts) goes through here; the methods are virtual so a
    /// test host can record them.
    /// </summary>
    public class DkvHostUserInterface : PSHostUserInterface
    {
        private readonly object gate = new object();
        private readonly TextWriter output;
        private readonly TextWriter error;
        private readonly TextReader input;
        private readonly DkvRawUserInterface raw;
        private readonly bool colour;
        private readonly bool renderProgress;
        private bool progressLineVisible;

        /// <param name="colour">ANSI colours for errors, warnings and verbose lines (only for a terminal).</param>
        /// <param name="renderProgress">Show progress as one rewritten status line on the error writer.</param>
        public DkvHostUserInterface(TextWriter output, TextWriter error, TextReader input, DkvRawUserInterface raw,
            bool colour, bool renderProgress)
        {
            this.output = output;
            this.error = error;
            this.input = input;
            this.raw = raw;
            this.colour = colour;
            this.renderProgress = renderProgress;
        }

        /// <summary>For the real console: colours and the progress line only when a terminal is attached.</summary>
        public static DkvHostUserInterface ForConsole()
        {
            bool terminal = !Console.IsOutputRedirected && !Console.IsErrorRedirected;
            return new DkvHostUserInterface(Console.Out, Console.Error, Console.In, new DkvRawUserInterface(),
                colour: terminal, renderProgress: !Console.IsErrorRedirected);
        }

        public override PSHostRawUserInterface RawUI => raw;

        /// <summary>Also what $PSStyle.OutputRendering 'Host' follows: escape sequences only for a terminal.</summary>
        public override bool SupportsVirtualTerminal => colour;

        public override void Write(string value) => WriteOut(value);

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) =>
            WriteOut(value);

        public override void WriteLine(string value) => WriteOut(value + Environment.NewLine);

        public override void WriteLine() => WriteOut(Environment.NewLine);

        public override void WriteErrorLine(string value) => WriteErr(Paint("31", value));

        public override void WriteWarningLine(string message) => WriteOut(Paint("33", "WARNING: " + message) + Environment.NewLine);

        public override void WriteVerboseLine(string message) => WriteOut(Paint("33", "VERBOSE: " + message) + Environment.NewLine);

        public override void WriteDebugLine(string message) => WriteOut(Paint("33", "DEBUG: " + message) + Environment.NewLine);

        public override void WriteInformation(InformationRecord record)
        {
            // Write-Host output reaches the host through Write/WriteLine already; this is the record itself.
        }

        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
            if (!renderProgress || record == null) { return; }
            lock (gate)
            {
                if (record.RecordType == ProgressRecordType.Completed)
                {
                    ClearProgressLine();
                    return;
                }
                string text = FormatProgress(record);
                int width = Math.Max(20, raw.Width - 1);
                if (text.Length > width) { text = text.Substring(0, width); }
                error.Write("\r" + text.PadRight(width));
                error.Flush();
                progressLineVisible = true;
            }
        }

        /// <summary>"Activity: Status (50%) - CurrentOperation", the one line a progress record becomes.</summary>
        public static string FormatProgress(ProgressRecord record)
        {
            var text = new StringBuilder();
            text.Append(record.Activity).Append(": ").Append(record.StatusDescription);
            if (record.PercentComplete >= 0)
            {
                text.Append(" (").Append(record.PercentComplete.ToString(CultureInfo.InvariantCulture)).Append("%)");
            }
            if (!string.IsNullOrEmpty(record.CurrentOperation)) { text.Append(" - ").Append(record.CurrentOperation); }
            return text.ToString();
        }

        public override string ReadLine()
        {
            lock (gate) { ClearProgressLine(); }
            string? line = input.ReadLine();
            if (line == null) { throw new PromptingException("No more input: standard input is closed."); }
            return line;
        }

        public override SecureString ReadLineAsSecureString()
        {
            var secure = new SecureString();
            foreach (char c in ReadLine()) { secure.AppendChar(c); }
            secure.MakeReadOnly();
            return secure;
        }

        public override Dictionary<string, PSObject> Prompt(string caption, string message,
            Collection<FieldDescription> descriptions)
        {
            WritePromptHeader(caption, message);
            var answers = new Dictionary<string, PSObject>();
            foreach (FieldDescription field in descriptions)
            {
                Write(field.Name + ": ");
                string type = field.ParameterTypeFullName ?? string.Empty;
                if (type == typeof(SecureString).FullName)
                {
                    answers[field.Name] = new PSObject(ReadLineAsSecureString());
                }
                else if (type == typeof(PSCredential).FullName)
                {
                    answers[field.Name] = new PSObject(PromptForCredential(string.Empty, string.Empty, string.Empty, string.Empty));
                }
                else
                {
                    answers[field.Name] = new PSObject(ReadLine());
                }
            }
            return answers;
        }

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices,
            int defaultChoice)
        {
            WritePromptHeader(caption, message);
            var line = new StringBuilder();
            for (int i = 0; i < choices.Count; i++)
            {
                line.Append('[').Append(HotKey(choices[i].Label)).Append("] ").Append(choices[i].Label.Replace("&", string.Empty)).Append("  ");
            }
            line.Append("[?] Help");
            if (defaultChoice >= 0 && defaultChoice < choices.Count)
            {
                line.Append(" (default is \"").Append(HotKey(choices[defaultChoice].Label)).Append("\")");
            }
            line.Append(": ");
            while (true)
            {
                Write(line.ToString());
                string answer = ReadLine().Trim();
                if (answer.Length == 0 && defaultChoice >= 0 && defaultChoice < choices.Count) { return defaultChoice; }
                if (answer == "?")
                {
                    foreach (ChoiceDescription choice in choices)
                    {
                        WriteLine(HotKey(choice.Label) + " - " + choice.HelpMessage);
                    }
                    continue;
                }
                int chosen = MatchChoice(choices, answer);
                if (chosen >= 0) { return chosen; }
            }
        }

        /// <summary>The choice whose hot key or label (without '&amp;') equals the answer, ignoring case; -1 if none.</summary>
        public static int MatchChoice(Collection<ChoiceDescription> choices, string answer)
        {
            for (int i = 0; i < choices.Count; i++)
            {
                if (string.Equals(HotKey(choices[i].Label), answer, StringComparison.OrdinalIgnoreCase)) { return i; }
            }
            for (int i = 0; i < choices.Count; i++)
            {
                if (string.Equals(choices[i].Label.Replace("&", string.Empty), answer, StringComparison.OrdinalIgnoreCase)) { return i; }
            }
            return -1;
        }

        /// <summary>The letter after '&amp;' in a choice label ("&amp;Yes" is Y), else the whole label.</summary>
        public static string HotKey(string label)
        {
            int amp = label.IndexOf('&');
            if (amp >= 0 && amp + 1 < label.Length) { return char.ToUpperInvariant(label[amp + 1]).ToString(); }
            return label;
        }

        public override PSCredential PromptForCredential(string caption, string message, string userName,
            string targetName) =>
            PromptForCredential(caption, message, userName, targetName, PSCredentialTypes.Default, PSCredentialUIOptions.Default);

        public override PSCredential PromptForCredential(string caption, string message, string userName,
            string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options)
        {
            WritePromptHeader(caption, message);
            string user = userName;
            if (string.IsNullOrEmpty(user))
            {
                Write("User: ");
                user = ReadLine();
            }
            Write("Password for user " + user + ": ");
            return new PSCredential(user, ReadLineAsSecureString());
        }

        private void WritePromptHeader(string caption, string message)
        {
            if (!string.IsNullOrEmpty(caption)) { WriteLine(caption); }
            if (!string.IsNullOrEmpty(message)) { WriteLine(message); }
        }

        private string Paint(string ansiColour, string text) =>
            colour ? "\u001b[" + ansiColour + "m" + text + "\u001b[0m" : text;

        private void WriteOut(string text)
        {
            lock (gate)
            {
                ClearProgressLine();
                // The formatter styles table headers with escape sequences for every host; each host strips them
                // unless it renders them ($PSStyle.OutputRendering decides together with SupportsVirtualTerminal).
                output.Write(GetOutputString(text, SupportsVirtualTerminal));
                output.Flush();
            }
        }

        private void WriteErr(string line)
        {
            lock (gate)
            {
                ClearProgressLine();
                error.WriteLine(GetOutputString(line, SupportsVirtualTerminal));
                error.Flush();
            }
        }

        private void ClearProgressLine()
        {
            if (!progressLineVisible) { return; }
            error.Write("\r" + new string(' ', Math.Max(20, raw.Width - 1)) + "\r");
            error.Flush();
            progressLineVisible = false;
        }
    }
}
