namespace MetaflowAws.Engine.Config;

/// <summary>
/// Export-MetaflowConfig's work for one config file: plan the merge of a stack's settings (no file touched), then
/// write it atomically with a backup; one file describes one stack, so a second stack in the same run is refused.
/// </summary>
public sealed class ConfigExport(MetaflowConfigLocation location, bool force)
{
    private string? _writtenFrom;

    public MetaflowConfigLocation Location => location;

    /// <summary>What writing these settings would change, and the confirmation text.</summary>
    public (ConfigChanges Changes, string Action) Plan(IReadOnlyDictionary<string, string> settings, string stackName)
    {
        if (_writtenFrom is { } earlier && earlier != stackName)
            throw new MetaflowException(ErrorIds.MultipleStacks,
                $"Stack '{stackName}' would overwrite the settings just written to '{location.Path}' from stack '{earlier}'. Export each stack to its own profile: ... | Export-MetaflowConfig -MetaflowProfile <name>.",
                ErrorKind.InvalidOperation, stackName);
        var changes = MetaflowConfigFile.Plan(location.Path, settings, force);
        return (changes, $"{changes.Describe()} from stack {stackName}");
    }

    /// <summary>Writes the confirmed settings; the result and what to tell the user (secrets masked).</summary>
    public (ConfigWriteResult Result, IReadOnlyList<string> Warnings, IReadOnlyList<string> Details) Write(IReadOnlyDictionary<string, string> settings, string stackName, CancellationToken ct)
    {
        var result = MetaflowConfigFile.Write(location.Path, settings, force, ct);
        _writtenFrom = stackName;
        var warnings = result.Changes.ReplacesUnreadableFile
            ? new[] { $"Replaced '{location.Path}', which was not a valid Metaflow config; the previous file is kept as '{result.BackupPath}'." }
            : [];
        var details = result.Changes.Added.Select(key => $"{key} = {Show(key, settings[key])} (new)")
            .Concat(result.Changes.Changed.Select(key => $"{key} = {Show(key, settings[key])} (was {Show(key, result.Changes.PreviousValues[key])})"))
            .Append(result.Written
                ? $"Wrote {location.Path}" + (result.BackupPath is null ? "" : $"; the previous file is kept as {result.BackupPath}")
                : $"{location.Path} already holds these settings; it was left as it was.")
            .ToList();
        return (result, warnings, details);
    }

    private static string Show(string key, string value) => MetaflowConfig.IsSecret(key) ? MetaflowConfig.MaskValue(value) : value;
}
