using System.Text.Json;
using System.Text.Json.Nodes;
using MetaflowAws.Sandbox.CloudFormation;

namespace MetaflowAws.Sandbox.Status;

/// <summary>
/// Read-only views of what the stacks created, in the services' own shapes: AWS Batch
/// DescribeJobQueues, DynamoDB DescribeTable, and the metadata service behind API Gateway
/// (served at /_execute-api/{api-id}/{stage}/...; the API key is checked as API Gateway does).
/// </summary>
public sealed class StatusApis(StackEngine stacks, Func<Stack, JsonObject?> lambda)
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
                // Required in the JobQueueDetail output shape (botocore batch/2016-08-10).
                ["computeEnvironmentOrder"] = new JsonArray((r.Properties.GetValueOrDefault("ComputeEnvironmentOrder") as List<object?> ?? [])
                    .OfType<Dictionary<string, object?>>()
                    .Select(o => (JsonNode)new JsonObject
                    {
                        ["order"] = int.TryParse(Convert.ToString(o.GetValueOrDefault("Order"), System.Globalization.CultureInfo.InvariantCulture), out var order) ? order : 1,
                        ["computeEnvironment"] = o.GetValueOrDefault("ComputeEnvironment") as string,
                    }).ToArray()),
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

    /// <summary>
    /// A deployment is a snapshot of the API's methods when it was created: a stage serves that snapshot until it
    /// is pointed at another deployment; changing a method changes nothing a client sees (API Gateway Developer
    /// Guide, "Deploy a REST API": "you must redeploy the API ... for changes to take effect").
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ApiSnapshot> _deployments = new(StringComparer.Ordinal);

    private sealed record MethodSnapshot(string HttpMethod, bool ApiKeyRequired);

    /// <summary>
    /// What a deployment froze: the methods, and the API's resource policy as it was (API Gateway Developer Guide, "Create and
    /// attach an API Gateway resource policy to an API": a changed policy takes effect when the API is deployed again).
    /// </summary>
    private sealed record ApiSnapshot(IReadOnlyDictionary<string, MethodSnapshot> Methods, Dictionary<string, object?>? Policy);

    /// <summary>Records a new AWS::ApiGateway::Deployment's snapshot: each method of its API, by resource path part.</summary>
    public void DeploymentCreated(Stack stack, ResourceState deployment)
        => _deployments[deployment.Ref!] = Snapshot(stack, deployment.Properties.GetValueOrDefault("RestApiId") as string);

    /// <summary>
    /// Stages a deployment made outside CloudFormation (CreateDeployment with a stageName) points at, by API and stage, with
    /// the deployment the stage's CloudFormation resource named then: when CloudFormation later points the stage elsewhere
    /// (UpdateStage), its value wins again.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Api, string Stage), (string Deployment, string? ResourceSaid)> _deployedStages = new();

    /// <summary>
    /// API Gateway CreateDeployment: a new snapshot of the API's methods, and with a stage name the stage pointed at it
    /// (botocore apigateway CreateDeployment, 201 Deployment). Only a stage a Deployment resource made follows it here:
    /// an AWS::ApiGateway::Stage keeps the DeploymentId its template gives. Null when the API does not exist.
    /// </summary>
    public JsonObject? CreateDeployment(string apiId, string? stageName, string? description)
    {
        var api = stacks.LiveResources("AWS::ApiGateway::RestApi").FirstOrDefault(a => a.Resource.Ref == apiId);
        if (api.Resource is null) return null;
        var id = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        _deployments[id] = Snapshot(api.Stack, apiId);
        // CreateDeployment with a stage name points that stage at the new deployment, whoever made the stage.
        if (!string.IsNullOrEmpty(stageName))
            _deployedStages[(apiId, stageName)] = (id, StageResource(api.Stack.LiveResources(), apiId, stageName)?.Properties.GetValueOrDefault("DeploymentId") as string);
        var body = new JsonObject { ["id"] = id, ["createdDate"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds() };
        if (description is not null) body["description"] = description;
        return body;
    }

    private static ApiSnapshot Snapshot(Stack stack, string? api)
    {
        var resources = stack.LiveResources();
        var policy = resources.FirstOrDefault(r => r.Type == "AWS::ApiGateway::RestApi" && r.Ref == api)?.Properties.GetValueOrDefault("Policy") as Dictionary<string, object?>;
        var methods = new Dictionary<string, MethodSnapshot>(StringComparer.Ordinal);
        foreach (var m in resources.Where(r => r.Type == "AWS::ApiGateway::Method" && r.Properties.GetValueOrDefault("RestApiId") as string == api))
        {
            var resourceId = m.Properties.GetValueOrDefault("ResourceId") as string;
            var path = resources.FirstOrDefault(r => r.Type == "AWS::ApiGateway::Resource" && r.Ref == resourceId)?.Properties.GetValueOrDefault("PathPart") as string ?? "/";
            methods[path] = new MethodSnapshot(m.Properties.GetValueOrDefault("HttpMethod") as string ?? "ANY", ResourceModel.IsTrue(m.Properties.GetValueOrDefault("ApiKeyRequired")));
        }
        return new ApiSnapshot(methods, policy);
    }

    /// <summary>
    /// The metadata service through API Gateway, as the stage's deployment snapshot says: /db answers the schema
    /// status (the migration service's GET /db_schema_status), the rest goes to the service ({proxy+}: /ping
    /// answers "pong"). A method that requires a key needs an enabled key of a usage plan that includes the stage.
    /// </summary>
    public (int Status, string Body, string ContentType) ExecuteApi(string apiId, string rest, string? apiKey, string method = "GET", string? sourceIp = null)
    {
        const string forbidden = "{\"message\":\"Forbidden\"}";
        var api = stacks.LiveResources("AWS::ApiGateway::RestApi").FirstOrDefault(a => a.Resource.Ref == apiId);
        if (api.Resource is null) return (403, forbidden, "application/json");
        var path = rest.Trim('/');
        var stageName = path.Split('/')[0];
        var route = path.Length > stageName.Length ? path[(stageName.Length + 1)..] : "";
        var resources = api.Stack.LiveResources();
        var (stageRef, deploymentId) = Stage(resources, apiId, stageName);
        if (deploymentId is null || !_deployments.TryGetValue(deploymentId, out var deployed))
            return (403, forbidden, "application/json");
        var snapshot = deployed.Methods;
        // The resource policy first: a caller it does not allow never reaches the method (nor its key check).
        if (deployed.Policy is { } policy && ApiPolicy.Refusal(policy, sourceIp) is { } refused)
            return (403, JsonSerializer.Serialize(new { Message = $"User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:{api.Stack.Context.Region}:********{StackEngine.AccountId[^4..]}:{apiId}/{stageName}/{method}/{route} {refused}" }), "application/json");
        var resource = route == "db" && snapshot.ContainsKey("db") ? "db" : "{proxy+}";
        if (!snapshot.TryGetValue(resource, out var m) || (m.HttpMethod != "ANY" && m.HttpMethod != method))
            return (403, "{\"message\":\"Missing Authentication Token\"}", "application/json");
        if (m.ApiKeyRequired && !KeyAdmits(resources, apiId, stageRef!, apiKey)) return (403, forbidden, "application/json");
        return route switch
        {
            "db" when resource == "db" => lambda(api.Stack) is { } status ? (200, status.ToJsonString(), "application/json") : (502, "{\"message\": \"Internal server error\"}", "application/json"),
            "ping" => (200, "pong", "text/plain"),
            "flows" => (200, "[]", "application/json"),
            _ => (404, "{\"message\":\"Not Found\"}", "application/json"),
        };
    }

    /// <summary>
    /// The stage of that name and the deployment it serves: an AWS::ApiGateway::Stage, or the stage a Deployment makes
    /// itself when it gives StageName (CloudFormation User Guide, AWS::ApiGateway::Deployment StageName: "the name of
    /// the Stage resource for the Deployment resource to create"; the metaflow-tools template's ApiDeployment does so).
    /// </summary>
    private (string? Stage, string? DeploymentId) Stage(List<ResourceState> resources, string apiId, string stageName)
    {
        var deployed = _deployedStages.TryGetValue((apiId, stageName), out var d) ? d : ((string Deployment, string? ResourceSaid)?)null;
        if (StageResource(resources, apiId, stageName) is { } stage)
        {
            var said = stage.Properties.GetValueOrDefault("DeploymentId") as string;
            return (stage.Ref, deployed is { } over && over.ResourceSaid == said ? over.Deployment : said);
        }
        return resources.FirstOrDefault(r => r.Type == "AWS::ApiGateway::Deployment" && OfApi(r, apiId, stageName)) is { } deployment
            ? (stageName, deployed?.Deployment ?? deployment.Ref) : (null, null);
    }

    private static bool OfApi(ResourceState r, string apiId, string stageName)
        => r.Properties.GetValueOrDefault("RestApiId") as string == apiId && r.Properties.GetValueOrDefault("StageName") as string == stageName;

    private static ResourceState? StageResource(List<ResourceState> resources, string apiId, string stageName)
        => resources.FirstOrDefault(r => r.Type == "AWS::ApiGateway::Stage" && OfApi(r, apiId, stageName));

    /// <summary>An enabled API key with this value, in a usage plan whose ApiStages include the API's stage.</summary>
    private static bool KeyAdmits(List<ResourceState> resources, string apiId, string stageName, string? value)
    {
        if (string.IsNullOrEmpty(value)) return false;
        var key = resources.FirstOrDefault(r => r.Type == "AWS::ApiGateway::ApiKey" && r.Secret == value
                                               && !string.Equals(r.Properties.GetValueOrDefault("Enabled") as string, "false", StringComparison.OrdinalIgnoreCase)
                                               && r.Properties.GetValueOrDefault("Enabled") is not false);
        if (key is null) return false;
        var plans = resources.Where(r => r.Type == "AWS::ApiGateway::UsagePlan"
                                         && (r.Properties.GetValueOrDefault("ApiStages") as List<object?> ?? []).OfType<Dictionary<string, object?>>()
                                            .Any(s => s.GetValueOrDefault("ApiId") as string == apiId && s.GetValueOrDefault("Stage") as string == stageName))
                             .Select(r => r.Ref).ToHashSet();
        return resources.Any(r => r.Type == "AWS::ApiGateway::UsagePlanKey" && r.Properties.GetValueOrDefault("KeyId") as string == key.Ref
                                  && plans.Contains(r.Properties.GetValueOrDefault("UsagePlanId") as string));
    }
}
