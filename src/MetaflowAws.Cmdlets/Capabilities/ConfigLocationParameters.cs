using System.Management.Automation;
using MetaflowAws.Engine.Config;

namespace MetaflowAws.Cmdlets.Capabilities;

/// <summary>The one definition of -MetaflowHome and -MetaflowProfile, for every cmdlet that reads or writes a Metaflow config.</summary>
internal sealed class ConfigLocationParameters
{
    /// <summary>
    /// Gets or sets the Metaflow profile (config_&lt;name&gt;.json); defaults to METAFLOW_PROFILE, else the default
    /// profile (config.json). Not the AWS profile: that is -ProfileName.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MetaflowProfileCompleter))]
    public string? MetaflowProfile { get; set; }

    /// <summary>Gets or sets the folder of Metaflow's config files; defaults to METAFLOW_HOME, else ~/.metaflowconfig. Created (owner-only) when written to and missing.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MetaflowHome { get; set; }

    /// <summary>The config file these parameters (or the environment) name.</summary>
    internal MetaflowConfigLocation Resolve(PSCmdlet cmdlet) => ConfigPaths.Resolve(cmdlet, MetaflowHome, MetaflowProfile);
}
