using System.Globalization;
using System.Text;
using MetaflowAws.Engine.Files;
using System.Text.Json;

namespace MetaflowAws.Engine.Config;

/// <summary>
/// Reads and writes Metaflow's config file: a flat JSON object of string values.
/// A write merges into what is there, keeps the previous file as a backup, and replaces the file
/// atomically (temp file in the same folder, flushed to disk, renamed over the old one), owner-only.
/// </summary>
public static class MetaflowConfigFile
{
    public const string KeyPrefix = "METAFLOW_";

    // Owner read/write only: the file can hold the metadata service's API key.

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static readonly JsonDocumentOptions ParseOptions = new()
    {
        // What Python's json.load (Metaflow's reader) accepts: no comments, no trailing commas.
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    /// <summary>
    /// One backup, '&lt;file&gt;.bak', replaced by each write. Timestamped copies would pile up, each holding
    /// the API key, with nothing to prune them; one predictable name is also what a user (or a script)
    /// restores from: Move-Item config.json.bak config.json. One step of undo is what a write needs, and a
    /// write that changes nothing leaves the backup alone, so re-running an export does not erase it.
    /// </summary>
    public static string BackupPathFor(string path) => AtomicFile.BackupPathFor(path);

    /// <summary>Reads a config file; ConfigNotFound when it does not exist.</summary>
    public static MetaflowConfig Load(MetaflowConfigLocation location)
    {
        var snapshot = Take(location.Path);
        if (snapshot.Bytes is null)
        {
            var others = MetaflowConfigLocation.ListProfiles(location.MetaflowHome).ToList();
            if (File.Exists(Path.Combine(location.MetaflowHome, "config.json"))) others.Insert(0, "(default)");
            var which = location.Profile is null ? "the default profile" : $"profile '{location.Profile}'";
            var export = "Get-MetaflowStack <stack> | Export-MetaflowConfig" + (location.Profile is null ? "" : $" -MetaflowProfile {location.Profile}");
            throw new MetaflowException(ErrorIds.ConfigNotFound,
                $"There is no Metaflow config for {which} at '{location.Path}'. Write it from a deployed stack with '{export}'." +
                (others.Count > 0 ? $" Profiles in {location.MetaflowHome}: {string.Join(", ", others)}." : ""),
                ErrorKind.ObjectNotFound, location.Path);
        }
        if (snapshot.Problem is not null) throw snapshot.Problem;
        return MetaflowConfig.From(location, snapshot.Settings!);
    }

    /// <summary>The settings in a file, sorted; an empty set when the file does not exist.</summary>
    public static SortedDictionary<string, string> Read(string path)
    {
        var snapshot = Take(Path.GetFullPath(path));
        if (snapshot.Problem is not null) throw snapshot.Problem;
        return snapshot.Settings ?? new SortedDictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>What <see cref="Write(string, IReadOnlyDictionary{string, string}, bool)"/> would do; writes nothing.</summary>
    public static ConfigChanges Plan(string path, IReadOnlyDictionary<string, string> set, bool force)
    {
        CheckKeys(set);
        path = Path.GetFullPath(path);
        return Compare(path, Take(WriteTarget(path)), set, force);
    }

    /// <summary>
    /// Sets <paramref name="set"/> in the file, keeping every other key. An existing file that is not a
    /// valid config is an error (ConfigFileCorrupt) unless <paramref name="force"/>; with force it is
    /// replaced and kept as the backup.
    /// </summary>
    public static ConfigWriteResult Write(string path, IReadOnlyDictionary<string, string> set, bool force, CancellationToken cancellationToken = default)
        => Write(path, set, force, beforeReplace: null, cancellationToken: cancellationToken);

    /// <param name="beforeReplace">
    /// Called with the temp file's path after it is written and flushed, before it replaces the config:
    /// tests throw here to prove a failed write leaves the old file as it was and no temp file behind.
    /// </param>
    internal static ConfigWriteResult Write(string path, IReadOnlyDictionary<string, string> set, bool force, Action<string>? beforeReplace,
        TimeSpan? lockTimeout = null, CancellationToken cancellationToken = default)
    {
        CheckKeys(set);
        path = Path.GetFullPath(path);
        // A config.json that is a symlink (dotfiles) stays one: write the file it points to.
        var target = WriteTarget(path);
        // Two writers at once (parallel scripts, two terminals) would each merge into what they read and the
        // second rename would drop the first one's keys: read, merge and replace under one lock.
        using var writerLock = FileLock.AcquireForWriting(target, "the Metaflow config", ErrorIds.ConfigWriteFailed, lockTimeout ?? FileLock.WriterTimeout, shownPath: path,
            cancellationToken: cancellationToken);
        var snapshot = Take(target);
        var changes = Compare(path, snapshot, set, force);

        var merged = new SortedDictionary<string, string>(snapshot.Settings ?? new SortedDictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (key, value) in set) merged[key] = value;
        var bytes = Serialize(merged);

        if (snapshot.Bytes is not null && snapshot.Bytes.AsSpan().SequenceEqual(bytes) && HasOwnerOnlyMode(target))
            return new ConfigWriteResult { Changes = changes, Settings = merged, Written = false };

        string? backup;
        try
        {
            backup = AtomicFile.Replace(target, bytes, backup: snapshot.Bytes is not null, beforeReplace);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MetaflowException(ErrorIds.ConfigWriteFailed,
                $"Could not write the Metaflow config '{path}': {ex.Message} The config file was not changed.",
                ErrorKind.WriteError, path, ex);
        }
        return new ConfigWriteResult { Changes = changes, Settings = merged, Written = true, BackupPath = backup };
    }

    /// <summary>
    /// The file's bytes: a JSON object with one "KEY": "value" per line, sorted by key (ordinal), 4-space
    /// indent, a trailing newline, UTF-8 without BOM. Characters outside ASCII are written as \uXXXX escapes,
    /// as Python's json.dump does by default, so any reader decodes the file the same way whatever encoding
    /// it assumes.
    /// </summary>
    public static byte[] Serialize(IEnumerable<KeyValuePair<string, string>> settings)
    {
        var sorted = settings.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        if (sorted.Count == 0) return "{}\n"u8.ToArray();
        var text = new StringBuilder("{\n");
        for (var i = 0; i < sorted.Count; i++)
        {
            text.Append("    ");
            AppendString(text, sorted[i].Key);
            text.Append(": ");
            AppendString(text, sorted[i].Value);
            text.Append(i < sorted.Count - 1 ? ",\n" : "\n");
        }
        text.Append("}\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static void AppendString(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                default:
                    if (c < 0x20 || c > 0x7E) text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else text.Append(c);
                    break;
            }
        }
        text.Append('"');
    }

    /// <summary>The settings of a file's bytes. Numbers and booleans (hand edits) read as their JSON text.</summary>
    internal static SortedDictionary<string, string> Parse(ReadOnlySpan<byte> bytes, string path)
    {
        if (bytes.StartsWith(Utf8Bom)) bytes = bytes[3..]; // a BOM from an editor; the rewrite drops it
        var memory = bytes.ToArray();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(memory, ParseOptions);
        }
        catch (JsonException ex)
        {
            var reason = ex.Message;
            var cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0) reason = reason[..cut];
            reason = reason.TrimEnd('.');
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, position {(ex.BytePositionInLine ?? 0) + 1}" : "";
            throw Corrupt(path, $"is not valid JSON{where}: {reason}", ex);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Corrupt(path, $"holds {Describe(root.ValueKind)}, not a JSON object of settings", null);
            var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
            try
            {
                foreach (var property in root.EnumerateObject())
                {
                    result[property.Name] = property.Value.ValueKind switch
                    {
                        JsonValueKind.String => property.Value.GetString()!,
                        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => property.Value.GetRawText(),
                        var kind => throw Corrupt(path,
                            $"has {Describe(kind)} as the value of '{property.Name}'; Metaflow config values are strings (numbers and true/false are read as text)", null),
                    }; // a repeated key keeps its last value, as Python's json does
                }
            }
            catch (InvalidOperationException ex)
            {
                throw Corrupt(path, "is not valid UTF-8 text", ex); // JSON strings that do not decode
            }
            return result;
        }
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Null => "null",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        _ => "a boolean",
    };

    private static MetaflowException Corrupt(string path, string what, Exception? inner)
        => new(ErrorIds.ConfigFileCorrupt,
            $"The Metaflow config '{path}' {what}. Fix it by hand, or write over it with -Force (Export-MetaflowConfig, Set-MetaflowApiKey): the current file is then kept as {Path.GetFileName(BackupPathFor(path))}.",
            ErrorKind.InvalidData, path, inner);

    /// <summary>A file as found: its bytes (null when absent), its settings, or why they cannot be read.</summary>
    private sealed record Snapshot(byte[]? Bytes, SortedDictionary<string, string>? Settings, MetaflowException? Problem);

    private static Snapshot Take(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return new Snapshot(null, null, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MetaflowException(ErrorIds.ConfigReadFailed, $"The Metaflow config '{path}' cannot be read: {ex.Message}",
                ErrorKind.ReadError, path, ex);
        }
        try
        {
            return new Snapshot(bytes, Parse(bytes, path), null);
        }
        catch (MetaflowException ex) when (ex.ErrorId == ErrorIds.ConfigFileCorrupt)
        {
            return new Snapshot(bytes, null, ex);
        }
    }

    private static ConfigChanges Compare(string path, Snapshot snapshot, IReadOnlyDictionary<string, string> set, bool force)
    {
        if (snapshot.Problem is not null && !force) throw snapshot.Problem;
        var existing = snapshot.Settings ?? new SortedDictionary<string, string>();
        List<string> added = [], changed = [], unchanged = [];
        var previous = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in set.Keys.Order(StringComparer.Ordinal))
        {
            if (!existing.TryGetValue(key, out var old)) added.Add(key);
            else if (old != set[key]) { changed.Add(key); previous[key] = old; }
            else unchanged.Add(key);
        }
        return new ConfigChanges
        {
            Path = path,
            FileExists = snapshot.Bytes is not null,
            UnreadableReason = snapshot.Problem?.Message,
            Added = added,
            Changed = changed,
            Unchanged = unchanged,
            Kept = existing.Keys.Where(k => !set.ContainsKey(k)).ToList(),
            PreviousValues = previous,
        };
    }

    /// <summary>Callers set only Metaflow's own settings: the file stays what Metaflow expects.</summary>
    private static void CheckKeys(IReadOnlyDictionary<string, string> set)
    {
        foreach (var (key, value) in set)
        {
            if (!key.StartsWith(KeyPrefix, StringComparison.Ordinal) || key.Length == KeyPrefix.Length)
                throw new ArgumentException($"'{key}' is not a Metaflow setting; keys start with {KeyPrefix}.", nameof(set));
            ArgumentNullException.ThrowIfNull(value, $"{nameof(set)}[{key}]");
        }
    }

    private static string WriteTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is null ? path : new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return path;
        }
    }

    private static bool HasOwnerOnlyMode(string path)
        => OperatingSystem.IsWindows() || File.GetUnixFileMode(path) == AtomicFile.OwnerOnly;
}
