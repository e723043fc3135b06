using System.Collections;
using System.Globalization;
using System.Management.Automation;
using MetaflowAws.Engine;
using MetaflowAws.Engine.Stacks;
using MetaflowAws.Engine.Staging;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>Deploys Metaflow: creates the stack from the bundled template (or -TemplatePath), waits with progress, returns the stack.</summary>
[Cmdlet(VerbsCommon.New, "MetaflowStack", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("MetaflowAws.Engine.Stacks.MetaflowStack")]
public sealed class NewMetaflowStack : StackCmdlet
{
    /// <summary>Gets or sets the name of the stack to create.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string StackName { get; set; } = "";

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

    /// <summary>Gets or sets whether to keep what was created when the create fails (no rollback), for inspection.</summary>
    [Parameter]
    public SwitchParameter DisableRollback { get; set; }

    /// <summary>Gets or sets whether to return as soon as CloudFormation accepted the request, without waiting.</summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    /// <summary>Gets or sets the longest time to wait, in seconds; the stack operation goes on after it.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? TimeoutSec { get; set; }

    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            if (TemplateBucket is not null) TemplateStaging.ValidateBucketName(TemplateBucket);
            var session = ResolveSession();
            var plan = DeploymentPlan.Create(new DeploymentRequest
            {
                StackName = StackName,
                TemplatePath = TemplatePath is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(TemplatePath),
                Parameters = TemplateParameters(),
                Tags = ToStrings(Tag, "Tag"),
                DisableRollback = DisableRollback,
            }, session.Region);

            var capabilities = plan.Capabilities.Count == 0 ? "" : $", acknowledging {string.Join(" and ", plan.Capabilities)} (the template creates IAM roles)";
            var stack = $"stack with {plan.ExpectedResources} resources from {Path.GetFileName(plan.TemplatePath)} in {session.Region}{capabilities}";
            var action = "Create " + stack;
            if (plan.NeedsStagingUpload)
            {
                // Said before anything is sent: the account (in the default bucket's name) is not asked for under -WhatIf.
                var bucket = TemplateBucket ?? TemplateStaging.DefaultBucketDisplayName(session.Region);
                action = $"Upload the template ({plan.Template.ByteSize:N0} bytes, over CloudFormation's {DeploymentPlan.TemplateBodyLimit:N0}-byte inline limit) " +
                         $"to s3://{bucket}/{TemplateStaging.KeyFor(StackName, plan.TemplateBody)}{(TemplateBucket is null ? " (the bucket is created if missing)" : "")}, then create {stack}";
            }
            else if (TemplateBucket is not null)
            {
                WriteVerbose($"The template is {plan.Template.ByteSize:N0} bytes, within CloudFormation's inline limit: it is sent directly and -TemplateBucket is not used.");
            }
            if (!ShouldProcess(StackName, action)) return;

            var service = StackService.Create(session);
            var result = Run(async ct =>
            {
                string? templateUrl = null;
                if (plan.NeedsStagingUpload)
                {
                    var staged = await TemplateStaging.Create(session).StageAsync(StackName, plan.TemplateBody, TemplateBucket,
                        status => Post(() => WriteVerbose(status)), ct).ConfigureAwait(false);
                    Post(() => WriteVerbose($"Template staged at {staged.S3Uri}; CloudFormation reads it from {staged.TemplateUrl}."));
                    templateUrl = staged.TemplateUrl;
                }
                var stackId = await service.CreateAsync(plan.ToCreateRequest(templateUrl), ct).ConfigureAwait(false);
                if (NoWait) return await service.GetAsync(stackId, ct).ConfigureAwait(false);
                return WaitWithProgress(service, stackId, StackName, plan.ExpectedResources,
                    TimeoutSec is { } t ? TimeSpan.FromSeconds(t) : null, ct);
            });
            WriteObject(result);
        });
    }

    /// <summary>The typed parameters the user gave, by template name, merged with -Parameter.</summary>
    private Dictionary<string, string> TemplateParameters()
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
}
