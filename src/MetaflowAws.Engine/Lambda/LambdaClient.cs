using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Transform;
using MetaflowAws.Engine.Aws;

namespace MetaflowAws.Engine.Lambda;

/// <summary>The Lambda operation the module calls, as a seam for unit tests.</summary>
public interface ILambda
{
    Task<InvokeResponse> InvokeAsync(InvokeRequest request, CancellationToken cancellationToken = default);
}

/// <summary>Lambda (REST-JSON, API version 2015-03-31). A synchronous invoke waits for the function:
/// the HTTP timeout is the longest function timeout (15 minutes) and the SDK does not retry it on a timeout.</summary>
public sealed class LambdaConfig : OwnServiceConfig
{
    public LambdaConfig() : base("Lambda", "lambda", "lambda", "2015-03-31")
    {
        Timeout = TimeSpan.FromMinutes(15);
        MaxErrorRetry = 3;
    }
}

/// <summary>Invoke (botocore lambda/2015-03-31 "Invoke"): POST /2015-03-31/functions/{FunctionName}/invocations,
/// the event as the body, the invocation and log types as X-Amz-* headers.</summary>
public sealed class InvokeRequest : RestJsonRequest
{
    public required string FunctionName { get; init; }
    public JsonObject Payload { get; init; } = [];
    /// <summary>RequestResponse (wait for the result) or DryRun (check permission and parameters only).</summary>
    public string InvocationType { get; init; } = "RequestResponse";
    /// <summary>Tail: return the last 4 KB of the function's log with the result.</summary>
    public bool TailLog { get; init; }

    internal override string Method => "POST";
    internal override string Path => "/2015-03-31/functions/" + Uri.EscapeDataString(FunctionName) + "/invocations";
    internal override byte[]? RawBody => Encoding.UTF8.GetBytes(Payload.ToJsonString());
    internal override IEnumerable<KeyValuePair<string, string>> Headers =>
    [
        new("X-Amz-Invocation-Type", InvocationType),
        new("X-Amz-Log-Type", TailLog ? "Tail" : "None"),
    ];
}

public sealed class InvokeResponse : AmazonWebServiceResponse
{
    /// <summary>"Unhandled" (or "Handled") when the function raised: the payload is then its error document.</summary>
    public string? FunctionError { get; init; }
    /// <summary>The tail of the function's log (decoded from X-Amz-Log-Result), when asked for.</summary>
    public string? LogTail { get; init; }
    public string? ExecutedVersion { get; init; }
    /// <summary>What the function returned as JSON; null for an empty body, JSON null, or a payload that is not JSON.</summary>
    public JsonNode? Payload { get; init; }

    /// <summary>What the function returned, as text (UTF-8); null for an empty body.</summary>
    public string? PayloadText { get; init; }

    // The payload is a blob (botocore InvocationResponse.Payload): a function may return bytes that are not JSON.
    internal static InvokeResponse Parse(byte[] body, IWebResponseData headers) => new()
    {
        FunctionError = headers.GetHeaderValue("X-Amz-Function-Error") is { Length: > 0 } e ? e : null,
        LogTail = headers.GetHeaderValue("X-Amz-Log-Result") is { Length: > 0 } log ? DecodeLog(log) : null,
        ExecutedVersion = headers.GetHeaderValue("X-Amz-Executed-Version") is { Length: > 0 } v ? v : null,
        Payload = ParseJson(body),
        PayloadText = body.Length == 0 ? null : Encoding.UTF8.GetString(body),
    };

    private static JsonNode? ParseJson(byte[] body)
    {
        if (body.Length == 0) return null;
        try { return JsonNode.Parse(body); }
        catch (JsonException) { return null; }
    }

    private static string DecodeLog(string base64)
    {
        try { return Encoding.UTF8.GetString(Convert.FromBase64String(base64)); }
        catch (FormatException) { return base64; }
    }
}

public sealed class LambdaClient(AWSCredentials credentials, LambdaConfig config) : OwnServiceClient(credentials, config), ILambda
{
    private static readonly RestJsonMarshaller Marshaller = new("AWSLambda");

    public Task<InvokeResponse> InvokeAsync(InvokeRequest request, CancellationToken cancellationToken = default)
        => SendAsync<InvokeResponse>(request, Marshaller, JsonDocumentUnmarshaller<InvokeResponse>.ForRawBody("Lambda", InvokeResponse.Parse), cancellationToken);
}
