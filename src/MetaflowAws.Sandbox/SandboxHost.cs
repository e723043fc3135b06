using System.Text;
using System.Text.Json;
using MetaflowAws.Sandbox.CloudFormation;
using MetaflowAws.Sandbox.Http;
using MetaflowAws.Sandbox.ApiGateway;
using MetaflowAws.Sandbox.Iam;
using MetaflowAws.Sandbox.S3;
using MetaflowAws.Sandbox.Sts;
using Microsoft.AspNetCore.Http.Features;

namespace MetaflowAws.Sandbox;

/// <param name="Postgres">An administrator's connection string (Npgsql) to the PostgreSQL server that backs RDS; null: RDS is only modelled.</param>
/// <param name="Record">A file to append every AWS exchange to, as JSON lines (for the conformance referee); null: none.</param>
/// <param name="TimeScale">Resources take their type's typical time (ResourceDurations) times this; null: the fixed ResourceDelayMs pace.</param>
public sealed record SandboxOptions(int Port, string Region, int ResourceDelayMs, string? Postgres = null, string? Record = null, double? TimeScale = null)
{
    public static SandboxOptions Parse(string[] args)
    {
        int port = 0, delay = 40;
        var region = "us-east-1";
        string? postgres = null, record = null;
        double? scale = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--port": port = int.Parse(Next()); break;
                case "--region": region = Next(); break;
                case "--resource-delay-ms": delay = int.Parse(Next()); break;
                case "--postgres": postgres = Next(); break;
                case "--record": record = Next(); break;
                case "--time-scale": scale = double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"Unknown option {args[i]}. Options: --port N (0 = any free port), --region NAME, --resource-delay-ms N, --postgres \"Host=127.0.0.1;Port=N;Username=postgres;Password=...\", --record FILE.jsonl, --time-scale 0.001");
            }
        }
        return new SandboxOptions(port, region, delay, postgres, record, scale);
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

public sealed partial class SandboxState
{
    private readonly SandboxOptions _options;

    public SandboxState(SandboxOptions options)
    {
        _options = options;
        if (options.Record is { } record) Recorder = new Http.ExchangeRecorder(record);
        Credentials = new Credentials();
        Verifier = new SigV4Verifier(Credentials.Lookup, Credentials.IsExpired);
        S3Store = new S3Store();
        S3 = new S3Api(S3Store);
        // CloudFormation reads a TemplateURL from this sandbox's S3, as the sandbox's one account.
        Stacks = new StackEngine(url => S3Store.FetchTemplate(url, StackEngine.AccountId)) 
        {
            ResourceDelay = TimeSpan.FromMilliseconds(options.ResourceDelayMs),
            TimeScale = options.TimeScale,
            Specification = LoadSpecification(),
        };
        // An AWS::RDS::DBInstance (postgres) is a role and a database in a real PostgreSQL server, when given one.
        if (options.Postgres is { } admin)
        {
            var server = new Rds.PostgresServer(admin);
            server.Prepare(); // fails the start, clearly, when the server cannot be used
            Databases = new Rds.DatabaseInstances(Stacks, server, SecretString);
            // The metadata service's tasks connect to that database as metaflow-service does: a service whose
            // tasks cannot stays in progress, or trips its deployment circuit breaker.
            ServiceTasks = new Ecs.MetadataServiceTasks(Databases, SecretString);
            Stacks.OnResourceStabilizing = (stack, r) => ServiceTasks.StabilizeAsync(stack, r, Stacks.ResourceDelay);
        }
        // A stack's AWS::S3::Bucket is a bucket in this S3: objects can be put in it, and a bucket
        // that is not empty fails its deletion as on AWS (DeletionPolicy Retain keeps it).
        Lambda = new Lambda.LambdaApi(Stacks);
        Status = new Status.StatusApis(Stacks, Lambda.SchemaStatus);
        Stacks.OnResourceCreated = (stack, r) => r.Type switch
        {
            "AWS::S3::Bucket" when r.PhysicalId is { } b => S3Store.AddForStack(b, stack.Context.Region, StackEngine.AccountId, r.Properties),
            "AWS::RDS::DBInstance" => Databases?.Apply(stack, r, created: true),
            // The metadata service's first start migrates an empty database to its image's schema.
            "AWS::ECS::Service" => Started(() => Lambda.ServiceStarted(stack)),
            // A deployment freezes the API's methods as they are now.
            "AWS::ApiGateway::Deployment" => Started(() => Status.DeploymentCreated(stack, r)),
            _ => null,
        };
        Stacks.OnResourceUpdated = (stack, r) => r.Type == "AWS::RDS::DBInstance" ? Databases?.Apply(stack, r, created: false) : null;
        Stacks.OnResourceDeleting = (stack, r) => r.Type switch
        {
            "AWS::S3::Bucket" when r.PhysicalId is { } b => S3Store.RemoveForStack(b),
            "AWS::RDS::DBInstance" => Databases?.Deleting(stack, r),
            _ => null,
        };
        CloudFormation = new CloudFormationApi(Stacks);
        Iam = new IamApi(Stacks);
        Sts = new StsApi(Credentials, Iam);
        ApiGateway = new ApiGatewayApi(Stacks);
    }

    private const string BadCrcItem = "sandbox.badcrc";

    private static string? Started(Action action)
    {
        action();
        return null;
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
    public Status.StatusApis Status { get; }
    public Lambda.LambdaApi Lambda { get; }
    public S3Store S3Store { get; }
    public S3Api S3 { get; }
    /// <summary>RDS instances backed by a real PostgreSQL server; null without --postgres.</summary>
    public Rds.DatabaseInstances? Databases { get; }
    /// <summary>The metadata service's tasks, connecting to a backed database; null without --postgres.</summary>
    public Ecs.MetadataServiceTasks? ServiceTasks { get; }

    /// <summary>A live AWS::SecretsManager::Secret's SecretString, by ARN or name (the ARN less its random suffix).</summary>
    public string? SecretString(string id) => FindSecret(id)?.Resource.Secret;

    private (Stack Stack, ResourceState Resource)? FindSecret(string id)
    {
        foreach (var (stack, r) in Stacks.LiveResources("AWS::SecretsManager::Secret"))
        {
            var arn = r.Ref!;
            var name = arn[(arn.IndexOf(":secret:", StringComparison.Ordinal) + ":secret:".Length)..];
            if (arn == id || name == id || (name.Length > 7 && name[..^7] == id)) return (stack, r);
        }
        return null;
    }
    public RequestLog Log { get; } = new();
    public FaultInjector Faults { get; } = new();

    public async Task HandleAsync(HttpContext ctx)
    {
        if (ctx.Request.Path.StartsWithSegments("/_sandbox"))
        {
            await ControlAsync(ctx);
            return;
        }
        if (ctx.Request.Path.StartsWithSegments("/_execute-api", out var invoke))
        {
            // An API Gateway invoke URL, routed here: not SigV4-signed, the API key is its credential.
            var parts = (invoke.Value ?? "").Trim('/').Split('/', 2);
            var (code, text, type) = Status.ExecuteApi(parts[0], parts.Length > 1 ? parts[1] : "", ctx.Request.Headers["x-api-key"].FirstOrDefault(), ctx.Request.Method);
            Log.Add(new LoggedRequest(DateTime.UtcNow, "execute-api", ctx.Request.Method + " " + (parts.Length > 1 ? parts[1] : ""), code, false, code >= 400 ? "Forbidden" : null));
            ctx.Response.StatusCode = code;
            ctx.Response.ContentType = type;
            await ctx.Response.WriteAsync(text);
            return;
        }

        if (Recorder is null)
        {
            await HandleAwsAsync(ctx);
            return;
        }
        var tee = ExchangeRecorder.Capture(ctx);
        try { await HandleAwsAsync(ctx); }
        finally
        {
            ctx.Response.Body = tee.Inner;
            if (!ctx.RequestAborted.IsCancellationRequested && ctx.Items[ExchangeItem] is (string service, string target, IReadOnlyDictionary<string, string> headers, byte[] body))
                Recorder.Write(ctx, service, target, headers, body, tee);
        }
    }

    private const string ExchangeItem = "sandbox.exchange";

    /// <summary>Where every AWS exchange is written for the conformance referee (--record); null when not recording.</summary>
    public ExchangeRecorder? Recorder { get; }

    private async Task HandleAwsAsync(HttpContext ctx)
    {
        var requestId = Guid.NewGuid().ToString();
        using var buffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var headers = ctx.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value.ToArray()));
        var rawTarget = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget ?? ctx.Request.Path.Value ?? "/";
        var q = rawTarget.IndexOf('?');
        var check = Verifier.Verify(new SignedRequest(ctx.Request.Method, q < 0 ? rawTarget : rawTarget[..q], q < 0 ? "" : rawTarget[q..], headers, body));
        var service = check.Service ?? SigV4Verifier.ServiceOf(headers.GetValueOrDefault("authorization")) ?? "unknown";
        ctx.Items[ExchangeItem] = (service, rawTarget, (IReadOnlyDictionary<string, string>)headers, body);
        if (check.Valid && await InjectFaultAsync(ctx, service, requestId)) return;
        if (service == "s3")
        {
            await HandleS3Async(ctx, check, q < 0 ? rawTarget : rawTarget[..q], q < 0 ? "" : rawTarget[q..], headers, body, requestId);
            return;
        }

        var form = ParseForm(ctx.Request.ContentType, body, ctx.Request.QueryString.Value);
        var action = service switch
        {
            "apigateway" => ApiGatewayAction(ctx.Request.Method, ctx.Request.Path.Value ?? ""),
            "batch" => ctx.Request.Path.Value == "/v1/describejobqueues" ? "DescribeJobQueues" : ctx.Request.Path.Value ?? "",
            "dynamodb" => headers.GetValueOrDefault("x-amz-target")?.Split('.').Last() ?? "",
            "lambda" => LambdaInvokePath().IsMatch(ctx.Request.Path.Value ?? "") && ctx.Request.Method == "POST" ? "Invoke" : $"{ctx.Request.Method} {ctx.Request.Path.Value}",
            _ => form.GetValueOrDefault("Action") ?? "",
        };
        var detail = DetailOf(form);
        if (!check.Valid)
        {
            Log.Add(new LoggedRequest(DateTime.UtcNow, service, action, 403, false, check.ErrorCode, detail));
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
                    await WriteJson(ctx, service, action, ApiGateway.Handle(ctx.Request.Method, ctx.Request.Path.Value ?? "/", form), requestId, "application/json");
                    return;
                case "batch" when action == "DescribeJobQueues":
                    await WriteJson(ctx, service, action, Status.DescribeJobQueues(ParseJson(body)), requestId, "application/json");
                    return;
                case "dynamodb" when action == "DescribeTable":
                    await WriteJson(ctx, service, action, Status.DescribeTable(ParseJson(body)), requestId, "application/x-amz-json-1.0");
                    return;
                case "lambda" when action == "Invoke":
                {
                    var name = LambdaInvokePath().Match(ctx.Request.Path.Value!).Groups[1].Value;
                    var (status, answerHeaders, payload, errorType) = Lambda.Invoke(name, headers, ParseJson(body), check.Region ?? _options.Region);
                    Log.Add(new LoggedRequest(DateTime.UtcNow, service, action, status, true, errorType, answerHeaders.GetValueOrDefault("X-Amz-Function-Error")));
                    ctx.Response.StatusCode = status;
                    ctx.Response.Headers["x-amzn-RequestId"] = requestId;
                    foreach (var (k, v) in answerHeaders) ctx.Response.Headers[k] = v;
                    if (errorType is not null) ctx.Response.Headers["x-amzn-ErrorType"] = errorType;
                    if (payload is null) return;
                    var bytes = Encoding.UTF8.GetBytes(payload.ToJsonString());
                    ctx.Response.ContentType = "application/json";
                    ctx.Response.ContentLength = bytes.Length;
                    await ctx.Response.Body.WriteAsync(bytes);
                    return;
                }
                default:
                    throw new ApiError("UnknownService", $"The sandbox does not serve the service '{service}'.", 400);
            }
            Log.Add(new LoggedRequest(DateTime.UtcNow, service, action, 200, !IsReadOnly(service, action), null, detail));
            await WriteXml(ctx, 200, xml, requestId);
        }
        catch (ApiError e)
        {
            Log.Add(new LoggedRequest(DateTime.UtcNow, service, action, e.Status, !IsReadOnly(service, action), e.Code, detail));
            await WriteXml(ctx, e.Status, QueryXmlFor(service).Error(e.Type, e.Code, e.Message, requestId), requestId);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A sandbox bug answers as AWS does for its own: 500 InternalFailure, with the detail for us.
            Log.Add(new LoggedRequest(DateTime.UtcNow, service, action, 500, !IsReadOnly(service, action), "InternalFailure", detail));
            Console.Error.WriteLine($"sandbox: {service}:{action} failed: {e}");
            await WriteXml(ctx, 500, QueryXmlFor(service).Error("Receiver", "InternalFailure", "The sandbox failed: " + e.Message, requestId), requestId);
        }
    }

    /// <summary>Answers with an injected fault, in the service's own error shape; false when this request goes through.</summary>
    private async Task<bool> InjectFaultAsync(HttpContext ctx, string service, string requestId)
    {
        var (kind, delay) = Faults.Next(service);
        if (delay > 0) await Task.Delay(delay);
        if (kind == FaultKind.None) return false;
        ctx.Items[Http.ExchangeRecorder.FaultItem] = kind;
        if (kind == FaultKind.BadCrc)
        {
            // Answered normally, with a checksum that does not match: WriteJson damages it.
            ctx.Items[BadCrcItem] = true;
            return false;
        }
        Log.Add(new LoggedRequest(DateTime.UtcNow, service, "(injected " + kind + ")", kind == FaultKind.Drop ? 0 : kind == FaultKind.Throttle ? 400 : 503, false, kind.ToString()));
        if (kind == FaultKind.Drop)
        {
            ctx.Abort(); // the connection is reset without an answer
            return true;
        }
        var throttle = kind == FaultKind.Throttle;
        switch (service)
        {
            case "s3":
                ctx.Response.StatusCode = 503;
                ctx.Response.ContentType = "application/xml";
                await ctx.Response.WriteAsync(System.Text.Encoding.UTF8.GetString(MetaflowAws.Sandbox.S3.S3Api.ErrorXml(
                    throttle ? "SlowDown" : "ServiceUnavailable", throttle ? "Please reduce your request rate." : "Service is unable to handle request.", requestId)));
                return true;
            case "apigateway" or "batch" or "dynamodb" or "lambda":
                await WriteJson(ctx, service, "(injected)", (throttle ? 429 : 503, new System.Text.Json.Nodes.JsonObject
                {
                    ["message"] = throttle ? "Too Many Requests" : "Service Unavailable",
                    ["__type"] = throttle ? (service == "dynamodb" ? "ThrottlingException" : "TooManyRequestsException") : "ServiceUnavailableException",
                }, throttle ? (service == "dynamodb" ? "ThrottlingException" : "TooManyRequestsException") : "ServiceUnavailableException"), requestId, "application/json");
                return true;
            default:
                await WriteXml(ctx, throttle ? 400 : 503, QueryXmlFor(service).Error(throttle ? "Sender" : "Receiver",
                    throttle ? "Throttling" : "ServiceUnavailable", throttle ? "Rate exceeded" : "Service is unavailable", requestId), requestId);
                return true;
        }
    }

    private async Task WriteJson(HttpContext ctx, string service, string action, (int Status, System.Text.Json.Nodes.JsonObject Body, string? ErrorType) answer, string requestId, string contentType)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(answer.Body.ToJsonString());
        string? crc = null;
        // DynamoDB sends the CRC-32 of every response body, in decimal (DynamoDB developer guide,
        // "Error handling ... CRC32 checksums"; the SDKs verify it and retry on a mismatch).
        if (service == "dynamodb")
            crc = (MetaflowAws.Sandbox.S3.Checksums.Crc32(bytes) ^ (ctx.Items.ContainsKey(BadCrcItem) ? 1u : 0u)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Log.Add(new LoggedRequest(DateTime.UtcNow, service, action, answer.Status, !IsReadOnly(service, action), answer.ErrorType,
            crc is null ? null : "x-amz-crc32: " + crc + (ctx.Items.ContainsKey(BadCrcItem) ? " (damaged)" : "")));
        ctx.Response.StatusCode = answer.Status;
        ctx.Response.ContentType = contentType;
        ctx.Response.Headers["x-amzn-RequestId"] = requestId;
        if (answer.ErrorType is not null) ctx.Response.Headers["x-amzn-ErrorType"] = answer.ErrorType;
        if (crc is not null) ctx.Response.Headers["x-amz-crc32"] = crc;
        ctx.Response.ContentLength = bytes.Length;
        await ctx.Response.Body.WriteAsync(bytes);
    }

    private static System.Text.Json.Nodes.JsonNode? ParseJson(byte[] body)
    {
        try { return body.Length == 0 ? null : System.Text.Json.Nodes.JsonNode.Parse(body); }
        catch (JsonException) { throw new ApiError("SerializationException", "The request body is not valid JSON."); }
    }

    /// <summary>Whether an action only reads: CloudFormation's own rule, else S3/STS-style Get/Head/List (and Describe) names.</summary>
    public static bool IsReadOnly(string service, string action) => service switch
    {
        "cloudformation" => CloudFormationApi.IsReadOnly(action),
        _ => action.StartsWith("Get", StringComparison.Ordinal) || action.StartsWith("Head", StringComparison.Ordinal)
             || action.StartsWith("List", StringComparison.Ordinal) || action.StartsWith("Describe", StringComparison.Ordinal),
    };

    /// <summary>A short note on how a Query request gave its template, for tests to assert on (never the body itself).</summary>
    private static string? DetailOf(IReadOnlyDictionary<string, string> form)
        => form.TryGetValue("TemplateURL", out var url) && url.Length > 0 ? "TemplateURL=" + url
            : form.ContainsKey("TemplateBody") ? "TemplateBody" : null;

    private async Task HandleS3Async(HttpContext ctx, SignatureCheck check, string rawPath, string rawQuery,
        Dictionary<string, string> headers, byte[] body, string requestId)
    {
        var query = ParseQuery(rawQuery);
        var route = S3Api.Route(ctx.Request.Method, rawPath, query, headers);
        var detail = route.Bucket is null ? null : route.Key is null ? route.Bucket : route.Bucket + "/" + route.Key;
        var mutating = !IsReadOnly("s3", route.Action);
        S3Response response;
        string? errorCode = null;
        try
        {
            if (!check.Valid)
                throw check.ErrorCode switch
                {
                    // S3's own words for what the Query services call otherwise.
                    "InvalidClientTokenId" => new S3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."),
                    "MissingAuthenticationToken" => S3Error.AccessDenied(),
                    "XAmzContentSHA256Mismatch" => new S3Error(400, check.ErrorCode, check.Message!),
                    _ => new S3Error(403, check.ErrorCode!, check.Message!),
                };
            response = S3.Handle(new S3Request(ctx.Request.Method, rawPath, query, headers, body, check.Region ?? _options.Region, StackEngine.AccountId, check.Seed), route);
        }
        catch (S3Error e)
        {
            errorCode = e.Code;
            response = new S3Response { Status = e.Status, Body = S3Api.ErrorXml(e.Code, e.Message, requestId, e.BucketName, e.Key) };
            response.Headers["Content-Type"] = "application/xml";
            foreach (var (k, v) in e.Headers) response.Headers[k] = v;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            errorCode = "InternalError";
            Console.Error.WriteLine($"sandbox: s3:{route.Action} failed: {e}");
            response = new S3Response { Status = 500, Body = S3Api.ErrorXml("InternalError", "The sandbox failed: " + e.Message, requestId) };
            response.Headers["Content-Type"] = "application/xml";
        }
        Log.Add(new LoggedRequest(DateTime.UtcNow, "s3", route.Action, response.Status, mutating, errorCode, detail));

        ctx.Response.StatusCode = response.Status;
        ctx.Response.Headers["x-amz-request-id"] = requestId;
        ctx.Response.Headers["x-amz-id-2"] = S3Api.HostId(requestId);
        foreach (var (k, v) in response.Headers) ctx.Response.Headers[k] = v;
        var head = HttpMethods.IsHead(ctx.Request.Method);
        if (response.Status == 204) return;
        ctx.Response.ContentLength = head ? (response.Status < 300 ? response.ContentLength ?? 0 : null) : response.Body.Length;
        if (!head) await ctx.Response.Body.WriteAsync(response.Body);
    }

    /// <summary>A bucket as the control API shows it: owner, region, configuration, how many keys and versions.</summary>
    private object BucketSummary(Bucket b)
    {
        lock (S3Store.Sync)
        {
            static string? Get(System.Xml.Linq.XElement? e, string name) => e?.Descendants().FirstOrDefault(x => x.Name.LocalName == name)?.Value;
            return new
            {
                name = b.Name,
                region = b.Region,
                ownerAccount = b.OwnerAccount,
                grantsOthers = b.GrantsOthers,
                versioning = b.Versioning,
                encryption = Get(b.Encryption, "SSEAlgorithm"),
                publicAccessBlock = b.PublicAccessBlock?.Elements().ToDictionary(e => e.Name.LocalName, e => e.Value == "true"),
                objectOwnership = Get(b.OwnershipControls, "ObjectOwnership"),
                lifecycle = b.Lifecycle?.ToString(System.Xml.Linq.SaveOptions.DisableFormatting),
                keys = b.Objects.Count,
                versions = b.Objects.Values.Sum(v => v.Count),
            };
        }
    }

    private static Dictionary<string, string> ParseQuery(string rawQuery)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in rawQuery.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            result[Uri.UnescapeDataString(kv[0])] = kv.Length > 1 ? Uri.UnescapeDataString(kv[1].Replace('+', ' ')) : "";
        }
        return result;
    }

    private static QueryXml QueryXmlFor(string service) => service switch
    {
        "sts" => StsApi.X,
        "iam" => IamApi.X,
        _ => CloudFormationApi.X,
    };

    [System.Text.RegularExpressions.GeneratedRegex("^/2015-03-31/functions/([^/]+)/invocations$")]
    private static partial System.Text.RegularExpressions.Regex LambdaInvokePath();

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
            case ("POST", "/faults/migration"):
            {
                // The named migration function's upgrade fails as the migration service reports it: 500 "upgrade failed".
                var f = await JsonSerializer.DeserializeAsync<JsonElement>(ctx.Request.Body);
                var function = f.GetProperty("functionName").GetString()!;
                Lambda.FailingUpgrades[function] = function;
                result = new { functionName = function };
                break;
            }
            case ("DELETE", "/faults"):
                Lambda.FailingUpgrades.Clear();
                Stacks.Faults.Clear();
                Faults.Configure(new FaultSettings());
                result = new { cleared = true };
                break;
            case ("POST", "/sessions/expire"):
                result = new { expired = Credentials.ExpireSessions() };
                break;
            case ("POST", "/faults/transient"):
                Faults.Configure(FaultInjector.Parse(await JsonSerializer.DeserializeAsync<JsonElement>(ctx.Request.Body)));
                result = Faults.Snapshot();
                break;
            case ("GET", "/faults/transient"):
                result = Faults.Snapshot();
                break;
            case ("POST", "/config"):
            {
                var c = await JsonSerializer.DeserializeAsync<JsonElement>(ctx.Request.Body);
                // A fixed pace per resource (resourceDelayMs) or the duration model at a scale (timeScale); resetPace
                // goes back to what the sandbox was started with.
                if (c.TryGetProperty("resourceDelayMs", out var d))
                {
                    Stacks.ResourceDelay = TimeSpan.FromMilliseconds(d.GetInt32());
                    Stacks.TimeScale = null;
                }
                if (c.TryGetProperty("timeScale", out var scale)) Stacks.TimeScale = scale.ValueKind == JsonValueKind.Null ? null : scale.GetDouble();
                if (c.TryGetProperty("resetPace", out var reset) && reset.ValueKind == JsonValueKind.True)
                {
                    Stacks.ResourceDelay = TimeSpan.FromMilliseconds(_options.ResourceDelayMs);
                    Stacks.TimeScale = _options.TimeScale;
                }
                if (c.TryGetProperty("stsSessionSeconds", out var sts)) Sts.SessionSecondsOverride = sts.ValueKind == JsonValueKind.Null ? null : sts.GetInt32();
                // How long a service create waits for tasks that never run (AWS: about 3 hours); tests shorten it to end such a create, null resets it.
                if (c.TryGetProperty("serviceStabilizationMs", out var ecs) && ServiceTasks is not null)
                    ServiceTasks.StabilizationTimeout = ecs.ValueKind == JsonValueKind.Null ? Ecs.MetadataServiceTasks.DefaultStabilizationTimeout : TimeSpan.FromMilliseconds(ecs.GetInt64());
                result = new { resourceDelayMs = Stacks.ResourceDelay.TotalMilliseconds, timeScale = Stacks.TimeScale, stsSessionSeconds = Sts.SessionSecondsOverride,
                    serviceStabilizationMs = ServiceTasks?.StabilizationTimeout.TotalMilliseconds };
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
            case ("GET", "/postgres"):
                result = Databases is { } db
                    ? new { backed = true, host = db.Server.Host, port = db.Server.Port, noSslGroup = Rds.PostgresServer.NoSslGroup }
                    : (object)new { backed = false };
                break;
            case ("GET", "/secrets"):
            {
                // A secret's value, as GetSecretValue gives it (what ECS hands a container for a task definition's Secrets).
                var id = ctx.Request.Query["id"].ToString();
                if (FindSecret(id) is not { } found) { ctx.Response.StatusCode = 404; result = new { error = $"Secrets Manager can't find the specified secret {id}." }; break; }
                result = new { arn = found.Resource.Ref, name = found.Resource.PhysicalId, secretString = found.Resource.Secret };
                break;
            }
            case ("GET", var p) when p.StartsWith("/stacks/", StringComparison.Ordinal) && p.Split('/') is [_, _, var stackName, "resources", var logicalId]:
            {
                // A stack resource as the sandbox evaluated it: its properties (dynamic references unresolved, as
                // CloudFormation keeps them), physical id and attributes. What a task definition gives its containers.
                var stack = Stacks.Find(Uri.UnescapeDataString(stackName));
                ResourceState? r = null;
                if (stack is not null) lock (stack.Sync) r = stack.Resource(Uri.UnescapeDataString(logicalId));
                if (r is null) { ctx.Response.StatusCode = 404; result = new { error = $"No resource {logicalId} in a stack {stackName}." }; break; }
                result = new { stackName = stack!.StackName, logicalId = r.LogicalId, type = r.Type, physicalId = r.PhysicalId, status = r.Status, properties = r.Properties, attributes = r.Attributes,
                    liveDocument = r.LiveDocument };
                break;
            }
            case ("GET", "/s3/buckets"):
                result = S3Store.All.OrderBy(b => b.Name, StringComparer.Ordinal).Select(BucketSummary).ToList();
                break;
            case ("POST", "/s3/buckets"):
            case ("POST", "/s3/foreign-bucket"):
            {
                // A bucket made directly: by default the sandbox account's; foreign-bucket makes one
                // owned by another account whose bucket policy lets everyone in (the case an owner check must catch).
                var b = await JsonSerializer.DeserializeAsync<JsonElement>(ctx.Request.Body);
                var foreign = path == "/s3/foreign-bucket";
                var name = b.GetProperty("name").GetString()!;
                if (!S3Store.IsValidBucketName(name))
                {
                    ctx.Response.StatusCode = 400;
                    result = new { error = $"'{name}' is not a valid bucket name." };
                    break;
                }
                try
                {
                    var bucket = S3Store.Add(name,
                        b.TryGetProperty("region", out var r) ? r.GetString()! : _options.Region,
                        b.TryGetProperty("ownerAccount", out var o) ? o.GetString()! : foreign ? S3Store.ForeignAccount : StackEngine.AccountId,
                        b.TryGetProperty("grantsOthers", out var g) ? g.GetBoolean() : foreign);
                    result = BucketSummary(bucket);
                }
                catch (S3Error e)
                {
                    ctx.Response.StatusCode = 409;
                    result = new { error = e.Message };
                }
                break;
            }
            case ("DELETE", "/s3/buckets"):
                S3Store.Clear();
                result = new { cleared = true };
                break;
            case ("POST", "/s3/seed"):
            {
                // Many object versions and delete markers at once (tests of emptying a bucket).
                var seed = await JsonSerializer.DeserializeAsync<JsonElement>(ctx.Request.Body);
                var name = seed.GetProperty("bucket").GetString()!;
                var keys = seed.GetProperty("keys").GetInt32();
                var versions = seed.TryGetProperty("versionsPerKey", out var v) ? v.GetInt32() : 1;
                var markers = seed.TryGetProperty("deleteMarkers", out var m) && m.GetBoolean();
                var bucket = S3Store.Find(name);
                if (bucket is null) { ctx.Response.StatusCode = 404; result = new { error = $"no bucket {name}" }; break; }
                var total = 0;
                lock (S3Store.Sync)
                {
                    for (var k = 0; k < keys; k++)
                    {
                        var key = $"metaflow/seed/{k:D6}";
                        if (!bucket.Objects.TryGetValue(key, out var list)) bucket.Objects[key] = list = [];
                        for (var i = 0; i < versions; i++, total++)
                            list.Add(new ObjectVersion { Key = key, VersionId = Guid.NewGuid().ToString("N"), Data = [(byte)i], ETag = "\"seed\"" });
                        if (markers) { list.Add(new ObjectVersion { Key = key, VersionId = Guid.NewGuid().ToString("N"), IsDeleteMarker = true }); total++; }
                    }
                }
                result = new { bucket = name, added = total };
                break;
            }
            case ("DELETE", var p) when p.StartsWith("/s3/buckets/", StringComparison.Ordinal):
                result = new { removed = S3Store.Remove(Uri.UnescapeDataString(p["/s3/buckets/".Length..])) };
                break;
            default:
                ctx.Response.StatusCode = 404;
                result = new { error = $"No control endpoint {ctx.Request.Method} /_sandbox{path}. Endpoints: GET /health, GET|DELETE /requests, GET /postgres, GET /secrets?id=ARN, GET /stacks/<name>/resources/<logicalId>, POST /faults/resource, DELETE /faults, POST /config, POST /history, GET|POST|DELETE /s3/buckets, DELETE /s3/buckets/<name>, POST /s3/foreign-bucket, POST /s3/seed" };
                break;
        }
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(JsonSerializer.Serialize(result));
    }
}
