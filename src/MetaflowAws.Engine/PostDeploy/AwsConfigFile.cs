using System.Text;
using System.Text.RegularExpressions;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Files;

namespace MetaflowAws.Engine.PostDeploy;

/// <summary>
/// Edits the AWS shared config file (AWS_CONFIG_FILE, default ~/.aws/config) line by line: one
/// profile's settings are set, every other line (other profiles, comments, blank lines) stays as
/// it was. Written atomically with a backup of the previous file.
/// </summary>
public static class AwsConfigFile
{
    private static readonly Regex Section = new(@"^\s*\[\s*(?<name>[^\]]+?)\s*\]\s*(?:[#;].*)?$", RegexOptions.Compiled);
    private static readonly Regex Setting = new(@"^\s*(?<key>[A-Za-z0-9_.-]+)\s*=", RegexOptions.Compiled);
    private static readonly Regex ProfileName = new(@"^[A-Za-z0-9_.@+-]{1,64}$", RegexOptions.Compiled);

    public static string DefaultPath(IEnvironment? env = null)
        => UserPaths.Current.AwsConfigFile((env ?? ProcessEnvironment.Instance).Get("AWS_CONFIG_FILE"));

    public static void ValidateProfileName(string name)
    {
        if (!ProfileName.IsMatch(name))
            throw new MetaflowException(ErrorIds.InvalidParameter,
                $"-Name '{name}' is not a usable AWS profile name: use 1-64 letters, digits and . _ - @ +, e.g. metaflow-user.",
                ErrorKind.InvalidArgument, name);
    }

    private static string Header(string profile) => profile == "default" ? "default" : "profile " + profile;

    /// <summary>True when the file already has a section for the profile.</summary>
    public static bool HasProfile(string text, string profile)
        => text.Split('\n').Any(l => Section.Match(l.TrimEnd('\r')) is { Success: true } m && Normalize(m.Groups["name"].Value) == Header(profile));

    /// <summary>The file's text with the profile's settings set (others of the profile removed when listed in <paramref name="remove"/>).</summary>
    public static string SetProfile(string text, string profile, IReadOnlyList<(string Key, string Value)> settings, IEnumerable<string> remove)
    {
        var newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var lines = text.Length == 0 ? new List<string>() : text.Replace("\r\n", "\n").Split('\n').ToList();
        if (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        var header = Header(profile);
        var start = lines.FindIndex(l => Section.Match(l) is { Success: true } m && Normalize(m.Groups["name"].Value) == header);
        var rendered = settings.Select(s => $"{s.Key} = {s.Value}").ToList();
        if (start < 0)
        {
            if (lines.Count > 0 && lines[^1].Trim().Length > 0) lines.Add("");
            lines.Add($"[{header}]");
            lines.AddRange(rendered);
        }
        else
        {
            var end = lines.FindIndex(start + 1, l => Section.IsMatch(l));
            if (end < 0) end = lines.Count;
            var drop = settings.Select(s => s.Key).Concat(remove).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var body = lines.GetRange(start + 1, end - start - 1);
            var written = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var result = new List<string>();
            foreach (var line in body)
            {
                var m = Setting.Match(line);
                if (!m.Success || !drop.Contains(m.Groups["key"].Value)) { result.Add(line); continue; }
                var key = m.Groups["key"].Value;
                var match = settings.FirstOrDefault(s => s.Key.Equals(key, StringComparison.OrdinalIgnoreCase));
                if (match.Key is not null && written.Add(match.Key)) result.Add($"{match.Key} = {match.Value}");
            }
            // New keys go after the last setting, before the blank lines that separate sections.
            var insertAt = result.FindLastIndex(l => l.Trim().Length > 0) + 1;
            result.InsertRange(insertAt, settings.Where(s => !written.Contains(s.Key)).Select(s => $"{s.Key} = {s.Value}"));
            lines.RemoveRange(start + 1, end - start - 1);
            lines.InsertRange(start + 1, result);
        }
        return string.Join(newline, lines) + newline;
    }

    /// <summary>
    /// Reads the file ("" when missing), edits it and replaces it (atomically, with a backup) under a writer lock,
    /// so a concurrent writer's change is not lost between the read and the replace. Returns the backup path.
    /// </summary>
    public static string? Update(string path, Func<string, string> edit, TimeSpan? lockTimeout = null)
    {
        using var writerLock = FileLock.AcquireForWriting(path, "the AWS config file", ErrorIds.AwsConfigWriteFailed, lockTimeout ?? FileLock.WriterTimeout);
        try
        {
            var current = File.Exists(path) ? File.ReadAllText(path) : "";
            return AtomicFile.Replace(path, new UTF8Encoding(false).GetBytes(edit(current)), backup: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MetaflowException(ErrorIds.AwsConfigWriteFailed,
                $"Could not write the AWS config file '{path}': {ex.Message} The file was not changed.", ErrorKind.WriteError, path, ex);
        }
    }

    private static string Normalize(string name) => Regex.Replace(name.Trim(), @"\s+", " ");
}
