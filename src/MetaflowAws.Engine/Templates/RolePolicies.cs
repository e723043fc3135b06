using System.Text.RegularExpressions;

namespace MetaflowAws.Engine.Templates;

/// <summary>One question to IAM: an action on a resource, with the request's context keys (aws:SourceAccount, iam:PassedToService...).</summary>
public sealed record IamRequest(string Action, string Resource, IReadOnlyDictionary<string, string>? Context = null)
{
    public override string ToString() => $"{Action} on {Resource}" + (Context is { Count: > 0 } c ? $" ({string.Join(", ", c.Select(kv => $"{kv.Key}={kv.Value}"))})" : "");
}

/// <summary>IAM's answer: allowed by a statement, denied because nothing allows it, or denied by a Deny statement.</summary>
public enum IamDecision { Allowed, ImplicitDeny, ExplicitDeny }

/// <summary>
/// What the roles of a template may do, for given parameter values: every identity policy attached to each role (its
/// inline Policies, the template's AWS::IAM::ManagedPolicy and AWS::IAM::Policy that name it) and its trust policy,
/// with every intrinsic evaluated to the ARNs the stack's resources would have, judged the way IAM judges a request
/// within one account (IAM User Guide, "Policy evaluation logic": an explicit Deny wins, else an Allow, else denied;
/// wildcards in actions and resources; condition operators on the request's context keys). AWS managed policies the
/// template attaches are not read (their text is AWS's): <see cref="ManagedPolicyArns"/> lists them so a check can
/// judge them by name. Used by the security checks and the policy matrix tests.
/// </summary>
public sealed class RolePolicies
{
    private readonly Dictionary<string, List<Dictionary<string, object?>>> _statements = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Dictionary<string, object?>>> _trust = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _managed = new(StringComparer.Ordinal);
    private readonly Scope _scope;

    private RolePolicies(Scope scope) => _scope = scope;

    /// <summary>The active roles' logical ids.</summary>
    public IReadOnlyList<string> Roles => [.. _statements.Keys];

    /// <summary>The ARN a resource of the template would have (Ref or Arn, whichever names it), to build requests with.</summary>
    public string ArnOf(string logicalId) => _scope.ArnOf(logicalId);

    /// <summary>What Ref gives for a resource (a bucket's or table's name, a queue's ARN).</summary>
    public string RefOf(string logicalId) => _scope.ResourceRef(logicalId) ?? throw new ArgumentException($"no resource {logicalId}");

    public string Account => _scope.Account;

    public string Partition => _scope.PartitionName;

    public string Region => _scope.Region;

    public string StackName => _scope.StackName;

    /// <summary>The AWS managed (and other external) policy ARNs attached to a role, whose text is not judged here.</summary>
    public IReadOnlyList<string> ManagedPolicyArns(string role) => _managed.GetValueOrDefault(role) ?? [];

    public static RolePolicies Of(TemplateDocument template, IReadOnlyDictionary<string, string> values, string region = "us-east-1",
        string account = "123456789012", string stackName = "mf")
    {
        var scope = new Scope(template, values, region, account, stackName);
        var result = new RolePolicies(scope);
        var active = TemplatePlan.ActiveResources(template, values, region, stackName).ToHashSet(StringComparer.Ordinal);
        var resources = template.Section("Resources");
        foreach (var id in active)
        {
            if (resources[id] is not Dictionary<string, object?> r || r.GetValueOrDefault("Type") as string != "AWS::IAM::Role") continue;
            var props = Intrinsics.Evaluate(r.GetValueOrDefault("Properties"), scope) as Dictionary<string, object?> ?? [];
            result._statements[id] = [];
            result._trust[id] = Statements(props.GetValueOrDefault("AssumeRolePolicyDocument")).ToList();
            foreach (var policy in List(props.GetValueOrDefault("Policies")).OfType<Dictionary<string, object?>>())
                result._statements[id].AddRange(Statements(policy.GetValueOrDefault("PolicyDocument")));
            result._managed[id] = List(props.GetValueOrDefault("ManagedPolicyArns")).OfType<string>().ToList();
        }
        foreach (var id in active)
        {
            if (resources[id] is not Dictionary<string, object?> r || r.GetValueOrDefault("Type") is not ("AWS::IAM::ManagedPolicy" or "AWS::IAM::Policy")) continue;
            var raw = (r.GetValueOrDefault("Properties") as Dictionary<string, object?>)?.GetValueOrDefault("Roles");
            var props = Intrinsics.Evaluate(r.GetValueOrDefault("Properties"), scope) as Dictionary<string, object?> ?? [];
            // Roles: [!Ref Role] names the role: find which logical id it is.
            foreach (var target in List(raw).Select(n => n is Dictionary<string, object?> d && d.GetValueOrDefault("Ref") is string rid ? rid : null).OfType<string>())
                if (result._statements.TryGetValue(target, out var list)) list.AddRange(Statements(props.GetValueOrDefault("PolicyDocument")));
        }
        return result;
    }

    /// <summary>What the role's identity policies decide for the request.</summary>
    public IamDecision Decide(string role, IamRequest request)
        => Evaluate(_statements.GetValueOrDefault(role) ?? throw new ArgumentException($"{role} is not an active role of the template"), request, principal: null);

    public bool Allows(string role, IamRequest request) => Decide(role, request) == IamDecision.Allowed;

    /// <summary>Whether the role's trust policy lets a principal (a service such as states.amazonaws.com, or an ARN) assume it, in that context.</summary>
    public bool Trusts(string role, string principal, IReadOnlyDictionary<string, string>? context = null)
        => Evaluate(_trust.GetValueOrDefault(role) ?? throw new ArgumentException($"{role} is not an active role of the template"),
            new IamRequest("sts:AssumeRole", ArnOf(role), context), principal) == IamDecision.Allowed;

    private static IamDecision Evaluate(IEnumerable<Dictionary<string, object?>> statements, IamRequest request, string? principal)
    {
        var allowed = false;
        foreach (var s in statements)
        {
            if (!Applies(s, request, principal)) continue;
            if (s.GetValueOrDefault("Effect") as string == "Deny") return IamDecision.ExplicitDeny;
            if (s.GetValueOrDefault("Effect") as string == "Allow") allowed = true;
        }
        return allowed ? IamDecision.Allowed : IamDecision.ImplicitDeny;
    }

    private static bool Applies(Dictionary<string, object?> s, IamRequest request, string? principal)
    {
        bool AnyMatch(string key, string value, bool ignoreCase) => Strings(s.GetValueOrDefault(key)).Any(p => Glob(p, value, ignoreCase));
        if (s.ContainsKey("Action") && !AnyMatch("Action", request.Action, true)) return false;
        if (s.ContainsKey("NotAction") && AnyMatch("NotAction", request.Action, true)) return false;
        if (principal is not null)
        {
            if (!PrincipalMatches(s.GetValueOrDefault("Principal"), principal)) return false;
        }
        else
        {
            if (s.ContainsKey("Resource") && !AnyMatch("Resource", request.Resource, false)) return false;
            if (s.ContainsKey("NotResource") && AnyMatch("NotResource", request.Resource, false)) return false;
        }
        return s.GetValueOrDefault("Condition") is not Dictionary<string, object?> conditions
               || conditions.All(c => c.Value is Dictionary<string, object?> keys && keys.All(k => Condition(c.Key, k.Key, Strings(k.Value).ToList(), request.Context)));
    }

    private static bool PrincipalMatches(object? principal, string who)
    {
        if (principal is "*") return true;
        if (principal is not Dictionary<string, object?> map) return false;
        return map.Values.SelectMany(Strings).Any(p => p == "*" || p == who
            || (p.EndsWith(":root", StringComparison.Ordinal) && who.StartsWith(p[..^"root".Length], StringComparison.Ordinal)));
    }

    /// <summary>
    /// One condition operator on one key (IAM User Guide, "IAM JSON policy elements: Condition operators"): a key the
    /// request lacks matches no positive operator and every negated one; ...IfExists matches when the key is absent.
    /// </summary>
    private static bool Condition(string op, string key, List<string> expected, IReadOnlyDictionary<string, string>? context)
    {
        var ifExists = op.EndsWith("IfExists", StringComparison.Ordinal);
        var name = ifExists ? op[..^"IfExists".Length] : op;
        if (name == "Null")
            return expected.Contains((context?.ContainsKey(key) != true).ToString().ToLowerInvariant());
        if (context is null || !context.TryGetValue(key, out var actual))
            return ifExists || name.Contains("Not", StringComparison.Ordinal);
        return name switch
        {
            "StringEquals" or "ArnEquals" => expected.Contains(actual, StringComparer.Ordinal),
            "StringNotEquals" or "ArnNotEquals" => !expected.Contains(actual, StringComparer.Ordinal),
            "StringEqualsIgnoreCase" => expected.Contains(actual, StringComparer.OrdinalIgnoreCase),
            "StringLike" or "ArnLike" => expected.Any(e => Glob(e, actual, false)),
            "StringNotLike" or "ArnNotLike" => !expected.Any(e => Glob(e, actual, false)),
            "Bool" => expected.Contains(actual, StringComparer.OrdinalIgnoreCase),
            "IpAddress" => expected.Any(e => InCidr(actual, e)),
            "NotIpAddress" => !expected.Any(e => InCidr(actual, e)),
            "NumericLessThanEquals" => double.Parse(actual, System.Globalization.CultureInfo.InvariantCulture) <= expected.Select(e => double.Parse(e, System.Globalization.CultureInfo.InvariantCulture)).Min(),
            _ => false, // an operator this evaluator does not know allows nothing
        };
    }

    private static bool InCidr(string ip, string cidr)
        => Stacks.Cidr.TryParse(cidr.Contains('/') ? cidr : cidr + "/32", out var block) && Stacks.Cidr.TryParse(ip + "/32", out var one) && block.Contains(one);

    /// <summary>IAM's wildcards: * any run of characters, ? one.</summary>
    public static bool Glob(string pattern, string value, bool ignoreCase)
        => Regex.IsMatch(value, "^" + Regex.Escape(pattern).Replace("\\*", ".*").Replace("\\?", ".") + "$",
            (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None) | RegexOptions.Singleline);

    private static IEnumerable<Dictionary<string, object?>> Statements(object? document)
        => document is Dictionary<string, object?> d
            ? d.GetValueOrDefault("Statement") switch
            {
                Dictionary<string, object?> one => [one],
                List<object?> many => many.OfType<Dictionary<string, object?>>(),
                _ => [],
            }
            : [];

    private static IEnumerable<object?> List(object? value) => value as List<object?> ?? (value is null or NoValue ? [] : [value]);

    private static IEnumerable<string> Strings(object? value) => value switch
    {
        string s => [s],
        List<object?> l => l.OfType<string>(),
        _ => [],
    };

    /// <summary>Parameters with their values, pseudo parameters for one account, and each resource's Ref and attributes as AWS shapes them.</summary>
    private sealed class Scope(TemplateDocument template, IReadOnlyDictionary<string, string> values, string region, string account, string stack)
        : TemplateScope(template, region, stack)
    {
        private readonly string stackName = stack;

        public string Account => account;
        public string StackName => stackName;
        public string PartitionName => Aws.KnownRegions.PartitionOf(Region);

        public override bool TryGetParameter(string name, out object? value)
        {
            value = name switch
            {
                "AWS::AccountId" => account,
                "AWS::StackId" => $"arn:{PartitionName}:cloudformation:{Region}:{account}:stack/{stackName}/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
                _ => PseudoParameter(name),
            };
            if (value is not null) return true;
            var declared = Template.Section("Parameters").GetValueOrDefault(name) as Dictionary<string, object?>;
            if (declared is null) return false;
            var text = values.TryGetValue(name, out var v) ? v : declared.GetValueOrDefault("Default") as string ?? "";
            value = declared.GetValueOrDefault("Type") is "CommaDelimitedList" or "List<String>"
                ? text.Split(',').Select(x => (object?)x.Trim()).ToList() : text;
            return true;
        }

        private string? TypeOf(string id) => (Template.Section("Resources").GetValueOrDefault(id) as Dictionary<string, object?>)?.GetValueOrDefault("Type") as string;

        private string Name(string id, string? property, int max = 64)
        {
            var props = (Template.Section("Resources").GetValueOrDefault(id) as Dictionary<string, object?>)?.GetValueOrDefault("Properties") as Dictionary<string, object?>;
            if (property is not null && props?.GetValueOrDefault(property) is { } given && Intrinsics.Evaluate(given, this) is string s && s.Length > 0) return s;
            var generated = $"{stackName}-{id}-0A1B2C3D4E5F";
            return generated.Length > max ? generated[..max] : generated;
        }

        private string Arn(string service, string rest) => $"arn:{PartitionName}:{service}:{Region}:{account}:{rest}";

        public string ArnOf(string id) => TypeOf(id) switch
        {
            "AWS::S3::Bucket" or "AWS::IAM::Role" or "AWS::DynamoDB::Table" or "AWS::Logs::LogGroup" or "AWS::IAM::InstanceProfile" => ResourceAttribute(id, "Arn")!,
            _ => ResourceRef(id)!,
        };

        public override string? ResourceRef(string logicalId) => TypeOf(logicalId) switch
        {
            null => null,
            "AWS::S3::Bucket" => Name(logicalId, "BucketName", 63).ToLowerInvariant(),
            "AWS::IAM::Role" => Name(logicalId, "RoleName"),
            "AWS::IAM::InstanceProfile" => Name(logicalId, "InstanceProfileName"),
            "AWS::DynamoDB::Table" => Name(logicalId, "TableName"),
            "AWS::Logs::LogGroup" => Name(logicalId, "LogGroupName", 512),
            "AWS::Batch::JobQueue" => Arn("batch", "job-queue/" + Name(logicalId, "JobQueueName")),
            "AWS::Batch::ComputeEnvironment" => Arn("batch", "compute-environment/" + Name(logicalId, "ComputeEnvironmentName")),
            "AWS::SageMaker::NotebookInstance" => Arn("sagemaker", "notebook-instance/" + Name(logicalId, "NotebookInstanceName").ToLowerInvariant()),
            "AWS::SecretsManager::Secret" => Arn("secretsmanager", $"secret:{Name(logicalId, "Name")}-AbCdEf"),
            "AWS::Lambda::Function" => Name(logicalId, "FunctionName"),
            "AWS::IAM::ManagedPolicy" => $"arn:{PartitionName}:iam::{account}:policy/{Name(logicalId, "ManagedPolicyName")}",
            "AWS::ECS::Cluster" => Name(logicalId, "ClusterName"),
            "AWS::StepFunctions::StateMachine" => Arn("states", "stateMachine:" + Name(logicalId, "StateMachineName")),
            "AWS::Events::Rule" => Name(logicalId, "Name"),
            _ => $"{logicalId.ToLowerInvariant()}0a1b2c",
        };

        public override string? ResourceAttribute(string logicalId, string attribute) => (TypeOf(logicalId), attribute) switch
        {
            (null, _) => null,
            ("AWS::S3::Bucket", "Arn") => $"arn:{PartitionName}:s3:::{ResourceRef(logicalId)}",
            ("AWS::IAM::Role", "Arn") => $"arn:{PartitionName}:iam::{account}:role/{ResourceRef(logicalId)}",
            ("AWS::IAM::InstanceProfile", "Arn") => $"arn:{PartitionName}:iam::{account}:instance-profile/{ResourceRef(logicalId)}",
            ("AWS::DynamoDB::Table", "Arn") => Arn("dynamodb", "table/" + ResourceRef(logicalId)),
            ("AWS::Logs::LogGroup", "Arn") => Arn("logs", $"log-group:{ResourceRef(logicalId)}:*"),
            ("AWS::Lambda::Function", "Arn") => Arn("lambda", "function:" + ResourceRef(logicalId)),
            ("AWS::Batch::JobQueue", "JobQueueArn") or ("AWS::Batch::ComputeEnvironment", "ComputeEnvironmentArn") => ResourceRef(logicalId),
            ("AWS::SageMaker::NotebookInstance", "NotebookInstanceName") => Name(logicalId, "NotebookInstanceName"),
            _ => $"{logicalId}.{attribute}",
        };

        public override bool IsResource(string logicalId) => TypeOf(logicalId) is not null;
    }
}
