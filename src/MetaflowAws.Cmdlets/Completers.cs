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

    public static IEnumerable<string> Regions() => Engine.Aws.KnownRegions.Names();

    public static IEnumerable<string> Profiles() => Engine.Aws.KnownRegions.ProfileNames();
}
