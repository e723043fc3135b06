namespace MetaflowAws.Engine.Stacks;

/// <summary>
/// What the events say about the operation's pace: when each resource started and ended, how the durations
/// measured compare with <see cref="ResourceTimings"/> (a stack on AWS runs at about 1; a scaled-down
/// sandbox far below), and the offset between AWS's clock and ours.
/// </summary>
internal sealed class WaitSchedule
{
    private readonly Dictionary<string, (string Type, DateTime Start)> _running = new(StringComparer.Ordinal);
    private double _observed, _typical;
    private TimeSpan _offset = TimeSpan.MaxValue;

    public void Observe(List<MetaflowStackEvent> fresh, DateTime receivedUtc)
    {
        foreach (var e in fresh)
        {
            var at = e.Timestamp.ToUniversalTime();
            if (receivedUtc - at < _offset) _offset = receivedUtc - at;
            if (e.IsStackEvent) continue;
            if (StackStatus.IsInProgress(e.ResourceStatus))
                _running.TryAdd(e.LogicalResourceId, (e.ResourceType, at));
            else if (_running.Remove(e.LogicalResourceId, out var started) && StackStatus.IsResourceDone(e.ResourceStatus))
            {
                _observed += Math.Max((at - started.Start).TotalSeconds, 0.001);
                _typical += ResourceTimings.Seconds(started.Type);
            }
        }
    }

    /// <summary>
    /// The measured pace against the typical one: time observed over time expected, summed over the completed
    /// resources, so the long ones weigh most (a log group done in 1 s instead of 5 says little); 1 before
    /// anything completed.
    /// </summary>
    private double Pace() => _typical == 0 ? 1 : Math.Clamp(_observed / _typical, 1e-5, 4);

    /// <summary>
    /// The next poll: every <paramref name="interval"/> (paced) once the end is near, i.e. every resource has
    /// started and the last one is due within a quarter of its duration, or all are done; until then one poll
    /// per <paramref name="progress"/> (paced), or sooner when that end comes first.
    /// </summary>
    public TimeSpan NextDelay(int total, int done, TimeSpan interval, TimeSpan progress, DateTime nowUtc)
    {
        var pace = Pace();
        var fast = Clamp(interval * pace, interval);
        var slow = Clamp(progress * pace, progress);
        if (total > 0 && done >= total) return fast;
        if (_running.Count == 0 || done + _running.Count < total) return slow;
        var now = nowUtc - (_offset == TimeSpan.MaxValue ? TimeSpan.Zero : _offset);
        var last = _running.Values.Max(r => r.Start + TimeSpan.FromSeconds(ResourceTimings.Seconds(r.Type) * pace));
        var longest = _running.Values.Max(r => ResourceTimings.Seconds(r.Type) * pace);
        var window = last - TimeSpan.FromSeconds(Math.Max(longest / 4, fast.TotalSeconds * 2));
        return now >= window ? fast : Clamp(window - now < slow ? window - now : slow, progress);
    }

    private static TimeSpan Clamp(TimeSpan value, TimeSpan max)
        => value < MinimumDelay ? MinimumDelay : value > max ? max : value;

    /// <summary>The shortest wait between polls: 20 ms (a sandbox at a small time scale; on AWS the pace keeps it near 1 s).</summary>
    public static readonly TimeSpan MinimumDelay = TimeSpan.FromMilliseconds(20);
}
