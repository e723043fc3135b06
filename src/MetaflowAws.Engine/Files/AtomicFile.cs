namespace MetaflowAws.Engine.Files;

/// <summary>
/// Replaces a file so that readers see the old bytes or the new ones, never a mix: the new bytes
/// go to a temporary file beside it (owner-only on Unix, flushed to disk), then a rename. The
/// previous file, if any, is copied to '&lt;file&gt;.bak' first.
/// </summary>
public static class AtomicFile
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode OwnerOnlyDirectory = OwnerOnly | UnixFileMode.UserExecute;

    public static string BackupPathFor(string path) => path + ".bak";

    /// <summary>Writes bytes atomically; returns the backup path when there was a previous file.</summary>
    /// <param name="beforeReplace">Test seam: runs between the temporary write and the rename.</param>
    public static string? Replace(string path, byte[] bytes, bool backup, Action<string>? beforeReplace = null)
    {
        EnsureDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string? backupPath = null;
        if (backup && File.Exists(path))
        {
            backupPath = BackupPathFor(path);
            WriteAtomically(backupPath, File.ReadAllBytes(path), null);
        }
        WriteAtomically(path, bytes, beforeReplace);
        return backupPath;
    }

    private static void WriteAtomically(string path, byte[] bytes, Action<string>? beforeReplace)
    {
        var temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            WriteOwnerOnly(temp, bytes);
            beforeReplace?.Invoke(temp);
            // rename(2) on Unix, MoveFileEx(REPLACE_EXISTING) on Windows.
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Creates a missing folder owner-only (0700); an existing one is the user's and keeps its mode.</summary>
    public static void EnsureDirectory(string directory)
    {
        if (Directory.Exists(directory)) return;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }
        Directory.CreateDirectory(directory, OwnerOnlyDirectory);
        File.SetUnixFileMode(directory, OwnerOnlyDirectory); // exactly 0700, whatever the umask
    }

    /// <summary>Creates the file owner-only (never readable by others, even for a moment), writes it, flushes it to disk.</summary>
    public static void WriteOwnerOnly(string path, byte[] bytes)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnly;
        using (var stream = new FileStream(path, options))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, OwnerOnly);
    }
}
