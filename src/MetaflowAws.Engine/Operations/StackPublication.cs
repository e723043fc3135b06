using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Engine.Operations;

/// <summary>Publish-MetaflowStack's decision: create when the stack is missing (or left by a failed create), update when it is there.</summary>
public sealed class StackPublication(AwsSession session, StackService service)
{
    public StackCreation Creation { get; } = new(session, service);

    public StackUpdate Update { get; } = new(session, service);

    /// <summary>Either plan, whichever applies; read calls only.</summary>
    public async Task<(CreationPlan? Create, UpdateOperationPlan? Update)> PlanAsync(DeployInput input, CancellationToken ct)
    {
        var current = await service.FindAsync(input.StackName, ct).ConfigureAwait(false);
        if (current is not null) StackService.EnsureMetaflow(current, "Publish-MetaflowStack");
        if (current is null || StackCreation.IsFailedCreate(current.Status))
            return (await Creation.PlanAsync(input with { Force = current is not null }, ct).ConfigureAwait(false), null);
        return (null, await Update.PlanAsync(input, current, ct).ConfigureAwait(false));
    }
}
