using System.Collections.Concurrent;

namespace MetaflowAws.Tests;

internal static class ConcurrentWriters
{
    /// <summary>Runs each writer on a thread of its own, all released at the same moment; rethrows what they threw.</summary>
    public static void Run(int count, Action<int> writer)
    {
        using var start = new Barrier(count);
        var errors = new ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, count).Select(w => new Thread(() =>
        {
            start.SignalAndWait();
            try { writer(w); }
            catch (Exception ex) { errors.Enqueue(ex); }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        if (!errors.IsEmpty) throw new AggregateException(errors);
    }
}
