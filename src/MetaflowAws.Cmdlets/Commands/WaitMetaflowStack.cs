using System.Management.Automation;
using MetaflowAws.Cmdlets.Capabilities;
using MetaflowAws.Engine.Operations;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>
/// Attaches to the operation in progress on a stack and waits for its end, with progress. A rollback is an error.
/// The engine's <see cref="StackAttachment"/> works out what to wait on.
/// </summary>
[Cmdlet(VerbsLifecycle.Wait, "MetaflowStack")]
[OutputType("MetaflowAws.Engine.Stacks.MetaflowStack")]
public sealed class WaitMetaflowStack : MetaflowCmdlet
{
    private StackWatch? _watch;

    private StackWatch Watch => _watch ??= new(this);

    private protected override IReadOnlyList<object> Capabilities => [Watch];

    /// <summary>Gets or sets the stack name or id.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string StackName { get; set; } = "";

    protected override void ProcessRecord() => Guard(() =>
    {
        var service = StackService.Create(ResolveSession());
        var attachment = new StackAttachment(service);
        WriteObject(Run(async ct => await Watch.WaitAsync(service, await attachment.PlanWaitAsync(StackName, ct).ConfigureAwait(false), ct).ConfigureAwait(false)));
    });
}
