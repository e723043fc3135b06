using System.Collections;
using System.Globalization;
using System.Management.Automation;
using MetaflowAws.Engine;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Staging;
using MetaflowAws.Engine.Stacks;
using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Cmdlets;

/// <summary>
/// Cmdlets that deploy the template (New, Update, Publish, Get-MetaflowStackChange): the template's
/// parameters as typed PowerShell parameters, -Parameter for anything else, -Tag.
/// </summary>
public abstract class TemplateCmdlet : StackCmdlet
{
    /// <summary>Gets or sets the template to deploy instead of the bundled Metaflow template.</summary>
    [Parameter]
    public string? TemplatePath { get; set; }

    /// <summary>
    /// Gets or sets the S3 bucket, owned by your account, to stage a template over CloudFormation's 51,200-byte
    /// inline limit in. Defaults to metaflowaws-templates-&lt;account&gt;-&lt;region&gt;, created on first use.
    /// </summary>
    [Parameter]
    public string? TemplateBucket { get; set; }

    /// <summary>Gets or sets where AWS Batch runs jobs: ec2 (default) or fargate (BatchType).</summary>
    [Parameter]
    [ValidateSet("ec2", "fargate")]
    public string? BatchType { get; set; }

    /// <summary>Gets or sets the EC2 instance types or families AWS Batch may launch (ComputeEnvInstanceTypes).</summary>
    [Parameter]
    public string[]? InstanceType { get; set; }

    /// <summary>Gets or sets the minimum vCPUs of the Batch compute environment (MinVCPUBatch).</summary>
    [Parameter]
    public int? MinVCpu { get; set; }

    /// <summary>Gets or sets the desired vCPUs of the Batch compute environment (DesiredVCPUBatch).</summary>
    [Parameter]
    public int? DesiredVCpu { get; set; }

    /// <summary>Gets or sets the maximum vCPUs of the Batch compute environment (MaxVCPUBatch).</summary>
    [Parameter]
    public int? MaxVCpu { get; set; }

    /// <summary>Gets or sets whether to deploy the API without an API key (APIBasicAuth = false).</summary>
    [Parameter]
    public SwitchParameter DisableApiKey { get; set; }

    /// <summary>Gets or sets whether to create the restricted Metaflow user role (CustomRole = true).</summary>
    [Parameter]
    public SwitchParameter EnableCustomRole { get; set; }

    /// <summary>Gets or sets whether to skip the SageMaker notebook (EnableSagemaker = false).</summary>
    [Parameter]
    public SwitchParameter NoSagemaker { get; set; }

    /// <summary>Gets or sets the SageMaker notebook instance type (SagemakerInstance).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(TemplateValueCompleter))]
    public string? SagemakerInstanceType { get; set; }

    /// <summary>Gets or sets the VPC's IPv4 range (VPCCidr), e.g. 10.20.0.0/16.</summary>
    [Parameter]
    public string? VpcCidr { get; set; }

    /// <summary>Gets or sets the two subnets' IPv4 ranges inside the VPC (Subnet1Cidr, Subnet2Cidr).</summary>
    [Parameter]
    [ValidateCount(2, 2)]
    public string[]? SubnetCidr { get; set; }

    /// <summary>Gets or sets the IAM partition for ARNs (IAMPartition): aws, aws-cn or aws-us-gov.</summary>
    [Parameter]
    [ValidateSet("aws", "aws-cn", "aws-us-gov")]
    public string? IamPartition { get; set; }

    /// <summary>Gets or sets an extra IAM managed policy for Batch jobs (AdditionalWorkerPolicyArn).</summary>
    [Parameter]
    public string? AdditionalWorkerPolicyArn { get; set; }

    /// <summary>Gets or sets the metadata service container image (MetadataServiceImage).</summary>
    [Parameter]
    public string? MetadataServiceImage { get; set; }

    /// <summary>Gets or sets the database instance class (DBInstanceClass).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(TemplateValueCompleter))]
    public string? DatabaseInstanceClass { get; set; }

    /// <summary>Gets or sets the PostgreSQL engine version (DBEngineVersion).</summary>
    [Parameter]
    public string? DatabaseEngineVersion { get; set; }

    /// <summary>Gets or sets how long the metadata service's logs are kept (LogRetentionDays).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(TemplateValueCompleter))]
    public int? LogRetentionDays { get; set; }

    /// <summary>Gets or sets other template parameters by name: @{ Name = 'Value' }.</summary>
    [Parameter]
    public Hashtable? Parameter { get; set; }

    /// <summary>Gets or sets stack tags: @{ team = 'ml' }.</summary>
    [Parameter]
    public Hashtable? Tag { get; set; }

    /// <summary>The typed parameters the user gave, by template name, merged with -Parameter.</summary>
    internal Dictionary<string, string> TemplateParameters()
    {
        var bound = MyInvocation.BoundParameters;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        void Set(string psName, string templateName, string value)
        {
            if (bound.ContainsKey(psName)) values[templateName] = value;
        }
        Set(nameof(BatchType), "BatchType", BatchType ?? "");
        Set(nameof(InstanceType), "ComputeEnvInstanceTypes", string.Join(",", InstanceType ?? []));
        Set(nameof(MinVCpu), "MinVCPUBatch", Num(MinVCpu));
        Set(nameof(DesiredVCpu), "DesiredVCPUBatch", Num(DesiredVCpu));
        Set(nameof(MaxVCpu), "MaxVCPUBatch", Num(MaxVCpu));
        Set(nameof(DisableApiKey), "APIBasicAuth", DisableApiKey ? "false" : "true");
        Set(nameof(EnableCustomRole), "CustomRole", EnableCustomRole ? "true" : "false");
        Set(nameof(NoSagemaker), "EnableSagemaker", NoSagemaker ? "false" : "true");
        Set(nameof(SagemakerInstanceType), "SagemakerInstance", SagemakerInstanceType ?? "");
        Set(nameof(VpcCidr), "VPCCidr", VpcCidr ?? "");
        if (bound.ContainsKey(nameof(SubnetCidr)) && SubnetCidr is { Length: 2 })
        {
            values["Subnet1Cidr"] = SubnetCidr[0];
            values["Subnet2Cidr"] = SubnetCidr[1];
        }
        Set(nameof(IamPartition), "IAMPartition", IamPartition ?? "");
        Set(nameof(AdditionalWorkerPolicyArn), "AdditionalWorkerPolicyArn", AdditionalWorkerPolicyArn ?? "");
        Set(nameof(MetadataServiceImage), "MetadataServiceImage", MetadataServiceImage ?? "");
        Set(nameof(DatabaseInstanceClass), "DBInstanceClass", DatabaseInstanceClass ?? "");
        Set(nameof(DatabaseEngineVersion), "DBEngineVersion", DatabaseEngineVersion ?? "");
        Set(nameof(LogRetentionDays), "LogRetentionDays", Num(LogRetentionDays));

        foreach (var (key, value) in ToStrings(Parameter, "Parameter"))
        {
            if (values.TryGetValue(key, out var typed) && typed != value)
                throw new MetaflowException(ErrorIds.InvalidParameter,
                    $"-Parameter {key}='{value}' conflicts with {MetaflowParameters.Display(key)} '{typed}'. Give the value once.",
                    ErrorKind.InvalidArgument, key);
            values[key] = value;
        }
        return values;
    }

    private static string Num(int? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "";

    internal static Dictionary<string, string> ToStrings(Hashtable? table, string parameter)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (table is null) return result;
        foreach (DictionaryEntry entry in table)
        {
            var key = entry.Key?.ToString();
            if (string.IsNullOrWhiteSpace(key))
                throw new MetaflowException(ErrorIds.InvalidParameter, $"-{parameter} has an empty key; every entry needs a name.", ErrorKind.InvalidArgument, parameter);
            result[key] = entry.Value switch
            {
                null => "",
                bool b => b ? "true" : "false",
                IEnumerable e when entry.Value is not string => string.Join(",", e.Cast<object?>().Select(o => Convert.ToString(o, CultureInfo.InvariantCulture))),
                var v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
            };
        }
        return result;
    }

    /// <summary>Stacks that failed to create: they can only be deleted, or replaced with -Force.</summary>
    internal static bool IsFailedCreate(string status) => status is "ROLLBACK_COMPLETE" or "ROLLBACK_FAILED" or "CREATE_FAILED";

    /// <summary>Validates, confirms, creates and (unless noWait) waits; null when the user declined.</summary>
    internal MetaflowStack? CreateFlow(AwsSession session, StackService service, string stackName, bool disableRollback, bool force, bool noWait, TimeSpan? timeout)
    {
        if (TemplateBucket is not null) TemplateStaging.ValidateBucketName(TemplateBucket);
        var plan = DeploymentPlan.Create(new DeploymentRequest
        {
            StackName = stackName,
            TemplatePath = TemplatePath is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(TemplatePath),
            Parameters = TemplateParameters(),
            Tags = ToStrings(Tag, "Tag"),
            DisableRollback = disableRollback,
        }, session.Region);
        if (TemplatePath is not null) CheckTemplate(plan.TemplatePath, force);

        var existing = Run(ct => service.FindAsync(stackName, ct));
        if (existing is not null)
        {
            if (StackStatus.IsInProgress(existing.Status))
                throw new MetaflowException(ErrorIds.StackBusy,
                    $"Stack '{stackName}' exists and is {existing.Status}. Wait for it with 'Wait-MetaflowStack -StackName {stackName}'.",
                    ErrorKind.InvalidOperation, stackName);
            if (!IsFailedCreate(existing.Status))
                throw new MetaflowException(ErrorIds.StackAlreadyExists,
                    $"A stack named '{stackName}' already exists in {existing.Region} ({existing.Status}). Change it with Update-MetaflowStack (or Publish-MetaflowStack, which creates or updates).",
                    ErrorKind.ResourceExists, stackName);
            if (!force)
                throw new MetaflowException(ErrorIds.StackAlreadyExists,
                    $"A stack named '{stackName}' exists in {existing.Status} from a failed create; it cannot be updated. Replace it with 'New-MetaflowStack -StackName {stackName} -Force' (deletes it, then creates it again), or remove it with Remove-MetaflowStack.",
                    ErrorKind.ResourceExists, stackName);
            if (!ShouldProcess(stackName, $"Delete the failed stack ({existing.Status}) so it can be created again"))
                return null;
            Run(async ct =>
            {
                var after = await service.NewestEventIdAsync(existing.StackId, ct).ConfigureAwait(false);
                await service.DeleteAsync(existing.StackId, stackName, [], ct).ConfigureAwait(false);
                return await WaitWithProgress(service, existing.StackId, stackName, 0, timeout, ct, after, justStarted: true);
            });
        }

        var capabilities = plan.Capabilities.Count == 0 ? "" : $", acknowledging {string.Join(" and ", plan.Capabilities)} (the template creates IAM roles)";
        var stack = $"stack with {plan.ExpectedResources} resources from {Path.GetFileName(plan.TemplatePath)} in {session.Region}{capabilities}";
        if (!ShouldProcess(stackName, StagingNote(session, stackName, plan.NeedsStagingUpload, plan.TemplateBody, plan.Template.ByteSize) + "Create " + stack)) return null;

        return Run(async ct =>
        {
            var templateUrl = await StageTemplateAsync(session, stackName, plan.NeedsStagingUpload, plan.TemplateBody, plan.Template.ByteSize, ct).ConfigureAwait(false);
            var stackId = await service.CreateAsync(plan.ToCreateRequest(templateUrl), ct).ConfigureAwait(false);
            StackNameCompleter.Forget(session);
            if (noWait) return await service.GetAsync(stackId, ct).ConfigureAwait(false);
            return await WaitWithProgress(service, stackId, stackName, plan.ExpectedResources, timeout, ct, justStarted: true);
        });
    }

    /// <summary>
    /// Runs Test-MetaflowTemplate's checks on a template of the user's before anything is sent: warnings are
    /// shown, errors refuse the deploy unless -Force (then they are shown as warnings).
    /// </summary>
    internal void CheckTemplate(string path, bool force)
    {
        var inspection = Engine.Templates.TemplateInspection.Run(path);
        var errors = inspection.Findings.Where(f => f.Severity == Engine.Templates.FindingSeverity.Error).ToList();
        foreach (var f in inspection.Findings.Where(f => f.Severity != Engine.Templates.FindingSeverity.Error || force))
            WriteWarning($"{f.Rule} ({f.Resource}): {f.Message}");
        if (errors.Count > 0 && !force)
            throw new MetaflowException(ErrorIds.TemplateCheckFailed,
                $"-TemplatePath '{path}' fails {errors.Count} template check(s), so nothing was sent:{Environment.NewLine}" +
                string.Join(Environment.NewLine, errors.Select(f => $"  {f.Rule} ({f.Resource}): {f.Message}")) + Environment.NewLine +
                "Fix the template (Test-MetaflowTemplate lists the findings as objects), or deploy it anyway with -Force.",
                ErrorKind.InvalidData, path);
    }

    /// <summary>What ShouldProcess says about staging, before anything is sent (under -WhatIf the account is not asked for).</summary>
    private string StagingNote(AwsSession session, string stackName, bool needed, string body, int size)
    {
        if (!needed)
        {
            if (TemplateBucket is not null)
                WriteVerbose($"The template is {size:N0} bytes, within CloudFormation's inline limit: it is sent directly and -TemplateBucket is not used.");
            return "";
        }
        var bucket = TemplateBucket ?? TemplateStaging.DefaultBucketDisplayName(session.Region);
        return $"Upload the template ({size:N0} bytes, over CloudFormation's {DeploymentPlan.TemplateBodyLimit:N0}-byte inline limit) " +
               $"to s3://{bucket}/{TemplateStaging.KeyFor(stackName, body)}{(TemplateBucket is null ? " (the bucket is created if missing)" : "")}, then ";
    }

    /// <summary>
    /// Uploads a template over CloudFormation's body limit to the staging bucket and returns its
    /// URL; null when the body can be sent inline.
    /// </summary>
    internal async Task<string?> StageTemplateAsync(AwsSession session, string stackName, bool needed, string body, int size, CancellationToken ct)
    {
        if (!needed) return null;
        var staged = await TemplateStaging.Create(session).StageAsync(stackName, body, TemplateBucket,
            status => Post(() => WriteVerbose(status)), ct).ConfigureAwait(false);
        Post(() => WriteVerbose($"Template staged at {staged.S3Uri}; CloudFormation reads it from {staged.TemplateUrl}."));
        return staged.TemplateUrl;
    }

    /// <summary>Reads the stack and builds the update: current template unless -TemplatePath or -UseBundledTemplate.</summary>
    internal UpdatePlan PlanUpdate(StackService service, MetaflowStack current, bool bundled)
    {
        if (current.Status == "UPDATE_ROLLBACK_FAILED")
            throw new MetaflowException(ErrorIds.StackNotUpdatable,
                $"Stack '{current.StackName}' is UPDATE_ROLLBACK_FAILED: finish the rollback first with 'Resume-MetaflowStackRollback -StackName {current.StackName}' (use -SkipResource for resources that cannot roll back), then update.",
                ErrorKind.InvalidOperation, current.StackName);
        if (IsFailedCreate(current.Status))
            throw new MetaflowException(ErrorIds.StackNotUpdatable,
                $"Stack '{current.StackName}' is {current.Status} from a failed create and cannot be updated. Replace it with 'New-MetaflowStack -StackName {current.StackName} -Force'.",
                ErrorKind.InvalidOperation, current.StackName);
        if (StackStatus.IsInProgress(current.Status))
            throw new MetaflowException(ErrorIds.StackBusy,
                $"Stack '{current.StackName}' is {current.Status}. Wait for it with 'Wait-MetaflowStack -StackName {current.StackName}', then update.",
                ErrorKind.InvalidOperation, current.StackName);

        string? path = TemplatePath is not null ? SessionState.Path.GetUnresolvedProviderPathFromPSPath(TemplatePath)
            : bundled ? DeploymentPlan.DefaultTemplatePath() : null;
        string? body = null;
        if (path is not null) DeploymentPlan.LoadTemplate(path, out body);
        var currentBody = Run(ct => service.TemplateBodyAsync(current.StackId, ct));
        return UpdatePlan.Create(new UpdateRequest
        {
            Current = current,
            TemplateBody = body,
            TemplatePath = path,
            CurrentTemplateBody = currentBody,
            Parameters = TemplateParameters(),
            Tags = Tag is null ? null : ToStrings(Tag, "Tag"),
        });
    }

    /// <summary>Creates the change set and reads it back; the caller executes or deletes it.</summary>
    internal StackChangePlan CreateChangeSet(AwsSession session, StackService service, UpdatePlan plan)
        => Run(async ct =>
        {
            var url = await StageTemplateAsync(session, plan.Request.Current.StackName, plan.NeedsStagingUpload, plan.Body, plan.Template.ByteSize, ct).ConfigureAwait(false);
            return await new ChangeSetService(service.CloudFormation, session).CreateAsync(plan.ToChangeSetRequest(url), ct).ConfigureAwait(false);
        });

    /// <summary>Warns before a change replaces resources, louder when they hold data.</summary>
    internal void WarnAboutReplacements(StackChangePlan changes)
    {
        foreach (var c in changes.Changes.Where(c => c.ReplacesData))
            WriteWarning($"{c.LogicalResourceId} ({c.ResourceType}) will {(c.Replacement == "True" ? "" : "possibly ")}be REPLACED: a new one is created and the old one deleted, with its data" +
                         (c.ResourceType == "AWS::RDS::DBInstance" ? " (a final snapshot is kept)" : c.ResourceType == "AWS::S3::Bucket" ? " (the bucket is retained, not emptied)" : "") +
                         $". Caused by: {string.Join(", ", c.ReplacementCause.Concat(c.CausingEntities).Distinct())}.");
        var replaced = changes.Changes.Where(c => c.Replacement is "True" or "Conditional" && !c.ReplacesData).ToList();
        if (replaced.Count > 0)
            WriteWarning($"{replaced.Count} resource(s) will be replaced or may be replaced: {string.Join(", ", replaced.Select(c => $"{c.LogicalResourceId} ({c.Replacement})"))}.");
    }

    /// <summary>Executes a confirmed change set and waits.</summary>
    internal MetaflowStack ExecuteFlow(AwsSession session, StackService service, MetaflowStack current, StackChangePlan changes, int expected, bool noWait, TimeSpan? timeout)
    {
        var changeSets = new ChangeSetService(service.CloudFormation, session);
        return Run(async ct =>
        {
            var after = await service.NewestEventIdAsync(current.StackId, ct).ConfigureAwait(false);
            await changeSets.ExecuteAsync(changes.ChangeSetId, current.StackName, ct).ConfigureAwait(false);
            if (noWait) return await service.GetAsync(current.StackId, ct).ConfigureAwait(false);
            return await WaitWithProgress(service, current.StackId, current.StackName, expected, timeout, ct, after, justStarted: true);
        });
    }

    /// <summary>
    /// Plans (locally), shows and confirms; only then stages the template, makes CloudFormation's change set and
    /// executes it. -WhatIf stops at the plan: read calls only. "No changes" is success with a message.
    /// </summary>
    internal MetaflowStack? UpdateFlow(AwsSession session, StackService service, MetaflowStack current, bool bundled, bool noWait, TimeSpan? timeout)
    {
        if (TemplateBucket is not null) TemplateStaging.ValidateBucketName(TemplateBucket);
        var plan = PlanUpdate(service, current, bundled);
        var preview = plan.Preview(TemplateInspection.LoadSpecification());
        foreach (var c in preview.Changes) WriteVerbose(c.ToString());
        WarnAboutReplacements(preview);
        var staging = plan.NeedsStagingUpload ? $" The template ({plan.Template.ByteSize:N0} bytes) is first uploaded to {(TemplateBucket is null ? "the module's staging bucket" : "s3://" + TemplateBucket)}." : "";
        if (!ShouldProcess(current.StackName, "Update stack: " + preview.Summary() + staging))
            return null;

        var changes = CreateChangeSet(session, service, plan);
        if (!changes.HasChanges)
        {
            WriteInformation(new HostInformationMessage { Message = $"No changes: stack '{current.StackName}' already matches the template and parameters." }, ["PSHOST"]);
            return current;
        }
        // CloudFormation's change set is the authority: what it replaces that the preview did not foresee is said too.
        foreach (var c in changes.Changes) WriteVerbose("change set: " + c);
        var foreseen = preview.Changes.Where(c => c.Replacement is "True" or "Conditional").Select(c => c.LogicalResourceId).ToHashSet();
        WarnAboutReplacements(changes with { Changes = changes.Changes.Where(c => !foreseen.Contains(c.LogicalResourceId)).ToList() });
        return ExecuteFlow(session, service, current, changes, changes.Changes.Count, noWait, timeout);
    }
}
