using System.Management.Automation;
using MetaflowAws.Cmdlets.Capabilities;
using MetaflowAws.Engine.Operations;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>
/// Finishes the rollback of a stack in UPDATE_ROLLBACK_FAILED (ContinueUpdateRollback), skipping resources that cannot
/// roll back. The engine's <see cref="StackAttachment"/> checks, resumes and follows it.
/// </summary>
[Cmdlet(VerbsLifecycle.Resume, "MetaflowStackRollback", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType("MetaflowAws.Engine.Stacks.MetaflowStack")]
public sealed class ResumeMetaflowStackRollback : MetaflowCmdlet
{
    private StackWatch? _watch;

    private StackWatch Watch => _watch ??= new(this);

    private protected override IReadOnlyList<object> Capabilities => [Watch];

    /// <summary>Gets or sets the stack name or id.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string StackName { get; set; } = "";

    /// <summary>Gets or sets logical ids of resources that failed to roll back and should be skipped (CloudFormation then treats them as rolled back).</summary>
    [Parameter]
    public string[]? SkipResource { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        var attachment = new StackAttachment(StackService.Create(ResolveSession()));
        var skip = SkipResource ?? [];
        var stack = Run(ct => attachment.PlanResumeAsync(StackName, skip, ct));
        if (!ShouldProcess(stack.StackName, "Continue the update rollback" + (skip.Length > 0 ? $", skipping {string.Join(", ", skip)} (they are left as they are)" : "")))
            return;
        WriteObject(Run(ct => attachment.ResumeAsync(stack, skip, Watch, ct)));
    });
}
