using System.Diagnostics;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.CloudFormation;

namespace MetaflowAws.Engine.Stacks;

/// <summary>How a wait should go: where to report, how long at most.</summary>
public sealed record WaitOptions
{
    public IProgress<WaitProgress>? Progress { get; init; }
    public Action<MetaflowStackEvent>? OnEvent { get; init; }
    /// <summary>Transient errors the wait rode out (throttling past retries, 5xx, network).</summary>
    public Action<MetaflowException>? OnTransientError { get; init; }
    public TimeSpan? Timeout { get; init; }
    /// <summary>Resources the operation is expected to touch, for progress; 0 when unknown.</summary>
    public int ExpectedResources { get; init; }
    /// <summary>The newest event before the operation was requested: only later events belong to it.</summary>
    public string? AfterEventId { get; init; }
    /// <summary>Final statuses that count as success; by default the *_COMPLETE of create, update, delete, import.</summary>
    public IReadOnlySet<string>? SuccessStatuses { get; init; }
    /// <summary>The operation's name for progress and errors when the events cannot tell (e.g. "Rollback").</summary>
    public string? Operation { get; init; }
    /// <summary>True when the caller has just started the operation: nothing can have finished yet, so the first poll waits one interval.</summary>
    public bool JustStarted { get; init; }
}

/// <summary>
/// Follows a stack operation to its end by reading only new events: one DescribeStackEvents
/// page per poll (newest first, stopping at the last event already seen), one DescribeStacks
/// at the end. A rollback or any failed state is an error naming the failed resources.
/// </summary>
public sealed class StackWaiter(ICloudFormation cfn, AwsSession session)
{
    /// <summary>
    /// Time between polls: one call per poll, so 1 s keeps under 1.2 calls/s with the final
    /// DescribeStacks and an early poll near the predicted end; without a prediction a stack is
    /// noticed complete 0.5 s after it completed on average (the CLI's waiter polls every 30 s).
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(1000);

    /// <summary>Between polls while nothing is near its end: enough for progress, few calls on a long create.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Calls made by this waiter (benchmarks report calls per second).</summary>
    public int Calls { get; private set; }

    /// <summary>Event pages read per poll, at most (benchmarks report it).</summary>
    public int MaxPagesPerPoll { get; private set; }

    public async Task<MetaflowStack> WaitAsync(string stackId, string stackName, WaitOptions options, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var resources = new Dictionary<string, string>(StringComparer.Ordinal);
        var opEvents = new List<MetaflowStackEvent>();
        var timeline = new WaitSchedule();
        var refreshed = false;
        string operation = options.Operation ?? "Operation";
        string? current = null, currentStatus = null;
        var started = options.AfterEventId is not null;
        if (options.AfterEventId is not null) seen.Add(options.AfterEventId);
        var backoff = PollInterval;
        if (options.JustStarted) await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (options.Timeout is { } t && clock.Elapsed > t)
                throw new MetaflowException(ErrorIds.WaitTimedOut,
                    $"Stopped waiting for stack '{stackName}' after {t.TotalSeconds:0} s; the {operation.ToLowerInvariant()} goes on in AWS. Re-attach with 'Wait-MetaflowStack -StackName {stackName}'.",
                    ErrorKind.OperationTimeout, stackName);

            List<MetaflowStackEvent> fresh;
            try
            {
                fresh = await ReadNewEventsAsync(stackId, stackName, seen, started, cancellationToken).ConfigureAwait(false);
                backoff = PollInterval;
                refreshed = false;
            }
            catch (MetaflowException ex) when (ex.AwsErrorCode is "ExpiredToken" or "ExpiredTokenException" or "RequestExpired"
                                               && session.Credentials is Amazon.Runtime.RefreshingAWSCredentials refreshing && !refreshed)
            {
                // A long wait outlives its session (assume-role, SSO): get new credentials once, then go on.
                refreshing.ClearCredentials();
                refreshed = true;
                options.OnTransientError?.Invoke(ex);
                continue;
            }
            catch (MetaflowException ex) when (AwsErrors.IsTransient(ex))
            {
                options.OnTransientError?.Invoke(ex);
                backoff = TimeSpan.FromMilliseconds(Math.Min(backoff.TotalMilliseconds * 2, 10_000));
                await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                continue;
            }

            string? terminal = null;
            string? stackReason = null;
            timeline.Observe(fresh, DateTime.UtcNow);
            foreach (var e in fresh)
            {
                if (e.IsStackEvent && e.LogicalResourceId == stackName)
                {
                    if (operation == "Operation" && StackStatus.StartsOperation(e.ResourceStatus)) operation = StackStatus.OperationOf(e.ResourceStatus);
                    started = true;
                    if (StackStatus.IsTerminal(e.ResourceStatus))
                    {
                        terminal = e.ResourceStatus;
                        stackReason = e.ResourceStatusReason;
                    }
                }
                else
                {
                    resources[e.LogicalResourceId] = e.ResourceStatus;
                    current = e.LogicalResourceId;
                    currentStatus = e.ResourceStatus;
                }
                opEvents.Add(e);
                options.OnEvent?.Invoke(e);
            }

            var done = resources.Values.Count(StackStatus.IsResourceDone);
            var total = Math.Max(options.ExpectedResources, resources.Count);
            options.Progress?.Report(new WaitProgress(stackName, operation, Math.Min(done, total), total, current, currentStatus, clock.Elapsed));

            if (terminal is not null)
            {
                var final = await DescribeAsync(stackId, stackName, cancellationToken).ConfigureAwait(false);
                if (options.SuccessStatuses?.Contains(terminal) ?? StackStatus.IsSuccess(terminal)) return final;
                var failed = opEvents
                    .Where(e => !e.IsStackEvent && e.ResourceStatus.EndsWith("_FAILED", StringComparison.Ordinal)
                                && !(e.ResourceStatusReason ?? "").Contains("cancelled", StringComparison.OrdinalIgnoreCase))
                    .OrderBy(e => e.Timestamp)
                    .Select(e => new FailedResource(e.LogicalResourceId, e.ResourceType, e.ResourceStatus, e.ResourceStatusReason, e.Timestamp))
                    .ToList();
                var operationName = operation == "Operation" ? StackStatus.OperationOf(terminal) : operation;
                throw new StackOperationException(stackName, operationName, terminal, final.StatusReason ?? stackReason, failed);
            }

            var delay = timeline.NextDelay(total, done, PollInterval, ProgressInterval, DateTime.UtcNow);
            // A -TimeoutSec shorter than the next poll ends the wait on time, not at the poll.
            if (options.Timeout is { } limit && limit - clock.Elapsed < delay) delay = limit - clock.Elapsed > TimeSpan.Zero ? limit - clock.Elapsed : TimeSpan.Zero;
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }



    /// <summary>
    /// New events, oldest first. On the first read, pages back to the event that started the
    /// current operation; later reads stop at the first event already seen.
    /// </summary>
    private async Task<List<MetaflowStackEvent>> ReadNewEventsAsync(string stackId, string stackName, HashSet<string> seen, bool started, CancellationToken ct)
    {
        var fresh = new List<MetaflowStackEvent>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await AwsErrors.Call(() => cfn.DescribeStackEventsAsync(new DescribeStackEventsRequest { StackName = stackId, NextToken = token }, ct),
                "DescribeStackEvents", stackName, session).ConfigureAwait(false);
            Calls++;
            pages++;
            token = page.NextToken;
            foreach (var raw in page.StackEvents)
            {
                if (!seen.Add(raw.EventId)) { token = null; break; }
                var e = StackService.ToEvent(raw);
                fresh.Add(e);
                if (!started && e.IsStackEvent && e.LogicalResourceId == stackName && StackStatus.StartsOperation(e.ResourceStatus))
                {
                    token = null;
                    break;
                }
            }
        } while (token is not null);
        MaxPagesPerPoll = Math.Max(MaxPagesPerPoll, pages);
        fresh.Reverse();
        if (!started)
        {
            // Keep only the current operation: everything from its starting event on.
            var start = fresh.FindLastIndex(e => e.IsStackEvent && e.LogicalResourceId == stackName && StackStatus.StartsOperation(e.ResourceStatus));
            if (start > 0) fresh.RemoveRange(0, start);
        }
        return fresh;
    }

    private async Task<MetaflowStack> DescribeAsync(string stackId, string stackName, CancellationToken ct)
    {
        var response = await AwsErrors.Call(() => cfn.DescribeStacksAsync(new DescribeStacksRequest { StackName = stackId }, ct),
            "DescribeStacks", stackName, session).ConfigureAwait(false);
        Calls++;
        return StackService.ToStack(response.Stacks.Single(), session);
    }
}
