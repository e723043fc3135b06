namespace MetaflowAws.Engine.Config;

/// <summary>What writing a set of settings into a config file does, computed before anything is written.</summary>
public sealed class ConfigChanges
{
    public required string Path { get; init; }

    /// <summary>True when the file exists (readable or not).</summary>
    public bool FileExists { get; init; }

    /// <summary>Why the existing file cannot be read as a Metaflow config, when it cannot (only with force).</summary>
    public string? UnreadableReason { get; init; }

    public bool ReplacesUnreadableFile => UnreadableReason is not null;

    /// <summary>Keys being set that the file does not have yet.</summary>
    public required IReadOnlyList<string> Added { get; init; }

    /// <summary>Keys being set to a different value.</summary>
    public required IReadOnlyList<string> Changed { get; init; }

    /// <summary>Keys being set to the value they already have.</summary>
    public required IReadOnlyList<string> Unchanged { get; init; }

    /// <summary>Keys in the file that are not being set: kept as they are.</summary>
    public required IReadOnlyList<string> Kept { get; init; }

    /// <summary>The previous value of each changed key.</summary>
    public required IReadOnlyDictionary<string, string> PreviousValues { get; init; }

    public int Count => Added.Count + Changed.Count + Unchanged.Count;

    /// <summary>
    /// A ShouldProcess action, e.g. "Write 12 Metaflow settings (3 new, 1 changed, 8 unchanged); keep 2 other settings".
    /// </summary>
    public string Describe()
    {
        var text = $"Write {Count} Metaflow setting{(Count == 1 ? "" : "s")} ({Added.Count} new, {Changed.Count} changed, {Unchanged.Count} unchanged)";
        if (Kept.Count > 0) text += $"; keep {Kept.Count} other setting{(Kept.Count == 1 ? "" : "s")}";
        if (ReplacesUnreadableFile) text += $"; replace the unreadable file (kept as {System.IO.Path.GetFileName(MetaflowConfigFile.BackupPathFor(Path))})";
        return text;
    }
}

/// <summary>What a write did.</summary>
public sealed class ConfigWriteResult
{
    public required ConfigChanges Changes { get; init; }

    /// <summary>Every setting now in the file, sorted by key.</summary>
    public required IReadOnlyDictionary<string, string> Settings { get; init; }

    /// <summary>False when the file already had exactly these bytes (nothing was rewritten, the backup was left alone).</summary>
    public bool Written { get; init; }

    /// <summary>Where the previous file was saved, when there was one and it was replaced.</summary>
    public string? BackupPath { get; init; }
}
