using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Stacks;
using MetaflowAws.Engine.Staging;

namespace MetaflowAws.Engine.Operations;

/// <summary>What the user asked to deploy: the stack, the template (the bundled one when no path), its values.</summary>
public sealed record DeployInput
{
    public required string StackName { get; init; }

    /// <summary>A file path (already resolved by the caller), or null for the bundled template.</summary>
    public string? TemplatePath { get; init; }

    /// <summary>Whether an existing stack moves to the bundled template (updates only; a new stack always gets it unless TemplatePath).</summary>
    public bool UseBundledTemplate { get; init; }

    public string? TemplateBucket { get; init; }

    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Stack tags; null keeps an existing stack's tags.</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    public bool DisableRollback { get; init; }

    /// <summary>Replace a stack left by a failed create; deploy a template of the user's whose checks report errors.</summary>
    public bool Force { get; init; }

    /// <summary>Let an update remove or replace data-bearing or identity resources (refused otherwise).</summary>
    public bool AllowDataReplacement { get; init; }
}

/// <summary>A create worked out before anything is sent: what will be made, what is replaced first, what to tell the user.</summary>
public sealed class CreationPlan
{
    internal CreationPlan(DeployInput input, DeploymentPlan deployment, MetaflowStack? replaces, IReadOnlyList<string> warnings, string region)
    {
        Input = input;
        Deployment = deployment;
        ReplacesFailedStack = replaces;
        Warnings = warnings;
        var capabilities = deployment.Capabilities.Count == 0 ? "" : $", acknowledging {string.Join(" and ", deployment.Capabilities)} (the template creates IAM roles)";
        Action = TemplateGate.StagingText(region, input.StackName, deployment.NeedsStagingUpload, deployment.TemplateBody, deployment.Template.ByteSize, input.TemplateBucket) +
                 $"Create stack with {deployment.ExpectedResources} resources from {Path.GetFileName(deployment.TemplatePath)} in {region}{capabilities}";
        if (input.TemplateBucket is not null && !deployment.NeedsStagingUpload)
            Notes = [$"The template is {deployment.Template.ByteSize:N0} bytes, within CloudFormation's inline limit: it is sent directly and -TemplateBucket is not used."];
    }

    public DeployInput Input { get; }

    public DeploymentPlan Deployment { get; }

    /// <summary>A stack of the same name left by a failed create, deleted first (only with Force).</summary>
    public MetaflowStack? ReplacesFailedStack { get; }

    /// <summary>Confirmation text of the replacement, when there is one.</summary>
    public string? ReplaceAction => ReplacesFailedStack is { } s ? $"Delete the failed stack ({s.Status}) so it can be created again" : null;

    /// <summary>Confirmation text of the create: staging, resources, capabilities.</summary>
    public string Action { get; }

    /// <summary>Template check findings to show before confirming.</summary>
    public IReadOnlyList<string> Warnings { get; }

    public IReadOnlyList<string> Notes { get; } = [];
}

/// <summary>New-MetaflowStack's work: plan (read calls only), then create after the caller confirmed.</summary>
public sealed class StackCreation(AwsSession session, StackService service)
{
    /// <summary>Stacks that failed to create: they can only be deleted, or replaced with -Force.</summary>
    public static bool IsFailedCreate(string status) => status is "ROLLBACK_COMPLETE" or "ROLLBACK_FAILED" or "CREATE_FAILED";

    public async Task<CreationPlan> PlanAsync(DeployInput input, CancellationToken ct)
    {
        if (input.TemplateBucket is not null) TemplateStaging.ValidateBucketName(input.TemplateBucket);
        // UpgradedFrom keeps what a metaflow-tools stack has (its stage made by its deployment, its secret): a new stack
        // has none of it, and its usage plan would wait on no stage.
        if (input.TemplatePath is null && input.Parameters.TryGetValue(MetaflowParameters.UpgradedFromParameter, out var from) && from != "none")
            throw new MetaflowException(ErrorIds.InvalidParameter,
                $"-Parameter {MetaflowParameters.UpgradedFromParameter} '{from}' is for a stack moved from that template by Update-MetaflowStack -UseBundledTemplate, " +
                "which sets it; a new stack takes 'none' (leave it out).", ErrorKind.InvalidArgument, from);
        var deployment = DeploymentPlan.Create(new DeploymentRequest
        {
            StackName = input.StackName,
            TemplatePath = input.TemplatePath,
            Parameters = input.Parameters,
            Tags = input.Tags ?? new Dictionary<string, string>(),
            DisableRollback = input.DisableRollback,
        }, session.Region);
        var warnings = input.TemplatePath is null ? [] : TemplateGate.Check(deployment.TemplatePath, input.Force);

        var existing = await service.FindAsync(input.StackName, ct).ConfigureAwait(false);
        if (existing is not null)
        {
            var name = input.StackName;
            if (!existing.IsMetaflowStack)
                throw new MetaflowException(ErrorIds.StackAlreadyExists,
                    $"A stack named '{name}' already exists in {existing.Region} ({existing.Status}), and it is not a Metaflow stack (no Metaflow template made it): " +
                    "nothing was sent. Choose another -StackName; the module never replaces or changes another stack.",
                    ErrorKind.ResourceExists, name);
            if (StackStatus.IsInProgress(existing.Status))
                throw new MetaflowException(ErrorIds.StackBusy,
                    $"Stack '{name}' exists and is {existing.Status}. Wait for it with 'Wait-MetaflowStack -StackName {name}'.",
                    ErrorKind.InvalidOperation, name);
            if (!IsFailedCreate(existing.Status))
                throw new MetaflowException(ErrorIds.StackAlreadyExists,
                    $"A stack named '{name}' already exists in {existing.Region} ({existing.Status}). Change it with Update-MetaflowStack (or Publish-MetaflowStack, which creates or updates).",
                    ErrorKind.ResourceExists, name);
            if (!input.Force)
                throw new MetaflowException(ErrorIds.StackAlreadyExists,
                    $"A stack named '{name}' exists in {existing.Status} from a failed create; it cannot be updated. Replace it with 'New-MetaflowStack -StackName {name} -Force' (deletes it, then creates it again), or remove it with Remove-MetaflowStack.",
                    ErrorKind.ResourceExists, name);
        }
        // A certificate the listener cannot use would fail the create minutes in: checked now (a read call).
        if (Ui.UiRules.From(deployment.ParameterValues) is { } ui)
            await Ui.UiRules.CheckCertificateAsync(Ui.UiAws.Create(session), ui, session.Region, ct).ConfigureAwait(false);
        return new CreationPlan(input, deployment, existing, warnings, session.Region);
    }

    /// <summary>Carries out a confirmed plan: deletes the failed stack first (always waited on: the name must be free), stages, creates, follows.</summary>
    public async Task<MetaflowStack> ExecuteAsync(CreationPlan plan, Follow follow, IOperationLog log, CancellationToken ct)
    {
        var name = plan.Input.StackName;
        if (plan.ReplacesFailedStack is { } old)
        {
            var after = await service.NewestEventIdAsync(old.StackId, ct).ConfigureAwait(false);
            await service.DeleteAsync(old.StackId, name, [], ct).ConfigureAwait(false);
            await follow.Watch.WaitAsync(service, new WaitTarget(old.StackId, name, 0) { AfterEventId = after, JustStarted = true }, ct).ConfigureAwait(false);
        }
        var deployment = plan.Deployment;
        var url = await TemplateGate.StageAsync(session, name, deployment.NeedsStagingUpload, deployment.TemplateBody, plan.Input.TemplateBucket, log, ct).ConfigureAwait(false);
        var stackId = await service.CreateAsync(deployment.ToCreateRequest(url), ct).ConfigureAwait(false);
        return await follow.EndAsync(service, new WaitTarget(stackId, name, deployment.ExpectedResources) { JustStarted = true }, ct).ConfigureAwait(false);
    }
}
