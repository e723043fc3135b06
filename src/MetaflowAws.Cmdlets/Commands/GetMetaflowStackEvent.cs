using System.Management.Automation;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>Gets a stack's events, newest first.</summary>
[Cmdlet(VerbsCommon.Get, "MetaflowStackEvent")]
[OutputType("MetaflowAws.Engine.Stacks.MetaflowStackEvent")]
public sealed class GetMetaflowStackEvent : MetaflowCmdlet
{
    /// <summary>Gets or sets the stack name or id.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string StackName { get; set; } = "";

    /// <summary>Gets or sets how many of the newest events to return.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? First { get; set; }

    /// <summary>Gets or sets the oldest time of events to return.</summary>
    [Parameter]
    public DateTime? Since { get; set; }

    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var service = StackService.Create(ResolveSession());
            foreach (var e in Run(ct => service.EventsAsync(StackName, First, Since, ct))) WriteObject(e);
        });
    }
}
