using System.Management.Automation;
using MetaflowAws.Cmdlets.Capabilities;
using MetaflowAws.Engine.Operations;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>
/// Deploys Metaflow: creates the stack from the bundled template (or -TemplatePath), waits with progress, returns the
/// stack. The work is the engine's <see cref="StackCreation"/>: plan (read calls only), confirm here, execute.
/// </summary>
[Cmdlet(VerbsCommon.New, "MetaflowStack", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("MetaflowAws.Engine.Stacks.MetaflowStack")]
public sealed class NewMetaflowStack : MetaflowCmdlet
{
    private TemplateInputs? _template;
    private StackWatch? _watch;
    private readonly UiDns _dns = new();

    private TemplateInputs Template => _template ??= new(this);

    private StackWatch Watch => _watch ??= new(this);

    private protected override IReadOnlyList<object> Capabilities => [Template, Watch, _dns];

    /// <summary>Gets or sets the name of the stack to create.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string StackName { get; set; } = "";

    /// <summary>Gets or sets whether to keep what was created when the create fails (no rollback), for inspection.</summary>
    [Parameter]
    public SwitchParameter DisableRollback { get; set; }

    /// <summary>Gets or sets whether to return as soon as CloudFormation accepted the request, without waiting.</summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    /// <summary>Gets or sets whether to replace a stack left by a failed create (ROLLBACK_COMPLETE): delete it, then create it again, after confirmation; and to deploy a -TemplatePath whose template checks (Test-MetaflowTemplate) report errors.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        var follow = Watch.Follow(NoWait);
        var session = ResolveSession();
        var creation = new StackCreation(session, StackService.Create(session));
        var input = Template.Input(StackName) with { DisableRollback = DisableRollback, Force = Force };
        var plan = Run(ct => creation.PlanAsync(input, ct));
        _dns.Check(plan.Deployment.ParameterValues);
        if (Deploying.Create(this, session, creation, plan, follow) is not { } stack) return;
        WriteObject(stack);
        _dns.After(this, session, null, stack);
    });
}
