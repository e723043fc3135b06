using System.Net;
using System.Text.RegularExpressions;
using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Engine.Stacks;

/// <summary>
/// The template's parameters under the names New-MetaflowStack gives them, and the checks
/// CloudFormation cannot express (CIDR containment, vCPU ordering), worded for the user.
/// </summary>
public static class MetaflowParameters
{
    /// <summary>The metadata service container image: a change means the database schema may need an upgrade.</summary>
    public const string ImageParameter = "MetadataServiceImage";

    /// <summary>Whether the stack runs the Metaflow UI ('true'/'false'), at <see cref="UiDomainParameter"/> with <see cref="UiCertificateParameter"/>.</summary>
    public const string UiParameter = "EnableUI";

    /// <summary>The UI's domain name (the upstream template's name for it).</summary>
    public const string UiDomainParameter = "PublicDomainName";

    /// <summary>The ACM certificate of the UI's domain, in the stack's region.</summary>
    public const string UiCertificateParameter = "CertificateArn";

    /// <summary>Whether every API method requires an API key ('true'/'false').</summary>
    public const string ApiKeyParameter = "APIBasicAuth";

    /// <summary>Names the job queue (empty: CloudFormation names it); set to keep the name an upstream stack gave it.</summary>
    public const string JobQueueNameParameter = "JobQueueName";

    /// <summary>Whether the database is encrypted (default true); false keeps an unencrypted database of an upstream stack in place.</summary>
    public const string DatabaseEncryptionParameter = "DBStorageEncrypted";

    /// <summary>The partition of the ARNs the template builds (aws, aws-cn, aws-us-gov).</summary>
    public const string PartitionParameter = "IAMPartition";

    /// <summary>IAMPartition must be the region's partition: the roles' and policies' ARNs would name no resource otherwise.</summary>
    public static MetaflowException? PartitionCheck(IReadOnlyDictionary<string, string> values, string region)
        => values.TryGetValue(PartitionParameter, out var partition) && partition != Aws.KnownRegions.PartitionOf(region)
            ? new MetaflowException(ErrorIds.InvalidParameter,
                $"{Display(PartitionParameter)} '{partition}' is not the partition of {region} ({Aws.KnownRegions.PartitionOf(region)}): every ARN the template builds would name nothing. " +
                $"Leave it out (the module takes the region's), or give '{Aws.KnownRegions.PartitionOf(region)}'.",
                ErrorKind.InvalidArgument, partition)
            : null;

    /// <summary>The template a stack was first made from (none, or metaflow-tools: its database secret and API stage are kept as they are).</summary>
    public const string UpgradedFromParameter = "UpgradedFrom";

    /// <summary>
    /// The one table of the deploy cmdlets' typed parameters: each PowerShell parameter, the template parameter(s)
    /// it sets, and how its value is written. Everything else goes through -Parameter by template name.
    /// </summary>
    public static readonly IReadOnlyList<CmdletParameter> Map =
    [
        // PowerShell's ValidateSet takes FARGATE as fargate; CloudFormation's AllowedValues does not: written as the template spells it.
        CmdletParameter.Lower("BatchType", "BatchType"),
        CmdletParameter.List("InstanceType", "ComputeEnvInstanceTypes"),
        CmdletParameter.Number("MinVCpu", "MinVCPUBatch"),
        CmdletParameter.Number("DesiredVCpu", "DesiredVCPUBatch"),
        CmdletParameter.Number("MaxVCpu", "MaxVCPUBatch"),
        CmdletParameter.Switch("DisableApiKey", "APIBasicAuth", on: "false", off: "true"),
        CmdletParameter.Switch("EnableCustomRole", "CustomRole", on: "true", off: "false"),
        CmdletParameter.Switch("NoSagemaker", "EnableSagemaker", on: "false", off: "true"),
        CmdletParameter.Text("SagemakerInstanceType", "SagemakerInstance"),
        CmdletParameter.Text("VpcCidr", "VPCCidr"),
        new("SubnetCidr", ["Subnet1Cidr", "Subnet2Cidr"], v => v is string[] { Length: 2 } pair ? pair : []),
        CmdletParameter.Lower("IamPartition", PartitionParameter),
        CmdletParameter.Text("AdditionalWorkerPolicyArn", "AdditionalWorkerPolicyArn"),
        CmdletParameter.Text(ImageParameter, ImageParameter),
        CmdletParameter.Text("DatabaseInstanceClass", "DBInstanceClass"),
        CmdletParameter.Text("DatabaseEngineVersion", "DBEngineVersion"),
        CmdletParameter.Number("LogRetentionDays", "LogRetentionDays"),
        CmdletParameter.Switch("EnableUI", UiParameter, on: "true", off: "false"),
        new("UiDomainName", [UiDomainParameter], v => v is string domain ? [Ui.UiRules.NormalizeDomain(domain)] : []),
        CmdletParameter.Text("CertificateArn", UiCertificateParameter),
        CmdletParameter.Text("UiStaticImage", "UIStaticImage"),
        CmdletParameter.Text("UiThreatProtection", "UIThreatProtection"),
        CmdletParameter.List("ApiAllowedCidr", ApiAllowListParameter),
        CmdletParameter.Number("ApiThrottleRate", "ApiThrottleRateLimit"),
        CmdletParameter.Number("ApiThrottleBurst", "ApiThrottleBurstLimit"),
        CmdletParameter.Switch("EnableApiAccessLogs", "ApiAccessLogs", on: "true", off: "false"),
        CmdletParameter.Switch("EnableWaf", "EnableWaf", on: "true", off: "false"),
        CmdletParameter.Number("WafRateLimit", "WafRateLimit"),
        CmdletParameter.Switch("UserRoleWithoutMfa", "UserRoleRequireMfa", on: "false", off: "true"),
        CmdletParameter.List("JobImagePrefix", "JobImagePrefixes"),
        CmdletParameter.Switch("EnableSfnExecutionLogs", "SfnExecutionLogs", on: "true", off: "false"),
        CmdletParameter.Switch("NoDeletionProtection", DeletionProtectionParameter, on: "false", off: "true"),
        CmdletParameter.Number("BatchVolumeSizeGiB", "BatchVolumeSizeGiB"),
    ];

    /// <summary>The sources allowed to call the metadata API (comma-separated CIDR blocks; empty: any).</summary>
    public const string ApiAllowListParameter = "ApiAllowedCidrs";

    /// <summary>Whether the database and the UI's user pool are protected from deletion ('true'/'false').</summary>
    public const string DeletionProtectionParameter = "DeletionProtection";

    /// <summary>Whether the internal load balancer has a security group (set when it is created; 'false' keeps one made without).</summary>
    public const string NlbSecurityGroupsParameter = "InternalLoadBalancerSecurityGroups";

    /// <summary>
    /// Template parameters with no typed cmdlet parameter, given with -Parameter: they keep what an existing stack of
    /// another template has (set by Update-MetaflowStack -UseBundledTemplate from the stack's own template).
    /// </summary>
    public static readonly IReadOnlySet<string> ParameterOnly = new HashSet<string>(StringComparer.Ordinal)
    {
        JobQueueNameParameter, DatabaseEncryptionParameter, UpgradedFromParameter, NlbSecurityGroupsParameter,
    };

    /// <summary>Template parameter → PowerShell parameter name (from <see cref="Map"/>).</summary>
    public static readonly IReadOnlyDictionary<string, string> CmdletName =
        Map.SelectMany(p => p.TemplateNames.Select(t => (t, p.Name))).ToDictionary(x => x.t, x => x.Name, StringComparer.Ordinal);

    /// <summary>
    /// The template values of the typed parameters the user gave (by PowerShell name, case-insensitive), merged with
    /// -Parameter (by template name); the same parameter given both ways with different values is refused.
    /// </summary>
    public static Dictionary<string, string> ToTemplateValues(IReadOnlyDictionary<string, object?> given, IReadOnlyDictionary<string, string> byTemplateName)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var lookup = new Dictionary<string, object?>(given, StringComparer.OrdinalIgnoreCase);
        foreach (var p in Map)
        {
            if (!lookup.TryGetValue(p.Name, out var value)) continue;
            var written = p.Write(value);
            for (var i = 0; i < written.Count && i < p.TemplateNames.Count; i++) values[p.TemplateNames[i]] = written[i];
        }
        foreach (var (key, value) in byTemplateName)
        {
            if (values.TryGetValue(key, out var typed) && typed != value)
                throw new MetaflowException(ErrorIds.InvalidParameter,
                    $"-Parameter {key}='{value}' conflicts with {Display(key)} '{typed}'. Give the value once.",
                    ErrorKind.InvalidArgument, key);
            values[key] = value;
        }
        return values;
    }

    /// <summary>How an error names a template parameter: "-MaxVCpu (MaxVCPUBatch)" or "-Parameter Name".</summary>
    public static string Display(string templateName)
        => CmdletName.TryGetValue(templateName, out var ps) ? $"-{ps} ({templateName})" : $"-Parameter {templateName}";

    public static MetaflowException Error(ParameterViolation v, Dictionary<string, object?> def)
    {
        var allowed = v.Kind switch
        {
            ViolationKind.Unknown => $"it is not a parameter of the template. Template parameters: {v.Constraint}",
            ViolationKind.Missing => "the template has no default for it, so a value is required",
            ViolationKind.NotAllowedValue => $"allowed values are {v.Constraint}",
            ViolationKind.NotANumber => "it must be a number",
            ViolationKind.BelowMin => $"it must be at least {v.Constraint}" + Range(def),
            ViolationKind.AboveMax => $"it must be at most {v.Constraint}" + Range(def),
            ViolationKind.PatternMismatch => v.ConstraintDescription is { } cd ? $"it {cd} (pattern {v.Constraint})" : $"it must match the pattern {v.Constraint}",
            ViolationKind.TooShort => $"it must have at least {v.Constraint} characters",
            _ => $"it must have at most {v.Constraint} characters",
        };
        var value = v.Value is null ? "" : $" '{v.Value}'";
        return new MetaflowException(ErrorIds.InvalidParameter, $"{Display(v.Parameter)}{value} is not valid: {allowed}.",
            ErrorKind.InvalidArgument, v.Value ?? v.Parameter);
    }

    private static string Range(Dictionary<string, object?> def)
        => def.GetValueOrDefault("MinValue") is string min && def.GetValueOrDefault("MaxValue") is string max ? $" (range {min}..{max})" : "";

    /// <summary>
    /// The database version against RDS's dated facts (template/aws-facts.yml) and the stack's current version:
    /// a pinned minor RDS has retired fails minutes into the deploy, and RDS cannot go down a major version.
    /// </summary>
    public static IEnumerable<MetaflowException> DatabaseVersionChecks(IReadOnlyDictionary<string, string> values, IReadOnlyDictionary<string, string>? previous, AwsFacts facts)
    {
        if (!values.TryGetValue("DBEngineVersion", out var version) || version.Length == 0) yield break;
        var major = version.Split('.')[0];
        if (facts.RetiredPostgresMinor(version) is var (fact, lowest))
            yield return new MetaflowException(ErrorIds.InvalidParameter,
                $"{Display("DBEngineVersion")} '{version}' is a PostgreSQL minor version RDS no longer offers (the lowest {major}.x it creates is {lowest}, per {fact.Source}). " +
                $"Give '{major}' to let RDS pick its current minor version, or {lowest} or later.",
                ErrorKind.InvalidArgument, version);
        if (previous?.GetValueOrDefault("DBEngineVersion") is { Length: > 0 } before
            && int.TryParse(before.Split('.')[0], out var from) && int.TryParse(major, out var to) && to < from)
            yield return new MetaflowException(ErrorIds.InvalidParameter,
                $"{Display("DBEngineVersion")} '{version}' would take the database from PostgreSQL {before} down to {major}: RDS can only upgrade a major version. Keep {from} or choose a later one.",
                ErrorKind.InvalidArgument, version);
    }

    /// <summary>
    /// The images the user gives: at most 255 characters (ECS), and not below the floor of the dated facts (a metadata
    /// service with a known SQL injection, a UI older than the one we deploy): a given value is refused before any call.
    /// </summary>
    public static IEnumerable<MetaflowException> ImageChecks(IReadOnlyDictionary<string, string> given, AwsFacts facts)
    {
        foreach (var (parameter, kind) in new[] { (ImageParameter, AwsFacts.MetadataServiceImage), ("UIStaticImage", AwsFacts.UIStaticImage) })
        {
            if (!given.TryGetValue(parameter, out var image)) continue;
            MetaflowException? refusal = null;
            try { DocumentedLimits.CheckImage(parameter, image); }
            catch (MetaflowException e) { refusal = e; }
            if (refusal is not null) { yield return refusal; continue; }
            if (facts.BelowFloor(kind, image) is var (floor, found))
                yield return new MetaflowException(ErrorIds.InvalidParameter,
                    $"{Display(parameter)} '{image}' is version {found}, below {floor.Value}, the lowest the module deploys: {floor.Note} ({floor.Source}). " +
                    $"Use {floor.Extra.GetValueOrDefault("repository")}:v{floor.Value} or later.",
                    ErrorKind.InvalidArgument, image);
        }
    }

    /// <summary>
    /// AWS managed policies that grant administration, identity or all of a data or compute service (checked against AWS's
    /// published managed policies on 2026-03-07): a job role must not carry them. The template's Rule WorkerPolicyNotBroad
    /// names the first of them for CloudFormation too (Rules cannot build names).
    /// </summary>
    public static readonly IReadOnlyList<string> BroadManagedPolicies =
    [
        "AdministratorAccess", "PowerUserAccess", "IAMFullAccess", "ReadOnlyAccess", "AmazonS3FullAccess", "SecretsManagerReadWrite",
        "AWSBatchFullAccess", "AWSStepFunctionsFullAccess", "AmazonSageMakerFullAccess", "AmazonEC2FullAccess", "AWSLambda_FullAccess",
        "job-function/SystemAdministrator", "job-function/NetworkAdministrator", "job-function/DatabaseAdministrator", "job-function/DataScientist",
        "AdministratorAccess-Amplify", "AdministratorAccess-AWSElasticBeanstalk", "AWSOrganizationsFullAccess", "AWSAccountManagementFullAccess",
        "AWSSSOMasterAccountAdministrator", "AWSSSOMemberAccountAdministrator", "AWSSSODirectoryAdministrator", "AmazonDynamoDBFullAccess",
        "AmazonRDSFullAccess", "AWSKeyManagementServicePowerUser", "AmazonECS_FullAccess", "AWSCloudFormationFullAccess", "AmazonSSMFullAccess",
        "AmazonVPCFullAccess", "CloudWatchLogsFullAccess", "AmazonEC2ContainerRegistryFullAccess", "AmazonAPIGatewayAdministrator",
        "AmazonCognitoPowerUser", "AmazonEventBridgeFullAccess",
    ];

    /// <summary>The broad AWS managed policy an ARN names (any partition), or null.</summary>
    public static string? BroadManagedPolicy(string arn)
        => Regex.Match(arn, @"^arn:aws(-cn|-us-gov)?:iam::aws:policy/(?<name>.+)$") is { Success: true } m
           && BroadManagedPolicies.FirstOrDefault(b => b.Equals(m.Groups["name"].Value, StringComparison.Ordinal)) is { } name ? name : null;

    /// <summary>Checks across parameters: network ranges and Batch vCPU ordering; only for parameters the template has.</summary>
    public static IEnumerable<MetaflowException> CrossChecks(IReadOnlyDictionary<string, string> values)
    {
        string? V(string k) => values.TryGetValue(k, out var v) ? v : null;

        foreach (var name in new[] { "VPCCidr", "Subnet1Cidr", "Subnet2Cidr" })
            if (V(name) is { } text && !Cidr.TryParse(text, out _) && Cidr.NetworkOf(text) is { } network)
                yield return new MetaflowException(ErrorIds.InvalidParameter,
                    $"{Display(name)} '{text}' has host bits set: a CIDR block starts at its network address, here {network}.",
                    ErrorKind.InvalidArgument, text);

        if (V("VPCCidr") is { } vpcText && Cidr.TryParse(vpcText, out var vpc))
        {
            var subnets = new List<(string Name, Cidr Block)>();
            foreach (var name in new[] { "Subnet1Cidr", "Subnet2Cidr" })
            {
                if (V(name) is not { } text || !Cidr.TryParse(text, out var block)) continue;
                if (!vpc.Contains(block))
                    yield return new MetaflowException(ErrorIds.InvalidParameter,
                        $"{Display(name)} '{text}' is not inside the VPC range {vpcText} ({Display("VPCCidr")}). Give subnets inside it, e.g. {vpc.Subdivide(0)} and {vpc.Subdivide(1)}.",
                        ErrorKind.InvalidArgument, text);
                subnets.Add((name, block));
            }
            if (subnets.Count == 2 && subnets[0].Block.Overlaps(subnets[1].Block))
                yield return new MetaflowException(ErrorIds.InvalidParameter,
                    $"{Display("Subnet1Cidr")} '{subnets[0].Block}' and {Display("Subnet2Cidr")} '{subnets[1].Block}' overlap; the two subnets need separate ranges, e.g. {vpc.Subdivide(0)} and {vpc.Subdivide(1)}.",
                    ErrorKind.InvalidArgument, subnets[1].Block.ToString());
        }

        if (int.TryParse(V("MinVCPUBatch"), out var min) && int.TryParse(V("DesiredVCPUBatch"), out var desired) && int.TryParse(V("MaxVCPUBatch"), out var max))
        {
            if (min > max)
                yield return new MetaflowException(ErrorIds.InvalidParameter,
                    $"-MinVCpu {min} is greater than -MaxVCpu {max}: AWS Batch needs MinVCpu <= DesiredVCpu <= MaxVCpu.", ErrorKind.InvalidArgument, min);
            else if (desired < min || desired > max)
                yield return new MetaflowException(ErrorIds.InvalidParameter,
                    $"-DesiredVCpu {desired} is outside -MinVCpu {min} .. -MaxVCpu {max}: AWS Batch needs MinVCpu <= DesiredVCpu <= MaxVCpu.", ErrorKind.InvalidArgument, desired);
        }

        if (V("ComputeEnvInstanceTypes") is { } types)
        {
            foreach (var t in types.Split(',').Select(s => s.Trim()))
                if (!Regex.IsMatch(t, @"^(optimal|[a-z][a-z0-9-]*[0-9][a-z0-9-]*(\.[0-9]*[a-z0-9]+)?)$"))
                    yield return new MetaflowException(ErrorIds.InvalidParameter,
                        $"{Display("ComputeEnvInstanceTypes")} '{t}' is not an EC2 instance type or family. Use names such as c5.large, m5.xlarge, c6i or optimal.",
                        ErrorKind.InvalidArgument, t);
        }

        // Without the key, only a resource policy keeps the internet out (the template's Rule ApiNeedsKeyOrAllowList says it too).
        if (V(ApiKeyParameter) == "false" && V(ApiAllowListParameter) is "")
            yield return new MetaflowException(ErrorIds.InvalidParameter,
                $"-DisableApiKey (APIBasicAuth 'false') would leave the metadata API open to anyone on the internet, who could read and write every run's metadata. " +
                $"Give {Display(ApiAllowListParameter)}, the only sources allowed to call it, or keep the key.",
                ErrorKind.InvalidArgument, ApiKeyParameter);

        if (V("AdditionalWorkerPolicyArn") is { Length: > 0 } worker && BroadManagedPolicy(worker) is { } broad)
            yield return new MetaflowException(ErrorIds.InvalidParameter,
                $"{Display("AdditionalWorkerPolicyArn")} '{worker}' is AWS's managed policy {broad}, which grants far more than jobs need: every user who may " +
                "run a job (pass its role) would have it too. Give a policy of your own with what the jobs need.",
                ErrorKind.InvalidArgument, worker);

        if (V("IAMPartition") is { } partition && V("AdditionalWorkerPolicyArn") is { Length: > 0 } policy
            && !policy.StartsWith($"arn:{partition}:", StringComparison.Ordinal))
            yield return new MetaflowException(ErrorIds.InvalidParameter,
                $"{Display("AdditionalWorkerPolicyArn")} '{policy}' is not in the IAM partition '{partition}' ({Display("IAMPartition")}); it must start with arn:{partition}:iam::.",
                ErrorKind.InvalidArgument, policy);
    }
}

/// <summary>An IPv4 CIDR block.</summary>
public readonly record struct Cidr(uint Network, int Prefix)
{
    public uint Mask => Prefix == 0 ? 0 : uint.MaxValue << (32 - Prefix);

    public static bool TryParse(string text, out Cidr cidr)
    {
        cidr = default;
        if (!TryParseParts(text, out var value, out var prefix)) return false;
        cidr = new Cidr(value, prefix);
        return (value & ~cidr.Mask) == 0;
    }

    /// <summary>The network address of an address/prefix whose host bits are set, e.g. 10.0.0.5/24 → 10.0.0.0/24.</summary>
    public static Cidr? NetworkOf(string text)
        => TryParseParts(text, out var value, out var prefix) ? new Cidr(value & new Cidr(0, prefix).Mask, prefix) : null;

    private static bool TryParseParts(string text, out uint value, out int prefix)
    {
        value = 0;
        prefix = 0;
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[1], out prefix) || prefix is < 0 or > 32) return false;
        if (parts[0].Split('.').Length != 4 || !IPAddress.TryParse(parts[0], out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork) return false;
        var b = ip.GetAddressBytes();
        value = (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
        return true;
    }

    public bool Contains(Cidr other) => other.Prefix >= Prefix && (other.Network & Mask) == Network;

    public bool Overlaps(Cidr other) => Contains(other) || other.Contains(this);

    /// <summary>The Nth /(prefix+4) block inside this one, to suggest valid subnets.</summary>
    public Cidr Subdivide(int index)
    {
        var p = Math.Min(Prefix + 4, 28);
        return new Cidr(Network + (uint)index * (1u << (32 - p)), p);
    }

    public override string ToString() => $"{Network >> 24}.{(Network >> 16) & 255}.{(Network >> 8) & 255}.{Network & 255}/{Prefix}";
}

/// <summary>A typed parameter of the deploy cmdlets: its PowerShell name, the template parameter(s) it sets, how its value is written.</summary>
public sealed record CmdletParameter(string Name, IReadOnlyList<string> TemplateNames, Func<object?, IReadOnlyList<string>> Write)
{
    public static CmdletParameter Text(string name, string template) => new(name, [template], v => [v?.ToString() ?? ""]);

    /// <summary>A choice whose allowed values are lowercase, given in any case.</summary>
    public static CmdletParameter Lower(string name, string template) => new(name, [template], v => [v?.ToString()?.ToLowerInvariant() ?? ""]);

    public static CmdletParameter Number(string name, string template)
        => new(name, [template], v => [Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? ""]);

    public static CmdletParameter List(string name, string template)
        => new(name, [template], v => [string.Join(",", v as IEnumerable<string> ?? [])]);

    /// <summary>A switch: the template value when it is on, and when it is given as -Name:$false.</summary>
    public static CmdletParameter Switch(string name, string template, string on, string off)
        => new(name, [template], v => [v is true ? on : off]);
}
