using System.Management.Automation;
using MetaflowAws.Engine;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>Deletes a Metaflow stack and waits until it is gone. Resources with DeletionPolicy Retain (the data bucket) are kept.</summary>
[Cmdlet(VerbsCommon.Remove, "MetaflowStack", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType("MetaflowAws.Engine.Stacks.MetaflowStack")]
public sealed class RemoveMetaflowStack : StackCmdlet
{
    /// <summary>Gets or sets the stack name or id.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string StackName { get; set; } = "";

    /// <summary>Gets or sets logical ids of resources to keep, to get past DELETE_FAILED.</summary>
    [Parameter]
    public string[]? RetainResource { get; set; }

    /// <summary>Gets or sets whether to return as soon as the delete was accepted.</summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    /// <summary>
    /// Gets or sets whether to delete the stack's data too: its S3 buckets are emptied (every object
    /// version and delete marker) and removed, though the template retains them. This cannot be undone.
    /// </summary>
    [Parameter]
    public SwitchParameter DeleteData { get; set; }

    /// <summary>Gets or sets whether to return the deleted stack.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var session = ResolveSession();
            var service = StackService.Create(session);
            var stack = Run(ct => service.GetAsync(StackName, ct));
            if (StackStatus.IsInProgress(stack.Status) && stack.Status != "DELETE_IN_PROGRESS")
                throw new MetaflowException(ErrorIds.StackBusy,
                    $"Stack '{stack.StackName}' is {stack.Status}; it cannot be removed until that operation ends. Wait with 'Wait-MetaflowStack -StackName {stack.StackName}', then remove it.",
                    ErrorKind.InvalidOperation, stack.StackName);
            var resources = Run(ct => service.ResourcesAsync(stack.StackId, ct));
            var policies = DeletionPolicies(Run(ct => service.TemplateBodyAsync(stack.StackId, ct)));
            var buckets = resources.Where(r => r.ResourceType == "AWS::S3::Bucket" && r.PhysicalResourceId is not null && r.ResourceStatus != "DELETE_COMPLETE").ToList();
            var kept = new List<string>();
            foreach (var r in resources)
            {
                var policy = policies.GetValueOrDefault(r.LogicalResourceId, "Delete");
                if (RetainResource?.Contains(r.LogicalResourceId) == true) kept.Add($"{r.LogicalResourceId} ({r.PhysicalResourceId}, -RetainResource)");
                else if (r.ResourceType == "AWS::S3::Bucket" && DeleteData) continue;
                else if (policy == "Retain") kept.Add($"{r.LogicalResourceId} ({r.PhysicalResourceId}, DeletionPolicy Retain: its data stays)");
                else if (policy == "Snapshot") kept.Add($"{r.LogicalResourceId}: a final snapshot is kept");
            }
            var action = $"Delete stack and its {resources.Count} resources" +
                         (DeleteData && buckets.Count > 0 ? $"; DELETE ALL DATA in {string.Join(", ", buckets.Select(b => "s3://" + b.PhysicalResourceId))} (every object version) and the bucket itself" : "") +
                         (kept.Count > 0 ? $"; kept: {string.Join("; ", kept)}" : "");
            if (!ShouldProcess(stack.StackName, action)) return;

            var owner = DataBucket.AccountOf(stack);
            var dataBucket = new DataBucket(session);
            var result = Run(async ct =>
            {
                if (DeleteData)
                    foreach (var b in buckets)
                    {
                        var n = await dataBucket.EmptyAndDeleteAsync(b.PhysicalResourceId!, owner, new BucketProgress(this, b.PhysicalResourceId!), ct).ConfigureAwait(false);
                        Post(() => WriteVerbose($"Deleted {n} object version(s) and delete marker(s) and the bucket s3://{b.PhysicalResourceId}."));
                        Post(() => WriteProgress(new ProgressRecord(ProgressActivityId + 1, $"Emptying s3://{b.PhysicalResourceId}", "Done") { RecordType = ProgressRecordType.Completed }));
                    }
                var after = await service.NewestEventIdAsync(stack.StackId, ct).ConfigureAwait(false);
                await service.DeleteAsync(stack.StackId, stack.StackName, RetainResource ?? [], ct).ConfigureAwait(false);
                StackNameCompleter.Forget(service.Session);
                if (NoWait) return await service.GetAsync(stack.StackId, ct).ConfigureAwait(false);
                return await WaitWithProgress(service, stack.StackId, stack.StackName, resources.Count,
                    Timeout, ct, after, justStarted: true);
            });
            if (PassThru) WriteObject(result);
        });
    }

    /// <summary>Each resource's DeletionPolicy in the stack's template (Delete when not given).</summary>
    private static Dictionary<string, string> DeletionPolicies(string templateBody)
    {
        try
        {
            return MetaflowAws.Engine.Templates.TemplateDocument.Parse(templateBody).Section("Resources")
                .Where(r => r.Value is Dictionary<string, object?> d && d.GetValueOrDefault("DeletionPolicy") is string)
                .ToDictionary(r => r.Key, r => (string)((Dictionary<string, object?>)r.Value!)["DeletionPolicy"]!);
        }
        catch (MetaflowAws.Engine.Templates.TemplateFormatException)
        {
            return new();
        }
    }

    private sealed class BucketProgress(RemoveMetaflowStack cmdlet, string bucket) : IProgress<EmptyBucketProgress>
    {
        public void Report(EmptyBucketProgress p) => cmdlet.Post(() => cmdlet.WriteProgress(new ProgressRecord(ProgressActivityId + 1, $"Emptying s3://{bucket}",
            $"{p.Deleted:N0} object versions and delete markers deleted in {p.Batches} batch(es) of up to {DataBucket.BatchSize:N0}")));
    }
}
