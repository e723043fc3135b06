using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Engine.Stacks;

/// <summary>
/// Classifies the changes of an update by what they put at risk. An update may only remove or replace a
/// data-bearing or identity resource when the user says so explicitly (Update-MetaflowStack -AllowDataReplacement).
/// </summary>
public static class ChangeRisks
{
    public const string None = "None";
    public const string Data = "Data";
    public const string Identity = "Identity";

    /// <summary>
    /// Resources that hold the deployment's data, or credentials: the database's, and the UI's users with their passwords
    /// (a Cognito user pool's users cannot be exported with their passwords, so a new pool means inviting everyone again).
    /// </summary>
    public static readonly IReadOnlySet<string> DataTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::S3::Bucket", "AWS::DynamoDB::Table", "AWS::SecretsManager::Secret",
        "AWS::Cognito::UserPool",
    };

    /// <summary>The network everything runs in, and the queue deployed flows submit to.</summary>
    public static readonly IReadOnlySet<string> IdentityTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::Batch::JobQueue", "AWS::RDS::DBSubnetGroup",
    };

    /// <summary>
    /// The resources whose physical ids the Metaflow config holds: those referenced by an output that sets a config
    /// key (the job queue, the roles Step Functions, EventBridge and the jobs run with, the bucket, the table).
    /// Deployed state machines carry these ids, so new ones break them.
    /// </summary>
    public static IReadOnlySet<string> ConfigReferenced(TemplateDocument template)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var resources = template.Section("Resources");
        foreach (var (key, value) in template.Section("Outputs"))
        {
            if (value is not Dictionary<string, object?> output) continue;
            if (ConfigKeys.For(key, output.GetValueOrDefault("Description") as string) is null) continue;
            var referenced = new HashSet<string>(StringComparer.Ordinal);
            Intrinsics.CollectReferences(output.GetValueOrDefault("Value"), _ => true, referenced);
            ids.UnionWith(referenced.Where(resources.ContainsKey));
        }
        return ids;
    }

    /// <summary>
    /// Load balancers whose DNS name an output gives (the UI's: the user's DNS record points at it), so a new one
    /// leaves that record pointing nowhere.
    /// </summary>
    public static IReadOnlySet<string> DnsTargets(TemplateDocument template)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var resources = template.Section("Resources");
        foreach (var (_, value) in template.Section("Outputs"))
            if (value is Dictionary<string, object?> output && output.GetValueOrDefault("Value") is Dictionary<string, object?> v
                && v.GetValueOrDefault("Fn::GetAtt") is List<object?> { Count: 2 } getAtt && getAtt[1] is "DNSName" && getAtt[0] is string id
                && (resources.GetValueOrDefault(id) as Dictionary<string, object?>)?.GetValueOrDefault("Type") is "AWS::ElasticLoadBalancingV2::LoadBalancer")
                ids.Add(id);
        return ids;
    }

    /// <summary>The risk of one change: only removals and (possible) replacements put anything at risk.</summary>
    public static string Of(MetaflowStackChange change, IReadOnlySet<string> configReferenced)
    {
        // A secret whose generation changes gets a new value in place: a password the database does not have
        // (CloudFormation regenerates GenerateSecretString's value on such an update: cloudformation-coverage-roadmap
        // #1161), so the metadata service can no longer connect. Data at risk, though nothing is replaced.
        if (change.Action == "Modify" && change.ResourceType == "AWS::SecretsManager::Secret"
            && change.ChangedProperties.Any(p => p is "GenerateSecretString" or "SecretString")) return Data;
        var destructive = change.Action == "Remove" || change.MayReplace;
        if (!destructive) return None;
        if (DataTypes.Contains(change.ResourceType)) return Data;
        if (IdentityTypes.Contains(change.ResourceType)) return Identity;
        // What the config holds and deployed state machines and job definitions carry: the roles of Step Functions,
        // EventBridge and the jobs, and the service URLs (the API, the internal load balancer). An API key that is
        // removed on purpose (APIBasicAuth false) is not one of them: Set-MetaflowApiKey follows a new one.
        if (change.ResourceType is "AWS::IAM::Role" or "AWS::ApiGateway::RestApi" or "AWS::ElasticLoadBalancingV2::LoadBalancer"
            && configReferenced.Contains(change.LogicalResourceId)) return Identity;
        return None;
    }

    /// <summary>
    /// Properties the resource specification marks "may cause replacement" (CloudFormation's Conditional) that the
    /// service changes in place for the resources this product deploys. AWS::RDS::DBInstance: a standalone instance (no
    /// DBClusterIdentifier, no snapshot or source to restore from) takes each of them through ModifyDBInstance
    /// (botocore rds/2014-10-31 ModifyDBInstanceMessage has BackupRetentionPeriod, MultiAZ, StorageType,
    /// AutoMinorVersionUpgrade; the CloudFormation User Guide gives them "Update requires: Some interruptions" or
    /// "No interruption"): the replacement the specification allows for is the Aurora and restore cases.
    /// </summary>
    private static readonly Dictionary<string, HashSet<string>> InPlaceWhenConditional = new(StringComparer.Ordinal)
    {
        ["AWS::RDS::DBInstance"] = new(StringComparer.Ordinal) { "AutoMinorVersionUpgrade", "BackupRetentionPeriod", "MultiAZ", "StorageType" },
    };

    /// <summary>True when every cause of a Conditional replacement is a property the service changes in place.</summary>
    public static bool InPlace(string resourceType, IReadOnlyList<string> causes)
        => causes.Count > 0 && InPlaceWhenConditional.TryGetValue(resourceType, out var inPlace) && causes.All(inPlace.Contains);

    /// <summary>Every change classified against the stack's current template (what the running deployment uses).</summary>
    public static IReadOnlyList<MetaflowStackChange> Classify(IEnumerable<MetaflowStackChange> changes, TemplateDocument current)
    {
        var referenced = new HashSet<string>(ConfigReferenced(current), StringComparer.Ordinal);
        referenced.UnionWith(DnsTargets(current));
        return changes.Select(c => c.WithRisk(Of(c, referenced))).ToList();
    }
}
