using static MetaflowAws.Engine.Templates.TemplateValues;

namespace MetaflowAws.Engine.Templates;

/// <summary>
/// The template's security promises, checked on its text: encrypted private buckets that refuse plain
/// HTTP, an encrypted private database with a generated password, no admin policies, no ingress from
/// the internet. A value that is an Fn::If passes only when every branch passes.
/// </summary>
public static partial class SecurityChecks
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
    /// <summary>
    /// No security group ingress from 0.0.0.0/0 or ::/0, except HTTPS (443) and HTTP (80, for the redirect) into a group
    /// that only internet-facing application load balancers use.
    /// </summary>
    public const string SecurityGroupIngressScoped = nameof(SecurityGroupIngressScoped);
    /// <summary>
    /// Every HTTPS listener sets an SslPolicy that allows TLS 1.2 and later only (without one, CloudFormation uses
    /// ELBSecurityPolicy-2016-08, which allows TLS 1.0: ELB User Guide, "Security policies for your Application Load
    /// Balancer"); every HTTP listener only redirects to HTTPS.
    /// </summary>
    public const string LoadBalancerTlsOnly = nameof(LoadBalancerTlsOnly);
    /// <summary>
    /// Every route of an HTTPS listener (its default actions and each rule) authenticates first: its lowest-Order
    /// action is authenticate-cognito or authenticate-oidc, and no route forwards or answers without it.
    /// </summary>
    public const string LoadBalancerAuthenticates = nameof(LoadBalancerAuthenticates);
    /// <summary>A database master password comes from Secrets Manager, never from the template or a parameter.</summary>
    public const string DatabasePasswordFromSecretsManager = nameof(DatabasePasswordFromSecretsManager);

    /// <summary>Every check id this class reports.</summary>
    public static IReadOnlyList<string> Checks { get; } =
    [
        BucketEncryption, BucketPublicAccessBlock, BucketTlsOnly, DatabaseEncrypted, DatabaseNotPublic,
        DatabaseSnapshotOnDelete, NoWildcardAdmin, SecurityGroupIngressScoped, DatabasePasswordFromSecretsManager,
        LoadBalancerTlsOnly, LoadBalancerAuthenticates, .. HardeningChecks,
    ];

    private const string DynamicSecretPrefix = "{{resolve:secretsmanager:";

    private static readonly string[] PublicAccessFlags = ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"];

    private static readonly HashSet<string> AnyAddress = new(StringComparer.OrdinalIgnoreCase) { "0.0.0.0/0", "::/0", "0:0:0:0:0:0:0:0/0" };

    public static IReadOnlyList<TemplateFinding> Check(TemplateDocument template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var findings = new List<TemplateFinding>();
        var resources = Resources(template).ToList();
        var webGroups = InternetFacingLoadBalancerGroups(resources);
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
                        CheckIngress(rule, rulePath, webGroups.Contains(id), findings);
                    break;
                case "AWS::ElasticLoadBalancingV2::Listener":
                    CheckListener(properties, path, findings);
                    break;
                case "AWS::ElasticLoadBalancingV2::ListenerRule":
                    var listener = resources.FirstOrDefault(l => l.Type == "AWS::ElasticLoadBalancingV2::Listener"
                                                                 && Alternatives(Get(properties, "ListenerArn")).Any(a => RefersTo(a, l.LogicalId)));
                    if (listener.LogicalId is null)
                        findings.Add(new(LoadBalancerAuthenticates, $"{path}/Properties/ListenerArn",
                            "The rule's listener is not in this template, so nothing shows it logs users in: give ListenerArn as !Ref of a listener here."));
                    else if (Alternatives(Get(listener.Properties, "Protocol")).Contains("HTTPS"))
                        CheckAuthenticatesFirst(Get(properties, "Actions"), $"{path}/Properties/Actions", findings);
                    else if (!OnlyRedirectsToHttps(Get(properties, "Actions")))
                        findings.Add(new(LoadBalancerTlsOnly, $"{path}/Properties/Actions",
                            "The rule of a plain-HTTP listener serves it: its only action must be a redirect with RedirectConfig Protocol HTTPS."));
                    break;
                case "AWS::EC2::SecurityGroupIngress":
                    CheckIngress(properties, $"{path}/Properties",
                        Alternatives(Get(properties, "GroupId")).All(g => webGroups.Any(w => RefersTo(g, w))), findings);
                    break;
            }
            foreach (var (document, documentPath) in PolicyDocuments(type, properties, path))
                CheckWildcardAdmin(document, documentPath, findings);
        }
        CheckHardening(template, resources, findings);
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

    /// <summary>The web ports a load balancer's own group may open to the internet: HTTPS, and HTTP that it redirects.</summary>
    private static readonly HashSet<string> WebPorts = ["443", "80"];

    private static void CheckIngress(object? rule, string path, bool loadBalancerGroup, List<TemplateFinding> findings)
    {
        foreach (var key in (string[])["CidrIp", "CidrIpv6"])
        {
            var open = Alternatives(Get(rule, key)).OfType<string>().FirstOrDefault(AnyAddress.Contains);
            if (open is null) continue;
            var from = Get(rule, "FromPort") as string;
            if (loadBalancerGroup && Get(rule, "IpProtocol") is "tcp" && from is not null && WebPorts.Contains(from) && Get(rule, "ToPort") as string == from) continue;
            var ports = from is not null ? $" (port {from}{(Get(rule, "ToPort") is string to && to != from ? "-" + to : "")})" : "";
            findings.Add(new(SecurityGroupIngressScoped, path, loadBalancerGroup
                ? $"The load balancer's security group accepts traffic from {open}{ports}: open only tcp 443 (and 80 to redirect it) to the internet."
                : $"The security group accepts traffic from {open}{ports}: allow only the VPC CIDR or a source security group."));
        }
    }

    /// <summary>
    /// Security groups that only internet-facing application load balancers use (Scheme omitted is internet-facing:
    /// CloudFormation User Guide, AWS::ElasticLoadBalancingV2::LoadBalancer Scheme); a group also given to anything
    /// else (a task, a database, an internal load balancer) is not one.
    /// </summary>
    private static HashSet<string> InternetFacingLoadBalancerGroups(List<TemplateResource> resources)
    {
        // The keys that name the group a rule is about or comes from, not a group something is placed in.
        string[] ruleKeys = ["SourceSecurityGroupId", "SourceSecurityGroupName", "DestinationSecurityGroupId", "SourceSecurityGroupOwnerId"];
        IEnumerable<string> Referenced(object? value)
        {
            foreach (var v in Alternatives(value))
            {
                if (IsIntrinsic(v, out var fn, out var arg))
                {
                    if (fn == "Ref" && arg is string id) yield return id;
                    else if (fn == "Fn::GetAtt" && arg is List<object?> { Count: 2 } ga && ga[0] is string gid && ga[1] is "GroupId") yield return gid;
                    else if (fn == "Fn::GetAtt" && arg is string dotted && dotted.EndsWith(".GroupId", StringComparison.Ordinal)) yield return dotted[..^8];
                    else foreach (var inner in Referenced(arg)) yield return inner;
                }
                else if (v is List<object?> list) foreach (var item in list) foreach (var inner in Referenced(item)) yield return inner;
                else if (v is Dictionary<string, object?> map) foreach (var inner in Uses(map)) yield return inner;
            }
        }
        IEnumerable<string> Uses(Dictionary<string, object?> map)
        {
            foreach (var (key, value) in map)
                if (!ruleKeys.Contains(key)) foreach (var id in Referenced(value)) yield return id;
        }
        var web = new HashSet<string>(StringComparer.Ordinal);
        var other = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in resources)
        {
            var isWeb = r.Type == "AWS::ElasticLoadBalancingV2::LoadBalancer"
                        && Alternatives(Get(r.Properties, "Type")).All(t => t is "application")
                        && Alternatives(Get(r.Properties, "Scheme")).All(s => s is null or "internet-facing");
            if (isWeb)
            {
                foreach (var (item, _, _) in Items(Get(r.Properties, "SecurityGroups"), ""))
                    web.UnionWith(Referenced(item));
                continue;
            }
            // A rule resource's GroupId is the group it opens, not a use of it.
            var properties = r.Type is "AWS::EC2::SecurityGroupIngress" or "AWS::EC2::SecurityGroupEgress"
                ? r.Properties.Where(p => p.Key != "GroupId").ToDictionary(p => p.Key, p => p.Value)
                : r.Properties;
            other.UnionWith(Uses(properties));
        }
        web.ExceptWith(other);
        return web;
    }

    // ---------------------------------------------------------------- load balancers

    /// <summary>The ELB policies that negotiate TLS 1.2 or 1.3 only (ELB User Guide, "Security policies for your Application Load Balancer").</summary>
    public static bool IsTls12Policy(string? policy)
        => policy is not null && (policy.Contains("-TLS13-1-2-", StringComparison.Ordinal) || policy.Contains("-TLS13-1-3-", StringComparison.Ordinal)
           || policy.Contains("-TLS-1-2-", StringComparison.Ordinal) || policy.StartsWith("ELBSecurityPolicy-FS-1-2-", StringComparison.Ordinal));

    private static void CheckListener(Dictionary<string, object?> properties, string path, List<TemplateFinding> findings)
    {
        foreach (var protocol in Alternatives(Get(properties, "Protocol")).OfType<string>().Distinct())
        {
            if (protocol == "HTTPS")
            {
                var policies = Alternatives(Get(properties, "SslPolicy")).ToList();
                if (policies.Any(p => p is not string s || !IsTls12Policy(s)))
                    findings.Add(new(LoadBalancerTlsOnly, $"{path}/Properties/SslPolicy",
                        "The HTTPS listener allows TLS before 1.2 (no SslPolicy means ELBSecurityPolicy-2016-08, TLS 1.0): set SslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06."));
                CheckAuthenticatesFirst(Get(properties, "DefaultActions"), $"{path}/Properties/DefaultActions", findings);
            }
            else if (protocol == "HTTP")
            {
                if (!OnlyRedirectsToHttps(Get(properties, "DefaultActions")))
                    findings.Add(new(LoadBalancerTlsOnly, $"{path}/Properties/DefaultActions",
                        "The HTTP listener serves plain HTTP: its only action must be a redirect with RedirectConfig Protocol HTTPS."));
            }
        }
    }

    private static bool OnlyRedirectsToHttps(object? actions)
    {
        var list = Items(actions, "").SelectMany(a => Alternatives(a.Item)).ToList();
        return list.Count > 0 && list.All(a => Alternatives(Get(a, "Type")).All(t => t is "redirect")
                                              && Alternatives(Get(Get(a, "RedirectConfig"), "Protocol")).All(p => p is "HTTPS"));
    }

    /// <summary>
    /// An action that logs the user in: authenticate-cognito or authenticate-oidc that sends an anonymous request to the
    /// login (OnUnauthenticatedRequest authenticate, the default) or refuses it (deny); "allow" lets it through (ELB User
    /// Guide, "Authenticate users using an Application Load Balancer").
    /// </summary>
    public static bool IsLogin(string? type, string? onUnauthenticatedRequest)
        => type is "authenticate-cognito" or "authenticate-oidc" && onUnauthenticatedRequest is null or "authenticate" or "deny";

    /// <summary>The route's first action (lowest Order; listed order when none is given) logs in.</summary>
    private static void CheckAuthenticatesFirst(object? actions, string path, List<TemplateFinding> findings)
    {
        var list = Items(actions, "").Select((a, i) => (Action: a.Item, Index: i)).ToList();
        static int OrderOf(object? action, int index)
            => Get(action, "Order") is string o && int.TryParse(o, out var n) ? n : Get(action, "Order") is int k ? k : 50_000 + index;
        var first = list.OrderBy(a => OrderOf(a.Action, a.Index)).Select(a => a.Action).FirstOrDefault();
        var unauthenticated = Alternatives(Get(Get(first, "AuthenticateCognitoConfig") ?? Get(first, "AuthenticateOidcConfig"), "OnUnauthenticatedRequest")).ToList();
        if (first is not null && Alternatives(Get(first, "Type")).All(t => unauthenticated.All(u => IsLogin(t as string, u as string)))) return;
        findings.Add(new(LoadBalancerAuthenticates, path,
            "The route does not log users in first: make its lowest-Order action authenticate-cognito (or authenticate-oidc), before the forward."));
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
