using System.Management.Automation;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>Gets one Metaflow stack, or every Metaflow stack in the region.</summary>
[Cmdlet(VerbsCommon.Get, "MetaflowStack")]
[OutputType("MetaflowAws.Engine.Stacks.MetaflowStack")]
public sealed class GetMetaflowStack : MetaflowCmdlet
{
    /// <summary>Gets or sets the stack name or id; omit it to list the region's Metaflow stacks.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string[]? StackName { get; set; }

    /// <summary>Gets or sets whether to list every stack in the region, not only Metaflow stacks.</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var service = StackService.Create(ResolveSession());
            if (StackName is null || StackName.Length == 0)
            {
                var stacks = Run(ct => service.ListAsync(All, ct));
                StackNameCompleter.Remember(service.Session, stacks.Select(s => s.StackName));
                foreach (var s in stacks) WriteObject(s);
                return;
            }
            foreach (var name in StackName)
                Guard(() => WriteObject(Run(ct => service.GetAsync(name, ct))));
        });
    }
}
