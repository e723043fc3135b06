using System.Text.Json.Nodes;
using MetaflowAws.Sandbox.CloudFormation;

namespace MetaflowAws.Sandbox.Status;

/// <summary>
/// Read-only views of what the stacks created, in the services' own shapes: AWS Batch
/// DescribeJobQueues, DynamoDB DescribeTable, and the metadata service behind API Gateway
/// (served at /_execute-api/{api-id}/{stage}/...; the API key is checked as API Gateway does).
/// </summary>
public sealed class StatusApis(StackEngine stacks)
{
    public (int Status, JsonObject Body, string? ErrorType) DescribeJobQueues(JsonNode? request)
    {
        var wanted = (request?["jobQueues"] as JsonArray)?.Select(n => n?.GetValue<string>()).OfType<string>().ToHashSet();
        var queues = new JsonArray();
        foreach (var (_, r) in stacks.LiveResources("AWS::Batch::JobQueue"))
        {
            var arn = r.Ref!;
            var name = arn[(arn.LastIndexOf('/') + 1)..];
            if (wanted is { Count: > 0 } && !wanted.Contains(arn) && !wanted.Contains(name)) continue;
            var enabled = !string.Equals(r.Properties.GetValueOrDefault("State") as string, "DISABLED", StringComparison.Ordinal);
            queues.Add(new JsonObject
            {
                ["jobQueueName"] = name,
                ["jobQueueArn"] = arn,
                ["state"] = enabled ? "ENABLED" : "DISABLED",
                ["status"] = "VALID",
                ["statusReason"] = "JobQueue Healthy",
                ["priority"] = int.TryParse(r.Properties.GetValueOrDefault("Priority") as string, out var p) ? p : 1,
            });
        }
        return (200, new JsonObject { ["jobQueues"] = queues }, null);
    }

    public (int Status, JsonObject Body, string? ErrorType) DescribeTable(JsonNode? request)
    {
        var name = request?["TableName"]?.GetValue<string>();
        var found = stacks.LiveResources("AWS::DynamoDB::Table").FirstOrDefault(t => t.Resource.Ref == name);
        if (found.Resource is null)
            return (400, new JsonObject { ["__type"] = "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", ["message"] = $"Requested resource not found: Table: {name} not found" }, "ResourceNotFoundException");
        var t = found.Resource;
        return (200, new JsonObject
        {
            ["Table"] = new JsonObject
            {
                ["TableName"] = t.Ref,
                ["TableArn"] = t.Attributes.GetValueOrDefault("Arn"),
                ["TableStatus"] = "ACTIVE",
                ["BillingModeSummary"] = new JsonObject { ["BillingMode"] = t.Properties.GetValueOrDefault("BillingMode") as string ?? "PROVISIONED" },
                ["CreationDateTime"] = new DateTimeOffset(t.Timestamp).ToUnixTimeSeconds(),
            },
        }, null);
    }

    /// <summary>The metadata service through API Gateway: /ping answers "pong" when the API key (if the stack has one) is right.</summary>
    public (int Status, string Body, string ContentType) ExecuteApi(string apiId, string rest, string? apiKey)
    {
        var api = stacks.LiveResources("AWS::ApiGateway::RestApi").FirstOrDefault(a => a.Resource.Ref == apiId);
        if (api.Resource is null) return (403, "{\"message\":\"Forbidden\"}", "application/json");
        ResourceState? key;
        lock (api.Stack.Sync) key = api.Stack.Resources.FirstOrDefault(r => r.Type == "AWS::ApiGateway::ApiKey" && r.Ref is not null && r.Status != "DELETE_COMPLETE");
        if (key is not null && apiKey != key.Secret) return (403, "{\"message\":\"Forbidden\"}", "application/json");
        var path = rest.Trim('/');
        var stage = path.Split('/')[0];
        var route = path.Length > stage.Length ? path[(stage.Length + 1)..] : "";
        return route switch
        {
            "ping" => (200, "pong", "text/plain"),
            "flows" => (200, "[]", "application/json"),
            _ => (404, "{\"message\":\"Not Found\"}", "application/json"),
        };
    }
}
