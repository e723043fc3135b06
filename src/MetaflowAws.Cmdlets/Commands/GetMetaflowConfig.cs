using System.Management.Automation;
using MetaflowAws.Engine;
using MetaflowAws.Engine.Config;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>
/// Reads a Metaflow config profile into an object. Secret values (METAFLOW_SERVICE_AUTH_KEY) are masked
/// unless -ShowSecrets. Reads a local file only: it takes no AWS parameters.
/// </summary>
[Cmdlet(VerbsCommon.Get, "MetaflowConfig")]
[OutputType("MetaflowAws.Engine.Config.MetaflowConfig")]
public sealed class GetMetaflowConfig : PSCmdlet
{
    /// <summary>
    /// Gets or sets the Metaflow profile to read (config_&lt;name&gt;.json); defaults to METAFLOW_PROFILE, else
    /// the default profile (config.json).
    /// </summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MetaflowProfileCompleter))]
    public string? MetaflowProfile { get; set; }

    /// <summary>Gets or sets the folder of Metaflow's config files; defaults to METAFLOW_HOME, else ~/.metaflowconfig.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MetaflowHome { get; set; }

    /// <summary>Gets or sets whether to show secret values (the metadata service's API key) instead of masking them.</summary>
    [Parameter]
    public SwitchParameter ShowSecrets { get; set; }

    protected override void BeginProcessing() => Formats.Ensure(this);

    protected override void ProcessRecord()
    {
        try
        {
            var config = MetaflowConfigFile.Load(ConfigPaths.Resolve(this, MetaflowHome, MetaflowProfile));
            WriteObject(ShowSecrets ? config : config.WithSecretsMasked());
        }
        catch (MetaflowException ex)
        {
            WriteError(MetaflowCmdlet.ToErrorRecord(ex));
        }
    }
}
