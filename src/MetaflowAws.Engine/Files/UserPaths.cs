namespace MetaflowAws.Engine.Files;

/// <summary>
/// The per-user paths the module reads and writes, by the conventions of the platform it runs on: the user's home
/// (%USERPROFILE% on Windows, $HOME elsewhere, as .NET's UserProfile gives it), '~' expanded as Python's expanduser
/// does for Metaflow (posixpath: '~' and '~/'; ntpath: '~', '~/' and '~\'), and the AWS shared config file
/// (AWS_CONFIG_FILE, else ~/.aws/config; %USERPROFILE%\.aws\config on Windows, as the AWS CLI and SDKs look for it).
/// </summary>
public sealed record UserPaths(bool IsWindows, string Home)
{
    public static UserPaths Current { get; } = new(OperatingSystem.IsWindows(), Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    private char Separator => IsWindows ? '\\' : '/';

    /// <summary>The path with a leading '~' (alone, or before a separator of the platform) made the user's home.</summary>
    public string ExpandHome(string path)
    {
        if (path == "~") return Home;
        var tilde = path.Length > 1 && path[0] == '~' && (path[1] == '/' || (IsWindows && path[1] == '\\'));
        return tilde ? Home.TrimEnd(Separator) + path[1..] : path;
    }

    /// <summary>The parts joined under the user's home with the platform's separator.</summary>
    public string InHome(params string[] parts) => string.Join(Separator, [Home.TrimEnd(Separator), .. parts]);

    /// <summary>The AWS shared config file: AWS_CONFIG_FILE when set, else .aws/config in the user's home.</summary>
    public string AwsConfigFile(string? fromEnvironment) => fromEnvironment is { Length: > 0 } given ? ExpandHome(given) : InHome(".aws", "config");
}
