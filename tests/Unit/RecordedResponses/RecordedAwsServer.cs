using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Amazon.Runtime;
using MetaflowAws.Engine.ApiGateway;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Checks;
using MetaflowAws.Engine.CloudFormation;
using MetaflowAws.Engine.Iam;
using MetaflowAws.Engine.Lambda;
using MetaflowAws.Sandbox.S3;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace MetaflowAws.Tests.RecordedResponses;

/// <summary>What the server answers to one request: a status, a body exactly as AWS sends it, and AWS's headers.</summary>
public sealed record RecordedAnswer(int Status, string Body, string ContentType, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>A Query-protocol answer (CloudFormation, IAM): text/xml, the request id also as x-amzn-RequestId.</summary>
    public static RecordedAnswer Xml(string body, int status = 200)
        => new(status, body, "text/xml", new Dictionary<string, string> { ["x-amzn-RequestId"] = RequestIdIn(body) });

    /// <summary>A REST-JSON answer (API Gateway, Batch, Lambda): the request id only as x-amzn-RequestId.</summary>
    public static RecordedAnswer Json(string body, int status = 200, string requestId = RecordedAwsServer.JsonRequestId, params (string Name, string Value)[] headers)
    {
        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["x-amzn-RequestId"] = requestId };
        foreach (var (name, value) in headers) all[name] = value;
        return new(status, body, "application/json", all);
    }

    /// <summary>A JSON 1.0 answer as DynamoDB sends it: x-amz-crc32 (CRC-32 of the body, decimal) on every response.</summary>
    public static RecordedAnswer DynamoDb(string body, int status = 200)
        => new(status, body, "application/x-amz-json-1.0", new Dictionary<string, string>
        {
            ["x-amzn-RequestId"] = RecordedAwsServer.JsonRequestId,
            ["x-amz-crc32"] = Checksums.Crc32(Encoding.UTF8.GetBytes(body)).ToString(CultureInfo.InvariantCulture),
        });

    private static string RequestIdIn(string body)
    {
        var start = body.IndexOf("<RequestId>", StringComparison.Ordinal);
        if (start < 0) return "";
        start += "<RequestId>".Length;
        return body[start..body.IndexOf("</RequestId>", start, StringComparison.Ordinal)];
    }
}

/// <summary>One request as the server received it, after the SDK marshalled and signed it.</summary>
public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Query,
    IReadOnlyDictionary<string, string> Headers, string Body, IReadOnlyDictionary<string, string> Form);

/// <summary>
/// A local HTTP server (Kestrel on 127.0.0.1, a free port) that answers each request with a document recorded
/// in AWS's wire shape, so the module's real clients send real signed requests through AWSSDK.Core's pipeline
/// and parse real bytes. One server per test class (xunit class fixture); each test sets its answers.
/// </summary>
public sealed class RecordedAwsServer : IAsyncLifetime
{
    public const string JsonRequestId = "3f1c2d5e-8a4b-4c6d-9e0f-1a2b3c4d5e6f";
    public const string AccessKey = "AKIDEXAMPLE";
    public const string SecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private WebApplication? _app;
    private Func<RecordedRequest, RecordedAnswer> _answer = _ => throw new InvalidOperationException("The test set no answer.");

    public string Url { get; private set; } = "";

    /// <summary>The requests since the answer was last set, in order.</summary>
    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    /// <summary>Answers every request with one document.</summary>
    public void Answer(RecordedAnswer answer) => Answer(_ => answer);

    /// <summary>Answers by looking at the request (e.g. its NextToken); forgets earlier requests.</summary>
    public void Answer(Func<RecordedRequest, RecordedAnswer> answer)
    {
        _requests.Clear();
        _answer = answer;
    }

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.Run(async ctx =>
        {
            using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var form = ctx.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true
                ? QueryHelpers.ParseQuery(body).ToDictionary(kv => kv.Key, kv => kv.Value.ToString())
                : [];
            var request = new RecordedRequest(ctx.Request.Method, ctx.Request.Path.Value ?? "/",
                ctx.Request.Query.ToDictionary(kv => kv.Key, kv => kv.Value.ToString()),
                ctx.Request.Headers.ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body, form);
            _requests.Enqueue(request);

            var answer = _answer(request);
            var bytes = Encoding.UTF8.GetBytes(answer.Body);
            ctx.Response.StatusCode = answer.Status;
            ctx.Response.ContentType = answer.ContentType;
            ctx.Response.ContentLength = bytes.Length;
            foreach (var (name, value) in answer.Headers) ctx.Response.Headers[name] = value;
            await ctx.Response.Body.WriteAsync(bytes);
        });
        await _app.StartAsync();
        Url = _app.Urls.First();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
    }

    /// <summary>A session pointed at this server, as -EndpointUrl would point the module at it.</summary>
    public AwsSession Session() => AwsSession.Resolve(
        new AwsSessionOptions { AccessKey = AccessKey, SecretKey = SecretKey, Region = "us-east-1", EndpointUrl = Url }, new NoEnvironment());

    private static AWSCredentials Credentials => new BasicAWSCredentials(AccessKey, SecretKey);

    // No retries: each test answers once per request and asserts what the first answer does.
    private T Configure<T>(T config) where T : ClientConfig
    {
        config.ServiceURL = Url;
        config.AuthenticationRegion = "us-east-1";
        config.MaxErrorRetry = 0;
        return config;
    }

    public CloudFormationClient CloudFormation() => new(Credentials, Configure(new CloudFormationConfig()));

    public IamClient Iam() => new(Credentials, Configure(new IamConfig()));

    public ApiGatewayClient ApiGateway() => new(Credentials, Configure(new ApiGatewayConfig()));

    public BatchClient Batch() => new(Credentials, Configure(new BatchConfig()));

    public DynamoDbClient DynamoDb() => new(Credentials, Configure(new DynamoDbConfig()));

    public LambdaClient Lambda() => new(Credentials, Configure(new LambdaConfig()));

    private sealed class NoEnvironment : IEnvironment
    {
        public string? Get(string name) => null;
    }
}
