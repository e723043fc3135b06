using System.Text.RegularExpressions;
using MetaflowAws.Engine.Aws;

namespace MetaflowAws.Engine.Config;

/// <summary>
/// Where Metaflow looks for its config: <c>$METAFLOW_HOME/config.json</c> (METAFLOW_HOME defaults
/// to <c>~/.metaflowconfig</c>), or <c>config_&lt;profile&gt;.json</c> for a named profile
/// (METAFLOW_PROFILE). Explicit values win over the environment, as Metaflow's own do.
/// </summary>
public sealed record MetaflowConfigLocation
{
    public const string HomeVariable = "METAFLOW_HOME";
    public const string ProfileVariable = "METAFLOW_PROFILE";
    public const string DefaultHome = "~/.metaflowconfig";
    public const string ProfileParameter = "-MetaflowProfile";
    private const int MaxProfileLength = 100;

    private static readonly Regex ProfilePattern = new("^[A-Za-z0-9._-]+$", RegexOptions.Compiled);

    private MetaflowConfigLocation(string home, string? profile)
    {
        MetaflowHome = home;
        Profile = profile;
    }

    /// <summary>The folder holding the config files, as a full path.</summary>
    public string MetaflowHome { get; }

    /// <summary>The named profile, or null for the default profile (config.json).</summary>
    public string? Profile { get; }

    public string FileName => Profile is null ? "config.json" : $"config_{Profile}.json";

    public string Path => System.IO.Path.Combine(MetaflowHome, FileName);

    /// <summary>
    /// Resolves the config file. <paramref name="metaflowHome"/> and <paramref name="profile"/> win over
    /// METAFLOW_HOME and METAFLOW_PROFILE. Relative paths resolve against <paramref name="currentDirectory"/>
    /// (PowerShell's location, which is not the process's), else the process's current directory.
    /// </summary>
    public static MetaflowConfigLocation Resolve(string? metaflowHome = null, string? profile = null,
        IEnvironment? environment = null, string? currentDirectory = null)
    {
        var env = environment ?? ProcessEnvironment.Instance;
        var fromParameter = profile is not null;
        var name = profile ?? env.Get(ProfileVariable);
        if (name is not null) ValidateProfile(name, fromParameter ? ProfileParameter : ProfileVariable);

        var home = metaflowHome is { Length: > 0 } ? metaflowHome : env.Get(HomeVariable) ?? DefaultHome;
        home = MetaflowAws.Engine.Files.UserPaths.Current.ExpandHome(home); // as Python's expanduser, which Metaflow applies
        home = currentDirectory is null ? System.IO.Path.GetFullPath(home) : System.IO.Path.GetFullPath(home, currentDirectory);
        return new MetaflowConfigLocation(System.IO.Path.TrimEndingDirectorySeparator(home), name);
    }

    /// <summary>Throws InvalidMetaflowProfile unless the name is safe in a file name and clear on a command line.</summary>
    public static void ValidateProfile(string name, string source = ProfileParameter)
    {
        if (name.Length is > 0 and <= MaxProfileLength && ProfilePattern.IsMatch(name)) return;
        var why = name.Length > MaxProfileLength
            ? $"it is {name.Length} characters long; at most {MaxProfileLength} are allowed"
            : "a profile name may contain only letters, digits, '-', '_' and '.' (e.g. prod or team-a.dev)";
        throw new MetaflowException(ErrorIds.InvalidMetaflowProfile,
            $"{source} '{name}' is not a valid Metaflow profile name: {why}. The profile's settings are kept in config_<name>.json in METAFLOW_HOME.",
            ErrorKind.InvalidArgument, name);
    }

    /// <summary>The named profiles in a Metaflow home (from config_&lt;name&gt;.json files), sorted.</summary>
    public static IReadOnlyList<string> ListProfiles(string metaflowHome)
    {
        if (!Directory.Exists(metaflowHome)) return [];
        try
        {
            return Directory.EnumerateFiles(metaflowHome, "config_*.json")
                .Select(f => System.IO.Path.GetFileName(f))
                // Wildcard rules differ by platform (Windows' short names); check the name exactly.
                .Where(f => f.StartsWith("config_", StringComparison.Ordinal) && f.EndsWith(".json", StringComparison.Ordinal))
                .Select(f => f["config_".Length..^".json".Length])
                .Where(p => p.Length is > 0 and <= MaxProfileLength && ProfilePattern.IsMatch(p))
                .Order(StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    public override string ToString() => Path;
}
