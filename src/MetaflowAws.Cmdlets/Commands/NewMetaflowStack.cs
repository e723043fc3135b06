using System.Management.Automation;
using MetaflowAws.Engine;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>Deploys Metaflow: creates the stack from the bundled template (or -TemplatePath), waits with progress, returns the stack.</summary>
[Cmdlet(VerbsCommon.New, "MetaflowStack", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("MetaflowAws.Engine.Stacks.MetaflowStack")]
public sealed class NewMetaflowStack : TemplateCmdlet
{
    /// <summary>Gets or sets the name of the stack to create.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string StackName { get; set; } = "";

    /// <summary>Gets or sets whether to keep what was created when the create fails (no rollback), for inspection.</summary>
    [Parameter]
    public SwitchParameter DisableRollback { get; set; }

    /// <summary>Gets or sets whether to return as soon as CloudFormation accepted the request, without waiting.</summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    /// <summary>Gets or sets whether to replace a stack left by a failed create (ROLLBACK_COMPLETE): delete it, then create it again, after confirmation; and to deploy a -TemplatePath whose template checks (Test-MetaflowTemplate) report errors.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var session = ResolveSession();
            var result = CreateFlow(session, StackService.Create(session), StackName, DisableRollback, Force, NoWait,
                Timeout);
            if (result is not null) WriteObject(result);
        });
    }
}
