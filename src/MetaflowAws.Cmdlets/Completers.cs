using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace MetaflowAws.Cmdlets;

/// <summary>Completes -Region from the SDK's region list.</summary>
public sealed class RegionCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        => Completion.Complete(Completion.Regions(), wordToComplete);
}

/// <summary>Completes -ProfileName from the AWS config and credentials files.</summary>
public sealed class ProfileNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        => Completion.Complete(Completion.Profiles(), wordToComplete);
}

internal static class Completion
{
    public static IEnumerable<CompletionResult> Complete(IEnumerable<string> values, string word)
        => values.Where(v => v.StartsWith(word ?? "", StringComparison.OrdinalIgnoreCase))
            .Select(v => new CompletionResult(v, v, CompletionResultType.ParameterValue, v));

    // The SDK also lists "us-east-1-regional", a pseudo-region for S3's regional endpoint; no stack lives there.
    public static IEnumerable<string> Regions() => Engine.Aws.KnownRegions.Names().Where(n => !n.EndsWith("-regional", StringComparison.Ordinal));

    public static IEnumerable<string> Profiles() => Engine.Aws.KnownRegions.ProfileNames();

    /// <summary>The AWS session options the command line gives so far, as the cmdlet will take them.</summary>
    public static Engine.Aws.AwsSessionOptions SessionOptions(IDictionary bound) => new()
    {
        Region = bound["Region"] as string,
        ProfileName = bound["ProfileName"] as string,
        ProfileLocation = ResolvePath(bound["ProfileLocation"] as string),
        AccessKey = bound["AccessKey"] as string,
        SecretKey = bound["SecretKey"] as string,
        SessionToken = bound["SessionToken"] as string,
        EndpointUrl = bound["EndpointUrl"] as string,
    };

    /// <summary>A cache key for what a completer looked up with these options: who, where, through which endpoint.</summary>
    public static string CacheKey(Engine.Aws.AwsSessionOptions o, string? endpoint)
        => $"{o.ProfileName}|{o.ProfileLocation}|{o.AccessKey}|{o.Region}|{endpoint ?? o.EndpointUrl}";

    /// <summary>
    /// A path typed on the command line (relative, ~, a PowerShell drive) as the cmdlet will resolve it: against
    /// PowerShell's current location, not the process's. A completer gets no session state, but it runs on the
    /// pipeline's thread, where a script block runs in the user's session (SessionStateProxy refuses: a pipeline is running).
    /// </summary>
    public static string? ResolvePath(string? path)
    {
        if (string.IsNullOrEmpty(path)) return path;
        try
        {
            // Created per call: a script block is tied to the runspace it first ran in.
            var resolved = ScriptBlock.Create("param($p) $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($p)").Invoke(path);
            return resolved.Count == 1 && resolved[0]?.BaseObject is string s ? s : path;
        }
        catch (Exception)
        {
            return path;
        }
    }
}
