using static MetaflowAws.Engine.Templates.TemplateValues;

namespace MetaflowAws.Engine.Templates;

/// <summary>
/// The hardening of issue 23, checked so that a weakened copy fails: the API not callable by anyone on the internet
/// without a key, stage throttling, roles that cannot reach another stack's resources, PassRole only to its service,
/// service trust tied to this account, unprivileged job definitions, no broad managed worker policy, the internal load
/// balancer behind a security group, task ports open only to security groups, IMDSv2 and encrypted volumes on Batch
/// hosts, the UI's user pool with MFA, deletion protection and no user-existence errors, and a protected database
/// that exports its log. Settings a parameter may turn off are judged with the parameters' defaults.
/// </summary>
public static partial class SecurityChecks
{
    /// <summary>For every parameter set the template's Rules accept, an API method without key or authorization sits behind a resource policy that refuses other sources.</summary>
    public const string ApiNotOpen = nameof(ApiNotOpen);
    /// <summary>Every API Gateway stage throttles every method (MethodSettings /* * with rate and burst limits).</summary>
    public const string ApiThrottled = nameof(ApiThrottled);
    /// <summary>No role may start, stop or change another stack's state machines, rules, queues, tables, buckets or secrets, nor edit account-wide log policies.</summary>
    public const string RolesStayInTheirStack = nameof(RolesStayInTheirStack);
    /// <summary>Every statement that allows iam:PassRole names the service the role goes to (iam:PassedToService).</summary>
    public const string PassRoleToItsService = nameof(PassRoleToItsService);
    /// <summary>Every trust policy of an AWS service that acts for this stack (Batch, ECS tasks, Step Functions, EventBridge) requires aws:SourceAccount or aws:SourceArn.</summary>
    public const string ServiceTrustScoped = nameof(ServiceTrustScoped);
    /// <summary>A role that may register job definitions may not register privileged ones, nor (with an image allow-list) other images.</summary>
    public const string JobDefinitionsUnprivileged = nameof(JobDefinitionsUnprivileged);
    /// <summary>A managed policy a parameter attaches to a role is refused by the template's Rules when it is one of AWS's broad policies.</summary>
    public const string WorkerPolicyNotBroad = nameof(WorkerPolicyNotBroad);
    /// <summary>Every network load balancer has security groups (by default: a load balancer gets them only when it is created).</summary>
    public const string NetworkLoadBalancerSecured = nameof(NetworkLoadBalancerSecured);
    /// <summary>The security groups of ECS services behind a load balancer take traffic only from other security groups, not address ranges (by default).</summary>
    public const string TaskIngressFromGroups = nameof(TaskIngressFromGroups);
    /// <summary>Every EC2 or Spot compute environment launches hosts from a launch template with IMDSv2 required (hop limit 1) and encrypted volumes.</summary>
    public const string BatchHostsHardened = nameof(BatchHostsHardened);
    /// <summary>Every user pool offers MFA and is protected from deletion (by default); every client hides whether a user exists.</summary>
    public const string UserPoolHardened = nameof(UserPoolHardened);
    /// <summary>Every DB instance is protected from deletion (by default) and exports its PostgreSQL log.</summary>
    public const string DatabaseDeletionProtected = nameof(DatabaseDeletionProtected);

    private static IReadOnlyList<string> HardeningChecks =>
    [
        ApiNotOpen, ApiThrottled, RolesStayInTheirStack, PassRoleToItsService, ServiceTrustScoped, JobDefinitionsUnprivileged,
        WorkerPolicyNotBroad, NetworkLoadBalancerSecured, TaskIngressFromGroups, BatchHostsHardened, UserPoolHardened, DatabaseDeletionProtected,
    ];

    private static readonly IReadOnlyDictionary<string, string> Defaults = new Dictionary<string, string>();

    private static void CheckHardening(TemplateDocument template, List<TemplateResource> resources, List<TemplateFinding> findings)
    {
        // A template that cannot be evaluated (an undeclared condition, a bad reference) is reported by the validator;
        // what its text shows is still checked, what needs an evaluation is not.
        try { CheckHardeningEvaluated(template, resources, findings); }
        catch (TemplateError) { }
    }

    private static void CheckHardeningEvaluated(TemplateDocument template, List<TemplateResource> resources, List<TemplateFinding> findings)
    {
        foreach (var (id, type, _, properties) in resources)
        {
            var path = $"Resources/{id}";
            switch (type)
            {
                case "AWS::ApiGateway::RestApi":
                    CheckApiNotOpen(template, id, resources, path, findings);
                    break;
                case "AWS::ApiGateway::Stage":
                    CheckThrottled(properties, path, findings);
                    break;
                case "AWS::IAM::Role":
                    CheckServiceTrust(properties, path, findings);
                    CheckWorkerPolicies(template, properties, path, findings);
                    break;
                case "AWS::ElasticLoadBalancingV2::LoadBalancer"
                    when Alternatives(Get(properties, "Type")).Contains("network")
                         && Evaluated(template, Get(properties, "SecurityGroups")) is not List<object?> { Count: > 0 }:
                    findings.Add(new(NetworkLoadBalancerSecured, $"{path}/Properties/SecurityGroups",
                        "The network load balancer has no security group, so anything that reaches it reaches its targets: give it SecurityGroups (only when it is created) and let the targets' group admit that group only."));
                    break;
                case "AWS::ECS::Service" when Get(properties, "LoadBalancers") is not null:
                    CheckTaskIngress(template, properties, resources, path, findings);
                    break;
                case "AWS::Batch::ComputeEnvironment":
                    CheckBatchHosts(template, properties, resources, path, findings);
                    break;
                case "AWS::Cognito::UserPool":
                    if (!Alternatives(Get(properties, "MfaConfiguration")).All(m => m is "OPTIONAL" or "ON"))
                        findings.Add(new(UserPoolHardened, $"{path}/Properties/MfaConfiguration",
                            "The user pool offers no MFA: set MfaConfiguration OPTIONAL (or ON) with EnabledMfas SOFTWARE_TOKEN_MFA."));
                    if (Evaluated(template, Get(properties, "DeletionProtection")) is not "ACTIVE")
                        findings.Add(new(UserPoolHardened, $"{path}/Properties/DeletionProtection",
                            "The user pool and its users can be deleted with the stack or by mistake: set DeletionProtection ACTIVE (by default)."));
                    break;
                case "AWS::Cognito::UserPoolClient" when Evaluated(template, Get(properties, "PreventUserExistenceErrors")) is not "ENABLED":
                    findings.Add(new(UserPoolHardened, $"{path}/Properties/PreventUserExistenceErrors",
                        "The login tells whether a user name exists: set PreventUserExistenceErrors ENABLED."));
                    break;
                case "AWS::RDS::DBInstance" when Get(properties, "DBClusterIdentifier") is null:
                    if (!IsAlwaysTrue(Evaluated(template, Get(properties, "DeletionProtection"))))
                        findings.Add(new(DatabaseDeletionProtected, $"{path}/Properties/DeletionProtection",
                            "The database can be deleted by mistake: set DeletionProtection true (by default; Remove-MetaflowStack turns it off first, after confirmation)."));
                    if (!Values(Evaluated(template, Get(properties, "EnableCloudwatchLogsExports"))).Contains("postgresql")
                        && Alternatives(Get(properties, "Engine")).Any(e => e is "postgres"))
                        findings.Add(new(DatabaseDeletionProtected, $"{path}/Properties/EnableCloudwatchLogsExports",
                            "The database's log stays on the instance, gone with it: set EnableCloudwatchLogsExports [postgresql]."));
                    break;
            }
            foreach (var (document, documentPath) in PolicyDocuments(type, properties, path))
                CheckPassRole(document, documentPath, findings);
        }
        CheckRolePolicies(template, findings);
    }

    /// <summary>A value with its Fn::If branches chosen for the parameters' defaults (what a stack gets when nothing is turned off).</summary>
    private static object? Evaluated(TemplateDocument template, object? value)
    {
        try { return TemplatePlan.ChooseBranches(template, value, Defaults); }
        catch (TemplateError) { return value; }
    }

    // ---------------------------------------------------------------- the API

    private static void CheckApiNotOpen(TemplateDocument template, string apiId, List<TemplateResource> resources, string path, List<TemplateFinding> findings)
    {
        var api = resources.First(r => r.LogicalId == apiId);
        var methods = resources.Where(r => r.Type == "AWS::ApiGateway::Method" && Alternatives(Get(r.Properties, "RestApiId")).Any(a => RefersTo(a, apiId))
                                           && !Alternatives(Get(r.Properties, "HttpMethod")).All(m => m is "OPTIONS")).ToList();
        // Every parameter set the Rules accept, over the parameters that decide whether a method needs a key or the policy applies.
        var decisive = new List<object?> { Get(api.Properties, "Policy"), Get(api.Properties, "EndpointConfiguration") };
        foreach (var m in methods) decisive.AddRange([Get(m.Body, "Condition"), Get(m.Properties, "ApiKeyRequired"), Get(m.Properties, "AuthorizationType")]);
        foreach (var values in Variants(template, decisive))
        {
            if (TemplatePlan.FailedRule(template, values) is not null) continue;
            var active = TemplatePlan.ActiveResources(template, values, "us-east-1", "mf").ToHashSet(StringComparer.Ordinal);
            var open = methods.Where(m => active.Contains(m.LogicalId)
                                          && !IsAlwaysTrue(TemplatePlan.Evaluate(template, Get(m.Properties, "ApiKeyRequired"), values))
                                          && TemplatePlan.Evaluate(template, Get(m.Properties, "AuthorizationType"), values) is null or "NONE").ToList();
            if (open.Count == 0 || RefusesOtherSources(TemplatePlan.Evaluate(template, Get(api.Properties, "Policy"), values))) continue;
            findings.Add(new(ApiNotOpen, path,
                $"With {Describe(values)} anyone on the internet may call {string.Join(", ", open.Select(m => m.LogicalId))} without a key or authorization: " +
                "give the API a resource policy that denies execute-api:Invoke outside aws:SourceIp (NotIpAddress) or aws:SourceVpce, or add a rule that refuses those values."));
            return;
        }
    }

    /// <summary>A policy with a Deny of execute-api:Invoke for everyone outside given addresses or VPC endpoints.</summary>
    private static bool RefusesOtherSources(object? policy)
        => Items(Get(policy, "Statement"), "").Select(s => s.Item).Any(s =>
            Get(s, "Effect") is "Deny"
            && Values(Get(s, "Action")).Any(a => a is "execute-api:Invoke" or "execute-api:*" or "*")
            && (Map(Get(Get(s, "Condition"), "NotIpAddress"))?.Keys.Any(k => k.Equals("aws:SourceIp", StringComparison.OrdinalIgnoreCase)) == true
                || Map(Get(Get(s, "Condition"), "StringNotEquals"))?.Keys.Any(k => k.Equals("aws:SourceVpce", StringComparison.OrdinalIgnoreCase) || k.Equals("aws:SourceVpc", StringComparison.OrdinalIgnoreCase)) == true));

    private static string Describe(IReadOnlyDictionary<string, string> values)
        => values.Count == 0 ? "the default parameters" : string.Join(", ", values.Select(kv => $"{kv.Key}='{kv.Value}'"));

    /// <summary>
    /// The parameter sets to judge: every combination of the values of the parameters the given nodes depend on
    /// (through conditions too): their AllowedValues, else their default and one more ('' or a placeholder).
    /// </summary>
    private static IEnumerable<IReadOnlyDictionary<string, string>> Variants(TemplateDocument template, IEnumerable<object?> nodes)
    {
        var parameters = template.Section("Parameters");
        var conditions = template.Section("Conditions");
        SortedSet<string> Walk(object? node, SortedSet<string> names, HashSet<string> seen)
        {
            switch (node)
            {
                case string bare when conditions.ContainsKey(bare) && seen.Add(bare):
                    Walk(conditions[bare], names, seen);
                    break;
                case Dictionary<string, object?> map:
                    foreach (var (k, v) in map)
                    {
                        if (k == "Ref" && v is string r && parameters.ContainsKey(r)) names.Add(r);
                        var condition = k == "Condition" && v is string c ? c : k == "Fn::If" && v is List<object?> { Count: > 0 } l && l[0] is string ic ? ic : null;
                        if (condition is not null && conditions.ContainsKey(condition) && seen.Add(condition)) Walk(conditions[condition], names, seen);
                        if (k != "Condition") Walk(v, names, seen);
                    }
                    break;
                case List<object?> list:
                    foreach (var item in list) Walk(item, names, seen);
                    break;
            }
            return names;
        }
        var names = new SortedSet<string>(StringComparer.Ordinal);
        var seenConditions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in nodes) Walk(n, names, seenConditions);
        // A rule that constrains one of these parameters constrains them together (a key or an allow-list): its parameters vary too.
        foreach (var (_, rule) in template.Section("Rules"))
            if (Walk(rule, new SortedSet<string>(StringComparer.Ordinal), []) is var used && used.Overlaps(names)) names.UnionWith(used);
        var choices = names.Take(8).Select(name =>
        {
            var def = Map(parameters[name]) ?? [];
            if (Get(def, "AllowedValues") is List<object?> allowed) return (name, allowed.Select(a => a?.ToString() ?? "").ToList());
            var d = Get(def, "Default")?.ToString() ?? "";
            return (name, d == "" ? ["", "10.9.0.0/16"] : new List<string> { d, "" });
        }).ToList();
        IEnumerable<Dictionary<string, string>> Combine(int i)
        {
            if (i == choices.Count) { yield return new Dictionary<string, string>(StringComparer.Ordinal); yield break; }
            foreach (var rest in Combine(i + 1))
                foreach (var value in choices[i].Item2)
                    yield return new Dictionary<string, string>(rest, StringComparer.Ordinal) { [choices[i].name] = value };
        }
        return Combine(0);
    }

    private static void CheckThrottled(Dictionary<string, object?> properties, string path, List<TemplateFinding> findings)
    {
        var all = Items(Get(properties, "MethodSettings"), "").Select(s => s.Item).Any(s =>
            Alternatives(Get(s, "ResourcePath")).All(p => p is "/*") && Alternatives(Get(s, "HttpMethod")).All(m => m is "*")
            && Get(s, "ThrottlingRateLimit") is not null && Get(s, "ThrottlingBurstLimit") is not null);
        if (!all)
            findings.Add(new(ApiThrottled, $"{path}/Properties/MethodSettings",
                "The stage does not throttle its methods, so one caller can use the account's whole API Gateway quota: add MethodSettings with ResourcePath '/*', HttpMethod '*', ThrottlingRateLimit and ThrottlingBurstLimit."));
    }

    // ---------------------------------------------------------------- IAM

    /// <summary>Services whose role trust takes aws:SourceAccount / aws:SourceArn for the resources acting (IAM User Guide, "The confused deputy problem").</summary>
    private static readonly string[] DeputyServices = ["batch.amazonaws.com", "ecs-tasks.amazonaws.com", "states.amazonaws.com", "events.amazonaws.com"];

    private static void CheckServiceTrust(Dictionary<string, object?> properties, string path, List<TemplateFinding> findings)
    {
        foreach (var (statement, statementPath, _) in Statements(Get(properties, "AssumeRolePolicyDocument"), $"{path}/Properties/AssumeRolePolicyDocument"))
        {
            if (Get(statement, "Effect") is not "Allow") continue;
            var services = Values(Get(Get(statement, "Principal"), "Service")).OfType<string>().Where(DeputyServices.Contains).ToList();
            if (services.Count == 0) continue;
            var keys = ConditionKeys(statement);
            if (keys.Any(k => k.Equals("aws:SourceAccount", StringComparison.OrdinalIgnoreCase) || k.Equals("aws:SourceArn", StringComparison.OrdinalIgnoreCase))) continue;
            findings.Add(new(ServiceTrustScoped, statementPath,
                $"{string.Join(", ", services)} may assume the role for anyone's resources: add Condition StringEquals aws:SourceAccount !Ref AWS::AccountId (and ArnLike aws:SourceArn for this stack's resources)."));
        }
    }

    /// <summary>The context keys a statement's Condition tests, under any operator.</summary>
    private static IEnumerable<string> ConditionKeys(object? statement)
        => Map(Get(statement, "Condition"))?.Values.SelectMany(v => Map(v)?.Keys.AsEnumerable() ?? []) ?? [];

    private static void CheckPassRole(object? document, string path, List<TemplateFinding> findings)
    {
        foreach (var (statement, statementPath, _) in Statements(document, path))
        {
            if (!Alternatives(Get(statement, "Effect")).Contains("Allow")) continue;
            if (!Values(Get(statement, "Action")).OfType<string>().Any(a => RolePolicies.Glob(a, "iam:PassRole", ignoreCase: true))) continue;
            var keys = ConditionKeys(statement);
            if (keys.Any(k => k.Equals("iam:PassedToService", StringComparison.OrdinalIgnoreCase))) continue;
            findings.Add(new(PassRoleToItsService, statementPath,
                "The statement lets the role be passed to any service (to Lambda or EC2, to act with it there): add Condition StringEquals iam:PassedToService with the service it is for."));
        }
    }

    private static void CheckWorkerPolicies(TemplateDocument template, Dictionary<string, object?> properties, string path, List<TemplateFinding> findings)
    {
        foreach (var (item, itemPath, _) in Items(Get(properties, "ManagedPolicyArns"), $"{path}/Properties/ManagedPolicyArns"))
        {
            var parameter = Alternatives(item).Select(a => IsIntrinsic(a, out var fn, out var arg) && fn == "Ref" && arg is string p
                && template.Section("Parameters").ContainsKey(p) ? p : null).OfType<string>().FirstOrDefault();
            if (parameter is null) continue;
            var admitted = ProbedBroadPolicies.Where(name =>
                TemplatePlan.FailedRule(template, new Dictionary<string, string> { [parameter] = "arn:aws:iam::aws:policy/" + name }) is null).ToList();
            if (admitted.Count > 0)
                findings.Add(new(WorkerPolicyNotBroad, itemPath,
                    $"Parameter {parameter} attaches any managed policy, also {string.Join(", ", admitted)}: everyone who may pass or assume the role then has it. " +
                    $"Add a rule whose assertion refuses AWS's broad managed policies (Fn::Not of Fn::Contains [the ARNs, !Ref {parameter}])."));
        }
    }

    /// <summary>The broad AWS managed policies a worker-policy parameter must be refused (a sample of the engine's longer list: the template's rule must name at least these).</summary>
    private static readonly string[] ProbedBroadPolicies = ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess", "AmazonS3FullAccess", "SecretsManagerReadWrite"];

    /// <summary>What a role of this stack must never be able to do: act on another stack's or team's resources in the same account.</summary>
    private static IEnumerable<IamRequest> ForeignReach(RolePolicies p)
    {
        string Arn(string service, string rest) => $"arn:{p.Partition}:{service}:{p.Region}:{p.Account}:{rest}";
        yield return new("states:StartExecution", Arn("states", "stateMachine:otherteam_flow"));
        yield return new("states:StopExecution", Arn("states", "execution:otherteam_flow:run-1"));
        yield return new("states:CreateStateMachine", Arn("states", "stateMachine:otherteam_flow"));
        yield return new("states:UpdateStateMachine", Arn("states", "stateMachine:otherteam_flow"));
        yield return new("states:DeleteStateMachine", Arn("states", "stateMachine:otherteam_flow"));
        yield return new("events:PutTargets", Arn("events", "rule/otherteam_flow"));
        yield return new("events:PutRule", Arn("events", "rule/otherteam_flow"));
        yield return new("events:DeleteRule", Arn("events", "rule/otherteam_flow"));
        yield return new("logs:PutResourcePolicy", "*");
        yield return new("batch:SubmitJob", Arn("batch", "job-queue/otherteam-queue"));
        yield return new("dynamodb:PutItem", Arn("dynamodb", "table/otherteam-table"));
        yield return new("s3:GetObject", $"arn:{p.Partition}:s3:::otherteam-bucket/data");
        yield return new("s3:PutObject", $"arn:{p.Partition}:s3:::otherteam-bucket/data");
        yield return new("secretsmanager:GetSecretValue", Arn("secretsmanager", "secret:otherteam-db-AbCdEf"));
        yield return new("iam:PassRole", $"arn:{p.Partition}:iam::{p.Account}:role/otherteam-admin",
            new Dictionary<string, string> { ["iam:PassedToService"] = "ecs-tasks.amazonaws.com" });
    }

    private static void CheckRolePolicies(TemplateDocument template, List<TemplateFinding> findings)
    {
        var reported = new HashSet<(string, string)>();
        foreach (var values in RoleVariants(template))
        {
            RolePolicies policies;
            try { policies = RolePolicies.Of(template, values); }
            catch (TemplateError) { continue; }
            foreach (var role in policies.Roles)
            {
                var reach = ForeignReach(policies).Where(r => policies.Allows(role, r)).ToList();
                if (reach.Count > 0 && reported.Add((RolesStayInTheirStack, role)))
                    findings.Add(new(RolesStayInTheirStack, $"Resources/{role}",
                        $"The role may act outside its stack: {string.Join("; ", reach)}. Name this stack's resources (its ${{AWS::StackName}}_ state machines and rules, its queue, table, bucket and secret) instead of '*'."));
                CheckJobDefinitions(template, policies, role, values, reported, findings);
            }
        }
    }

    private static void CheckJobDefinitions(TemplateDocument template, RolePolicies policies, string role, IReadOnlyDictionary<string, string> values,
        HashSet<(string, string)> reported, List<TemplateFinding> findings)
    {
        var definition = $"arn:{policies.Partition}:batch:{policies.Region}:{policies.Account}:job-definition/metaflow_probe";
        var plain = new Dictionary<string, string> { ["batch:Privileged"] = "false", ["batch:Image"] = AllowedImage + "app:1" };
        if (!policies.Allows(role, new IamRequest("batch:RegisterJobDefinition", definition, plain))) return;
        var problems = new List<string>();
        if (policies.Allows(role, new IamRequest("batch:RegisterJobDefinition", definition, new Dictionary<string, string>(plain) { ["batch:Privileged"] = "true" })))
            problems.Add("privileged ones (batch:Privileged true takes the host)");
        if (values.ContainsKey(ImagePrefixesParameter)
            && policies.Allows(role, new IamRequest("batch:RegisterJobDefinition", definition, new Dictionary<string, string>(plain) { ["batch:Image"] = "docker.io/someone/miner:latest" })))
            problems.Add($"images outside {ImagePrefixesParameter} (batch:Image)");
        if (problems.Count > 0 && reported.Add((JobDefinitionsUnprivileged, role)))
            findings.Add(new(JobDefinitionsUnprivileged, $"Resources/{role}",
                $"The role may register job definitions that are {string.Join(" and ", problems)}: add a Deny of batch:RegisterJobDefinition with Bool batch:Privileged 'true'" +
                (values.ContainsKey(ImagePrefixesParameter) ? " and one with StringNotLike batch:Image on the allowed prefixes." : ".")));
    }

    private const string ImagePrefixesParameter = "JobImagePrefixes";
    private const string AllowedImage = "123456789012.dkr.ecr.us-east-1.amazonaws.com/metaflow/";

    /// <summary>
    /// The parameter sets the role checks judge: the defaults, and the defaults with every switch that creates a role or
    /// policy turned on (its empty text parameters given a placeholder), so every role the template can create is judged;
    /// with JobImagePrefixes (when declared) set, so the image allow-list is judged too.
    /// </summary>
    private static IEnumerable<IReadOnlyDictionary<string, string>> RoleVariants(TemplateDocument template)
    {
        var parameters = template.Section("Parameters");
        yield return Defaults;
        var baseline = TemplatePlan.ActiveResources(template, Defaults, "us-east-1", "mf").ToHashSet(StringComparer.Ordinal);
        var iam = Resources(template).Where(r => r.Type is "AWS::IAM::Role" or "AWS::IAM::ManagedPolicy" or "AWS::IAM::Policy").Select(r => r.LogicalId).ToList();
        // Text parameters a feature needs (a domain, a certificate) get a placeholder first, so that its switch alone turns it on.
        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, def) in parameters)
            if (Get(def, "Default") as string == "" && Get(def, "AllowedValues") is null && Get(def, "Type") as string is "String" or null
                && name != ImagePrefixesParameter && !name.Contains("Policy", StringComparison.Ordinal))
                all[name] = name.EndsWith("Arn", StringComparison.Ordinal) ? $"arn:aws:acm:us-east-1:123456789012:certificate/{Guid.Empty}" : "metaflow.example.com";
        var placeholders = new Dictionary<string, string>(all, StringComparer.Ordinal);
        var switched = false;
        foreach (var (name, def) in parameters)
        {
            if (Get(def, "AllowedValues") is not List<object?> allowed || allowed.Count != 2 || !allowed.Contains("true") || !allowed.Contains("false")) continue;
            var flipped = Get(def, "Default") as string == "true" ? "false" : "true";
            var active = TemplatePlan.ActiveResources(template, new Dictionary<string, string>(placeholders) { [name] = flipped }, "us-east-1", "mf");
            if (!iam.Any(id => active.Contains(id) && !baseline.Contains(id))) continue;
            all[name] = flipped;
            switched = true;
        }
        if (!switched && !parameters.ContainsKey(ImagePrefixesParameter)) yield break;
        if (parameters.ContainsKey(ImagePrefixesParameter)) all[ImagePrefixesParameter] = AllowedImage;
        yield return all;
    }

    // ---------------------------------------------------------------- network and hosts

    private static void CheckTaskIngress(TemplateDocument template, Dictionary<string, object?> service, List<TemplateResource> resources, string path, List<TemplateFinding> findings)
    {
        var groups = Values(Evaluated(template, Get(Get(Get(service, "NetworkConfiguration"), "AwsvpcConfiguration"), "SecurityGroups")))
            .SelectMany(g => resources.Where(r => r.Type == "AWS::EC2::SecurityGroup" && RefersTo(g, r.LogicalId))).ToList();
        foreach (var group in groups)
            foreach (var (rule, rulePath, _) in Items(Evaluated(template, Get(group.Properties, "SecurityGroupIngress")), $"Resources/{group.LogicalId}/Properties/SecurityGroupIngress"))
                if (Get(rule, "CidrIp") is not null || Get(rule, "CidrIpv6") is not null)
                    findings.Add(new(TaskIngressFromGroups, rulePath,
                        $"The tasks of {path.Split('/')[1]} take port {Get(rule, "FromPort")} from an address range, so anything in it reaches them past the load balancer (and without the API key): admit only the load balancer's security group (SourceSecurityGroupId)."));
    }

    private static void CheckBatchHosts(TemplateDocument template, Dictionary<string, object?> environment, List<TemplateResource> resources, string path, List<TemplateFinding> findings)
    {
        var compute = Get(environment, "ComputeResources");
        if (!Alternatives(Get(compute, "Type")).Any(t => t is "EC2" or "SPOT")) return;
        var launch = Get(compute, "LaunchTemplate");
        var template2 = Alternatives(launch).SelectMany(l => Alternatives(Get(l, "LaunchTemplateId")).Concat(Alternatives(Get(l, "LaunchTemplateName"))))
            .SelectMany(v => resources.Where(r => r.Type == "AWS::EC2::LaunchTemplate" && RefersTo(v, r.LogicalId))).FirstOrDefault();
        if (template2.LogicalId is null)
        {
            findings.Add(new(BatchHostsHardened, $"{path}/Properties/ComputeResources/LaunchTemplate",
                "The EC2 hosts start without a launch template of this stack, so IMDSv1 answers any process (a job reads the instance role) and volumes may be unencrypted: give ComputeResources.LaunchTemplate a template with MetadataOptions HttpTokens required, HttpPutResponseHopLimit 1, and encrypted block devices."));
            return;
        }
        var data = Get(template2.Properties, "LaunchTemplateData");
        var lpath = $"Resources/{template2.LogicalId}/Properties/LaunchTemplateData";
        var metadata = Get(data, "MetadataOptions");
        if (!Alternatives(Get(metadata, "HttpTokens")).All(t => t is "required") || !Alternatives(Get(metadata, "HttpPutResponseHopLimit")).All(h => h is "1"))
            findings.Add(new(BatchHostsHardened, $"{lpath}/MetadataOptions",
                "The hosts answer IMDSv1 or pass the metadata service on to containers: set MetadataOptions HttpTokens required and HttpPutResponseHopLimit 1."));
        var devices = Items(Get(data, "BlockDeviceMappings"), "").Select(d => d.Item).ToList();
        if (devices.Count == 0 || devices.Any(d => !IsAlwaysTrue(Get(Get(d, "Ebs"), "Encrypted"))))
            findings.Add(new(BatchHostsHardened, $"{lpath}/BlockDeviceMappings",
                "The hosts' volumes are not all encrypted: give BlockDeviceMappings for the root volume with Ebs Encrypted true."));
    }
}
