using System.Management.Automation;
using MetaflowAws.Engine.Stacks;
using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>Attaches to the operation in progress on a stack and waits for its end, with progress. A rollback is an error.</summary>
[Cmdlet(VerbsLifecycle.Wait, "MetaflowStack")]
[OutputType("MetaflowAws.Engine.Stacks.MetaflowStack")]
public sealed class WaitMetaflowStack : StackCmdlet
{
    /// <summary>Gets or sets the stack name or id.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string StackName { get; set; } = "";

    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var service = StackService.Create(ResolveSession());
            var result = Run(async ct =>
            {
                var stack = await service.GetAsync(StackName, ct).ConfigureAwait(false);
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
                return await WaitWithProgress(service, stack.StackId, stack.StackName, expected, Timeout, ct);
            });
            WriteObject(result);
        });
    }
}
