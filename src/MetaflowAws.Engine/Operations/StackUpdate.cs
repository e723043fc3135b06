using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Stacks;
using MetaflowAws.Engine.Staging;
using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Engine.Operations;

/// <summary>An update worked out locally (read calls only): the change preview, what it puts at risk, the confirmation text.</summary>
public sealed class UpdateOperationPlan
{
    internal UpdateOperationPlan(DeployInput input, MetaflowStack current, UpdatePlan update, StackChangePlan preview, IReadOnlyList<string> notes)
    {
        Notes = notes;
        Input = input;
        Current = current;
        Update = update;
        Preview = preview;
        AtRisk = preview.Changes.Where(c => c.Risk != ChangeRisks.None).ToList();
        Warnings = StackUpdate.ReplacementWarnings(preview.Changes);
        var staging = update.NeedsStagingUpload
            ? $" The template ({update.Template.ByteSize:N0} bytes) is first uploaded to {(input.TemplateBucket is null ? "the module's staging bucket" : "s3://" + input.TemplateBucket)}."
            : "";
        Action = "Update stack: " + preview.Summary() + staging;
    }

    public DeployInput Input { get; }

    public MetaflowStack Current { get; }

    public UpdatePlan Update { get; }

    /// <summary>The changes as the resource specification predicts them.</summary>
    public StackChangePlan Preview { get; }

    /// <summary>What the plan decided on its own (values kept or given way), to tell the user before confirming.</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>Changes that remove or replace data-bearing or identity resources: refused unless allowed, then confirmed.</summary>
    public IReadOnlyList<MetaflowStackChange> AtRisk { get; }

    /// <summary>Refuses an update that puts data or identities at risk, unless the user allowed it explicitly.</summary>
    public void EnsureAllowed() => StackUpdate.EnsureAllowed(Current.StackName, AtRisk, Input.AllowDataReplacement, "the preview");

    /// <summary>The question a risky update is confirmed with.</summary>
    public string RiskQuestion => $"This update of '{Current.StackName}' REMOVES OR REPLACES {AtRisk.Count} resource(s) holding data or ids in use: " +
                                  string.Join("; ", AtRisk.Select(c => $"{c.LogicalResourceId} ({c.ResourceType}, {c.Risk})")) + ". Continue?";

    /// <summary>Replacements to warn about before confirming, louder when they hold data.</summary>
    public IReadOnlyList<string> Warnings { get; }

    public string Action { get; }
}

/// <summary>The end of an update: the stack, and whether CloudFormation found anything to change.</summary>
public sealed record UpdateOutcome(MetaflowStack Stack, bool Changed);

/// <summary>Update-MetaflowStack's and Get-MetaflowStackChange's work: plan locally, then change set, execute, follow.</summary>
public sealed class StackUpdate(AwsSession session, StackService service)
{
    /// <summary>Reads the stack and its template and predicts the changes; sends only read calls.</summary>
    public async Task<UpdateOperationPlan> PlanAsync(DeployInput input, MetaflowStack? current, CancellationToken ct)
    {
        if (input.TemplateBucket is not null) TemplateStaging.ValidateBucketName(input.TemplateBucket);
        if (input.TemplatePath is not null && input.UseBundledTemplate)
            throw new MetaflowException(ErrorIds.InvalidParameter,
                "-UseBundledTemplate and -TemplatePath each name the template to update to: give one of them.", ErrorKind.InvalidArgument, "UseBundledTemplate");
        current ??= await service.GetAsync(input.StackName, ct).ConfigureAwait(false);
        StackService.EnsureMetaflow(current, "the update");
        EnsureUpdatable(current);

        var path = input.TemplatePath ?? (input.UseBundledTemplate ? DeploymentPlan.DefaultTemplatePath() : null);
        string? body = null;
        if (path is not null) DeploymentPlan.LoadTemplate(path, out body);
        var currentBody = await service.TemplateBodyAsync(current.StackId, ct).ConfigureAwait(false);
        var kept = body is null ? [] : await KeptIdentitiesAsync(current, currentBody, body, input.Parameters, ct).ConfigureAwait(false);
        var parameters = new Dictionary<string, string>(input.Parameters, StringComparer.Ordinal);
        foreach (var (name, value, _) in kept) parameters[name] = value;
        var update = UpdatePlan.Create(new UpdateRequest
        {
            Current = current,
            TemplateBody = body,
            TemplatePath = path,
            CurrentTemplateBody = currentBody,
            Parameters = parameters,
            Tags = input.Tags,
        });
        // The UI turned on, or given another domain or certificate: its certificate is checked now (read call only).
        if (Ui.UiRules.From(update.MergedValues) is { } ui && Ui.UiRules.From(current.Parameters) != ui)
            await Ui.UiRules.CheckCertificateAsync(Ui.UiAws.Create(session), ui, current.Region, ct).ConfigureAwait(false);
        var preview = update.Preview(TemplateInspection.LoadSpecification());
        preview = preview with { Changes = ChangeRisks.Classify(preview.Changes, CurrentTemplate(currentBody, update)) };
        return new UpdateOperationPlan(input, current, update, preview,
            [.. kept.Select(k => k.Note), .. update.Notes, .. KeptStageNotes(current, parameters), .. ScopedRoleNotes(current, currentBody, update)]);
    }

    /// <summary>
    /// When a stack moves to another template (an upstream metaflow-tools stack to ours): the values that keep what it
    /// has in place. A job queue the old template named keeps its name (deployed flows submit to its ARN); a database
    /// the old template left unencrypted stays as it is (encryption cannot be turned on in place: RDS would make a new,
    /// empty database), with the separate step that encrypts it explained. Values the user gave win.
    /// </summary>
    private async Task<List<(string Name, string Value, string Note)>> KeptIdentitiesAsync(MetaflowStack current, string currentBody, string nextBody,
        IReadOnlyDictionary<string, string> given, CancellationToken ct)
    {
        var kept = new List<(string, string, string)>();
        TemplateDocument before, next;
        try { before = TemplateDocument.Parse(currentBody); next = TemplateDocument.Parse(nextBody); }
        catch (TemplateFormatException) { return kept; }
        var declared = next.Section("Parameters");
        bool Open(string name) => declared.ContainsKey(name) && !given.ContainsKey(name) && !current.Parameters.ContainsKey(name);
        var resources = before.Section("Resources").Where(r => r.Value is Dictionary<string, object?>)
            .Select(r => (Id: r.Key, Type: ((Dictionary<string, object?>)r.Value!).GetValueOrDefault("Type") as string,
                Properties: ((Dictionary<string, object?>)r.Value!).GetValueOrDefault("Properties") as Dictionary<string, object?> ?? []))
            .ToList();

        if (Open(MetaflowParameters.JobQueueNameParameter)
            && resources.FirstOrDefault(r => r.Type == "AWS::Batch::JobQueue" && r.Properties.ContainsKey("JobQueueName")) is { Id: not null } queue)
        {
            var physical = (await service.ResourcesAsync(current.StackId, ct).ConfigureAwait(false))
                .FirstOrDefault(r => r.LogicalResourceId == queue.Id)?.PhysicalResourceId;
            if (physical?.Split('/')[^1] is { Length: > 0 } name)
                kept.Add((MetaflowParameters.JobQueueNameParameter, name,
                    $"The job queue keeps its name '{name}' (-Parameter {MetaflowParameters.JobQueueNameParameter}), so its ARN, which deployed flows and the Metaflow config use, stays."));
        }
        if (Open(MetaflowParameters.DatabaseEncryptionParameter)
            && resources.FirstOrDefault(r => r.Type == "AWS::RDS::DBInstance") is { Id: not null } db
            && db.Properties.GetValueOrDefault("StorageEncrypted") is null or false or "false" or "False")
            kept.Add((MetaflowParameters.DatabaseEncryptionParameter, "false",
                $"The database {db.Id} is not encrypted and stays so: RDS cannot encrypt a database in place, it would make a new, empty one. " +
                $"To encrypt it as a separate step: snapshot it, then 'Update-MetaflowStack -StackName {current.StackName} -Parameter @{{ {MetaflowParameters.DatabaseEncryptionParameter} = 'true' }} -AllowDataReplacement' " +
                "and restore the metadata from the final snapshot CloudFormation keeps (or accept a fresh metadata database)."));
        if (Open(MetaflowParameters.UpgradedFromParameter) && current.Origin == MetaflowStack.UpstreamOrigin)
            kept.Add((MetaflowParameters.UpgradedFromParameter, MetaflowStack.UpstreamOrigin,
                "The stack keeps what the metaflow-tools template made as it is (-Parameter UpgradedFrom): its database secret, so Secrets Manager " +
                "makes no new password the database does not have, and its API stage 'api', so the service URL stays."));
        // A network load balancer gets security groups only when it is created (Elastic Load Balancing API reference,
        // SetSecurityGroups): one made without keeps none, and the service keeps admitting the VPC.
        if (declared.ContainsKey(MetaflowParameters.NlbSecurityGroupsParameter) && !current.Parameters.ContainsKey(MetaflowParameters.NlbSecurityGroupsParameter)
            && resources.FirstOrDefault(r => r.Type == "AWS::ElasticLoadBalancingV2::LoadBalancer" && r.Properties.GetValueOrDefault("Type") as string == "network") is { Id: not null } nlb
            && !nlb.Properties.ContainsKey("SecurityGroups"))
        {
            if (given.GetValueOrDefault(MetaflowParameters.NlbSecurityGroupsParameter) == "true")
                throw new MetaflowException(ErrorIds.InvalidParameter,
                    $"-Parameter {MetaflowParameters.NlbSecurityGroupsParameter}='true' cannot be applied to '{current.StackName}': its load balancer {nlb.Id} was made " +
                    "without a security group, and a network load balancer gets one only when it is created. Nothing was sent. Leave the parameter out " +
                    "(the load balancer stays as it is), or move to a new stack: its load balancer, and so METAFLOW_SERVICE_INTERNAL_URL, would be new.",
                    ErrorKind.InvalidArgument, MetaflowParameters.NlbSecurityGroupsParameter);
            if (Open(MetaflowParameters.NlbSecurityGroupsParameter))
                kept.Add((MetaflowParameters.NlbSecurityGroupsParameter, "false",
                    $"The internal load balancer {nlb.Id} was made without a security group, and a network load balancer gets one only when it is created: it stays as it is " +
                    $"(-Parameter {MetaflowParameters.NlbSecurityGroupsParameter}=false), so the metadata service keeps admitting the whole VPC on ports 8080 and 8082. " +
                    "A stack made by this version has both closed to all but the load balancer, and the migration port to all but the migration function."));
        }
        return kept;
    }

    /// <summary>
    /// A stack that kept the metaflow-tools template's stage 'api' (UpgradedFrom) keeps that template's deployment,
    /// a snapshot of the methods: a new APIBasicAuth reaches the stage only with a new deployment, which
    /// Update-MetaflowStack makes after the update (KeptStageService); said in the plan.
    /// </summary>
    private static IEnumerable<string> KeptStageNotes(MetaflowStack current, IReadOnlyDictionary<string, string> parameters)
    {
        var after = new Dictionary<string, string>(current.Parameters, StringComparer.Ordinal);
        foreach (var (name, value) in parameters) after[name] = value;
        if (!PostDeploy.KeptStageService.NeedsDeployment(current.Parameters, after)) yield break;
        var api = PostDeploy.KeptStageService.ApiIdOf(current) ?? "<api id>";
        var changes = new List<string>();
        if (after.GetValueOrDefault(MetaflowParameters.ApiKeyParameter) != current.Parameters.GetValueOrDefault(MetaflowParameters.ApiKeyParameter))
            changes.Add($"APIBasicAuth={after[MetaflowParameters.ApiKeyParameter]} changes the API's methods");
        if (after.ContainsKey(MetaflowParameters.ApiAllowListParameter)
            && after.GetValueOrDefault(MetaflowParameters.ApiAllowListParameter) != current.Parameters.GetValueOrDefault(MetaflowParameters.ApiAllowListParameter))
            changes.Add($"the API's resource policy changes (ApiAllowedCidrs '{after[MetaflowParameters.ApiAllowListParameter]}')");
        if (changes.Count == 0) changes.Add("the API key changes");
        var what = string.Join(" and ", changes);
        yield return $"{char.ToUpperInvariant(what[0])}{what[1..]}, and the stage 'api' serves the methods and the policy as they were deployed: " +
                     $"after the update, Update-MetaflowStack deploys them to that stage (API Gateway CreateDeployment on API {api}).";
    }

    /// <summary>
    /// A move to roles that serve only this stack's state machines (&lt;stack&gt;_*): flows deployed to Step Functions under other
    /// names (before METAFLOW_SFN_STATE_MACHINE_PREFIX) lose the role they run with and their schedules; said before the update.
    /// </summary>
    private static IEnumerable<string> ScopedRoleNotes(MetaflowStack current, string currentBody, UpdatePlan update)
    {
        static bool Scoped(TemplateDocument t)
            => (t.Section("Resources").GetValueOrDefault("StepFunctionsRole") as Dictionary<string, object?>)?.GetValueOrDefault("Properties") is Dictionary<string, object?> p
               && System.Text.Json.JsonSerializer.Serialize(p.GetValueOrDefault("AssumeRolePolicyDocument")).Contains("aws:SourceArn", StringComparison.Ordinal);
        TemplateDocument before;
        try { before = TemplateDocument.Parse(currentBody); }
        catch (TemplateFormatException) { yield break; }
        if (!before.Section("Resources").ContainsKey("StepFunctionsRole") || Scoped(before) || !Scoped(update.Template)) yield break;
        yield return $"After this update the Step Functions and EventBridge roles serve only state machines named {current.StackName}_* (Metaflow names them so with " +
                     $"METAFLOW_SFN_STATE_MACHINE_PREFIX={current.StackName}, which Export-MetaflowConfig writes): flows deployed to Step Functions under other names stop " +
                     "running and their schedules stop starting them. Export the config again, deploy those flows again ('step-functions create'), then delete the old state machines.";
    }

    /// <summary>Stages the template, makes CloudFormation's change set and, when it has changes, executes and follows it.</summary>
    public async Task<UpdateOutcome> ExecuteAsync(UpdateOperationPlan plan, Follow follow, IOperationLog log, CancellationToken ct)
    {
        var current = plan.Current;
        var update = plan.Update;
        var url = await TemplateGate.StageAsync(session, current.StackName, update.NeedsStagingUpload, update.Body, plan.Input.TemplateBucket, log, ct).ConfigureAwait(false);
        var changeSets = new ChangeSetService(service.CloudFormation, session);
        var changes = await changeSets.CreateAsync(update.ToChangeSetRequest(url), ct).ConfigureAwait(false);
        // CloudFormation's change set is the authority on replacements: what it would remove or replace is held to
        // the same rule as the preview, and the change set is deleted rather than executed when refused.
        changes = changes with { Changes = ChangeRisks.Classify(changes.Changes, CurrentTemplate(update.Request.CurrentTemplateBody, update)) };
        var atRisk = changes.Changes.Where(c => c.Risk != ChangeRisks.None).ToList();
        if (atRisk.Count > 0 && !plan.Input.AllowDataReplacement)
        {
            await changeSets.DeleteAsync(changes.ChangeSetId, current.StackName, ct).ConfigureAwait(false);
            EnsureAllowed(current.StackName, atRisk, allowed: false, "CloudFormation's change set");
        }
        if (!changes.HasChanges)
        {
            log.Information($"No changes: stack '{current.StackName}' already matches the template and parameters.");
            return new UpdateOutcome(current, Changed: false);
        }
        // CloudFormation's change set is the authority: what it replaces that the preview did not foresee is said too.
        foreach (var c in changes.Changes) log.Verbose("change set: " + c);
        var foreseen = plan.Preview.Changes.Where(c => c.Replacement is "True" or "Conditional").Select(c => c.LogicalResourceId).ToHashSet();
        foreach (var w in ReplacementWarnings(changes.Changes.Where(c => !foreseen.Contains(c.LogicalResourceId)))) log.Warning(w);

        var after = await service.NewestEventIdAsync(current.StackId, ct).ConfigureAwait(false);
        await changeSets.ExecuteAsync(changes.ChangeSetId, current.StackName, ct).ConfigureAwait(false);
        var stack = await follow.EndAsync(service, new WaitTarget(current.StackId, current.StackName, changes.Changes.Count) { AfterEventId = after, JustStarted = true }, ct).ConfigureAwait(false);
        return new UpdateOutcome(stack, Changed: true);
    }

    private static TemplateDocument CurrentTemplate(string body, UpdatePlan update)
    {
        try { return TemplateDocument.Parse(body); }
        catch (TemplateFormatException) { return update.Template; }
    }

    /// <summary>The refusal of an update that removes or replaces data-bearing or identity resources, with what to do.</summary>
    internal static void EnsureAllowed(string stackName, IReadOnlyList<MetaflowStackChange> atRisk, bool allowed, string source)
    {
        if (atRisk.Count == 0 || allowed) return;
        throw new MetaflowException(ErrorIds.DataReplacementRefused,
            $"The update of '{stackName}' was refused, nothing was changed: {source} shows it would remove or replace {atRisk.Count} resource(s) " +
            $"that hold data or ids in use:{Environment.NewLine}" +
            string.Join(Environment.NewLine, atRisk.Select(c => $"  {c.Action} {c.LogicalResourceId} ({c.ResourceType}){(c.Replacement is "True" or "Conditional" ? $", replacement {c.Replacement}" : "")}: {c.Risk} at risk" +
                (c.ReplacementCause.Count > 0 ? $", caused by {string.Join(", ", c.ReplacementCause)}" : ""))) + Environment.NewLine +
            $"A replaced bucket, table or database starts empty and deployed flows keep the old queue and role ARNs. See the changes with " +
            $"'Get-MetaflowStackChange -StackName {stackName}' and change what causes them; if losing or moving this data is intended, run the update again with -AllowDataReplacement.",
            ErrorKind.InvalidOperation, stackName);
    }

    /// <summary>Stacks that cannot take an update now, with what to do instead.</summary>
    public static void EnsureUpdatable(MetaflowStack current)
    {
        var name = current.StackName;
        if (current.Status == "UPDATE_ROLLBACK_FAILED")
            throw new MetaflowException(ErrorIds.StackNotUpdatable,
                $"Stack '{name}' is UPDATE_ROLLBACK_FAILED: finish the rollback first with 'Resume-MetaflowStackRollback -StackName {name}' (use -SkipResource for resources that cannot roll back), then update.",
                ErrorKind.InvalidOperation, name);
        if (StackCreation.IsFailedCreate(current.Status))
            throw new MetaflowException(ErrorIds.StackNotUpdatable,
                $"Stack '{name}' is {current.Status} from a failed create and cannot be updated. Replace it with 'New-MetaflowStack -StackName {name} -Force'.",
                ErrorKind.InvalidOperation, name);
        if (StackStatus.IsInProgress(current.Status))
            throw new MetaflowException(ErrorIds.StackBusy,
                $"Stack '{name}' is {current.Status}. Wait for it with 'Wait-MetaflowStack -StackName {name}', then update.",
                ErrorKind.InvalidOperation, name);
    }

    /// <summary>Warnings for changes that replace resources: one per data-bearing resource, one line for the rest.</summary>
    public static IReadOnlyList<string> ReplacementWarnings(IEnumerable<MetaflowStackChange> changes)
    {
        var list = changes.ToList();
        var warnings = list.Where(c => c.ReplacesData).Select(c =>
            $"{c.LogicalResourceId} ({c.ResourceType}) will {(c.Replacement == "True" ? "" : "possibly ")}be REPLACED: a new one is created and the old one deleted, with its data" +
            (c.ResourceType == "AWS::RDS::DBInstance" ? " (a final snapshot is kept)" : c.ResourceType == "AWS::S3::Bucket" ? " (the bucket is retained, not emptied)" : "") +
            $". Caused by: {string.Join(", ", c.ReplacementCause.Concat(c.CausingEntities).Distinct())}.").ToList();
        var replaced = list.Where(c => c.MayReplace && !c.ReplacesData).ToList();
        if (replaced.Count > 0)
            warnings.Add($"{replaced.Count} resource(s) will be replaced or may be replaced: {string.Join(", ", replaced.Select(c => $"{c.LogicalResourceId} ({c.Replacement})"))}.");
        return warnings;
    }
}
