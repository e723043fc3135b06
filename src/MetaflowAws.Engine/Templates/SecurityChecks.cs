using static MetaflowAws.Engine.Templates.TemplateValues;

namespace MetaflowAws.Engine.Templates;

/// <summary>
/// The template's security promises, checked on its text: encrypted private buckets that refuse plain
/// HTTP, an encrypted private database with a generated password, no admin policies, no ingress from
/// the internet. A value that is an Fn::If passes only when every branch passes.
/// </summary>
public static class SecurityChecks
{
    /// <summary>Every AWS::S3::Bucket sets BucketEncryption with a default algorithm.</summary>
    public const string BucketEncryption = nameof(BucketEncryption);
    /// <summary>Every bucket sets all four PublicAccessBlockConfiguration flags to true.</summary>
    public const string BucketPublicAccessBlock = nameof(BucketPublicAccessBlock);
    /// <summary>Every bucket has a bucket policy denying requests where aws:SecureTransport is false.</summary>
    public const string BucketTlsOnly = nameof(BucketTlsOnly);
    /// <summary>Every AWS::RDS::DBInstance sets StorageEncrypted: true.</summary>
    public const string DatabaseEncrypted = nameof(DatabaseEncrypted);
    /// <summary>Every DB instance sets PubliclyAccessible: false explicitly (the default depends on the subnets).</summary>
    public const string DatabaseNotPublic = nameof(DatabaseNotPublic);
    /// <summary>Every DB instance has DeletionPolicy Snapshot (or Retain), so deleting the stack keeps the data.</summary>
    public const string DatabaseSnapshotOnDelete = nameof(DatabaseSnapshotOnDelete);
    /// <summary>No policy statement allows every action on every resource.</summary>
    public const string NoWildcardAdmin = nameof(NoWildcardAdmin);
    /// <summary>No security group ingress from 0.0.0.0/0 or ::/0.</summary>
    public const string SecurityGroupIngressScoped = nameof(SecurityGroupIngressScoped);
    /// <summary>A database master password comes from Secrets Manager, never from the template or a parameter.</summary>
    public const string DatabasePasswordFromSecretsManager = nameof(DatabasePasswordFromSecretsManager);

    /// <summary>Every check id this class reports.</summary>
    public static IReadOnlyList<string> Checks { get; } =
    [
        BucketEncryption, BucketPublicAccessBlock, BucketTlsOnly, DatabaseEncrypted, DatabaseNotPublic,
        DatabaseSnapshotOnDelete, NoWildcardAdmin, SecurityGroupIngressScoped, DatabasePasswordFromSecretsManager,
    ];

    private const string DynamicSecretPrefix = "{{resolve:secretsmanager:";

    private static readonly string[] PublicAccessFlags = ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"];

    private static readonly HashSet<string> AnyAddress = new(StringComparer.OrdinalIgnoreCase) { "0.0.0.0/0", "::/0", "0:0:0:0:0:0:0:0/0" };

    public static IReadOnlyList<TemplateFinding> Check(TemplateDocument template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var findings = new List<TemplateFinding>();
        var resources = Resources(template).ToList();
        foreach (var (id, type, resource, properties) in resources)
        {
            var path = $"Resources/{id}";
            switch (type)
            {
                case "AWS::S3::Bucket":
                    CheckBucketEncryption(properties, path, findings);
                    CheckPublicAccessBlock(properties, path, findings);
                    CheckTlsOnly(id, resources, path, findings);
                    break;
                case "AWS::RDS::DBInstance":
                    CheckDatabase(template, resource, properties, path, findings);
                    break;
                case "AWS::EC2::SecurityGroup":
                    foreach (var (rule, rulePath, _) in Items(Get(properties, "SecurityGroupIngress"), $"{path}/Properties/SecurityGroupIngress"))
                        CheckIngress(rule, rulePath, findings);
                    break;
                case "AWS::EC2::SecurityGroupIngress":
                    CheckIngress(properties, $"{path}/Properties", findings);
                    break;
            }
            foreach (var (document, documentPath) in PolicyDocuments(type, properties, path))
                CheckWildcardAdmin(document, documentPath, findings);
        }
        return findings;
    }

    // ---------------------------------------------------------------- buckets

    private static void CheckBucketEncryption(Dictionary<string, object?> properties, string path, List<TemplateFinding> findings)
    {
        var rules = Items(Get(Get(properties, "BucketEncryption"), "ServerSideEncryptionConfiguration"), "").ToList();
        if (rules.Count > 0 && rules.All(r => Get(Get(r.Item, "ServerSideEncryptionByDefault"), "SSEAlgorithm") is not null)) return;
        findings.Add(new(BucketEncryption, $"{path}/Properties/BucketEncryption",
            "The bucket does not set default encryption: add BucketEncryption.ServerSideEncryptionConfiguration with ServerSideEncryptionByDefault.SSEAlgorithm (AES256 or aws:kms)."));
    }

    private static void CheckPublicAccessBlock(Dictionary<string, object?> properties, string path, List<TemplateFinding> findings)
    {
        var config = Get(properties, "PublicAccessBlockConfiguration");
        var open = PublicAccessFlags.Where(flag => Alternatives(config).Any(c => !IsAlwaysTrue(Get(c, flag)))).ToList();
        if (open.Count == 0) return;
        findings.Add(new(BucketPublicAccessBlock, $"{path}/Properties/PublicAccessBlockConfiguration",
            $"The bucket does not block public access: set {string.Join(", ", open)} to true under PublicAccessBlockConfiguration."));
    }

    private static void CheckTlsOnly(string bucketId, List<TemplateResource> resources, string path, List<TemplateFinding> findings)
    {
        var policies = resources
            .Where(r => r.Type == "AWS::S3::BucketPolicy" && Alternatives(Get(r.Properties, "Bucket")).Any(b => RefersTo(b, bucketId)))
            .ToList();
        if (policies.Any(p => DeniesPlainHttp(Get(p.Properties, "PolicyDocument")))) return;
        if (policies.Count == 0)
        {
            findings.Add(new(BucketTlsOnly, path,
                $"No AWS::S3::BucketPolicy refers to {bucketId}: add one whose Bucket is !Ref {bucketId}, with a Deny of s3:* for Principal '*' when aws:SecureTransport is false."));
            return;
        }
        foreach (var policy in policies)
            findings.Add(new(BucketTlsOnly, $"Resources/{policy.LogicalId}/Properties/PolicyDocument",
                $"The policy of bucket {bucketId} does not refuse plain HTTP: add an unconditional statement with Effect Deny, Principal '*', Action s3:*, and Condition Bool aws:SecureTransport 'false'."));
    }

    private static bool RefersTo(object? value, string logicalId)
        => IsIntrinsic(value, out var fn, out var arg) && fn == "Ref" && arg is string s && s == logicalId;

    private static bool DeniesPlainHttp(object? document)
    {
        // The statement must always be there, so one inside an Fn::If does not count.
        foreach (var (statement, _, conditional) in Statements(document, ""))
        {
            if (conditional || Get(statement, "Effect") is not "Deny") continue;
            var principal = Get(statement, "Principal");
            if (!(principal is "*" || HasStar(Get(principal, "AWS")))) continue;
            if (!Values(Get(statement, "Action")).Any(a => a is "*" or "s3:*")) continue;
            if (!ConditionValues(Get(statement, "Condition"), "aws:SecureTransport").Any(v => v.Equals("false", StringComparison.OrdinalIgnoreCase))) continue;
            return true;
        }
        return false;
    }

    /// <summary>The values a Bool / BoolIfExists condition compares <paramref name="key"/> with (IAM keys are case-insensitive).</summary>
    private static IEnumerable<string> ConditionValues(object? condition, string key)
    {
        foreach (var op in (string[])["Bool", "BoolIfExists"])
        {
            if (Map(Get(condition, op)) is not { } tests) continue;
            foreach (var (k, v) in tests)
                if (k.Equals(key, StringComparison.OrdinalIgnoreCase))
                    foreach (var s in Values(v)) if (s is string str) yield return str;
        }
    }

    // ---------------------------------------------------------------- databases

    private static void CheckDatabase(TemplateDocument template, Dictionary<string, object?> resource, Dictionary<string, object?> properties, string path, List<TemplateFinding> findings)
    {
        // An Aurora instance stores its data in its cluster: encryption and deletion snapshots are the cluster's settings.
        var inCluster = Get(properties, "DBClusterIdentifier") is not null;
        // Encrypted unless the user turns it off on purpose (a parameter whose default encrypts: it keeps an existing
        // unencrypted database in place, since RDS cannot encrypt one without making a new instance).
        if (!inCluster && !IsTrueByDefault(template, Get(properties, "StorageEncrypted")))
            findings.Add(new(DatabaseEncrypted, $"{path}/Properties/StorageEncrypted",
                "The database storage is not encrypted: set StorageEncrypted: true (it cannot be turned on later without a new instance)."));

        if (!IsAlwaysFalse(Get(properties, "PubliclyAccessible")))
            findings.Add(new(DatabaseNotPublic, $"{path}/Properties/PubliclyAccessible",
                "The database may get a public address: set PubliclyAccessible: false explicitly (its default depends on the subnets)."));

        if (!inCluster && Get(resource, "DeletionPolicy") is not ("Snapshot" or "Retain"))
            findings.Add(new(DatabaseSnapshotOnDelete, $"{path}/DeletionPolicy",
                "Deleting the stack would delete the database and its data: set DeletionPolicy: Snapshot (and UpdateReplacePolicy: Snapshot)."));

        var password = Get(properties, "MasterUserPassword");
        if (password is null) return; // ManageMasterUserPassword, a snapshot or a cluster provides it
        foreach (var value in Alternatives(password))
        {
            if (value is null || IsSecretsManagerReference(value)) continue;
            var what = IsIntrinsic(value, out var fn, out var arg) && fn == "Ref" ? $"comes from Ref {arg}" : "is written in the template";
            findings.Add(new(DatabasePasswordFromSecretsManager, $"{path}/Properties/MasterUserPassword",
                $"The master password {what}, so it is visible in parameters or the template: use '{{{{resolve:secretsmanager:<secret>:SecretString:password}}}}' built with Fn::Sub from an AWS::SecretsManager::Secret, or ManageMasterUserPassword: true."));
            return;
        }
    }

    /// <summary>True when the whole value is one {{resolve:secretsmanager:...}} dynamic reference.</summary>
    private static bool IsSecretsManagerReference(object? value)
    {
        var text = value switch
        {
            string s => s,
            _ when IsIntrinsic(value, out var fn, out var arg) && fn == "Fn::Sub" => arg switch
            {
                string s => s,
                List<object?> { Count: 2 } l => l[0] as string,
                _ => null,
            },
            // Join's non-literal parts (the secret's Ref) only fill in the middle; the ends must be literal.
            _ when IsIntrinsic(value, out var fn, out var arg) && fn == "Fn::Join" && arg is List<object?> { Count: 2 } join
                && join[0] is string separator && join[1] is List<object?> parts
                => string.Join(separator, parts.Select(p => p as string ?? "x")),
            _ => null,
        };
        return text is not null
            && text.StartsWith(DynamicSecretPrefix, StringComparison.Ordinal)
            && text.EndsWith("}}", StringComparison.Ordinal)
            && text.IndexOf("}}", StringComparison.Ordinal) == text.Length - 2;
    }

    // ---------------------------------------------------------------- network

    private static void CheckIngress(object? rule, string path, List<TemplateFinding> findings)
    {
        foreach (var key in (string[])["CidrIp", "CidrIpv6"])
        {
            var open = Alternatives(Get(rule, key)).OfType<string>().FirstOrDefault(AnyAddress.Contains);
            if (open is null) continue;
            var ports = Get(rule, "FromPort") is string from ? $" (port {from}{(Get(rule, "ToPort") is string to && to != from ? "-" + to : "")})" : "";
            findings.Add(new(SecurityGroupIngressScoped, path,
                $"The security group accepts traffic from {open}{ports}: allow only the VPC CIDR or a source security group."));
        }
    }

    // ---------------------------------------------------------------- IAM

    /// <summary>The permission policies a resource carries (not trust policies: AssumeRolePolicyDocument is left out).</summary>
    private static IEnumerable<(object? Document, string Path)> PolicyDocuments(string type, Dictionary<string, object?> properties, string path)
    {
        switch (type)
        {
            case "AWS::IAM::Role" or "AWS::IAM::User" or "AWS::IAM::Group":
                foreach (var (policy, policyPath, _) in Items(Get(properties, "Policies"), $"{path}/Properties/Policies"))
                    yield return (Get(policy, "PolicyDocument"), $"{policyPath}/PolicyDocument");
                break;
            case "AWS::IAM::ManagedPolicy" or "AWS::IAM::Policy" or "AWS::IAM::RolePolicy" or "AWS::IAM::UserPolicy"
                or "AWS::IAM::GroupPolicy" or "AWS::S3::BucketPolicy":
                yield return (Get(properties, "PolicyDocument"), $"{path}/Properties/PolicyDocument");
                break;
        }
    }

    private static void CheckWildcardAdmin(object? document, string path, List<TemplateFinding> findings)
    {
        foreach (var (statement, statementPath, _) in Statements(document, path))
        {
            if (!Alternatives(Get(statement, "Effect")).Contains("Allow")) continue;
            if (!HasStar(Get(statement, "Resource"))) continue;
            if (HasStar(Get(statement, "Action")))
                findings.Add(new(NoWildcardAdmin, statementPath,
                    "The statement allows every action ('*') on every resource ('*'): list the actions the role needs, or the resources they apply to."));
            else if (Get(statement, "NotAction") is not null)
                findings.Add(new(NoWildcardAdmin, statementPath,
                    "The statement allows every action except its NotAction on every resource ('*'): list the allowed actions instead."));
        }
    }

    private static IEnumerable<(object? Statement, string Path, bool Conditional)> Statements(object? document, string path)
    {
        foreach (var doc in Alternatives(document))
            foreach (var item in Items(Get(doc, "Statement"), $"{path}/Statement"))
                yield return item;
    }

    /// <summary>A string or a list of strings (each possibly an Fn::If) as the strings it can hold.</summary>
    private static IEnumerable<object?> Values(object? value)
        => Items(value, "").Select(i => i.Item);

    private static bool HasStar(object? value) => Values(value).Any(v => v is "*");
}
