using System.Management.Automation;
using MetaflowAws.Cmdlets.Capabilities;
using MetaflowAws.Engine.Operations;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>
/// Shows what Update-MetaflowStack would change, as objects, and changes nothing: the engine's
/// <see cref="StackUpdate"/> works the plan out locally, with read calls only (no change set, no staging bucket).
/// </summary>
[Cmdlet(VerbsCommon.Get, "MetaflowStackChange")]
[OutputType("MetaflowAws.Engine.Stacks.MetaflowStackChange")]
public sealed class GetMetaflowStackChange : MetaflowCmdlet
{
    private TemplateInputs? _template;

    private TemplateInputs Template => _template ??= new(this);

    private protected override IReadOnlyList<object> Capabilities => [Template];

    /// <summary>Gets or sets the stack name or id.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string StackName { get; set; } = "";

    /// <summary>Gets or sets whether to compare with the template bundled with this module version.</summary>
    [Parameter]
    public SwitchParameter UseBundledTemplate { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        var session = ResolveSession();
        var update = new StackUpdate(session, StackService.Create(session));
        var plan = Run(ct => update.PlanAsync(Template.Input(StackName, UseBundledTemplate), current: null, ct));
        if (!plan.Preview.HasChanges) WriteVerbose($"No changes to stack '{plan.Current.StackName}'.");
        foreach (var change in plan.Preview.Changes) WriteObject(change);
    });
}
