using System.Globalization;
using System.Text.Json.Nodes;
using MetaflowAws.Sandbox.CloudFormation;

namespace MetaflowAws.Sandbox.Ui;

/// <summary>
/// ECS DescribeServices over the stacks' AWS::ECS::Service resources (JSON 1.1,
/// AmazonEC2ContainerServiceV20141113.DescribeServices; botocore ecs/2014-11-13). A service whose create completed
/// has its desired count running, in one PRIMARY deployment whose rollout COMPLETED.
/// </summary>
public sealed class EcsServices(StackEngine stacks)
{
    private static string? S(object? v) => v is null ? null : Convert.ToString(v, CultureInfo.InvariantCulture);

    public (int Status, JsonObject Body, string? ErrorType) Handle(string action, JsonNode? request, string region)
        => action == "DescribeServices" ? DescribeServices(request, region) : JsonErrors.Unknown("AmazonEC2ContainerServiceV20141113", action);

    private static string NameOf(string arnOrName) => arnOrName.Contains(":cluster/", StringComparison.Ordinal) || arnOrName.Contains(":service/", StringComparison.Ordinal)
        ? arnOrName[(arnOrName.LastIndexOf('/') + 1)..] : arnOrName;

    /// <summary>
    /// The services of a cluster, by name or ARN; a name the cluster lacks is a failure {arn, reason MISSING}
    /// (ECS API reference, DescribeServices: "failures"; Failure reason). An unknown cluster is
    /// ClusterNotFoundException "Cluster not found."; the cluster defaults to "default".
    /// </summary>
    private (int, JsonObject, string?) DescribeServices(JsonNode? request, string region)
    {
        var wanted = (request?["services"] as JsonArray ?? []).Select(s => s?.GetValue<string>()).OfType<string>().ToList();
        if (wanted.Count == 0)
            return JsonErrors.Error("InvalidParameterException", "Services cannot be empty.");
        // botocore ecs: at most 10 services per call (ECS API reference, DescribeServices services).
        if (wanted.Count > 10)
            return JsonErrors.Error("InvalidParameterException", "Services cannot contain more than 10 elements.");
        var clusterName = NameOf(request?["cluster"]?.GetValue<string>() ?? "default");
        var cluster = stacks.LiveResources("AWS::ECS::Cluster").FirstOrDefault(c => c.Resource.Ref == clusterName);
        if (cluster.Resource is null) return JsonErrors.Error("ClusterNotFoundException", "Cluster not found.");
        var clusterArn = cluster.Resource.Attributes.GetValueOrDefault("Arn") ?? $"arn:aws:ecs:{region}:{StackEngine.AccountId}:cluster/{clusterName}";
        var live = stacks.LiveResources("AWS::ECS::Service").Select(s => s.Resource)
            .Where(s => S(s.Properties.GetValueOrDefault("Cluster")) is { } c && (c == clusterName || c == clusterArn)).ToList();
        var services = new JsonArray();
        var failures = new JsonArray();
        foreach (var w in wanted)
        {
            var name = NameOf(w);
            var service = live.FirstOrDefault(s => s.Attributes.GetValueOrDefault("Name") == name || s.Ref == w);
            if (service is null)
            {
                failures.Add(new JsonObject { ["arn"] = w.StartsWith("arn:", StringComparison.Ordinal) ? w : clusterArn.Replace(":cluster/", ":service/", StringComparison.Ordinal) + "/" + name, ["reason"] = "MISSING" });
                continue;
            }
            services.Add(Service(service, clusterArn));
        }
        return (200, new JsonObject { ["services"] = services, ["failures"] = failures }, null);
    }

    private static JsonObject Service(ResourceState s, string clusterArn)
    {
        var p = s.Properties;
        var desired = int.TryParse(S(p.GetValueOrDefault("DesiredCount")), out var d) ? d : 1;
        var complete = s.Status.EndsWith("_COMPLETE", StringComparison.Ordinal);
        var running = complete ? desired : 0;
        var created = new DateTimeOffset(s.Timestamp).ToUnixTimeSeconds();
        var balancers = new JsonArray((p.GetValueOrDefault("LoadBalancers") as List<object?> ?? []).OfType<Dictionary<string, object?>>().Select(b =>
        {
            var o = new JsonObject();
            if (S(b.GetValueOrDefault("TargetGroupArn")) is { } tg) o["targetGroupArn"] = tg;
            if (S(b.GetValueOrDefault("LoadBalancerName")) is { } lb) o["loadBalancerName"] = lb;
            if (S(b.GetValueOrDefault("ContainerName")) is { } cn) o["containerName"] = cn;
            if (int.TryParse(S(b.GetValueOrDefault("ContainerPort")), out var port)) o["containerPort"] = port;
            return (JsonNode)o;
        }).ToArray());
        return new JsonObject
        {
            ["serviceArn"] = s.Ref,
            ["serviceName"] = s.Attributes.GetValueOrDefault("Name"),
            ["clusterArn"] = clusterArn,
            ["loadBalancers"] = balancers,
            ["status"] = "ACTIVE",
            ["desiredCount"] = desired,
            ["runningCount"] = running,
            ["pendingCount"] = desired - running,
            ["launchType"] = S(p.GetValueOrDefault("LaunchType")) ?? "FARGATE",
            ["taskDefinition"] = S(p.GetValueOrDefault("TaskDefinition")),
            ["deployments"] = new JsonArray(new JsonObject
            {
                ["id"] = "ecs-svc/" + (ulong.Parse(ResourceModel.Hash(s.Ref + "#deployment", 15), NumberStyles.HexNumber) % 10_000_000_000_000_000_000UL).ToString("D19", CultureInfo.InvariantCulture),
                ["status"] = "PRIMARY",
                ["taskDefinition"] = S(p.GetValueOrDefault("TaskDefinition")),
                ["desiredCount"] = desired,
                ["pendingCount"] = desired - running,
                ["runningCount"] = running,
                ["createdAt"] = created,
                ["updatedAt"] = created,
                ["launchType"] = S(p.GetValueOrDefault("LaunchType")) ?? "FARGATE",
                // IN_PROGRESS until the tasks run, then COMPLETED (ECS API reference, Deployment rolloutState).
                ["rolloutState"] = complete ? "COMPLETED" : "IN_PROGRESS",
            }),
            ["createdAt"] = created,
        };
    }
}
