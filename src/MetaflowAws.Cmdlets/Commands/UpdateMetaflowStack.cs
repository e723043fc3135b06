using System.Management.Automation;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>
/// Changes a Metaflow stack through a change set: parameters not given keep their values; the
/// changes are shown (replacements of data called out) before anything runs; waits with progress.
/// </summary>
[Cmdlet(VerbsData.Update, "MetaflowStack", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("MetaflowAws.Engine.Stacks.MetaflowStack")]
public sealed class UpdateMetaflowStack : TemplateCmdlet
{
    /// <summary>Gets or sets the stack name or id.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string StackName { get; set; } = "";

    /// <summary>Gets or sets whether to update to the template bundled with this module version (by default the stack keeps its template).</summary>
    [Parameter]
    public SwitchParameter UseBundledTemplate { get; set; }

    /// <summary>Gets or sets whether to return as soon as the update started, without waiting.</summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var session = ResolveSession();
            var service = StackService.Create(session);
            var current = Run(ct => service.GetAsync(StackName, ct));
            var result = UpdateFlow(session, service, current, UseBundledTemplate, NoWait, Timeout);
            if (result is not null) WriteObject(result);
        });
    }
}
