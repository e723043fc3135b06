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

    /// <summary>Gets or sets the longest time to wait, in seconds.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? TimeoutSec { get; set; }

    /// <summary>Gets or sets whether to return the deleted stack.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var service = StackService.Create(ResolveSession());
            var stack = Run(ct => service.GetAsync(StackName, ct));
            if (StackStatus.IsInProgress(stack.Status) && stack.Status != "DELETE_IN_PROGRESS")
                throw new MetaflowException(ErrorIds.StackBusy,
                    $"Stack '{stack.StackName}' is {stack.Status}; it cannot be removed until that operation ends. Wait with 'Wait-MetaflowStack -StackName {stack.StackName}', then remove it.",
                    ErrorKind.InvalidOperation, stack.StackName);
            var resources = Run(ct => service.ResourcesAsync(stack.StackId, ct));
            var kept = resources.Where(r => r.ResourceType == "AWS::S3::Bucket" || (RetainResource?.Contains(r.LogicalResourceId) ?? false))
                .Select(r => $"{r.LogicalResourceId} ({r.PhysicalResourceId})").ToList();
            var action = $"Delete stack and its {resources.Count} resources" + (kept.Count > 0 ? $"; kept: {string.Join(", ", kept)}" : "");
            if (!ShouldProcess(stack.StackName, action)) return;

            var result = Run(async ct =>
            {
                await service.DeleteAsync(stack.StackId, stack.StackName, RetainResource ?? [], ct).ConfigureAwait(false);
                StackNameCompleter.Forget(service.Session);
                if (NoWait) return await service.GetAsync(stack.StackId, ct).ConfigureAwait(false);
                return WaitWithProgress(service, stack.StackId, stack.StackName, resources.Count,
                    TimeoutSec is { } t ? TimeSpan.FromSeconds(t) : null, ct);
            });
            if (PassThru) WriteObject(result);
        });
    }
}
