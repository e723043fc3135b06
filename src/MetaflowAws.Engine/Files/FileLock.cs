using System.Diagnostics;

namespace MetaflowAws.Engine.Files;

/// <summary>
/// Keeps writers of one file from losing each other's changes (read, merge, replace) across processes and
/// runspaces: an exclusive lock on a lock file beside it, '.&lt;name&gt;.lock', opened with FileShare.None
/// (flock(2) on Unix, a share mode on Windows; both end with the process, so a crashed writer leaves no lock).
/// The lock file stays in place: deleting it would let a waiting writer and a new one lock different files.
/// </summary>
public sealed class FileLock : IDisposable
{
    /// <summary>How long a writer waits for another one before giving up.</summary>
    public static readonly TimeSpan WriterTimeout = TimeSpan.FromSeconds(10);

    private readonly FileStream _stream;

    private FileLock(FileStream stream) => _stream = stream;

    public static string PathFor(string path)
    {
        var full = Path.GetFullPath(path);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.lock");
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the lock; TimeoutException when another writer still holds it,
    /// OperationCanceledException at once when <paramref name="cancellationToken"/> is cancelled (Ctrl+C).</summary>
    public static FileLock Acquire(string path, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var lockPath = PathFor(path);
        AtomicFile.EnsureDirectory(Path.GetDirectoryName(lockPath)!);
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = AtomicFile.OwnerOnly;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return new FileLock(new FileStream(lockPath, options));
            }
            catch (IOException) when (File.Exists(lockPath) && clock.Elapsed < timeout)
            {
                cancellationToken.WaitHandle.WaitOne(20);
            }
            catch (IOException ex) when (File.Exists(lockPath))
            {
                throw new TimeoutException($"Another writer held the lock '{lockPath}' for {timeout.TotalSeconds:0} s.", ex);
            }
        }
    }

    /// <summary>
    /// <see cref="Acquire"/> for a writer of <paramref name="file"/>, failing as an error the user can act on:
    /// <paramref name="errorId"/>, naming <paramref name="description"/> at <paramref name="shownPath"/> (the path
    /// the user gave, when <paramref name="file"/> is where a symlink points).
    /// </summary>
    public static FileLock AcquireForWriting(string file, string description, string errorId, TimeSpan timeout, string? shownPath = null,
        CancellationToken cancellationToken = default)
    {
        shownPath ??= file;
        try
        {
            return Acquire(file, timeout, cancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw new MetaflowException(errorId,
                $"Could not write {description} '{shownPath}': another process has been writing it for {timeout.TotalSeconds:0} s (it holds '{PathFor(file)}'). " +
                "Try again when it is done. The file was not changed.", ErrorKind.WriteError, shownPath, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MetaflowException(errorId, $"Could not write {description} '{shownPath}': {ex.Message} The file was not changed.", ErrorKind.WriteError, shownPath, ex);
        }
    }

    public void Dispose() => _stream.Dispose();
}
