using System.Text.Json.Nodes;
using MetaflowAws.Sandbox.CloudFormation;

namespace MetaflowAws.Sandbox.ApiGateway;

/// <summary>API Gateway GetApiKey and CreateDeployment (REST-JSON) over the keys and APIs the sandbox's stacks created.</summary>
public sealed class ApiGatewayApi(StackEngine stacks, Status.StatusApis status)
{
    /// <summary>Answers a request: status, JSON body, error type header (null on success).</summary>
    public (int Status, JsonObject Body, string? ErrorType) Handle(string method, string path, IReadOnlyDictionary<string, string> query, JsonNode? request = null)
    {
        var segments = path.Trim('/').Split('/');
        if (method == "POST" && segments.Length == 3 && segments[0] == "restapis" && segments[2] == "deployments")
        {
            var deployment = status.CreateDeployment(Uri.UnescapeDataString(segments[1]), request?["stageName"]?.GetValue<string>(), request?["description"]?.GetValue<string>());
            return deployment is null
                ? (404, new JsonObject { ["message"] = "Invalid API identifier specified" }, "NotFoundException")
                : (201, deployment, null);
        }
        if (method == "GET" && segments.Length == 2 && segments[0] == "apikeys")
        {
            var id = Uri.UnescapeDataString(segments[1]);
            var found = stacks.LiveResources("AWS::ApiGateway::ApiKey").FirstOrDefault(r => r.Resource.Ref == id);
            if (found.Resource is null)
                return (404, new JsonObject { ["message"] = "Invalid API Key identifier specified" }, "NotFoundException");
            var key = found.Resource;
            var body = new JsonObject
            {
                ["id"] = key.Ref,
                ["name"] = key.Properties.GetValueOrDefault("Name") as string ?? key.PhysicalId,
                ["enabled"] = !string.Equals(key.Properties.GetValueOrDefault("Enabled") as string, "false", StringComparison.OrdinalIgnoreCase),
                ["createdDate"] = new DateTimeOffset(key.Timestamp).ToUnixTimeSeconds(),
                ["lastUpdatedDate"] = new DateTimeOffset(key.Timestamp).ToUnixTimeSeconds(),
                ["stageKeys"] = new JsonArray(),
            };
            if (query.GetValueOrDefault("includeValue") == "true") body["value"] = key.Secret;
            return (200, body, null);
        }
        return (404, new JsonObject { ["message"] = $"No API Gateway operation {method} {path} in the sandbox." }, "NotFoundException");
    }
}
