using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MetaflowAws.Sandbox.CloudFormation;
using MetaflowAws.Sandbox.Iam;
using MetaflowAws.Sandbox.S3;
using MetaflowAws.Sandbox.Sts;
using Microsoft.AspNetCore.Http.Features;

namespace MetaflowAws.Sandbox.Http;

/// <summary>
/// Serves AWS requests: checks the signature, gives the request its injected fault, dispatches it by service
/// (Query XML, JSON, REST-XML for S3, API Gateway invoke URLs), writes and logs the answer, and records the
/// exchange when recording.
/// </summary>
public sealed partial class AwsRouter(SandboxState state, AwsAnswers answers, FaultResponder faults)
{
    /// <summary>An API Gateway invoke URL, routed here: /_execute-api/&lt;api id&gt;/&lt;stage&gt;/&lt;path&gt;.</summary>
    public const string ExecuteApiPrefix = "/_execute-api";

    private const string ExchangeItem = "sandbox.exchange";

    public async Task HandleAsync(HttpContext ctx)
    {
        if (ctx.Request.Path.StartsWithSegments(ExecuteApiPrefix, out var invoke))
        {
            await ExecuteApiAsync(ctx, invoke);
            return;
        }
        if (state.Recorder is not { } recorder)
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
                recorder.Write(ctx, service, target, headers, body, tee);
        }
    }

    /// <summary>An API Gateway invoke URL: not SigV4-signed, the API key is its credential.</summary>
    private async Task ExecuteApiAsync(HttpContext ctx, PathString invoke)
    {
        var parts = (invoke.Value ?? "").Trim('/').Split('/', 2);
        var (code, text, type) = state.Status.ExecuteApi(parts[0], parts.Length > 1 ? parts[1] : "", ctx.Request.Headers["x-api-key"].FirstOrDefault(), ctx.Request.Method,
            ctx.Connection.RemoteIpAddress?.MapToIPv4().ToString());
        state.Log.Add(new LoggedRequest(DateTime.UtcNow, "execute-api", ctx.Request.Method + " " + (parts.Length > 1 ? parts[1] : ""), code, false, code >= 400 ? "Forbidden" : null));
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = type;
        await ctx.Response.WriteAsync(text);
    }

    private async Task HandleAwsAsync(HttpContext ctx)
    {
        var requestId = Guid.NewGuid().ToString();
        using var buffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var headers = ctx.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value.ToArray()));
        var rawTarget = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget ?? ctx.Request.Path.Value ?? "/";
        var q = rawTarget.IndexOf('?');
        var check = state.Verifier.Verify(new SignedRequest(ctx.Request.Method, q < 0 ? rawTarget : rawTarget[..q], q < 0 ? "" : rawTarget[q..], headers, body));
        var service = check.Service ?? SigV4Verifier.ServiceOf(headers.GetValueOrDefault("authorization")) ?? "unknown";
        ctx.Items[ExchangeItem] = (service, rawTarget, (IReadOnlyDictionary<string, string>)headers, body);
        if (check.Valid && await faults.TryAnswerAsync(ctx, service, requestId)) return;
        if (service == "route53")
            await HandleRoute53Async(ctx, check, q < 0 ? rawTarget : rawTarget[..q], q < 0 ? "" : rawTarget[q..], body, requestId);
        else if (service == "s3")
            await HandleS3Async(ctx, check, q < 0 ? rawTarget : rawTarget[..q], q < 0 ? "" : rawTarget[q..], headers, body, requestId);
        else
            await HandleServiceAsync(ctx, check, service, headers, body, requestId);
    }

    /// <summary>A Query (XML) or JSON service's request: named by its Action, its path or its X-Amz-Target.</summary>
    private async Task HandleServiceAsync(HttpContext ctx, SignatureCheck check, string service, Dictionary<string, string> headers, byte[] body, string requestId)
    {
        var form = ParseForm(ctx.Request.ContentType, body, ctx.Request.QueryString.Value);
        var action = service switch
        {
            "apigateway" => ApiGatewayAction(ctx.Request.Method, ctx.Request.Path.Value ?? ""),
            "batch" => ctx.Request.Path.Value == "/v1/describejobqueues" ? "DescribeJobQueues" : ctx.Request.Path.Value ?? "",
            "dynamodb" or "acm" or "cognito-idp" or "ecs" => headers.GetValueOrDefault("x-amz-target")?.Split('.').Last() ?? "",
            "lambda" => LambdaInvokePath().IsMatch(ctx.Request.Path.Value ?? "") && ctx.Request.Method == "POST" ? "Invoke" : $"{ctx.Request.Method} {ctx.Request.Path.Value}",
            _ => form.GetValueOrDefault("Action") ?? "",
        };
        var detail = DetailOf(form);
        if (!check.Valid)
        {
            state.Log.Add(new LoggedRequest(DateTime.UtcNow, service, action, 403, false, check.ErrorCode, detail));
            await AwsAnswers.WriteXmlAsync(ctx, 403, AwsAnswers.QueryXmlFor(service).Error("Sender", check.ErrorCode!, check.Message!, requestId), requestId);
            return;
        }

        try
        {
            string xml;
            switch (service)
            {
                case "cloudformation":
                    xml = CloudFormationApi.X.Response(action, state.CloudFormation.Handle(action, form, check.Region ?? state.Options.Region), requestId);
                    break;
                case "sts":
                    xml = StsApi.X.Response(action, state.Sts.Handle(action, form, check.AccessKeyId!), requestId);
                    break;
                case "iam":
                    xml = IamApi.X.Response(action, state.Iam.Handle(action, form), requestId);
                    break;
                case "apigateway":
                    await answers.WriteJsonAsync(ctx, service, action, state.ApiGateway.Handle(ctx.Request.Method, ctx.Request.Path.Value ?? "/", form, ParseJson(body)), requestId, "application/json");
                    return;
                case "batch" when action == "DescribeJobQueues":
                    await answers.WriteJsonAsync(ctx, service, action, state.Status.DescribeJobQueues(ParseJson(body)), requestId, "application/json");
                    return;
                case "dynamodb" when action == "DescribeTable":
                    await answers.WriteJsonAsync(ctx, service, action, state.Status.DescribeTable(ParseJson(body)), requestId, "application/x-amz-json-1.0");
                    return;
                case "dynamodb" when action is "PutItem" or "GetItem":
                    await answers.WriteJsonAsync(ctx, service, action, action == "PutItem" ? state.Items.PutItem(ParseJson(body)) : state.Items.GetItem(ParseJson(body)),
                        requestId, "application/x-amz-json-1.0");
                    return;
                case "elasticloadbalancing":
                    xml = Ui.LoadBalancers.X.Response(action, state.LoadBalancers.Handle(action, form), requestId);
                    break;
                // JSON 1.1 services (botocore acm, cognito-idp, ecs: protocol json, jsonVersion 1.1).
                case "acm":
                    await answers.WriteJsonAsync(ctx, service, action, state.Certificates.Handle(action, ParseJson(body), check.Region ?? state.Options.Region), requestId, "application/x-amz-json-1.1");
                    return;
                case "cognito-idp":
                    await answers.WriteJsonAsync(ctx, service, action, state.CognitoUsers.Handle(action, ParseJson(body)), requestId, "application/x-amz-json-1.1");
                    return;
                case "ecs":
                    await answers.WriteJsonAsync(ctx, service, action, state.EcsServices.Handle(action, ParseJson(body), check.Region ?? state.Options.Region), requestId, "application/x-amz-json-1.1");
                    return;
                case "lambda" when action == "Invoke":
                    await InvokeLambdaAsync(ctx, check, service, action, headers, body, requestId);
                    return;
                default:
                    throw new ApiError("UnknownService", $"The sandbox does not serve the service '{service}'.", 400);
            }
            state.Log.Add(new LoggedRequest(DateTime.UtcNow, service, action, 200, !AwsAnswers.IsReadOnly(service, action), null, detail));
            await AwsAnswers.WriteXmlAsync(ctx, 200, xml, requestId);
        }
        catch (ApiError e)
        {
            state.Log.Add(new LoggedRequest(DateTime.UtcNow, service, action, e.Status, !AwsAnswers.IsReadOnly(service, action), e.Code, detail));
            await AwsAnswers.WriteXmlAsync(ctx, e.Status, AwsAnswers.QueryXmlFor(service).Error(e.Type, e.Code, e.Message, requestId), requestId);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A sandbox bug answers as AWS does for its own: 500 InternalFailure, with the detail for us.
            state.Log.Add(new LoggedRequest(DateTime.UtcNow, service, action, 500, !AwsAnswers.IsReadOnly(service, action), "InternalFailure", detail));
            Console.Error.WriteLine($"sandbox: {service}:{action} failed: {e}");
            await AwsAnswers.WriteXmlAsync(ctx, 500, AwsAnswers.QueryXmlFor(service).Error("Receiver", "InternalFailure", "The sandbox failed: " + e.Message, requestId), requestId);
        }
    }

    /// <summary>Lambda's Invoke: the function's payload as it is, its status and headers (X-Amz-Function-Error on a failed run).</summary>
    private async Task InvokeLambdaAsync(HttpContext ctx, SignatureCheck check, string service, string action, Dictionary<string, string> headers, byte[] body, string requestId)
    {
        var name = LambdaInvokePath().Match(ctx.Request.Path.Value!).Groups[1].Value;
        var (status, answerHeaders, payload, errorType) = state.Lambda.Invoke(name, headers, ParseJson(body), check.Region ?? state.Options.Region);
        state.Log.Add(new LoggedRequest(DateTime.UtcNow, service, action, status, true, errorType, answerHeaders.GetValueOrDefault("X-Amz-Function-Error")));
        ctx.Response.StatusCode = status;
        ctx.Response.Headers["x-amzn-RequestId"] = requestId;
        foreach (var (k, v) in answerHeaders) ctx.Response.Headers[k] = v;
        if (errorType is not null) ctx.Response.Headers["x-amzn-ErrorType"] = errorType;
        if (payload is null) return;
        var bytes = Encoding.UTF8.GetBytes(payload.ToJsonString());
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength = bytes.Length;
        await ctx.Response.Body.WriteAsync(bytes);
    }

    /// <summary>
    /// A Route 53 request (REST-XML): the operation by method and path, answers in Route 53's namespace with an
    /// x-amzn-RequestId header, errors as an ErrorResponse document (Route 53 API reference, "Errors").
    /// </summary>
    private async Task HandleRoute53Async(HttpContext ctx, SignatureCheck check, string rawPath, string rawQuery, byte[] body, string requestId)
    {
        var path = Uri.UnescapeDataString(rawPath);
        var action = Ui.HostedZones.ActionOf(ctx.Request.Method, path);
        var mutating = !AwsAnswers.IsReadOnly("route53", action);
        int status;
        string xml;
        string? errorCode = null;
        try
        {
            if (!check.Valid) throw new Ui.Route53Error(check.ErrorCode!, check.Message!, 403);
            xml = "<?xml version=\"1.0\"?>\n" + state.HostedZones.Handle(action, rawPath, ParseQuery(rawQuery), body);
            status = 200;
        }
        catch (Ui.Route53Error e)
        {
            errorCode = e.Code;
            status = e.Status;
            xml = Ui.HostedZones.ErrorXml(e, requestId);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.Error.WriteLine($"sandbox: route53:{action} failed: {e}");
            errorCode = "InternalFailure";
            status = 500;
            xml = Ui.HostedZones.ErrorXml(new Ui.Route53Error("InternalFailure", "The sandbox failed: " + e.Message, 500), requestId);
        }
        state.Log.Add(new LoggedRequest(DateTime.UtcNow, "route53", action, status, mutating, errorCode, null));
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/xml";
        ctx.Response.Headers["x-amzn-RequestId"] = requestId;
        await ctx.Response.WriteAsync(xml);
    }

    private async Task HandleS3Async(HttpContext ctx, SignatureCheck check, string rawPath, string rawQuery,
        Dictionary<string, string> headers, byte[] body, string requestId)
    {
        var query = ParseQuery(rawQuery);
        var route = S3Api.Route(ctx.Request.Method, rawPath, query, headers);
        var detail = route.Bucket is null ? null : route.Key is null ? route.Bucket : route.Bucket + "/" + route.Key;
        var mutating = !AwsAnswers.IsReadOnly("s3", route.Action);
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
            response = state.S3.Handle(new S3Request(ctx.Request.Method, rawPath, query, headers, body, check.Region ?? state.Options.Region, StackEngine.AccountId, check.Seed), route);
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
        state.Log.Add(new LoggedRequest(DateTime.UtcNow, "s3", route.Action, response.Status, mutating, errorCode, detail));

        ctx.Response.StatusCode = response.Status;
        ctx.Response.Headers["x-amz-request-id"] = requestId;
        ctx.Response.Headers["x-amz-id-2"] = S3Api.HostId(requestId);
        foreach (var (k, v) in response.Headers) ctx.Response.Headers[k] = v;
        var head = HttpMethods.IsHead(ctx.Request.Method);
        if (response.Status == 204) return;
        ctx.Response.ContentLength = head ? (response.Status < 300 ? response.ContentLength ?? 0 : null) : response.Body.Length;
        if (!head) await ctx.Response.Body.WriteAsync(response.Body);
    }

    [GeneratedRegex("^/2015-03-31/functions/([^/]+)/invocations$")]
    private static partial Regex LambdaInvokePath();

    private static string ApiGatewayAction(string method, string path)
        => path.StartsWith("/apikeys/", StringComparison.Ordinal) && method == "GET" ? "GetApiKey"
            : path.StartsWith("/restapis/", StringComparison.Ordinal) && path.EndsWith("/deployments", StringComparison.Ordinal) && method == "POST" ? "CreateDeployment"
            : $"{method} {path}";

    /// <summary>A short note on how a Query request gave its template, for tests to assert on (never the body itself).</summary>
    private static string? DetailOf(IReadOnlyDictionary<string, string> form)
        => form.TryGetValue("TemplateURL", out var url) && url.Length > 0 ? "TemplateURL=" + url
            : form.ContainsKey("TemplateBody") ? "TemplateBody" : null;

    private static JsonNode? ParseJson(byte[] body)
    {
        try { return body.Length == 0 ? null : JsonNode.Parse(body); }
        catch (JsonException) { throw new ApiError("SerializationException", "The request body is not valid JSON."); }
    }

    /// <summary>A Query request's parameters: its query string, then its form-encoded body ('+' is a space in both).</summary>
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

    /// <summary>An S3 request's raw query, percent-decoded; '+' is read as a space in values only.</summary>
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
}
