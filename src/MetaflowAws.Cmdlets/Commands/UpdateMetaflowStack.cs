using System.Management.Automation;
using MetaflowAws.Cmdlets.Capabilities;
using MetaflowAws.Engine.Operations;
using MetaflowAws.Engine.PostDeploy;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>
/// Changes a Metaflow stack through a change set: parameters not given keep their values; the
/// changes are shown (replacements of data called out) before anything runs; waits with progress. The work is the
/// engine's <see cref="StackUpdate"/> (then <see cref="SchemaMigrationService"/> when the metadata image changed).
/// </summary>
[Cmdlet(VerbsData.Update, "MetaflowStack", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("MetaflowAws.Engine.Stacks.MetaflowStack")]
public sealed class UpdateMetaflowStack : MetaflowCmdlet
{
    private TemplateInputs? _template;
    private StackWatch? _watch;
    private readonly UiDns _dns = new();

    private TemplateInputs Template => _template ??= new(this);

    private StackWatch Watch => _watch ??= new(this);

    private protected override IReadOnlyList<object> Capabilities => [Template, Watch, _dns];

    /// <summary>Gets or sets the stack name or id.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string StackName { get; set; } = "";

    /// <summary>Gets or sets whether to update to the template bundled with this module version (by default the stack keeps its template).</summary>
    [Parameter]
    public SwitchParameter UseBundledTemplate { get; set; }

    /// <summary>
    /// Gets or sets whether the update may remove or replace resources that hold data or ids in use (bucket, database and
    /// its secret, DynamoDB table, VPC, subnets, job queue, the roles in the Metaflow config). Without it such an update
    /// is refused before anything changes; with it, it is confirmed as a high-impact change.
    /// </summary>
    [Parameter]
    public SwitchParameter AllowDataReplacement { get; set; }

    /// <summary>Gets or sets whether to return as soon as the update started, without waiting.</summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    /// <summary>Gets or sets whether to leave the database schema as it is when the update changes MetadataServiceImage
    /// (by default the module upgrades it through the migration function once the update completes).</summary>
    [Parameter]
    public SwitchParameter SkipDbMigration { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        var follow = Watch.Follow(NoWait);
        var session = ResolveSession();
        var update = new StackUpdate(session, StackService.Create(session));
        var plan = Run(ct => update.PlanAsync(Template.Input(StackName, UseBundledTemplate) with { AllowDataReplacement = AllowDataReplacement }, current: null, ct));
        _dns.Check(plan.Update.MergedValues);
        if (Deploying.Update(this, update, plan, follow) is not { } outcome) return;
        WriteObject(outcome.Stack);
        if (outcome.Changed && KeptStageService.NeedsDeployment(plan.Current, outcome.Stack)) DeployKeptStage(session, outcome.Stack);
        if (outcome.Changed && ImageChanged(plan.Current, outcome.Stack)) MigrateSchema(session, outcome.Stack);
        Guard(() => _dns.After(this, session, plan.Current, outcome.Stack));
    });

    private static bool ImageChanged(MetaflowStack before, MetaflowStack after)
        => after.Status == "UPDATE_COMPLETE"
           && after.Parameters.TryGetValue(MetaflowParameters.ImageParameter, out var image)
           && before.Parameters.GetValueOrDefault(MetaflowParameters.ImageParameter) != image;

    /// <summary>A stage takes a changed policy, or the kept metaflow-tools stage changed methods, only through a new deployment.</summary>
    private void DeployKeptStage(Engine.Aws.AwsSession session, MetaflowStack stack) => Guard(() =>
    {
        var id = Run(ct => new KeptStageService(AwsClients.ApiGateway(session), session).DeployAsync(stack, ct));
        WriteInformation(new HostInformationMessage
        {
            Message = $"Deployed the API to stage '{KeptStageService.StageName}' of '{stack.StackName}' (deployment {id}): APIBasicAuth={stack.Parameters.GetValueOrDefault(MetaflowParameters.ApiKeyParameter)}" +
                      (stack.Parameters.GetValueOrDefault(MetaflowParameters.ApiAllowListParameter) is { Length: > 0 } cidrs ? $" and the allow-list {cidrs}" : "") + " now apply.",
        }, ["PSHOST"]);
    });

    /// <summary>A new metadata service image may expect a newer schema: upgrade it, as the image's own release notes ask.</summary>
    private void MigrateSchema(Engine.Aws.AwsSession session, MetaflowStack stack)
    {
        var image = stack.Parameters[MetaflowParameters.ImageParameter];
        if (SkipDbMigration)
        {
            WriteWarning($"The metadata service image is now {image}; its database schema was not upgraded (-SkipDbMigration). Run 'Invoke-MetaflowDbMigration -StackName {stack.StackName}' when ready.");
            return;
        }
        if (stack.Outputs.All(o => o.OutputKey != SchemaMigrationService.FunctionOutput))
        {
            WriteWarning($"The metadata service image is now {image}, but stack '{stack.StackName}' has no {SchemaMigrationService.FunctionOutput} output, so its schema was not upgraded. Update it with -UseBundledTemplate, then run 'Invoke-MetaflowDbMigration -StackName {stack.StackName}'.");
            return;
        }
        Guard(() =>
        {
            var result = Run(ct => new SchemaMigrationService(AwsClients.Lambda(session), session).RunAsync(stack, upgrade: true, ct));
            WriteInformation(new HostInformationMessage { Message = $"Metadata database schema of '{stack.StackName}' for image {image}: {result.After ?? result.Before}." }, ["PSHOST"]);
        });
    }
}
