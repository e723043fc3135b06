using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets;

/// <summary>Completes a typed stack parameter from the AllowedValues the template declares for it.</summary>
public sealed class TemplateValueCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var path = Completion.ResolvePath(fakeBoundParameters["TemplatePath"] as string) ?? DeploymentPlan.DefaultTemplatePath();
            var template = DeploymentPlan.LoadTemplate(path, out _);
            var templateName = MetaflowParameters.CmdletName.FirstOrDefault(kv => kv.Value.Equals(parameterName, StringComparison.OrdinalIgnoreCase)).Key;
            if (templateName is null || template.Section("Parameters").GetValueOrDefault(templateName) is not Dictionary<string, object?> def) return [];
            var values = def.GetValueOrDefault("AllowedValues") is List<object?> allowed ? allowed.OfType<string>() : [];
            return Completion.Complete(values, wordToComplete);
        }
        catch (Exception)
        {
            return [];
        }
    }
}
