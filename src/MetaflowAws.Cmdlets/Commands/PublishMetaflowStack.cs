using System.Management.Automation;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>Creates the stack when it does not exist and updates it when it does: one idempotent command for ops scripts.</summary>
[Cmdlet(VerbsData.Publish, "MetaflowStack", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("MetaflowAws.Engine.Stacks.MetaflowStack")]
public sealed class PublishMetaflowStack : TemplateCmdlet
{
    /// <summary>Gets or sets the stack name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string StackName { get; set; } = "";

    /// <summary>Gets or sets whether an existing stack moves to the template bundled with this module (a new stack always uses it unless -TemplatePath).</summary>
    [Parameter]
    public SwitchParameter UseBundledTemplate { get; set; }

    /// <summary>Gets or sets whether to return as soon as the operation started.</summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var session = ResolveSession();
            var service = StackService.Create(session);
            var timeout = Timeout;
            var current = Run(ct => service.FindAsync(StackName, ct));
            var result = current is null || IsFailedCreate(current.Status)
                ? CreateFlow(session, service, StackName, disableRollback: false, force: current is not null, NoWait, timeout)
                : UpdateFlow(session, service, current, UseBundledTemplate, NoWait, timeout);
            if (result is not null) WriteObject(result);
        });
    }
}
