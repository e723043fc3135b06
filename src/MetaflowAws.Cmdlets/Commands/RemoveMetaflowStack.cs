using System.Management.Automation;
using MetaflowAws.Cmdlets.Capabilities;
using MetaflowAws.Engine.Operations;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>
/// Deletes a Metaflow stack and waits until it is gone. Resources with DeletionPolicy Retain (the data bucket) are
/// kept. The engine's <see cref="StackRemoval"/> plans what goes and what stays; this cmdlet confirms.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "MetaflowStack", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType("MetaflowAws.Engine.Stacks.MetaflowStack")]
public sealed class RemoveMetaflowStack : MetaflowCmdlet
{
    private StackWatch? _watch;

    private StackWatch Watch => _watch ??= new(this);

    private protected override IReadOnlyList<object> Capabilities => [Watch];

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

    protected override void ProcessRecord() => Guard(() =>
    {
        var follow = Watch.Follow(NoWait);
        var session = ResolveSession();
        var removal = new StackRemoval(session, StackService.Create(session));
        var plan = Run(ct => removal.PlanAsync(StackName, RetainResource ?? [], DeleteData, ct));
        if (!ShouldProcess(plan.Stack.StackName, plan.Action)) return;
        try
        {
            var result = Run(ct => removal.ExecuteAsync(plan, follow, new BucketProgress(this), Log, ct));
            // The UI's alias records would point at a load balancer that is gone (unless it was kept).
            if (Engine.Ui.UiService.RecordOf(plan.Stack) is { } record && RetainResource?.Contains("LoadBalancerUI", StringComparer.Ordinal) != true)
            {
                if (NoWait)
                    WriteWarning($"The stack's delete was not waited for (-NoWait), so the DNS record of {record.Name} was left; once the stack is gone, delete the alias record that points at {record.LoadBalancerDnsName}.");
                else
                    Guard(() => UiDns.Remove(this, new Engine.Ui.UiService(Engine.Ui.UiAws.Create(session)), record));
            }
            if (PassThru) WriteObject(result);
        }
        finally
        {
            StackNameCompleter.Forget(session);
        }
    });

    /// <summary>A progress bar per bucket being emptied, below the stack's.</summary>
    private sealed class BucketProgress(RemoveMetaflowStack cmdlet) : IProgress<EmptyBucketProgress>
    {
        private const int ActivityId = StackWatch.ProgressActivityId + 1;

        public void Report(EmptyBucketProgress p) => cmdlet.Post(() => cmdlet.WriteProgress(p.Done
            ? new ProgressRecord(ActivityId, $"Emptying s3://{p.Bucket}", "Done") { RecordType = ProgressRecordType.Completed }
            : new ProgressRecord(ActivityId, $"Emptying s3://{p.Bucket}",
                $"{p.Deleted:N0} object versions and delete markers deleted in {p.Batches} batch(es) of up to {DataBucket.BatchSize:N0}")));
    }
}
