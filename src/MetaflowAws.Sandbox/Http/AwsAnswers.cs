using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MetaflowAws.Sandbox.CloudFormation;
using MetaflowAws.Sandbox.Iam;
using MetaflowAws.Sandbox.S3;
using MetaflowAws.Sandbox.Sts;

namespace MetaflowAws.Sandbox.Http;

/// <summary>
/// Writes AWS answers in each protocol's shape: Query XML (answers and errors in the service's namespace) and JSON
/// (with DynamoDB's CRC-32), logging the JSON ones. Shared by the router and the fault responder.
/// </summary>
public sealed class AwsAnswers(RequestLog log)
{
    /// <summary>The HttpContext item that asks <see cref="WriteJsonAsync"/> to send a CRC-32 that does not match the body.</summary>
    private const string BadCrcItem = "sandbox.badcrc";

    /// <summary>Marks this exchange's JSON answer to go out with a damaged checksum (an injected fault).</summary>
    public static void DamageCrc(HttpContext ctx) => ctx.Items[BadCrcItem] = true;

    /// <summary>
    /// Whether an action only reads: CloudFormation's own rule, else S3/STS-style Get/Head/List (and Describe) names;
    /// that covers ACM DescribeCertificate, Cognito ListUsers, ELB Describe*, ECS DescribeServices and Route 53 List*,
    /// while Cognito AdminCreateUser and Route 53 ChangeResourceRecordSets change something.
    /// </summary>
    public static bool IsReadOnly(string service, string action) => service switch
    {
        "cloudformation" => CloudFormationApi.IsReadOnly(action),
        _ => action.StartsWith("Get", StringComparison.Ordinal) || action.StartsWith("Head", StringComparison.Ordinal)
             || action.StartsWith("List", StringComparison.Ordinal) || action.StartsWith("Describe", StringComparison.Ordinal),
    };

    /// <summary>The Query XML of a service's answers and errors (its namespace): STS's, IAM's, else CloudFormation's.</summary>
    public static QueryXml QueryXmlFor(string service) => service switch
    {
        "sts" => StsApi.X,
        "iam" => IamApi.X,
        "elasticloadbalancing" => Ui.LoadBalancers.X,
        _ => CloudFormationApi.X,
    };

    public static async Task WriteXmlAsync(HttpContext ctx, int status, string xml, string requestId)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/xml";
        ctx.Response.Headers["x-amzn-RequestId"] = requestId;
        await ctx.Response.WriteAsync(xml);
    }

    /// <summary>Logs and writes a JSON answer; DynamoDB's carries the CRC-32 of its body.</summary>
    public async Task WriteJsonAsync(HttpContext ctx, string service, string action, (int Status, JsonObject Body, string? ErrorType) answer, string requestId, string contentType)
    {
        var bytes = Encoding.UTF8.GetBytes(answer.Body.ToJsonString());
        string? crc = null;
        // DynamoDB sends the CRC-32 of every response body, in decimal (DynamoDB developer guide,
        // "Error handling ... CRC32 checksums"; the SDKs verify it and retry on a mismatch).
        if (service == "dynamodb")
            crc = (Checksums.Crc32(bytes) ^ (ctx.Items.ContainsKey(BadCrcItem) ? 1u : 0u)).ToString(CultureInfo.InvariantCulture);
        log.Add(new LoggedRequest(DateTime.UtcNow, service, action, answer.Status, !IsReadOnly(service, action), answer.ErrorType,
            crc is null ? null : "x-amz-crc32: " + crc + (ctx.Items.ContainsKey(BadCrcItem) ? " (damaged)" : "")));
        ctx.Response.StatusCode = answer.Status;
        ctx.Response.ContentType = contentType;
        ctx.Response.Headers["x-amzn-RequestId"] = requestId;
        if (answer.ErrorType is not null) ctx.Response.Headers["x-amzn-ErrorType"] = answer.ErrorType;
        if (crc is not null) ctx.Response.Headers["x-amz-crc32"] = crc;
        ctx.Response.ContentLength = bytes.Length;
        await ctx.Response.Body.WriteAsync(bytes);
    }
}
