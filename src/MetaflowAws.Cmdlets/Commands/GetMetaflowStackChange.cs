using System.Management.Automation;
using MetaflowAws.Engine.Stacks;
using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>Shows what Update-MetaflowStack would change, as objects, and changes nothing: the plan is worked out locally, read calls only.</summary>
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
            // The plan is worked out here, from the stack's template and parameters and the resource specification:
            // a Get sends only read calls (no change set, no staging bucket).
            var plan = PlanUpdate(service, current, UseBundledTemplate);
            var changes = plan.Preview(TemplateInspection.LoadSpecification());
            if (!changes.HasChanges) WriteVerbose($"No changes to stack '{current.StackName}'.");
            foreach (var c in changes.Changes) WriteObject(c);
        });
    }
}
