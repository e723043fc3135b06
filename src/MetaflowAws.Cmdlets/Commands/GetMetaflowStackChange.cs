using System.Management.Automation;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>Shows what Update-MetaflowStack would change, as objects, and changes nothing (the change set is deleted).</summary>
[Cmdlet(VerbsCommon.Get, "MetaflowStackChange")]
[OutputType("MetaflowAws.Engine.Stacks.MetaflowStackChange")]
public sealed class GetMetaflowStackChange : TemplateCmdlet
{
    /// <summary>Gets or sets the stack name or id.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string StackName { get; set; } = "";

    /// <summary>Gets or sets whether to compare with the template bundled with this module version.</summary>
    [Parameter]
    public SwitchParameter UseBundledTemplate { get; set; }

    // This cmdlet never waits on a stack operation, so the waiting parameters of the base class are hidden:
    // PowerShell takes parameters from the most derived property of a name, and these carry no [Parameter].
    /// <summary>Not a parameter here: nothing is waited on.</summary>
    public new int? TimeoutSec => null;

    /// <summary>Not a parameter here: a change set writes no stack events.</summary>
    public new SwitchParameter ShowEvents => default;

    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var session = ResolveSession();
            var service = StackService.Create(session);
            var current = Run(ct => service.GetAsync(StackName, ct));
            var plan = PlanUpdate(service, current, UseBundledTemplate);
            var changes = CreateChangeSet(session, service, plan);
            if (changes.HasChanges)
                Run(ct => new ChangeSetService(service.CloudFormation, session).DeleteAsync(changes.ChangeSetId, current.StackName, ct));
            else
                WriteVerbose($"No changes to stack '{current.StackName}'.");
            foreach (var c in changes.Changes) WriteObject(c);
        });
    }
}
