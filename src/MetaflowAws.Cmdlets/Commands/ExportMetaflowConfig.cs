using System.Management.Automation;
using MetaflowAws.Engine;
using MetaflowAws.Engine.Config;
using MetaflowAws.Engine.Stacks;

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
public sealed class ExportMetaflowConfig : ConfigCmdlet
{
    private const string PipelineSet = "Pipeline";
    private const string StackSet = "StackName";

    private readonly List<MetaflowStackOutput> _outputs = [];
    private readonly Dictionary<string, string> _writtenFrom = new(StringComparer.Ordinal);
    private MetaflowConfigLocation? _location;

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
        Guard(() => _location = ConfigLocation(), terminating: true);
    }

    /// <summary>The stack name given to piped outputs that do not say which stack they come from.</summary>
    private const string PipedOutputs = "(piped outputs)";

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
                        // Someone else's output object: AWS.Tools' Amazon.CloudFormation.Model.Output, a pscustomobject
                        // with OutputKey and OutputValue, a row of 'aws cloudformation describe-stacks' JSON.
                        if (input.Properties["OutputKey"]?.Value is string { Length: > 0 } key && input.Properties["OutputValue"]?.Value is { } value)
                        {
                            var description = input.Properties["Description"]?.Value?.ToString();
                            _outputs.Add(new MetaflowStackOutput
                            {
                                StackName = input.Properties["StackName"]?.Value?.ToString() ?? PipedOutputs,
                                Region = input.Properties["Region"]?.Value?.ToString() ?? "",
                                OutputKey = key,
                                OutputValue = value.ToString() ?? "",
                                Description = description,
                                ConfigKey = ConfigKeys.For(key, description),
                            });
                        }
                        else if (input.Properties["StackName"]?.Value is string { Length: > 0 } stackName) ExportStack(stackName);
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
        var stack = Run(ct => service.GetAsync(nameOrId, ct));
        // The upstream template gives a Fargate stack no output for the task execution role Metaflow's Fargate jobs need.
        if (stack.Parameters.GetValueOrDefault("BatchType") == "fargate" && stack.Outputs.All(o => o.OutputKey != "ECSFargateExecutionRoleArn"))
            WriteWarning($"Stack '{stack.StackName}'{(stack.Origin == MetaflowStack.UpstreamOrigin ? " (the metaflow-tools template)" : "")} runs AWS Batch on Fargate but has no " +
                         $"ECSFargateExecutionRoleArn output, so {ConfigKeys.FargateExecutionRole} is not written and Metaflow's Fargate jobs cannot start. " +
                         $"Set it to the stack's ECS task execution role ARN (IAM console, or 'aws cloudformation describe-stack-resources --stack-name {stack.StackName}'), " +
                         $"or upgrade the stack with 'Update-MetaflowStack -StackName {stack.StackName} -UseBundledTemplate', which adds the output.");
        Export(ConfigSettings.FromStack(stack), stack.StackName);
    }

    private void Export(IReadOnlyDictionary<string, string> settings, string stackName)
    {
        var location = _location!;
        if (_writtenFrom.TryGetValue(location.Path, out var earlier) && earlier != stackName)
            throw new MetaflowException(ErrorIds.MultipleStacks,
                $"Stack '{stackName}' would overwrite the settings just written to '{location.Path}' from stack '{earlier}'. Export each stack to its own profile: ... | Export-MetaflowConfig -MetaflowProfile <name>.",
                ErrorKind.InvalidOperation, stackName);

        var changes = MetaflowConfigFile.Plan(location.Path, settings, Force);
        if (!ShouldProcess(location.Path, $"{changes.Describe()} from stack {stackName}")) return;

        var result = MetaflowConfigFile.Write(location.Path, settings, Force, Cancellation);
        _writtenFrom[location.Path] = stackName;
        if (result.Changes.ReplacesUnreadableFile)
            WriteWarning($"Replaced '{location.Path}', which was not a valid Metaflow config; the previous file is kept as '{result.BackupPath}'.");
        foreach (var key in result.Changes.Added) WriteVerbose($"{key} = {Show(key, settings[key])} (new)");
        foreach (var key in result.Changes.Changed)
            WriteVerbose($"{key} = {Show(key, settings[key])} (was {Show(key, result.Changes.PreviousValues[key])})");
        WriteVerbose(result.Written
            ? $"Wrote {location.Path}" + (result.BackupPath is null ? "" : $"; the previous file is kept as {result.BackupPath}")
            : $"{location.Path} already holds these settings; it was left as it was.");
        if (PassThru) WriteObject(MetaflowConfig.From(location, result.Settings).WithSecretsMasked());
    }

    private static string Show(string key, string value) => MetaflowConfig.IsSecret(key) ? MetaflowConfig.MaskValue(value) : value;
}
