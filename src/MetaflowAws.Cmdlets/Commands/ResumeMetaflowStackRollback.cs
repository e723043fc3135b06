using System.Management.Automation;
using MetaflowAws.Engine;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>Finishes the rollback of a stack in UPDATE_ROLLBACK_FAILED (ContinueUpdateRollback), skipping resources that cannot roll back.</summary>
[Cmdlet(VerbsLifecycle.Resume, "MetaflowStackRollback", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType("MetaflowAws.Engine.Stacks.MetaflowStack")]
public sealed class ResumeMetaflowStackRollback : StackCmdlet
{
    /// <summary>Gets or sets the stack name or id.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string StackName { get; set; } = "";

    /// <summary>Gets or sets logical ids of resources that failed to roll back and should be skipped (CloudFormation then treats them as rolled back).</summary>
    [Parameter]
    public string[]? SkipResource { get; set; }

    private static readonly IReadOnlySet<string> Success = new HashSet<string> { "UPDATE_ROLLBACK_COMPLETE" };

    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var service = StackService.Create(ResolveSession());
            var stack = Run(ct => service.GetAsync(StackName, ct));
            if (stack.Status != "UPDATE_ROLLBACK_FAILED")
                throw new MetaflowException(ErrorIds.StackNotUpdatable,
                    $"Stack '{stack.StackName}' is {stack.Status}; only a stack in UPDATE_ROLLBACK_FAILED has a rollback to resume.",
                    ErrorKind.InvalidOperation, stack.StackName);
            var skip = SkipResource ?? [];
            if (!ShouldProcess(stack.StackName, "Continue the update rollback" + (skip.Length > 0 ? $", skipping {string.Join(", ", skip)} (they are left as they are)" : "")))
                return;
            var result = Run(async ct =>
            {
                var after = await service.NewestEventIdAsync(stack.StackId, ct).ConfigureAwait(false);
                await service.ContinueRollbackAsync(stack.StackId, stack.StackName, skip, ct).ConfigureAwait(false);
                return await WaitWithProgress(service, stack.StackId, stack.StackName, 0, Timeout, ct, after, Success, "Rollback", justStarted: true);
            });
            WriteObject(result);
        });
    }
}
