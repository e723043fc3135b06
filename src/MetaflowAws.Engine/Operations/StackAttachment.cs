using MetaflowAws.Engine.Stacks;
using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Engine.Operations;

/// <summary>Wait-MetaflowStack's and Resume-MetaflowStackRollback's work: what to wait on for an operation already running or resumed.</summary>
public sealed class StackAttachment(StackService service)
{
    private static readonly IReadOnlySet<string> RollbackDone = new HashSet<string>(StringComparer.Ordinal) { "UPDATE_ROLLBACK_COMPLETE" };

    /// <summary>The stack's operation in progress and how many resources it touches (its resources for a delete, its template's active ones otherwise).</summary>
    public async Task<WaitTarget> PlanWaitAsync(string stackName, CancellationToken ct)
    {
        var stack = await service.GetAsync(stackName, ct).ConfigureAwait(false);
        var expected = 0;
        if (StackStatus.IsInProgress(stack.Status))
        {
            if (stack.Status.StartsWith("DELETE", StringComparison.Ordinal))
                expected = (await service.ResourcesAsync(stack.StackId, ct).ConfigureAwait(false)).Count;
            else
            {
                var body = await service.TemplateBodyAsync(stack.StackId, ct).ConfigureAwait(false);
                expected = TemplatePlan.ActiveResources(TemplateDocument.Parse(body), stack.Parameters, stack.Region, stack.StackName).Count;
            }
        }
        return new WaitTarget(stack.StackId, stack.StackName, expected);
    }

    /// <summary>
    /// The stack whose failed update rollback is to be resumed; refused when there is none, or when a resource to skip is not
    /// one whose rollback failed (ContinueUpdateRollback ResourcesToSkip: resources in UPDATE_FAILED, CloudFormation API reference).
    /// </summary>
    public async Task<MetaflowStack> PlanResumeAsync(string stackName, IReadOnlyList<string> skip, CancellationToken ct)
    {
        var stack = await service.GetMetaflowAsync(stackName, "Resume-MetaflowStackRollback", ct).ConfigureAwait(false);
        if (stack.Status != "UPDATE_ROLLBACK_FAILED")
            throw new MetaflowException(ErrorIds.StackNotUpdatable,
                $"Stack '{stack.StackName}' is {stack.Status}; only a stack in UPDATE_ROLLBACK_FAILED has a rollback to resume.",
                ErrorKind.InvalidOperation, stack.StackName);
        if (skip.Count == 0) return stack;
        var failed = (await service.ResourcesAsync(stack.StackId, ct).ConfigureAwait(false))
            .Where(r => r.ResourceStatus == "UPDATE_FAILED").Select(r => r.LogicalResourceId).ToHashSet(StringComparer.Ordinal);
        // A resource of a nested stack is named NestedStack.LogicalId; CloudFormation judges those itself.
        if (skip.FirstOrDefault(id => !id.Contains('.') && !failed.Contains(id)) is { } wrong)
            throw new MetaflowException(ErrorIds.InvalidParameter,
                $"-SkipResource '{wrong}' is not a resource of '{stack.StackName}' whose rollback failed (UPDATE_FAILED); " +
                (failed.Count == 0 ? "none is." : $"those are: {string.Join(", ", failed.Order(StringComparer.Ordinal))}."),
                ErrorKind.InvalidArgument, wrong);
        return stack;
    }

    /// <summary>Continues the rollback (skipping the given resources) and follows it; UPDATE_ROLLBACK_COMPLETE is its success.</summary>
    public async Task<MetaflowStack> ResumeAsync(MetaflowStack stack, IReadOnlyList<string> skip, IStackWatch watch, CancellationToken ct)
    {
        var after = await service.NewestEventIdAsync(stack.StackId, ct).ConfigureAwait(false);
        await service.ContinueRollbackAsync(stack.StackId, stack.StackName, skip, ct).ConfigureAwait(false);
        return await watch.WaitAsync(service, new WaitTarget(stack.StackId, stack.StackName, 0)
        {
            AfterEventId = after, JustStarted = true, SuccessStatuses = RollbackDone, Operation = "Rollback",
        }, ct).ConfigureAwait(false);
    }
}
