using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Language;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Stacks;
using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Cmdlets;

/// <summary>
/// Completes a typed stack parameter from the AllowedValues of the template the command will deploy: -TemplatePath's,
/// the bundled one for a new stack or -UseBundledTemplate, and for an update of a stack that keeps its template
/// (-StackName alone), that stack's own template (a metaflow-tools stack allows other values than ours).
/// </summary>
public sealed class TemplateValueCompleter : IArgumentCompleter
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(3);
    private static readonly ConcurrentDictionary<string, (DateTime At, TemplateDocument? Template)> StackTemplates = new(StringComparer.Ordinal);

    /// <summary>After an update that may change a stack's template: the next completion reads it again.</summary>
    internal static void Forget(string stackName)
    {
        foreach (var key in StackTemplates.Keys.Where(k => k.EndsWith("|" + stackName, StringComparison.Ordinal))) StackTemplates.TryRemove(key, out _);
    }

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var templateName = MetaflowParameters.CmdletName.FirstOrDefault(kv => kv.Value.Equals(parameterName, StringComparison.OrdinalIgnoreCase)).Key;
            if (templateName is null) return [];
            var template = Template(commandName, fakeBoundParameters);
            if (template.Section("Parameters").GetValueOrDefault(templateName) is not Dictionary<string, object?> def) return [];
            var values = def.GetValueOrDefault("AllowedValues") is List<object?> allowed ? allowed.OfType<string>() : [];
            return Completion.Complete(values, wordToComplete);
        }
        catch (Exception)
        {
            return [];
        }
    }

    private static TemplateDocument Template(string commandName, IDictionary bound)
    {
        if (Completion.ResolvePath(bound["TemplatePath"] as string) is { } path) return DeploymentPlan.LoadTemplate(path, out _);
        var keepsTemplate = commandName is "Update-MetaflowStack" or "Get-MetaflowStackChange" && bound["UseBundledTemplate"] is null;
        if (keepsTemplate && bound["StackName"] is string stackName && StackTemplate(stackName, bound) is { } own) return own;
        return DeploymentPlan.LoadTemplate(DeploymentPlan.DefaultTemplatePath(), out _);
    }

    /// <summary>The stack's own template, cached briefly; null when it cannot be read in time (the bundled one is offered then).</summary>
    private static TemplateDocument? StackTemplate(string stackName, IDictionary bound)
    {
        // The account the command line names: the same options the cmdlet resolves its session from.
        var options = Completion.SessionOptions(bound);
        var key = Completion.CacheKey(options, null) + "|" + stackName;
        if (StackTemplates.TryGetValue(key, out var hit) && DateTime.UtcNow - hit.At < Lifetime) return hit.Template;
        TemplateDocument? template = null;
        try
        {
            var session = AwsSession.Resolve(options);
            using var cts = new CancellationTokenSource(Patience);
            template = TemplateDocument.Parse(StackService.Create(session).TemplateBodyAsync(stackName, cts.Token).GetAwaiter().GetResult());
        }
        catch (Exception)
        {
            // no credentials, no such stack, no network, no permission: remembered as none for the lifetime (the
            // bundled template's values are offered), so Tab does not stall again
        }
        StackTemplates[key] = (DateTime.UtcNow, template);
        return template;
    }
}
