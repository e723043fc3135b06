using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Engine.Config;

/// <summary>One Metaflow config profile as read from (or just written to) its file.</summary>
public sealed class MetaflowConfig
{
    public const string Mask = "****";

    /// <summary>Keys whose values are credentials: shown masked unless asked for.</summary>
    private static readonly string[] SecretSuffixes = ["_AUTH_KEY", "_PASSWORD", "_SECRET", "_SECRET_KEY", "_TOKEN", "_HEADERS"];

    public required string Path { get; init; }

    /// <summary>The folder the file is in (METAFLOW_HOME).</summary>
    public required string MetaflowHome { get; init; }

    /// <summary>The Metaflow profile, or null for the default profile (config.json).</summary>
    public string? MetaflowProfile { get; init; }

    /// <summary>Every setting, key → value, sorted by key (ordinal).</summary>
    public required IReadOnlyDictionary<string, string> Settings { get; init; }

    /// <summary>True when secret values in <see cref="Settings"/> are masked.</summary>
    public bool SecretsMasked { get; init; }

    public string? DataStoreRoot => Get("METAFLOW_DATASTORE_SYSROOT_S3");
    public string? ServiceUrl => Get("METAFLOW_SERVICE_URL");
    public string? BatchJobQueue => Get("METAFLOW_BATCH_JOB_QUEUE");
    public string? DefaultDatastore => Get("METAFLOW_DEFAULT_DATASTORE");
    public string? DefaultMetadata => Get("METAFLOW_DEFAULT_METADATA");
    /// <summary>The metadata service's API key (masked unless read with secrets shown).</summary>
    public string? ServiceAuthKey => Get(ConfigKeys.ServiceAuthKey);

    public string? Get(string key) => Settings.TryGetValue(key, out var v) ? v : null;

    public static MetaflowConfig From(MetaflowConfigLocation location, IReadOnlyDictionary<string, string> settings) => new()
    {
        Path = location.Path,
        MetaflowHome = location.MetaflowHome,
        MetaflowProfile = location.Profile,
        Settings = new SortedDictionary<string, string>(settings.ToDictionary(), StringComparer.Ordinal),
    };

    /// <summary>A copy with every secret value masked.</summary>
    public MetaflowConfig WithSecretsMasked()
    {
        var masked = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in Settings) masked[key] = IsSecret(key) ? MaskValue(value) : value;
        return new MetaflowConfig { Path = Path, MetaflowHome = MetaflowHome, MetaflowProfile = MetaflowProfile, Settings = masked, SecretsMasked = true };
    }

    /// <summary>METAFLOW_SERVICE_AUTH_KEY and keys named like credentials (…_PASSWORD, …_TOKEN, …_SECRET, …_HEADERS).</summary>
    public static bool IsSecret(string key)
        => key == ConfigKeys.ServiceAuthKey || SecretSuffixes.Any(s => key.EndsWith(s, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// '****' plus the last 4 characters when the value is long enough (16+) that 4 characters give
    /// nothing away; that is enough to tell which key is configured (API Gateway keys are 20+ characters).
    /// Shorter values are fully masked; an empty value stays empty (there is nothing to hide, and it shows
    /// the key is not set).
    /// </summary>
    public static string MaskValue(string value)
        => value.Length == 0 ? "" : value.Length >= 16 ? Mask + value[^4..] : Mask;

    public override string ToString() => Path;
}
