// A PowerShell host for tests: records what cmdlets write to the host UI (warnings written at Ctrl+C go only
// there, because the stopping pipeline takes no more output). Compiled by Add-Type in the tests that need it.
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace MetaflowAwsTests
{
    public sealed class RecordingHost : PSHost
    {
        private readonly RecordingUI _ui = new RecordingUI();
        private readonly Guid _id = Guid.NewGuid();

        public List<string> Warnings => _ui.Warnings;
        public List<string> Lines => _ui.Lines;
        public override string Name => "MetaflowAwsTestHost";
        public override Version Version => new Version(1, 0);
        public override Guid InstanceId => _id;
        public override PSHostUserInterface UI => _ui;
        public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
        public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
        public override void SetShouldExit(int exitCode) { }
        public override void EnterNestedPrompt() => throw new NotSupportedException();
        public override void ExitNestedPrompt() => throw new NotSupportedException();
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }
    }

    public sealed class RecordingUI : PSHostUserInterface
    {
        public List<string> Warnings { get; } = new List<string>();
        public List<string> Lines { get; } = new List<string>();
        public override PSHostRawUserInterface RawUI => null;
        public override string ReadLine() => throw new NotSupportedException("no input in tests");
        public override SecureString ReadLineAsSecureString() => throw new NotSupportedException("no input in tests");
        public override void Write(string value) { lock (Lines) Lines.Add(value); }
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);
        public override void WriteLine(string value) => Write(value);
        public override void WriteErrorLine(string value) => Write(value);
        public override void WriteDebugLine(string message) => Write(message);
        public override void WriteProgress(long sourceId, ProgressRecord record) { }
        public override void WriteVerboseLine(string message) => Write(message);
        public override void WriteWarningLine(string message) { lock (Warnings) Warnings.Add(message); }
        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw new NotSupportedException("no input in tests");
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException("no input in tests");
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException("no input in tests");
        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) => throw new NotSupportedException("no input in tests");
    }
}
