using System.Management.Automation;
using MetaflowAws.Engine.Config;

namespace MetaflowAws.Cmdlets;

/// <summary>Cmdlets that read or write a Metaflow config profile as well as reaching AWS: -MetaflowHome, -MetaflowProfile.</summary>
public abstract class ConfigCmdlet : MetaflowCmdlet
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

    /// <summary>The config file -MetaflowHome / -MetaflowProfile (or the environment) name.</summary>
    internal MetaflowConfigLocation ConfigLocation() => ConfigPaths.Resolve(this, MetaflowHome, MetaflowProfile);
}
