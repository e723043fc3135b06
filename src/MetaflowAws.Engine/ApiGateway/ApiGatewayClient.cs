using System.Text.Json.Nodes;
using Amazon.Runtime;
using MetaflowAws.Engine.Aws;

namespace MetaflowAws.Engine.ApiGateway;

/// <summary>The API Gateway operations the module calls, as a seam for unit tests.</summary>
public interface IApiGateway
{
    Task<GetApiKeyResponse> GetApiKeyAsync(GetApiKeyRequest request, CancellationToken cancellationToken = default);

    Task<CreateDeploymentResponse> CreateDeploymentAsync(CreateDeploymentRequest request, CancellationToken cancellationToken = default);
}

public sealed class ApiGatewayConfig() : OwnServiceConfig("API Gateway", "apigateway", "apigateway", "2015-07-09");

/// <summary>GetApiKey; the key value is only ever held in memory and handed to the config writer.</summary>
public sealed class GetApiKeyRequest : RestJsonRequest
{
    public required string ApiKey { get; init; }
    public bool IncludeValue { get; init; }
    internal override string Method => "GET";
    internal override string Path => "/apikeys/" + Uri.EscapeDataString(ApiKey);
    internal override IEnumerable<KeyValuePair<string, string>> Query => [new("includeValue", IncludeValue ? "true" : "false")];
}

public sealed class GetApiKeyResponse : AmazonWebServiceResponse
{
    public string Id { get; init; } = "";
    public string? Name { get; init; }
    public bool Enabled { get; init; }
    /// <summary>The key itself: a secret. Never logged, never written to an output stream.</summary>
    public string? Value { get; init; }

    public override string ToString() => $"ApiKey {Id} ({Name}), enabled={Enabled}";

    internal static GetApiKeyResponse Parse(JsonNode? node) => new()
    {
        Id = node?["id"]?.GetValue<string>() ?? "",
        Name = node?["name"]?.GetValue<string>(),
        Enabled = node?["enabled"]?.GetValue<bool>() ?? false,
        Value = node?["value"]?.GetValue<string>(),
    };
}

/// <summary>CreateDeployment (botocore apigateway: POST /restapis/{restapi_id}/deployments, 201): a snapshot of the
/// API's methods, and with StageName the stage pointed at it (made when it does not exist).</summary>
public sealed class CreateDeploymentRequest : RestJsonRequest
{
    public required string RestApiId { get; init; }
    public string? StageName { get; init; }
    public string? Description { get; init; }
    internal override string Method => "POST";
    internal override string Path => "/restapis/" + Uri.EscapeDataString(RestApiId) + "/deployments";
    internal override JsonObject? Body
    {
        get
        {
            var body = new JsonObject();
            if (StageName is not null) body["stageName"] = StageName;
            if (Description is not null) body["description"] = Description;
            return body;
        }
    }
}

public sealed class CreateDeploymentResponse : AmazonWebServiceResponse
{
    public string Id { get; init; } = "";
    public string? Description { get; init; }

    internal static CreateDeploymentResponse Parse(JsonNode? node) => new()
    {
        Id = node?["id"]?.GetValue<string>() ?? "",
        Description = node?["description"]?.GetValue<string>(),
    };
}

public sealed class ApiGatewayClient(AWSCredentials credentials, ApiGatewayConfig config) : OwnServiceClient(credentials, config), IApiGateway
{
    private static readonly RestJsonMarshaller Marshaller = new("AmazonAPIGateway");

    public Task<GetApiKeyResponse> GetApiKeyAsync(GetApiKeyRequest request, CancellationToken cancellationToken = default)
        => SendAsync<GetApiKeyResponse>(request, Marshaller, new JsonDocumentUnmarshaller<GetApiKeyResponse>("API Gateway", GetApiKeyResponse.Parse), cancellationToken);

    public Task<CreateDeploymentResponse> CreateDeploymentAsync(CreateDeploymentRequest request, CancellationToken cancellationToken = default)
        => SendAsync<CreateDeploymentResponse>(request, Marshaller, new JsonDocumentUnmarshaller<CreateDeploymentResponse>("API Gateway", CreateDeploymentResponse.Parse), cancellationToken);
}
