using System.Management.Automation;
using MetaflowAws.Cmdlets.Capabilities;
using MetaflowAws.Engine.Config;
using MetaflowAws.Engine.Stacks;
using MetaflowAws.Engine;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>
/// Writes Metaflow's config file from a stack's outputs: merged into the existing file (other keys are
/// kept), the previous file kept as &lt;file&gt;.bak, replaced atomically, readable by the owner only.
/// -MetaflowProfile is the Metaflow profile (config_&lt;name&gt;.json); -ProfileName is the AWS profile used
/// to read the stack.
/// </summary>
// Pipeline input always binds to -InputObject (the default set), which takes stacks and outputs alike.
// Two typed sets do not work: PowerShell binds pipeline input in the default set first, so with a
// -StackName set as default, a MetaflowStackOutput (it has a StackName property) binds as a stack name
// and the whole stack is exported; with an outputs set as default, a MetaflowStack whose ProfileName or
// EndpointUrl is null binds those to the common parameters and then fails the mandatory -InputObject.
[Cmdlet(VerbsData.Export, "MetaflowConfig", DefaultParameterSetName = PipelineSet, SupportsShouldProcess = true)]
[OutputType("MetaflowAws.Engine.Config.MetaflowConfig")]
public sealed class ExportMetaflowConfig : MetaflowCmdlet
{
    private readonly ConfigLocationParameters _config = new();

    private protected override IReadOnlyList<object> Capabilities => [_config];

    private const string PipelineSet = "Pipeline";
    private const string StackSet = "StackName";

    private readonly List<MetaflowStackOutput> _outputs = [];
    private ConfigExport? _export;

    /// <summary>Gets or sets the name or id of the stack whose outputs configure Metaflow.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = StackSet)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string StackName { get; set; } = "";

    /// <summary>
    /// Gets or sets what to export, usually from the pipeline: a stack (New-MetaflowStack, Get-MetaflowStack;
    /// read again for its current outputs, with the Region, ProfileName and EndpointUrl it carries), a stack
    /// name, any object with a StackName property, or stack outputs (Get-MetaflowStackOutput): exactly their
    /// settings are written, so a filtered list writes only those keys; all must come from one stack.
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = PipelineSet)]
    public PSObject[] InputObject { get; set; } = [];

    /// <summary>Gets or sets whether to write over an existing config file that is not valid (it is kept as &lt;file&gt;.bak).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Gets or sets whether to return the config as written (secrets masked).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        Guard(() => _export = new ConfigExport(_config.Resolve(this), Force), terminating: true);
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == StackSet)
        {
            Guard(() => ExportStack(StackName));
            return;
        }
        foreach (var input in InputObject)
        {
            if (input is null) continue;
            Guard(() =>
            {
                switch (input.BaseObject)
                {
                    case MetaflowStackOutput output: _outputs.Add(output); break;
                    case MetaflowStack stack: ExportStack(stack.StackId); break;
                    case string name: ExportStack(name); break;
                    default:
                        // Anyone's objects, by property name: outputs (OutputKey/OutputValue), or stacks (StackName).
                        string? Property(string name) => input.Properties[name]?.Value?.ToString();
                        if (Property("OutputKey") is { Length: > 0 } key && Property("OutputValue") is { } value)
                            _outputs.Add(ConfigSettings.ForeignOutput(key, value, Property("Description"), Property("StackName"), Property("Region")));
                        else if (Property("StackName") is { Length: > 0 } stackName) ExportStack(stackName);
                        else
                            throw new MetaflowException(ErrorIds.InvalidParameter,
                                $"-InputObject of type {input.BaseObject.GetType().Name} is not a stack, a stack name or a stack output (an object with OutputKey and OutputValue). Pipe Get-MetaflowStack or Get-MetaflowStackOutput, or give -StackName.",
                                ErrorKind.InvalidArgument, input.BaseObject);
                        break;
                }
            });
        }
    }

    protected override void EndProcessing()
    {
        if (_outputs.Count == 0) return;
        Guard(() =>
        {
            var stacks = _outputs.Select(o => o.StackName).Distinct(StringComparer.Ordinal).ToList();
            if (stacks.Count > 1)
                throw new MetaflowException(ErrorIds.MultipleStacks,
                    $"The outputs piped in come from {stacks.Count} stacks ({string.Join(", ", stacks)}); one config file describes one stack. Export each stack to its own profile with -MetaflowProfile.",
                    ErrorKind.InvalidArgument, string.Join(",", stacks));
            var settings = ConfigSettings.FromOutputs(_outputs);
            if (settings.Count == 0)
                throw new MetaflowException(ErrorIds.NotAMetaflowStack,
                    $"None of the {_outputs.Count} outputs piped in sets a Metaflow setting (their ConfigKey is empty, or it is the API key id, which Set-MetaflowApiKey turns into the key). Nothing was written.",
                    ErrorKind.InvalidData, stacks[0]);
            Export(settings, stacks[0]);
        }, terminating: true);
    }

    private void ExportStack(string nameOrId)
    {
        var service = StackService.Create(ResolveSession());
        var stack = Run(ct => service.GetMetaflowAsync(nameOrId, "Export-MetaflowConfig", ct));
        foreach (var warning in ConfigSettings.Missing(stack)) WriteWarning(warning);
        Export(ConfigSettings.FromStack(stack), stack.StackName);
    }

    private void Export(IReadOnlyDictionary<string, string> settings, string stackName)
    {
        var (_, action) = _export!.Plan(settings, stackName);
        if (!ShouldProcess(_export.Location.Path, action)) return;
        var (result, warnings, details) = _export.Write(settings, stackName, Cancellation);
        foreach (var warning in warnings) WriteWarning(warning);
        foreach (var detail in details) WriteVerbose(detail);
        if (PassThru) WriteObject(MetaflowConfig.From(_export.Location, result.Settings).WithSecretsMasked());
    }
}
