using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Transform;

namespace MetaflowAws.Engine.Aws;

/// <summary>A request of a REST-JSON service (API Gateway): method, path, query and an optional JSON body.</summary>
public abstract class RestJsonRequest : AmazonWebServiceRequest
{
    internal abstract string Method { get; }

    /// <summary>The resource path with its path parameters already filled in (and escaped).</summary>
    internal abstract string Path { get; }

    internal virtual IEnumerable<KeyValuePair<string, string>> Query => [];

    internal virtual JsonObject? Body => null;

    /// <summary>A raw body (Lambda's Invoke payload), sent as is; takes precedence over <see cref="Body"/>.</summary>
    internal virtual byte[]? RawBody => null;

    /// <summary>application/json for REST-JSON; JSON-RPC services (DynamoDB) use application/x-amz-json-1.0 and a target header.</summary>
    internal virtual string ContentType => "application/json";

    internal virtual IEnumerable<KeyValuePair<string, string>> Headers => [];
}

/// <summary>
/// A request of a JSON-RPC service (DynamoDB, ACM, Cognito, ECS): POST / with the operation in X-Amz-Target and
/// the body as application/x-amz-json-&lt;version&gt; (botocore's "json" protocol, its metadata's jsonVersion).
/// </summary>
public abstract class JsonRpcRequest : RestJsonRequest
{
    /// <summary>The service's target prefix and the operation: DynamoDB_20120810.DescribeTable.</summary>
    internal abstract string Target { get; }

    /// <summary>The service's jsonVersion: 1.0 (DynamoDB) or 1.1.</summary>
    internal virtual string JsonVersion => "1.1";

    internal sealed override string Method => "POST";
    internal sealed override string Path => "/";
    internal sealed override string ContentType => "application/x-amz-json-" + JsonVersion;
    internal sealed override IEnumerable<KeyValuePair<string, string>> Headers => [new("X-Amz-Target", Target)];
}

internal sealed class RestJsonMarshaller(string serviceName) : IMarshaller<IRequest, AmazonWebServiceRequest>
{
    public IRequest Marshall(AmazonWebServiceRequest input)
    {
        var r = (RestJsonRequest)input;
        var request = new DefaultRequest(input, serviceName) { HttpMethod = r.Method, ResourcePath = r.Path };
        foreach (var (k, v) in r.Query) request.Parameters[k] = v;
        request.UseQueryString = true;
        request.Headers["Accept"] = "application/json";
        if (r.RawBody is { } raw)
        {
            request.Content = raw;
            request.Headers["Content-Type"] = r.ContentType;
        }
        else if (r.Body is { } body)
        {
            request.Content = Encoding.UTF8.GetBytes(body.ToJsonString());
            request.Headers["Content-Type"] = r.ContentType;
        }
        foreach (var (k, v) in r.Headers) request.Headers[k] = v;
        return request;
    }
}

/// <summary>Reads a whole JSON response and hands it to a parser; errors become <see cref="AwsServiceException"/>.</summary>
internal sealed class JsonDocumentUnmarshaller<TResponse> : JsonResponseUnmarshaller
    where TResponse : AmazonWebServiceResponse
{
    private readonly string _service;
    private readonly Func<byte[], IWebResponseData, TResponse> _parse;

    private JsonDocumentUnmarshaller(string service, Func<byte[], IWebResponseData, TResponse> parse)
    {
        _service = service;
        _parse = parse;
    }

    public JsonDocumentUnmarshaller(string service, Func<JsonNode?, IWebResponseData, TResponse> parse)
        : this(service, (byte[] body, IWebResponseData headers) => parse(body.Length == 0 ? null : JsonNode.Parse(body), headers)) { }

    public JsonDocumentUnmarshaller(string service, Func<JsonNode?, TResponse> parse) : this(service, (JsonNode? node, IWebResponseData _) => parse(node)) { }

    /// <summary>For a body that is not always JSON (Lambda's Invoke payload is whatever the function returned).</summary>
    public static JsonDocumentUnmarshaller<TResponse> ForRawBody(string service, Func<byte[], IWebResponseData, TResponse> parse) => new(service, parse);

    protected override UnmarshallerContext ConstructUnmarshallerContext(Stream responseStream, bool maintainResponseBody, IWebResponseData response, bool isException, IRequestContext requestContext)
        => new BufferedJsonContext(responseStream, response, isException, requestContext);

    protected override UnmarshallerContext ConstructUnmarshallerContext(Stream responseStream, bool maintainResponseBody, IWebResponseData response, bool isException)
        => new BufferedJsonContext(responseStream, response, isException, null);

    public override AmazonWebServiceResponse Unmarshall(JsonUnmarshallerContext input)
    {
        var context = (BufferedJsonContext)input;
        var response = _parse(context.Body, context.ResponseData);
        response.ResponseMetadata = new ResponseMetadata { RequestId = context.ResponseData.GetHeaderValue("x-amzn-RequestId") ?? "" };
        response.HttpStatusCode = context.ResponseData.StatusCode;
        return response;
    }

    public override AmazonServiceException UnmarshallException(JsonUnmarshallerContext input, Exception innerException, HttpStatusCode statusCode)
    {
        var context = (BufferedJsonContext)input;
        // JSON 1.0 services (DynamoDB) may give the code only as the body's __type: the SDK answers "" for a missing header.
        string? code = context.ResponseData.GetHeaderValue("x-amzn-ErrorType") is { Length: > 0 } header ? header : null;
        string? message = null;
        try
        {
            if (context.Body.Length > 0 && JsonNode.Parse(context.Body) is JsonObject o)
            {
                message = (o["message"] ?? o["Message"])?.GetValue<string>();
                code ??= (o["__type"] ?? o["code"])?.GetValue<string>();
            }
        }
        catch (JsonException) { message = Encoding.UTF8.GetString(context.Body); }
        // "NotFoundException:http://internal..." and "aws.protocol#Code" forms both reduce to the code.
        code = code?.Split(':')[0].Split('#')[^1];
        var type = (int)statusCode >= 500 ? ErrorType.Receiver : ErrorType.Sender;
        return new AwsServiceException(_service, message, innerException, type, code, context.ResponseData.GetHeaderValue("x-amzn-RequestId"), statusCode);
    }
}

internal sealed class BufferedJsonContext : JsonUnmarshallerContext
{
    // The body is read through the context's own stream: when the response carries x-amz-crc32
    // (DynamoDB sends it on every response), the SDK wraps that stream to compute the CRC and
    // compares it after unmarshalling. Reading a copy instead would leave the CRC of 0 bytes.
    public BufferedJsonContext(Stream stream, IWebResponseData response, bool isException, IRequestContext? requestContext)
        : base(stream, false, response, isException, requestContext)
    {
        Body = BufferedXmlContext.ReadAll(Stream);
    }

    public byte[] Body { get; }
}
