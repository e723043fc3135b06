using System.Management.Automation;
using MetaflowAws.Cmdlets.Capabilities;
using MetaflowAws.Engine.Operations;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>
/// Creates the stack when it does not exist and updates it when it does: one idempotent command for ops scripts.
/// The engine's <see cref="StackPublication"/> decides which and plans it; this cmdlet confirms.
/// </summary>
[Cmdlet(VerbsData.Publish, "MetaflowStack", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("MetaflowAws.Engine.Stacks.MetaflowStack")]
public sealed class PublishMetaflowStack : MetaflowCmdlet
{
    private TemplateInputs? _template;
    private StackWatch? _watch;
    private readonly UiDns _dns = new();

    private TemplateInputs Template => _template ??= new(this);

    private StackWatch Watch => _watch ??= new(this);

    private protected override IReadOnlyList<object> Capabilities => [Template, Watch, _dns];

    /// <summary>Gets or sets the stack name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string StackName { get; set; } = "";

    /// <summary>Gets or sets whether an existing stack moves to the template bundled with this module (a new stack always uses it unless -TemplatePath).</summary>
    [Parameter]
    public SwitchParameter UseBundledTemplate { get; set; }

    /// <summary>
    /// Gets or sets whether the update may remove or replace resources that hold data or ids in use (bucket, database and
    /// its secret, DynamoDB table, VPC, subnets, job queue, the roles in the Metaflow config). Without it such an update
    /// is refused before anything changes; with it, it is confirmed as a high-impact change.
    /// </summary>
    [Parameter]
    public SwitchParameter AllowDataReplacement { get; set; }

    /// <summary>Gets or sets whether to return as soon as the operation started.</summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        var follow = Watch.Follow(NoWait);
        var session = ResolveSession();
        var publication = new StackPublication(session, StackService.Create(session));
        var (create, update) = Run(ct => publication.PlanAsync(Template.Input(StackName, UseBundledTemplate) with { AllowDataReplacement = AllowDataReplacement }, ct));
        _dns.Check(create?.Deployment.ParameterValues ?? update!.Update.MergedValues);
        var result = create is not null
            ? Deploying.Create(this, session, publication.Creation, create, follow)
            : Deploying.Update(this, publication.Update, update!, follow)?.Stack;
        if (result is null) return;
        WriteObject(result);
        Guard(() => _dns.After(this, session, update?.Current, result));
    });
}
