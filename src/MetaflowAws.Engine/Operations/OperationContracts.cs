using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Engine.Operations;

/// <summary>What an operation tells its caller while it works; the cmdlet writes it to its streams.</summary>
public interface IOperationLog
{
    void Verbose(string message);

    void Warning(string message);

    void Information(string message);
}

/// <summary>
/// Follows a stack operation to its end for the caller (the cmdlet's progress bar, events, Ctrl+C that stops
/// only the wait). The engine decides what to wait on; the watch decides how to show it.
/// </summary>
public interface IStackWatch
{
    Task<MetaflowStack> WaitAsync(StackService service, WaitTarget target, CancellationToken ct);
}

/// <summary>One stack operation to wait on: the stack, how many resources it is expected to touch, and where its events start.</summary>
public sealed record WaitTarget(string StackId, string StackName, int ExpectedResources)
{
    public string? AfterEventId { get; init; }

    /// <summary>Whether the operation was started by this command a moment ago (the waiter then paces from the start).</summary>
    public bool JustStarted { get; init; }

    public IReadOnlySet<string>? SuccessStatuses { get; init; }

    public string? Operation { get; init; }
}

/// <summary>How a started operation is followed: watched to its end, or the stack as it is right now (-NoWait).</summary>
public sealed record Follow(IStackWatch Watch, bool NoWait)
{
    internal Task<MetaflowStack> EndAsync(StackService service, WaitTarget target, CancellationToken ct)
        => NoWait ? service.GetAsync(target.StackId, ct) : Watch.WaitAsync(service, target, ct);
}
