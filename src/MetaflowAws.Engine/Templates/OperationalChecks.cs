using static MetaflowAws.Engine.Templates.TemplateValues;

namespace MetaflowAws.Engine.Templates;

/// <summary>
/// What a template needs to keep working once deployed, beyond what CloudFormation validates: a broken
/// service fails fast, API changes reach the stage, upgrades are possible, logs expire, links follow the
/// partition.
/// </summary>
public static class OperationalChecks
{
    /// <summary>Every ECS service enables the deployment circuit breaker with rollback.</summary>
    public const string EcsCircuitBreaker = nameof(EcsCircuitBreaker);
    /// <summary>A stage's deployment changes whenever a condition that shapes the API's methods changes.</summary>
    public const string ApiDeploymentFollowsMethods = nameof(ApiDeploymentFollowsMethods);
    /// <summary>A DB instance whose engine version is a parameter allows major version upgrades.</summary>
    public const string MajorVersionUpgradeAllowed = nameof(MajorVersionUpgradeAllowed);
    /// <summary>Every Lambda function logs to a log group of the template that has a retention.</summary>
    public const string FunctionLogRetention = nameof(FunctionLogRetention);
    /// <summary>No output hard-codes a host of the aws partition (console.aws.amazon.com, amazonaws.com).</summary>
    public const string LinksFollowPartition = nameof(LinksFollowPartition);

    /// <summary>Every check id this class reports.</summary>
    public static IReadOnlyList<string> Checks { get; } =
        [EcsCircuitBreaker, ApiDeploymentFollowsMethods, MajorVersionUpgradeAllowed, FunctionLogRetention, LinksFollowPartition];

    /// <summary>
    /// Hosts that exist only in some partitions, and where they differ (AWS General Reference, "Service endpoints" and the
    /// China and GovCloud user guides): the console has its own host in each; service endpoints end in amazonaws.com.cn in
    /// China only, GovCloud's end in amazonaws.com as the aws partition's do.
    /// </summary>
    private static readonly (string Host, string Elsewhere)[] PartitionHosts =
    [
        ("console.aws.amazon.com", "the China and GovCloud regions have their own consoles (console.amazonaws.cn, console.amazonaws-us-gov.com)"),
        (".amazonaws.com", "China's service endpoints end in amazonaws.com.cn (GovCloud's do end in amazonaws.com)"),
        ("aws.amazon.com", "it is the aws partition's site, which the China and GovCloud consoles do not use"),
    ];

    public static IReadOnlyList<TemplateFinding> Check(TemplateDocument template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var findings = new List<TemplateFinding>();
        var resources = Resources(template).ToList();
        var parameters = template.Section("Parameters");
        var methodConditions = resources.Where(r => r.Type == "AWS::ApiGateway::Method")
            .SelectMany(r => ConditionsIn(r.Properties)).ToHashSet(StringComparer.Ordinal);

        foreach (var r in resources)
        {
            var path = $"Resources/{r.LogicalId}/Properties";
            switch (r.Type)
            {
                case "AWS::ECS::Service":
                    var breaker = Get(Get(r.Properties, "DeploymentConfiguration"), "DeploymentCircuitBreaker");
                    if (!IsAlwaysTrue(Get(breaker, "Enable")) || !IsAlwaysTrue(Get(breaker, "Rollback")))
                        findings.Add(new(EcsCircuitBreaker, $"{path}/DeploymentConfiguration",
                            $"ECS service {r.LogicalId} has no deployment circuit breaker with rollback: the deploy works, but a task that keeps failing holds the stack " +
                            "in progress for up to 3 hours before it fails (with the breaker, minutes). Set DeploymentConfiguration.DeploymentCircuitBreaker to { Enable: true, Rollback: true }.",
                            FindingSeverity.Warning));
                    break;
                case "AWS::ApiGateway::Stage" when methodConditions.Count > 0:
                    var deployment = Get(r.Properties, "DeploymentId");
                    var chosenBy = ConditionsIn(deployment).ToHashSet(StringComparer.Ordinal);
                    var targets = Alternatives(deployment).Select(d => IsIntrinsic(d, out var fn, out var a) && fn == "Ref" ? a as string : null).Distinct().Count();
                    var missing = methodConditions.Where(c => !chosenBy.Contains(c) && !chosenBy.Contains(Negation(template, c) ?? "")).Order().ToList();
                    if (missing.Count > 0 || targets < 2)
                        findings.Add(new(ApiDeploymentFollowsMethods, $"{path}/DeploymentId",
                            $"Stage {r.LogicalId} keeps one deployment while the methods change with condition(s) {string.Join(", ", methodConditions.Order())}: " +
                            "a deployment is a snapshot, so updating those parameters would never reach the stage. " +
                            "Give each setting its own AWS::ApiGateway::Deployment (Condition on it) and choose it with Fn::If in DeploymentId."));
                    break;
                case "AWS::RDS::DBInstance":
                    var version = Get(r.Properties, "EngineVersion");
                    if (Alternatives(version).Any(v => IsIntrinsic(v, out var fn, out var arg) && fn == "Ref" && arg is string p && parameters.ContainsKey(p))
                        && !IsAlwaysTrue(Get(r.Properties, "AllowMajorVersionUpgrade")))
                        findings.Add(new(MajorVersionUpgradeAllowed, path,
                            $"Database {r.LogicalId} takes its EngineVersion from a parameter but does not set AllowMajorVersionUpgrade: true, so RDS refuses a change of major version. Set it."));
                    break;
                case "AWS::Lambda::Function":
                    if (!HasRetainedLogs(r, resources))
                        findings.Add(new(FunctionLogRetention, path,
                            $"Function {r.LogicalId} logs to a log group Lambda creates on first use, which keeps logs (and bills them) forever; the deploy works. " +
                            "Add an AWS::Logs::LogGroup with RetentionInDays and point LoggingConfig.LogGroup at it.", FindingSeverity.Warning));
                    break;
            }
        }
        foreach (var (name, output) in template.Section("Outputs"))
            foreach (var text in StringsIn(Get(output, "Value")))
                if (PartitionHosts.FirstOrDefault(h => text.Contains(h.Host, StringComparison.OrdinalIgnoreCase)) is { Host: not null } host)
                    findings.Add(new(LinksFollowPartition, $"Outputs/{name}/Value",
                        $"Output {name} hard-codes '{host.Host}': {host.Elsewhere}, so the output is a wrong link there (the deploy works). " +
                        "Take the host from a mapping keyed by AWS::Partition, or use AWS::URLSuffix.", FindingSeverity.Warning));
        return findings;
    }

    private static bool HasRetainedLogs(TemplateResource function, List<TemplateResource> resources)
    {
        bool Retained(string id) => resources.Any(g => g.LogicalId == id && g.Type == "AWS::Logs::LogGroup" && Get(g.Properties, "RetentionInDays") is not null);
        var configured = Get(Get(function.Properties, "LoggingConfig"), "LogGroup");
        if (IsIntrinsic(configured, out var fn, out var arg) && fn == "Ref" && arg is string id) return Retained(id);
        // The classic way: a group named /aws/lambda/<function> made by the template.
        return resources.Any(g => g.Type == "AWS::Logs::LogGroup" && Get(g.Properties, "RetentionInDays") is not null
            && StringsIn(Get(g.Properties, "LogGroupName")).Any(s => s.Contains("/aws/lambda/${" + function.LogicalId + "}", StringComparison.Ordinal)));
    }

    /// <summary>The condition an Fn::Not of <paramref name="condition"/> is declared as, if any (UseApiKey → NoApiKey).</summary>
    private static string? Negation(TemplateDocument template, string condition)
        => template.Section("Conditions").FirstOrDefault(c => IsIntrinsic(c.Value, out var fn, out var arg) && fn == "Fn::Not"
            && arg is List<object?> { Count: 1 } l && IsIntrinsic(l[0], out var inner, out var name) && inner == "Condition" && name as string == condition).Key;

    /// <summary>The condition names every Fn::If inside a value uses.</summary>
    private static IEnumerable<string> ConditionsIn(object? value)
    {
        switch (value)
        {
            case Dictionary<string, object?> map:
                if (IsIntrinsic(map, out var fn, out var arg) && fn == "Fn::If" && arg is List<object?> { Count: 3 } l && l[0] is string c) yield return c;
                foreach (var v in map.Values) foreach (var x in ConditionsIn(v)) yield return x;
                break;
            case List<object?> list:
                foreach (var v in list) foreach (var x in ConditionsIn(v)) yield return x;
                break;
        }
    }

    /// <summary>Every literal string inside a value (Fn::Sub templates included).</summary>
    private static IEnumerable<string> StringsIn(object? value)
    {
        switch (value)
        {
            case string s: yield return s; break;
            case Dictionary<string, object?> map: foreach (var v in map.Values) foreach (var x in StringsIn(v)) yield return x; break;
            case List<object?> list: foreach (var v in list) foreach (var x in StringsIn(v)) yield return x; break;
        }
    }
}
