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

    /// <summary>Resources that hold the deployment's data, or the credentials of its database.</summary>
    public static readonly IReadOnlySet<string> DataTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::S3::Bucket", "AWS::DynamoDB::Table", "AWS::SecretsManager::Secret",
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

    /// <summary>The risk of one change: only removals and (possible) replacements put anything at risk.</summary>
    public static string Of(MetaflowStackChange change, IReadOnlySet<string> configReferenced)
    {
        var destructive = change.Action == "Remove" || change.Replacement is "True" or "Conditional";
        if (!destructive) return None;
        if (DataTypes.Contains(change.ResourceType)) return Data;
        if (IdentityTypes.Contains(change.ResourceType)) return Identity;
        // Roles whose ARNs the config holds: Step Functions', EventBridge's and the jobs' (state machines and job
        // definitions already deployed name them). An API key or URL that changes is fixed by Set-MetaflowApiKey/Export.
        if (change.ResourceType == "AWS::IAM::Role" && configReferenced.Contains(change.LogicalResourceId)) return Identity;
        return None;
    }

    /// <summary>Every change classified against the stack's current template (what the running deployment uses).</summary>
    public static IReadOnlyList<MetaflowStackChange> Classify(IEnumerable<MetaflowStackChange> changes, TemplateDocument current)
    {
        var referenced = ConfigReferenced(current);
        return changes.Select(c => c.WithRisk(Of(c, referenced))).ToList();
    }
}
