using System.Text.Json.Nodes;
using Amazon.Runtime;
using MetaflowAws.Engine.Aws;

namespace MetaflowAws.Engine.ApiGateway;

/// <summary>The API Gateway operations the module calls, as a seam for unit tests.</summary>
public interface IApiGateway
{
    Task<GetApiKeyResponse> GetApiKeyAsync(GetApiKeyRequest request, CancellationToken cancellationToken = default);
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

public sealed class ApiGatewayClient(AWSCredentials credentials, ApiGatewayConfig config) : OwnServiceClient(credentials, config), IApiGateway
{
    private static readonly RestJsonMarshaller Marshaller = new("AmazonAPIGateway");

    public Task<GetApiKeyResponse> GetApiKeyAsync(GetApiKeyRequest request, CancellationToken cancellationToken = default)
        => SendAsync<GetApiKeyResponse>(request, Marshaller, new JsonDocumentUnmarshaller<GetApiKeyResponse>("API Gateway", GetApiKeyResponse.Parse), cancellationToken);
}
