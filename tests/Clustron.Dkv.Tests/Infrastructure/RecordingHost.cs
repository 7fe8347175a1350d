using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;
using Clustron.Dkv.Shell.Hosting;

namespace Clustron.Dkv.Tests.Infrastructure
{
    /// <summary>A progress record as the host received it.</summary>
    public sealed class SeenProgress
    {
        public int ActivityId { get; set; }
        public string Activity { get; set; } = "";
        public string Status { get; set; } = "";
        public string? CurrentOperation { get; set; }
        public int PercentComplete { get; set; }
        public ProgressRecordType RecordType { get; set; }

        public override string ToString() => $"{RecordType} [{ActivityId}] {Activity}: {Status} ({PercentComplete}%) {CurrentOperation}";
    }

    /// <summary>A ShouldProcess prompt and the answer the script gave.</summary>
    public sealed class SeenPrompt
    {
        public string Caption { get; set; } = "";
        public string Message { get; set; } = "";
        public string Answer { get; set; } = "";
    }

    /// <summary>
    /// The console host's UI writing into a StringWriter at a fixed width of 120, so Out-Default's text is exactly
    /// what a user sees on such a console; it also records each stream, every progress record, and answers
    /// PromptForChoice from a scripted queue of hot keys ("Y", "N", "A", "L"). A prompt with no answer queued
    /// fails the test: a script that should not prompt must not.
    /// </summary>
    public sealed class RecordingUserInterface : DkvHostUserInterface
    {
        public const int Width = 120;

        private readonly object gate = new object();
        private readonly StringWriter output;
        private readonly List<string> verbose = new List<string>();
        private readonly List<string> warnings = new List<string>();
        private readonly List<string> errors = new List<string>();
        private readonly List<SeenProgress> progress = new List<SeenProgress>();
        private readonly List<SeenPrompt> prompts = new List<SeenPrompt>();
        private readonly Queue<string> answers = new Queue<string>();

        public RecordingUserInterface() : this(new StringWriter()) { }

        private RecordingUserInterface(StringWriter output)
            : base(output, output, new StringReader(""), new DkvRawUserInterface(Width), colour: false, renderProgress: false)
        {
            this.output = output;
        }

        /// <summary>Everything shown, in order (output, errors, warnings, verbose, prompts), with "\n" line ends.</summary>
        public string Text { get { lock (gate) { return output.ToString().Replace("\r\n", "\n"); } } }

        public IReadOnlyList<string> Verbose { get { lock (gate) { return verbose.ToList(); } } }
        public IReadOnlyList<string> Warnings { get { lock (gate) { return warnings.ToList(); } } }
        public IReadOnlyList<string> Errors { get { lock (gate) { return errors.ToList(); } } }
        public IReadOnlyList<SeenProgress> Progress { get { lock (gate) { return progress.ToList(); } } }
        public IReadOnlyList<SeenPrompt> Prompts { get { lock (gate) { return prompts.ToList(); } } }

        /// <summary>Queues answers for the next PromptForChoice calls, by hot key.</summary>
        public void Answer(params string[] hotKeys)
        {
            lock (gate) { foreach (string key in hotKeys) { answers.Enqueue(key); } }
        }

        public override void WriteVerboseLine(string message)
        {
            lock (gate) { verbose.Add(message); }
            base.WriteVerboseLine(message);
        }

        public override void WriteWarningLine(string message)
        {
            lock (gate) { warnings.Add(message); }
            base.WriteWarningLine(message);
        }

        public override void WriteErrorLine(string value)
        {
            lock (gate) { errors.Add(value); }
            base.WriteErrorLine(value);
        }

        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
            lock (gate)
            {
                progress.Add(new SeenProgress
                {
                    ActivityId = record.ActivityId,
                    Activity = record.Activity,
                    Status = record.StatusDescription,
                    CurrentOperation = record.CurrentOperation,
                    PercentComplete = record.PercentComplete,
                    RecordType = record.RecordType,
                });
            }
        }

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            string answer;
            lock (gate)
            {
                if (answers.Count == 0)
                {
                    prompts.Add(new SeenPrompt { Caption = caption, Message = message, Answer = "<none queued>" });
                    throw new InvalidOperationException($"Unexpected prompt (no answer queued): {caption}: {message}");
                }
                answer = answers.Dequeue();
                prompts.Add(new SeenPrompt { Caption = caption, Message = message, Answer = answer });
            }
            int chosen = MatchChoice(choices, answer);
            if (chosen < 0)
            {
                throw new InvalidOperationException($"Scripted answer '{answer}' matches no choice of: {message}");
            }
            return chosen;
        }

        public override string ReadLine() =>
            throw new InvalidOperationException("The script asked for input (ReadLine); tests never type anything.");
    }
}
