using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.CloudFormation;
using MetaflowAws.Engine.Stacks;
using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Engine.Operations;

/// <summary>A delete worked out before anything is sent: the resources, the data deleted or kept, the confirmation text.</summary>
public sealed class RemovalPlan
{
    internal RemovalPlan(MetaflowStack stack, IReadOnlyList<StackResourceInfo> resources, IReadOnlyList<string> buckets, IReadOnlyList<string> kept, IReadOnlyList<string> retain, bool deleteData)
    {
        Stack = stack;
        Resources = resources;
        BucketsToEmpty = deleteData ? buckets : [];
        Kept = kept;
        Retain = retain;
        Action = $"Delete stack and its {resources.Count} resources" +
                 (BucketsToEmpty.Count > 0 ? $"; DELETE ALL DATA in {string.Join(", ", BucketsToEmpty.Select(b => "s3://" + b))} (every object version) and the bucket itself" : "") +
                 (kept.Count > 0 ? $"; kept: {string.Join("; ", kept)}" : "");
    }

    public MetaflowStack Stack { get; }

    public IReadOnlyList<StackResourceInfo> Resources { get; }

    /// <summary>Buckets emptied and deleted first (only when the user asked to delete the data).</summary>
    public IReadOnlyList<string> BucketsToEmpty { get; }

    /// <summary>What stays after the delete, and why (DeletionPolicy, -RetainResource, snapshot).</summary>
    public IReadOnlyList<string> Kept { get; }

    public IReadOnlyList<string> Retain { get; }

    public string Action { get; }
}

/// <summary>Remove-MetaflowStack's work: plan what goes and what stays (read calls only), then delete after confirmation.</summary>
public sealed class StackRemoval(AwsSession session, StackService service)
{
    public async Task<RemovalPlan> PlanAsync(string stackName, IReadOnlyList<string> retain, bool deleteData, CancellationToken ct)
    {
        var stack = await service.GetMetaflowAsync(stackName, "Remove-MetaflowStack", ct).ConfigureAwait(false);
        if (StackStatus.IsInProgress(stack.Status) && stack.Status != "DELETE_IN_PROGRESS")
            throw new MetaflowException(ErrorIds.StackBusy,
                $"Stack '{stack.StackName}' is {stack.Status}; it cannot be removed until that operation ends. Wait with 'Wait-MetaflowStack -StackName {stack.StackName}', then remove it.",
                ErrorKind.InvalidOperation, stack.StackName);
        // DeleteStack takes RetainResources only for a stack in DELETE_FAILED, and only its own logical ids (CloudFormation API reference, DeleteStack).
        if (retain.Count > 0 && stack.Status != "DELETE_FAILED")
            throw new MetaflowException(ErrorIds.InvalidParameter,
                $"-RetainResource applies only to a stack in DELETE_FAILED, to get past resources that would not delete; '{stack.StackName}' is {stack.Status}. " +
                "Remove it without -RetainResource (what its template retains, such as the data bucket, stays).",
                ErrorKind.InvalidArgument, stack.StackName);
        var resources = await service.ResourcesAsync(stack.StackId, ct).ConfigureAwait(false);
        if (retain.FirstOrDefault(id => resources.All(r => r.LogicalResourceId != id)) is { } unknown)
            throw new MetaflowException(ErrorIds.InvalidParameter,
                $"-RetainResource '{unknown}' is not a resource of stack '{stack.StackName}'; its resources: {string.Join(", ", resources.Select(r => r.LogicalResourceId).Order(StringComparer.Ordinal))}.",
                ErrorKind.InvalidArgument, unknown);
        var policies = DeletionPolicies(await service.TemplateBodyAsync(stack.StackId, ct).ConfigureAwait(false));
        // A bucket kept with -RetainResource keeps its data too: -DeleteData empties only the buckets that go.
        var buckets = resources.Where(r => r.ResourceType == "AWS::S3::Bucket" && r.PhysicalResourceId is not null && r.ResourceStatus != "DELETE_COMPLETE"
                && !retain.Contains(r.LogicalResourceId))
            .Select(r => r.PhysicalResourceId!).ToList();
        var kept = new List<string>();
        foreach (var r in resources)
        {
            var policy = policies.GetValueOrDefault(r.LogicalResourceId, "Delete");
            if (retain.Contains(r.LogicalResourceId)) kept.Add($"{r.LogicalResourceId} ({r.PhysicalResourceId}, -RetainResource)");
            else if (r.ResourceType == "AWS::S3::Bucket" && deleteData) continue;
            else if (policy == "Retain") kept.Add($"{r.LogicalResourceId} ({r.PhysicalResourceId}, DeletionPolicy Retain: its data stays)");
            else if (policy == "Snapshot") kept.Add($"{r.LogicalResourceId}: a final snapshot is kept");
        }
        return new RemovalPlan(stack, resources, buckets, kept, retain, deleteData);
    }

    /// <summary>Empties and deletes the buckets when asked, deletes the stack and follows the delete.</summary>
    public async Task<MetaflowStack> ExecuteAsync(RemovalPlan plan, Follow follow, IProgress<EmptyBucketProgress>? emptying, IOperationLog log, CancellationToken ct)
    {
        var stack = plan.Stack;
        var owner = DataBucket.AccountOf(stack);
        var dataBucket = new DataBucket(session);
        foreach (var bucket in plan.BucketsToEmpty)
        {
            var n = await dataBucket.EmptyAndDeleteAsync(bucket, owner, emptying, ct).ConfigureAwait(false);
            log.Verbose($"Deleted {n} object version(s) and delete marker(s) and the bucket s3://{bucket}.");
        }
        var after = await service.NewestEventIdAsync(stack.StackId, ct).ConfigureAwait(false);
        await service.DeleteAsync(stack.StackId, stack.StackName, plan.Retain, ct).ConfigureAwait(false);
        return await follow.EndAsync(service, new WaitTarget(stack.StackId, stack.StackName, plan.Resources.Count) { AfterEventId = after, JustStarted = true }, ct).ConfigureAwait(false);
    }

    /// <summary>Each resource's DeletionPolicy in the stack's template (Delete when not given).</summary>
    private static Dictionary<string, string> DeletionPolicies(string templateBody)
    {
        try
        {
            return TemplateDocument.Parse(templateBody).Section("Resources")
                .Where(r => r.Value is Dictionary<string, object?> d && d.GetValueOrDefault("DeletionPolicy") is string)
                .ToDictionary(r => r.Key, r => (string)((Dictionary<string, object?>)r.Value!)["DeletionPolicy"]!);
        }
        catch (TemplateFormatException)
        {
            return [];
        }
    }
}
