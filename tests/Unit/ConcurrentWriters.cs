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

/// <summary>Ctrl+C while a writer waits for another's lock stops the wait at once.</summary>
public sealed class FileLockCancellationTests
{
    [Fact]
    public void A_cancelled_wait_for_the_lock_ends_in_a_cancel_not_a_timeout()
    {
        var dir = Directory.CreateTempSubdirectory("mfaws-lock-");
        try
        {
            var file = Path.Combine(dir.FullName, "config.json");
            using var held = MetaflowAws.Engine.Files.FileLock.Acquire(file, TimeSpan.FromSeconds(1));
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
            // Without the token, this would wait the full 30 s and end in a TimeoutException.
            Assert.ThrowsAny<OperationCanceledException>(() => MetaflowAws.Engine.Files.FileLock.Acquire(file, TimeSpan.FromSeconds(30), cancel.Token));
        }
        finally { dir.Delete(recursive: true); }
    }
}
