using System.Text;
using System.Text.Json;
using MetaflowAws.Sandbox.CloudFormation;
using MetaflowAws.Sandbox.Http;
using MetaflowAws.Sandbox.ApiGateway;
using MetaflowAws.Sandbox.Iam;
using MetaflowAws.Sandbox.Sts;
using Microsoft.AspNetCore.Http.Features;

namespace MetaflowAws.Sandbox;

public sealed record SandboxOptions(int Port, string Region, int ResourceDelayMs)
{
    public static SandboxOptions Parse(string[] args)
    {
        int port = 0, delay = 40;
        var region = "us-east-1";
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--port": port = int.Parse(Next()); break;
                case "--region": region = Next(); break;
                case "--resource-delay-ms": delay = int.Parse(Next()); break;
                default: throw new ArgumentException($"Unknown option {args[i]}. Options: --port N (0 = any free port), --region NAME, --resource-delay-ms N");
            }
        }
        return new SandboxOptions(port, region, delay);
    }
}

/// <summary>The sandbox's HTTP front: signature check, request log, dispatch by service, control API.</summary>
public static class SandboxHost
{
    public static WebApplication Build(SandboxOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, options.Port));
        var app = builder.Build();
        var state = new SandboxState(options);
        app.Run(ctx => state.HandleAsync(ctx));
        return app;
    }
}

public sealed class SandboxState
{
    private readonly SandboxOptions _options;

    public SandboxState(SandboxOptions options)
    {
        _options = options;
        Credentials = new Credentials();
        Verifier = new SigV4Verifier(Credentials.Lookup);
        Stacks = new StackEngine(_ => null)
        {
            ResourceDelay = TimeSpan.FromMilliseconds(options.ResourceDelayMs),
            Specification = LoadSpecification(),
        };
        CloudFormation = new CloudFormationApi(Stacks);
        Iam = new IamApi(Stacks);
        Sts = new StsApi(Credentials, Iam);
        ApiGateway = new ApiGatewayApi(Stacks);
    }

    /// <summary>The CloudFormation resource specification (npm @aws-cdk/aws-service-spec), when installed: change sets decide replacement from it.</summary>
    private static MetaflowAws.Engine.Templates.ResourceSpecification? LoadSpecification()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
            if (MetaflowAws.Engine.Templates.ResourceSpecification.FindDefault(start) is { } path)
                return MetaflowAws.Engine.Templates.ResourceSpecification.Load(path);
        Console.Error.WriteLine("sandbox: no resource specification found (run npm ci); change sets mark every property change as Conditional replacement.");
        return null;
    }

    public Credentials Credentials { get; }
    public SigV4Verifier Verifier { get; }
    public StackEngine Stacks { get; }
    public CloudFormationApi CloudFormation { get; }
    public StsApi Sts { get; }
    public IamApi Iam { get; }
    public ApiGatewayApi ApiGateway { get; }
    public RequestLog Log { get; } = new();

    public async Task HandleAsync(HttpContext ctx)
    {
        if (ctx.Request.Path.StartsWithSegments("/_sandbox"))
        {
            await ControlAsync(ctx);
            return;
        }

        var requestId = Guid.NewGuid().ToString();
        using var buffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var headers = ctx.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value.ToArray()));
        var rawTarget = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget ?? ctx.Request.Path.Value ?? "/";
        var q = rawTarget.IndexOf('?');
        var check = Verifier.Verify(new SignedRequest(ctx.Request.Method, q < 0 ? rawTarget : rawTarget[..q], q < 0 ? "" : rawTarget[q..], headers, body));
        var service = check.Service ?? SigV4Verifier.ServiceOf(headers.GetValueOrDefault("authorization")) ?? "unknown";

        var form = ParseForm(ctx.Request.ContentType, body, ctx.Request.QueryString.Value);
        var action = service == "apigateway" ? ApiGatewayAction(ctx.Request.Method, ctx.Request.Path.Value ?? "") : form.GetValueOrDefault("Action") ?? "";
        if (!check.Valid)
        {
            Log.Add(new LoggedRequest(DateTime.UtcNow, service, action, 403, false, check.ErrorCode));
            await WriteXml(ctx, 403, QueryXmlFor(service).Error("Sender", check.ErrorCode!, check.Message!, requestId), requestId);
            return;
        }

        try
        {
            string xml;
            switch (service)
            {
                case "cloudformation":
                    xml = CloudFormationApi.X.Response(action, CloudFormation.Handle(action, form, check.Region ?? _options.Region), requestId);
                    break;
                case "sts":
                    xml = StsApi.X.Response(action, Sts.Handle(action, form, check.AccessKeyId!), requestId);
                    break;
                case "iam":
                    xml = IamApi.X.Response(action, Iam.Handle(action, form), requestId);
                    break;
                case "apigateway":
                {
                    var (status, json, errorType) = ApiGateway.Handle(ctx.Request.Method, ctx.Request.Path.Value ?? "/", form);
                    Log.Add(new LoggedRequest(DateTime.UtcNow, service, action, status, ctx.Request.Method != "GET", errorType));
                    ctx.Response.StatusCode = status;
                    ctx.Response.ContentType = "application/json";
                    ctx.Response.Headers["x-amzn-RequestId"] = requestId;
                    if (errorType is not null) ctx.Response.Headers["x-amzn-ErrorType"] = errorType;
                    await ctx.Response.WriteAsync(json.ToJsonString());
                    return;
                }
                default:
                    throw new ApiError("UnknownService", $"The sandbox does not serve the service '{service}'.", 400);
            }
            Log.Add(new LoggedRequest(DateTime.UtcNow, service, action, 200, !CloudFormationApi.IsReadOnly(action), null));
            await WriteXml(ctx, 200, xml, requestId);
        }
        catch (ApiError e)
        {
            Log.Add(new LoggedRequest(DateTime.UtcNow, service, action, e.Status, !CloudFormationApi.IsReadOnly(action), e.Code));
            await WriteXml(ctx, e.Status, QueryXmlFor(service).Error(e.Type, e.Code, e.Message, requestId), requestId);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A sandbox bug answers as AWS does for its own: 500 InternalFailure, with the detail for us.
            Log.Add(new LoggedRequest(DateTime.UtcNow, service, action, 500, !CloudFormationApi.IsReadOnly(action), "InternalFailure"));
            Console.Error.WriteLine($"sandbox: {service}:{action} failed: {e}");
            await WriteXml(ctx, 500, QueryXmlFor(service).Error("Receiver", "InternalFailure", "The sandbox failed: " + e.Message, requestId), requestId);
        }
    }

    private static QueryXml QueryXmlFor(string service) => service switch
    {
        "sts" => StsApi.X,
        "iam" => IamApi.X,
        _ => CloudFormationApi.X,
    };

    private static string ApiGatewayAction(string method, string path)
        => path.StartsWith("/apikeys/", StringComparison.Ordinal) && method == "GET" ? "GetApiKey" : $"{method} {path}";

    private static async Task WriteXml(HttpContext ctx, int status, string xml, string requestId)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/xml";
        ctx.Response.Headers["x-amzn-RequestId"] = requestId;
        await ctx.Response.WriteAsync(xml);
    }

    private static Dictionary<string, string> ParseForm(string? contentType, byte[] body, string? query)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        void Parse(string text)
        {
            foreach (var pair in text.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = pair.Split('=', 2);
                result[Uri.UnescapeDataString(kv[0].Replace('+', ' '))] = kv.Length > 1 ? Uri.UnescapeDataString(kv[1].Replace('+', ' ')) : "";
            }
        }
        if (!string.IsNullOrEmpty(query)) Parse(query);
        if (contentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true)
            Parse(Encoding.UTF8.GetString(body));
        return result;
    }

    private async Task ControlAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value!["/_sandbox".Length..].TrimEnd('/');
        object? result;
        switch (ctx.Request.Method, path)
        {
            case ("GET", "/health"):
                result = new { status = "ok" };
                break;
            case ("GET", "/requests"):
                result = Log.Snapshot();
                break;
            case ("DELETE", "/requests"):
                Log.Clear();
                result = new { cleared = true };
                break;
            case ("POST", "/faults/resource"):
            {
                var f = await JsonSerializer.DeserializeAsync<JsonElement>(ctx.Request.Body);
                var fault = new ResourceFault(
                    f.GetProperty("logicalId").GetString()!,
                    f.TryGetProperty("operation", out var op) ? op.GetString()! : "Create",
                    f.TryGetProperty("reason", out var r) ? r.GetString()! : "Resource handler returned message: \"Injected failure\" (HandlerErrorCode: GeneralServiceException)",
                    f.TryGetProperty("stackName", out var s) ? s.GetString() : null);
                Stacks.Faults.Add(fault);
                result = fault;
                break;
            }
            case ("POST", "/identities"):
            {
                // Another caller, e.g. a user of another account, to test trust policies.
                var i = await JsonSerializer.DeserializeAsync<JsonElement>(ctx.Request.Body);
                var identity = new Identity(i.GetProperty("accessKeyId").GetString()!, i.GetProperty("secretAccessKey").GetString()!, null,
                    i.GetProperty("arn").GetString()!, "AIDA" + Guid.NewGuid().ToString("N")[..16].ToUpperInvariant(), null);
                Credentials.Add(identity);
                result = new { identity.AccessKeyId, identity.Arn };
                break;
            }
            case ("DELETE", "/faults"):
                Stacks.Faults.Clear();
                result = new { cleared = true };
                break;
            case ("POST", "/config"):
            {
                var c = await JsonSerializer.DeserializeAsync<JsonElement>(ctx.Request.Body);
                if (c.TryGetProperty("resourceDelayMs", out var d)) Stacks.ResourceDelay = TimeSpan.FromMilliseconds(d.GetInt32());
                result = new { resourceDelayMs = Stacks.ResourceDelay.TotalMilliseconds };
                break;
            }
            case ("POST", "/history"):
            {
                var h = await JsonSerializer.DeserializeAsync<JsonElement>(ctx.Request.Body);
                var stack = Stacks.Get(h.GetProperty("stackName").GetString()!);
                Stacks.AddHistory(stack, h.GetProperty("count").GetInt32());
                result = new { added = h.GetProperty("count").GetInt32() };
                break;
            }
            default:
                ctx.Response.StatusCode = 404;
                result = new { error = $"No control endpoint {ctx.Request.Method} /_sandbox{path}. Endpoints: GET /health, GET|DELETE /requests, POST /faults/resource, DELETE /faults, POST /config, POST /history" };
                break;
        }
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(JsonSerializer.Serialize(result));
    }
}
