using System.Management.Automation;
using MetaflowAws.Cmdlets.Capabilities;
using MetaflowAws.Engine.Config;
using MetaflowAws.Engine;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>
/// Reads a Metaflow config profile into an object. Secret values (METAFLOW_SERVICE_AUTH_KEY) are masked
/// unless -ShowSecrets. Reads a local file only: it takes no AWS parameters.
/// </summary>
[Cmdlet(VerbsCommon.Get, "MetaflowConfig")]
[OutputType("MetaflowAws.Engine.Config.MetaflowConfig")]
public sealed class GetMetaflowConfig : PSCmdlet, IDynamicParameters
{
    private readonly ConfigLocationParameters _config = new();
    private RuntimeDefinedParameterDictionary? _composed;

    /// <summary>-MetaflowHome and -MetaflowProfile, defined once for every config cmdlet; here -MetaflowProfile is the first positional parameter.</summary>
    public object GetDynamicParameters() => _composed ??= ParameterComposition.Parameters([_config], new Dictionary<string, int> { ["MetaflowProfile"] = 0 });

    /// <summary>Gets or sets whether to show secret values (the metadata service's API key) instead of masking them.</summary>
    [Parameter]
    public SwitchParameter ShowSecrets { get; set; }

    protected override void BeginProcessing()
    {
        Formats.Ensure(this);
        ParameterComposition.Bind(_composed, [_config]);
    }

    protected override void ProcessRecord()
    {
        try
        {
            var config = MetaflowConfigFile.Load(_config.Resolve(this));
            WriteObject(ShowSecrets ? config : config.WithSecretsMasked());
        }
        catch (MetaflowException ex)
        {
            WriteError(MetaflowCmdlet.ToErrorRecord(ex));
        }
    }
}
