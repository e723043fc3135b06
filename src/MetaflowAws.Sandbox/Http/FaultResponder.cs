using System.Text;
using System.Text.Json.Nodes;
using MetaflowAws.Sandbox.S3;

namespace MetaflowAws.Sandbox.Http;

/// <summary>
/// Answers a request with the fault <see cref="FaultInjector"/> drew for it, in the service's own error shape:
/// S3's SlowDown/ServiceUnavailable XML, the JSON services' 429/503, the Query services' Throttling/ServiceUnavailable;
/// a dropped connection; or a DynamoDB answer with a damaged checksum.
/// </summary>
public sealed class FaultResponder(FaultInjector injector, RequestLog log, AwsAnswers answers)
{
    /// <summary>Answers with an injected fault, in the service's own error shape; false when this request goes through.</summary>
    public async Task<bool> TryAnswerAsync(HttpContext ctx, string service, string requestId)
    {
        var (kind, delay) = injector.Next(service);
        if (delay > 0) await Task.Delay(delay);
        if (kind == FaultKind.None) return false;
        ctx.Items[ExchangeRecorder.FaultItem] = kind;
        if (kind == FaultKind.BadCrc)
        {
            // Answered normally, with a checksum that does not match: WriteJsonAsync damages it.
            AwsAnswers.DamageCrc(ctx);
            return false;
        }
        log.Add(new LoggedRequest(DateTime.UtcNow, service, "(injected " + kind + ")", kind == FaultKind.Drop ? 0 : kind == FaultKind.Throttle ? 400 : 503, false, kind.ToString()));
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
                await ctx.Response.WriteAsync(Encoding.UTF8.GetString(S3Api.ErrorXml(
                    throttle ? "SlowDown" : "ServiceUnavailable", throttle ? "Please reduce your request rate." : "Service is unable to handle request.", requestId)));
                return true;
            case "apigateway" or "batch" or "dynamodb" or "lambda":
            {
                var type = throttle ? (service == "dynamodb" ? "ThrottlingException" : "TooManyRequestsException") : "ServiceUnavailableException";
                var body = new JsonObject { ["message"] = throttle ? "Too Many Requests" : "Service Unavailable", ["__type"] = type };
                await answers.WriteJsonAsync(ctx, service, "(injected)", (throttle ? 429 : 503, body, type), requestId, "application/json");
                return true;
            }
            default:
                await AwsAnswers.WriteXmlAsync(ctx, throttle ? 400 : 503, AwsAnswers.QueryXmlFor(service).Error(throttle ? "Sender" : "Receiver",
                    throttle ? "Throttling" : "ServiceUnavailable", throttle ? "Rate exceeded" : "Service is unavailable", requestId), requestId);
                return true;
        }
    }
}
