using System.Management.Automation;
using MetaflowAws.Engine.Operations;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets.Capabilities;

/// <summary>
/// Waiting on a stack operation, for the cmdlets that start or attach to one: -TimeoutSec and -ShowEvents, a live
/// progress bar, events on the verbose and information streams, and Ctrl+C that stops only the wait.
/// </summary>
internal sealed class StackWatch : IStackWatch
{
    internal const int ProgressActivityId = 0x4D46; // constant, so every update replaces the same bar

    private readonly MetaflowCmdlet _owner;
    private volatile string? _waitingOn;

    internal StackWatch(MetaflowCmdlet owner) => _owner = owner;

    /// <summary>Gets or sets the longest time to wait, in seconds; the stack operation goes on in AWS after it (re-attach with Wait-MetaflowStack).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? TimeoutSec { get; set; }

    /// <summary>Gets or sets whether each stack event is written to the information stream as it happens (also shown with -Verbose).</summary>
    [Parameter]
    public SwitchParameter ShowEvents { get; set; }

    /// <summary>How the engine follows an operation it started: this watch, or the stack at once with -NoWait.</summary>
    internal Follow Follow(bool noWait)
        => Engine.Stacks.IneffectiveSwitches.CheckOptions(noWait, TimeoutSec is not null || ShowEvents, false, null) is { } refusal ? throw refusal : new(this, noWait);

    /// <summary>Waits with progress; asynchronous all the way (no pool thread blocks) and a stop cancels it at once.</summary>
    public async Task<MetaflowStack> WaitAsync(StackService service, WaitTarget target, CancellationToken ct)
    {
        var activity = $"Stack {target.StackName}";
        var options = new WaitOptions
        {
            ExpectedResources = target.ExpectedResources,
            Timeout = TimeoutSec is { } t ? TimeSpan.FromSeconds(t) : null,
            Progress = new Progress(p => _owner.Post(() => _owner.WriteProgress(ToRecord(activity, p)))),
            OnEvent = e => _owner.Post(() => WriteStackEvent(e)),
            OnTransientError = ex => _owner.Post(() => _owner.WriteVerbose($"Transient error while waiting (will retry): {ex.Message}")),
            AfterEventId = target.AfterEventId,
            SuccessStatuses = target.SuccessStatuses,
            Operation = target.Operation,
            JustStarted = target.JustStarted,
        };
        var waiter = service.Waiter();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        _waitingOn = target.StackName;
        try
        {
            return await waiter.WaitAsync(target.StackId, target.StackName, options, ct).ConfigureAwait(false);
        }
        finally
        {
            _waitingOn = null;
            var seconds = clock.Elapsed.TotalSeconds;
            _owner.Post(() => _owner.WriteVerbose(FormattableString.Invariant(
                $"Waited {seconds:0.0} s for stack {target.StackName}: {waiter.Calls} calls ({(seconds > 0 ? waiter.Calls / seconds : 0):0.00}/s), at most {waiter.MaxPagesPerPoll} event page(s) per poll.")));
            _owner.Post(() => _owner.WriteProgress(new ProgressRecord(ProgressActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed }));
        }
    }

    /// <summary>A stop during a wait ends the wait only: the user learns that the operation goes on, and how to re-attach.
    /// Runs on PowerShell's stopping thread; the pipeline takes no more output by now, so this goes to the host.</summary>
    internal void OnStopping(System.Management.Automation.Host.PSHost? host)
    {
        if (_waitingOn is { } name)
            host?.UI?.WriteWarningLine($"Stopped waiting for stack '{name}'. The stack operation goes on in AWS; re-attach with 'Wait-MetaflowStack -StackName {name}'.");
    }

    private static ProgressRecord ToRecord(string activity, WaitProgress p) => new(ProgressActivityId, activity,
        $"{p.Operation}: {p.ResourcesDone}/{p.ResourcesTotal} resources complete, {p.Elapsed:mm\\:ss} elapsed")
    {
        PercentComplete = p.ResourcesTotal > 0 ? Math.Min(100, p.ResourcesDone * 100 / p.ResourcesTotal) : -1,
        CurrentOperation = p.CurrentResource is null ? "Starting" : $"{p.CurrentResource} {p.CurrentStatus}",
    };

    private void WriteStackEvent(MetaflowStackEvent e)
    {
        _owner.WriteVerbose($"{e.Timestamp:HH:mm:ss} {e.LogicalResourceId} ({e.ResourceType}) {e.ResourceStatus}{(e.ResourceStatusReason is null ? "" : ": " + e.ResourceStatusReason)}");
        if (ShowEvents) _owner.WriteInformation(e, ["MetaflowStackEvent"]);
    }

    private sealed class Progress(Action<WaitProgress> report) : IProgress<WaitProgress>
    {
        public void Report(WaitProgress value) => report(value);
    }
}
