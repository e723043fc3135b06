using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using MetaflowAws.Engine.Config;

namespace MetaflowAws.Cmdlets;

/// <summary>Resolves -MetaflowHome / -MetaflowProfile for the cmdlets that read or write Metaflow's config.</summary>
internal static class ConfigPaths
{
    /// <summary>
    /// PowerShell paths (~, drives, relative to the current location) for -MetaflowHome; a relative
    /// METAFLOW_HOME resolves against PowerShell's location too, as it would for Metaflow started from here.
    /// </summary>
    public static MetaflowConfigLocation Resolve(PSCmdlet cmdlet, string? metaflowHome, string? metaflowProfile)
        => MetaflowConfigLocation.Resolve(
            metaflowHome is null ? null : cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(metaflowHome),
            metaflowProfile,
            environment: null,
            currentDirectory: cmdlet.SessionState.Path.CurrentFileSystemLocation.ProviderPath);
}

/// <summary>Completes -MetaflowProfile from the config_&lt;profile&gt;.json files in METAFLOW_HOME (or -MetaflowHome).</summary>
public sealed class MetaflowProfileCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var home = MetaflowConfigLocation.Resolve(Completion.ResolvePath(fakeBoundParameters["MetaflowHome"] as string), profile: null).MetaflowHome;
            return Completion.Complete(MetaflowConfigLocation.ListProfiles(home), wordToComplete);
        }
        catch (Exception)
        {
            return []; // completion never throws at the prompt (e.g. an invalid METAFLOW_PROFILE)
        }
    }
}
