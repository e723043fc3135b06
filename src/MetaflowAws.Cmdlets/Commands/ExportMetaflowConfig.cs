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
[Cmdlet(VerbsData.Export, "MetaflowConfig", DefaultParameterSetName = StackSet, SupportsShouldProcess = true)]
[OutputType("MetaflowAws.Engine.Config.MetaflowConfig")]
public sealed class ExportMetaflowConfig : MetaflowCmdlet
{
    private const string StackSet = "Stack";
    private const string OutputSet = "Output";

    private readonly List<MetaflowStackOutput> _outputs = [];
    private readonly Dictionary<string, string> _writtenFrom = new(StringComparer.Ordinal);
    private MetaflowConfigLocation? _location;

    /// <summary>Gets or sets the name or id of the stack whose outputs configure Metaflow.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = StackSet)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string StackName { get; set; } = "";

    /// <summary>
    /// Gets or sets stack outputs (from Get-MetaflowStackOutput) to write: exactly their settings, so a
    /// filtered list writes only those keys. All must come from one stack.
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = OutputSet)]
    public MetaflowStackOutput[] InputObject { get; set; } = [];

    /// <summary>
    /// Gets or sets the Metaflow profile to write (config_&lt;name&gt;.json); defaults to METAFLOW_PROFILE, else
    /// the default profile (config.json). Not the AWS profile: that is -ProfileName.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MetaflowProfileCompleter))]
    public string? MetaflowProfile { get; set; }

    /// <summary>Gets or sets the folder of Metaflow's config files; defaults to METAFLOW_HOME, else ~/.metaflowconfig. Created (owner-only) when missing.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MetaflowHome { get; set; }

    /// <summary>Gets or sets whether to write over an existing config file that is not valid (it is kept as &lt;file&gt;.bak).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Gets or sets whether to return the config as written (secrets masked).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void BeginProcessing()
        => Guard(() => _location = ConfigPaths.Resolve(this, MetaflowHome, MetaflowProfile), terminating: true);

    protected override void ProcessRecord()
    {
        if (ParameterSetName == OutputSet)
        {
            _outputs.AddRange(InputObject.Where(o => o is not null));
            return;
        }
        Guard(() =>
        {
            var service = StackService.Create(ResolveSession());
            var stack = Run(ct => service.GetAsync(StackName, ct));
            Export(ConfigSettings.FromStack(stack), stack.StackName);
        });
    }

    protected override void EndProcessing()
    {
        if (ParameterSetName != OutputSet) return;
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
                    ErrorKind.InvalidData, stacks.FirstOrDefault());
            Export(settings, stacks[0]);
        }, terminating: true);
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

        var result = MetaflowConfigFile.Write(location.Path, settings, Force);
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
