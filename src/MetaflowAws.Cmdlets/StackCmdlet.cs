using System.Management.Automation;
using MetaflowAws.Engine;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets;

/// <summary>Cmdlets that wait on stack operations: live progress, events, Ctrl+C that stops only the wait.</summary>
public abstract class StackCmdlet : MetaflowCmdlet
{
    internal const int ProgressActivityId = 0x4D46; // constant, so every update replaces the same bar

    /// <summary>Gets or sets the longest time to wait, in seconds; the stack operation goes on in AWS after it (re-attach with Wait-MetaflowStack).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? TimeoutSec { get; set; }

    internal TimeSpan? Timeout => TimeoutSec is { } t ? TimeSpan.FromSeconds(t) : null;

    /// <summary>Gets or sets whether each stack event is written to the information stream as it happens (also shown with -Verbose).</summary>
    [Parameter]
    public SwitchParameter ShowEvents { get; set; }

    /// <summary>Waits for the operation on a stack with progress; returns the stack at its end. Asynchronous all the
    /// way: no pool thread blocks while it waits, and a stop (Ctrl+C) cancels the wait at once.</summary>
    internal async Task<MetaflowStack> WaitWithProgress(StackService service, string stackId, string stackName, int expected, TimeSpan? timeout, CancellationToken ct,
        string? afterEventId = null, IReadOnlySet<string>? success = null, string? operation = null, bool justStarted = false)
    {
        var activity = $"Stack {stackName}";
        var options = new WaitOptions
        {
            ExpectedResources = expected,
            Timeout = timeout,
            Progress = new Progress(p => Post(() => WriteProgress(ToRecord(activity, p)))),
            OnEvent = e => Post(() => WriteStackEvent(e)),
            OnTransientError = ex => Post(() => WriteVerbose($"Transient error while waiting (will retry): {ex.Message}")),
            AfterEventId = afterEventId,
            SuccessStatuses = success,
            Operation = operation,
            JustStarted = justStarted,
        };
        var waiter = service.Waiter();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        _waitingOn = stackName;
        try
        {
            return await waiter.WaitAsync(stackId, stackName, options, ct).ConfigureAwait(false);
        }
        finally
        {
            _waitingOn = null;
            var seconds = clock.Elapsed.TotalSeconds;
            Post(() => WriteVerbose(FormattableString.Invariant(
                $"Waited {seconds:0.0} s for stack {stackName}: {waiter.Calls} calls ({(seconds > 0 ? waiter.Calls / seconds : 0):0.00}/s), at most {waiter.MaxPagesPerPoll} event page(s) per poll.")));
            Post(() => WriteProgress(new ProgressRecord(ProgressActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed }));
        }
    }

    private volatile string? _waitingOn;

    /// <summary>A stop during a wait ends the wait only: the user learns that the operation goes on, and how to re-attach.</summary>
    private protected override void OnStopping()
    {
        if (_waitingOn is { } name)
            Host?.UI?.WriteWarningLine($"Stopped waiting for stack '{name}'. The stack operation goes on in AWS; re-attach with 'Wait-MetaflowStack -StackName {name}'.");
    }

    private static ProgressRecord ToRecord(string activity, WaitProgress p)
    {
        var status = $"{p.Operation}: {p.ResourcesDone}/{p.ResourcesTotal} resources complete, {p.Elapsed:mm\\:ss} elapsed";
        var record = new ProgressRecord(ProgressActivityId, activity, status)
        {
            PercentComplete = p.ResourcesTotal > 0 ? Math.Min(100, p.ResourcesDone * 100 / p.ResourcesTotal) : -1,
            CurrentOperation = p.CurrentResource is null ? "Starting" : $"{p.CurrentResource} {p.CurrentStatus}",
        };
        return record;
    }

    private void WriteStackEvent(MetaflowStackEvent e)
    {
        WriteVerbose($"{e.Timestamp:HH:mm:ss} {e.LogicalResourceId} ({e.ResourceType}) {e.ResourceStatus}{(e.ResourceStatusReason is null ? "" : ": " + e.ResourceStatusReason)}");
        if (ShowEvents) WriteInformation(e, ["MetaflowStackEvent"]);
    }

    private sealed class Progress(Action<WaitProgress> report) : IProgress<WaitProgress>
    {
        public void Report(WaitProgress value) => report(value);
    }
}
