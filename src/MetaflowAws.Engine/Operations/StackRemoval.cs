using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.CloudFormation;
using MetaflowAws.Engine.Stacks;
using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Engine.Operations;

/// <summary>A delete worked out before anything is sent: the resources, the data deleted or kept, the confirmation text.</summary>
public sealed class RemovalPlan
{
    internal RemovalPlan(MetaflowStack stack, IReadOnlyList<StackResourceInfo> resources, IReadOnlyList<string> buckets, IReadOnlyList<string> kept, IReadOnlyList<string> retain, bool deleteData,
        ProtectionLift? lift)
    {
        Stack = stack;
        Resources = resources;
        BucketsToEmpty = deleteData ? buckets : [];
        Kept = kept;
        Retain = retain;
        Lift = lift;
        Action = (lift is null ? "" : $"Turn off the stack's deletion protection ({string.Join(", ", lift.Protected)}) with an update that changes nothing else, then ") +
                 $"Delete stack and its {resources.Count} resources" +
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

    /// <summary>The update that turns DeletionProtection off before the delete (null when the stack is not protected).</summary>
    public ProtectionLift? Lift { get; }

    public string Action { get; }
}

/// <summary>
/// An update of a deletion-protected stack that sets its DeletionProtection parameter to 'false' and keeps the
/// template and every other value; the database and user pool would otherwise fail to delete (DELETE_FAILED).
/// </summary>
public sealed record ProtectionLift(IReadOnlyList<string> Protected, IReadOnlyList<string> ParameterKeys, IReadOnlyList<string> Capabilities);

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
        var body = await service.TemplateBodyAsync(stack.StackId, ct).ConfigureAwait(false);
        var template = TryParse(body);
        var policies = DeletionPolicies(template);
        var (lift, stuck) = LiftFor(stack, template, resources, retain);
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
        if (stuck is not null) kept.Add(stuck);
        return new RemovalPlan(stack, resources, buckets, kept, retain, deleteData, lift);
    }

    /// <summary>Resources the template protects from deletion when its DeletionProtection parameter is 'true'.</summary>
    private static readonly string[] ProtectedTypes = ["AWS::RDS::DBInstance", "AWS::Cognito::UserPool"];

    /// <summary>
    /// The update that lifts the stack's deletion protection, when it has the parameter set to 'true' and protected
    /// resources still standing. A stack in DELETE_FAILED cannot be updated (CloudFormation accepts only a delete
    /// then); the delete then stops at the protected resources again, which -RetainResource gets past.
    /// </summary>
    private static (ProtectionLift? Lift, string? Stuck) LiftFor(MetaflowStack stack, TemplateDocument? template, IReadOnlyList<StackResourceInfo> resources, IReadOnlyList<string> retain)
    {
        if (template is null || stack.Parameters.GetValueOrDefault(MetaflowParameters.DeletionProtectionParameter) != "true") return (null, null);
        var standing = resources.Where(r => ProtectedTypes.Contains(r.ResourceType) && r.ResourceStatus is not ("DELETE_COMPLETE" or null) && r.PhysicalResourceId is not null
                && !retain.Contains(r.LogicalResourceId))
            .Select(r => r.LogicalResourceId).ToList();
        if (standing.Count == 0) return (null, null);
        if (!Updatable.Contains(stack.Status))
            return (null, $"{string.Join(", ", standing)}: deletion protection is on and a stack in {stack.Status} cannot take the update that turns it off, " +
                          $"so the delete stops there (DELETE_FAILED); remove the stack again with -RetainResource {string.Join(",", standing)} and delete those yourself once protection is off");
        var keys = template.Section("Parameters").Keys.Where(stack.Parameters.ContainsKey).ToList();
        return (new ProtectionLift(standing, keys, DeploymentPlan.CapabilitiesFor(template)), null);
    }

    /// <summary>Statuses in which CloudFormation takes an update (UpdateStack / ExecuteChangeSet).</summary>
    private static readonly HashSet<string> Updatable = new(StringComparer.Ordinal)
        { "CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE" };

    /// <summary>Sets DeletionProtection to 'false', keeping the template and every other value, and waits until the update ends.</summary>
    private async Task LiftProtectionAsync(MetaflowStack stack, ProtectionLift lift, Follow follow, IOperationLog log, CancellationToken ct)
    {
        var changeSets = new ChangeSetService(service.CloudFormation, session);
        var changes = await changeSets.CreateAsync(new CreateChangeSetRequest
        {
            StackName = stack.StackId,
            ChangeSetName = "metaflowaws-unprotect-" + DateTime.UtcNow.ToString("yyyyMMddHHmmss"),
            UsePreviousTemplate = true,
            Parameters = lift.ParameterKeys.Select(k => k == MetaflowParameters.DeletionProtectionParameter
                ? new StackParameter(k, "false") : new StackParameter(k, null, UsePreviousValue: true)).ToList(),
            Capabilities = lift.Capabilities,
            Description = "Remove-MetaflowStack: deletion protection off",
            ClientToken = "metaflowaws-" + Guid.NewGuid().ToString("N"),
        }, ct).ConfigureAwait(false);
        if (!changes.HasChanges) return;
        // Anything but the protection flag changing would be a surprise on the way to a delete: refused, nothing executed.
        var unexpected = changes.Changes.Where(c => c.Action != "Modify" || !lift.Protected.Contains(c.LogicalResourceId)).ToList();
        if (unexpected.Count > 0)
        {
            await changeSets.DeleteAsync(changes.ChangeSetId, stack.StackName, ct).ConfigureAwait(false);
            throw new MetaflowException(ErrorIds.ChangeSetFailed,
                $"Turning off the deletion protection of '{stack.StackName}' would also change {string.Join(", ", unexpected.Select(c => $"{c.Action} {c.LogicalResourceId}"))}; nothing was changed or deleted. " +
                $"Set it off yourself with 'Update-MetaflowStack -StackName {stack.StackName} -NoDeletionProtection', then remove the stack.",
                ErrorKind.InvalidOperation, stack.StackName);
        }
        log.Verbose($"Turning off deletion protection of {string.Join(", ", lift.Protected)} (change set {changes.ChangeSetId}).");
        var after = await service.NewestEventIdAsync(stack.StackId, ct).ConfigureAwait(false);
        await changeSets.ExecuteAsync(changes.ChangeSetId, stack.StackName, ct).ConfigureAwait(false);
        // The delete must not start before the update has ended, -NoWait or not.
        await follow.Watch.WaitAsync(service, new WaitTarget(stack.StackId, stack.StackName, changes.Changes.Count)
        {
            AfterEventId = after, JustStarted = true, SuccessStatuses = Updated, Operation = "Deletion protection off",
        }, ct).ConfigureAwait(false);
    }

    private static readonly IReadOnlySet<string> Updated = new HashSet<string>(StringComparer.Ordinal) { "UPDATE_COMPLETE" };

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
        if (plan.Lift is { } lift) await LiftProtectionAsync(stack, lift, follow, log, ct).ConfigureAwait(false);
        var after = await service.NewestEventIdAsync(stack.StackId, ct).ConfigureAwait(false);
        await service.DeleteAsync(stack.StackId, stack.StackName, plan.Retain, ct).ConfigureAwait(false);
        return await follow.EndAsync(service, new WaitTarget(stack.StackId, stack.StackName, plan.Resources.Count) { AfterEventId = after, JustStarted = true }, ct).ConfigureAwait(false);
    }

    /// <summary>Each resource's DeletionPolicy in the stack's template (Delete when not given).</summary>
    private static Dictionary<string, string> DeletionPolicies(TemplateDocument? template)
        => template is null ? [] : template.Section("Resources")
            .Where(r => r.Value is Dictionary<string, object?> d && d.GetValueOrDefault("DeletionPolicy") is string)
            .ToDictionary(r => r.Key, r => (string)((Dictionary<string, object?>)r.Value!)["DeletionPolicy"]!);

    private static TemplateDocument? TryParse(string body)
    {
        try { return TemplateDocument.Parse(body); }
        catch (TemplateFormatException) { return null; }
    }
}
