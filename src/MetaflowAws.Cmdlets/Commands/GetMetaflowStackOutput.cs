using System.Collections;
using System.Management.Automation;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>Gets a stack's outputs as objects, each with the Metaflow configuration key it sets.</summary>
[Cmdlet(VerbsCommon.Get, "MetaflowStackOutput", DefaultParameterSetName = ObjectsSet)]
[OutputType("MetaflowAws.Engine.Stacks.MetaflowStackOutput", ParameterSetName = [ObjectsSet])]
[OutputType(typeof(System.Collections.Specialized.OrderedDictionary), ParameterSetName = [EnvironmentSet])]
public sealed class GetMetaflowStackOutput : MetaflowCmdlet
{
    private const string ObjectsSet = "Objects";
    private const string EnvironmentSet = "Environment";

    /// <summary>Gets or sets the stack name or id.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string StackName { get; set; } = "";

    /// <summary>Gets or sets output keys to return (wildcards allowed).</summary>
    [Parameter(Position = 1, ParameterSetName = ObjectsSet)]
    [SupportsWildcards]
    public string[]? OutputKey { get; set; }

    /// <summary>Gets or sets whether to return METAFLOW_* settings as a hashtable (name → value) for $env: assignments.</summary>
    [Parameter(Mandatory = true, ParameterSetName = EnvironmentSet)]
    public SwitchParameter AsEnvironment { get; set; }

    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var service = StackService.Create(ResolveSession());
            var stack = Run(ct => service.GetAsync(StackName, ct));
            if (AsEnvironment)
            {
                var env = new System.Collections.Specialized.OrderedDictionary(StringComparer.Ordinal);
                foreach (var (key, value) in MetaflowEnvironment.FromOutputs(stack)) env[key] = value;
                WriteObject(env);
                return;
            }
            var patterns = OutputKey?.Select(k => WildcardPattern.Get(k, WildcardOptions.IgnoreCase)).ToList();
            foreach (var output in stack.Outputs)
                if (patterns is null || patterns.Any(p => p.IsMatch(output.OutputKey)))
                    WriteObject(output);
        });
    }
}
