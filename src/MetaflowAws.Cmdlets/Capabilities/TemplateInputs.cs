using System.Collections;
using System.Globalization;
using System.Management.Automation;
using MetaflowAws.Engine;
using MetaflowAws.Engine.Operations;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets.Capabilities;

/// <summary>
/// The template and its values, for the cmdlets that deploy or preview it (New, Update, Publish,
/// Get-MetaflowStackChange): the template's parameters as typed PowerShell parameters (mapped to template names by
/// <see cref="MetaflowParameters.Map"/>), -Parameter for anything else, -Tag, -TemplatePath and -TemplateBucket.
/// </summary>
internal sealed class TemplateInputs
{
    private readonly PSCmdlet _owner;

    internal TemplateInputs(PSCmdlet owner) => _owner = owner;

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

    /// <summary>
    /// Gets or sets whether to deploy the Metaflow UI (EnableUI): at -UiDomainName over HTTPS with -CertificateArn,
    /// behind a Cognito login (invite users with Add-MetaflowUiUser). -EnableUI:$false removes it, its users with it.
    /// </summary>
    [Parameter]
    public SwitchParameter EnableUI { get; set; }

    /// <summary>Gets or sets the Metaflow UI's domain name (PublicDomainName), such as metaflow.example.com; taken lowercase.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(UiCertificateCompleter))]
    public string? UiDomainName { get; set; }

    /// <summary>Gets or sets the ACM certificate for -UiDomainName (CertificateArn): ISSUED, in the stack's region.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(UiCertificateCompleter))]
    public string? CertificateArn { get; set; }

    /// <summary>Gets or sets the Metaflow UI's static frontend image (UIStaticImage).</summary>
    [Parameter]
    public string? UiStaticImage { get; set; }

    /// <summary>Gets or sets Cognito threat protection for the UI's sign-ins (UIThreatProtection): ENFORCED (default), AUDIT, or OFF; the first two use Cognito's Plus plan, billed per monthly active user.</summary>
    [Parameter]
    [ValidateSet("OFF", "AUDIT", "ENFORCED")]
    public string? UiThreatProtection { get; set; }

    /// <summary>
    /// Gets or sets the only sources allowed to call the metadata API (ApiAllowedCidrs): IPv4 CIDR blocks such as your
    /// offices' and the NAT addresses your jobs leave by. A resource policy refuses every other caller. Without it, any
    /// source may call the API with the key; -DisableApiKey needs it.
    /// </summary>
    [Parameter]
    public string[]? ApiAllowedCidr { get; set; }

    /// <summary>Gets or sets the requests per second the API stage takes on average (ApiThrottleRateLimit, default 200); more get 429.</summary>
    [Parameter]
    public int? ApiThrottleRate { get; set; }

    /// <summary>Gets or sets the requests the API stage takes at once above the rate (ApiThrottleBurstLimit, default 400).</summary>
    [Parameter]
    public int? ApiThrottleBurst { get; set; }

    /// <summary>Gets or sets whether the API stage writes access logs (ApiAccessLogs); the account needs API Gateway's CloudWatch Logs role in the region.</summary>
    [Parameter]
    public SwitchParameter EnableApiAccessLogs { get; set; }

    /// <summary>Gets or sets whether an AWS WAF web ACL guards the API (EnableWaf): AWS managed rules and a per-source rate limit (billed per web ACL, rule and request).</summary>
    [Parameter]
    public SwitchParameter EnableWaf { get; set; }

    /// <summary>Gets or sets the requests one source may make in 5 minutes before WAF blocks it (WafRateLimit, default 3000; with -EnableWaf).</summary>
    [Parameter]
    public int? WafRateLimit { get; set; }

    /// <summary>Gets or sets whether people of the account may assume the user role without MFA (UserRoleRequireMfa = false).</summary>
    [Parameter]
    public SwitchParameter UserRoleWithoutMfa { get; set; }

    /// <summary>Gets or sets the images Batch job definitions may use (JobImagePrefixes), patterns such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/*; privileged jobs are never allowed.</summary>
    [Parameter]
    public string[]? JobImagePrefix { get; set; }

    /// <summary>Gets or sets whether state machines may log executions to CloudWatch Logs (SfnExecutionLogs), which lets their role manage log delivery on every log group.</summary>
    [Parameter]
    public SwitchParameter EnableSfnExecutionLogs { get; set; }

    /// <summary>Gets or sets whether to leave the database and the UI's user pool without deletion protection (DeletionProtection = false).</summary>
    [Parameter]
    public SwitchParameter NoDeletionProtection { get; set; }

    /// <summary>Gets or sets the encrypted root volume of each EC2 Batch instance, in GiB (BatchVolumeSizeGiB, 30 to 16384; EC2 only).</summary>
    [Parameter]
    public int? BatchVolumeSizeGiB { get; set; }

    /// <summary>Gets or sets other template parameters by name: @{ Name = 'Value' }.</summary>
    [Parameter]
    public Hashtable? Parameter { get; set; }

    /// <summary>Gets or sets stack tags: @{ team = 'ml' }.</summary>
    [Parameter]
    public Hashtable? Tag { get; set; }

    /// <summary>What the user asked for, in the engine's terms: typed values given on the command line, by template name, merged with -Parameter.</summary>
    internal DeployInput Input(string stackName, bool useBundledTemplate = false)
    {
        var bound = _owner.MyInvocation.BoundParameters;
        var given = MetaflowParameters.Map.Where(p => bound.ContainsKey(p.Name))
            .ToDictionary(p => p.Name, p => Plain(bound[p.Name]), StringComparer.OrdinalIgnoreCase);
        return new DeployInput
        {
            StackName = stackName,
            TemplatePath = TemplatePath is null ? null : _owner.SessionState.Path.GetUnresolvedProviderPathFromPSPath(TemplatePath),
            UseBundledTemplate = useBundledTemplate,
            TemplateBucket = TemplateBucket,
            Parameters = MetaflowParameters.ToTemplateValues(given, ToStrings(Parameter, nameof(Parameter))),
            Tags = Tag is null ? null : ToStrings(Tag, nameof(Tag)),
        };
    }

    /// <summary>The engine takes no PowerShell types: switches as bools, wrapped values unwrapped.</summary>
    private static object? Plain(object? value) => value switch
    {
        SwitchParameter s => s.IsPresent,
        PSObject o => o.BaseObject,
        _ => value,
    };

    /// <summary>A hashtable of names and values as strings: lists joined with commas, booleans as true/false.</summary>
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
