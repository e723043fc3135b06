using System.Text.Json.Nodes;
using MetaflowAws.Sandbox.CloudFormation;

namespace MetaflowAws.Sandbox.Ui;

/// <summary>A certificate the sandbox's ACM holds (seeded through the control API; the sandbox issues none itself).</summary>
public sealed record Certificate(string Arn, string Region, string DomainName, IReadOnlyList<string> SubjectAlternativeNames, string Status, DateTime CreatedAt);

/// <summary>
/// ACM as far as the module reads it: DescribeCertificate (JSON 1.1, CertificateManager.DescribeCertificate;
/// botocore acm/2015-12-08). A load balancer's HTTPS listener needs one of these certificates.
/// </summary>
public sealed class Certificates
{
    private readonly Dictionary<string, Certificate> _byArn = new(StringComparer.Ordinal);
    private readonly object _sync = new();

    public Certificate Add(string domainName, IReadOnlyList<string>? subjectAlternativeNames, string? status, string region)
    {
        // ACM ARNs: arn:<partition>:acm:<region>:<account>:certificate/<uuid> (ACM API reference, CertificateDetail CertificateArn).
        var arn = $"arn:{StackContext.PartitionOf(region)}:acm:{region}:{StackEngine.AccountId}:certificate/{Guid.NewGuid()}";
        // ACM puts the domain name first among the subject alternative names (ACM API reference, RequestCertificate).
        var names = new List<string> { domainName };
        names.AddRange((subjectAlternativeNames ?? []).Where(n => !string.Equals(n, domainName, StringComparison.OrdinalIgnoreCase)));
        var cert = new Certificate(arn, region, domainName, names, status ?? "ISSUED", DateTime.UtcNow);
        lock (_sync) _byArn[arn] = cert;
        return cert;
    }

    public Certificate? Find(string? arn)
    {
        if (arn is null) return null;
        lock (_sync) return _byArn.GetValueOrDefault(arn);
    }

    public List<Certificate> All()
    {
        lock (_sync) return _byArn.Values.OrderBy(c => c.CreatedAt).ToList();
    }

    public void Clear()
    {
        lock (_sync) _byArn.Clear();
    }

    /// <summary>
    /// DescribeCertificate: the CertificateDetail of a certificate in the request's region; another ARN answers
    /// ResourceNotFoundException (ACM API reference, DescribeCertificate errors: ResourceNotFoundException, InvalidArnException).
    /// </summary>
    public (int Status, JsonObject Body, string? ErrorType) Handle(string action, JsonNode? request, string region)
    {
        if (action == "ListCertificates") return List(request, region);
        if (action != "DescribeCertificate")
            return JsonErrors.Unknown("CertificateManager", action);
        var arn = request?["CertificateArn"]?.GetValue<string>();
        if (string.IsNullOrEmpty(arn))
            return JsonErrors.Error("ValidationException", "1 validation error detected: Value null at 'certificateArn' failed to satisfy constraint: Member must not be null");
        // botocore acm Arn: pattern arn:[\w+=/,.@-]+:acm:[\w+=/,.@-]*:[0-9]+:[\w+=,.@-]+(/[\w+=,.@-]+)*
        if (!System.Text.RegularExpressions.Regex.IsMatch(arn, @"^arn:[\w+=/,.@-]+:acm:[\w+=/,.@-]*:[0-9]+:[\w+=,.@-]+(/[\w+=,.@-]+)*$"))
            return JsonErrors.Error("InvalidArnException", $"String '{arn}' is not a valid ARN.");
        var cert = Find(arn);
        if (cert is null || cert.Region != region)
            return JsonErrors.Error("ResourceNotFoundException", $"Could not find certificate {arn}.");
        var detail = new JsonObject
        {
            ["CertificateArn"] = cert.Arn,
            ["DomainName"] = cert.DomainName,
            ["SubjectAlternativeNames"] = new JsonArray(cert.SubjectAlternativeNames.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()),
            ["Status"] = cert.Status,
            ["Type"] = "AMAZON_ISSUED",
            ["KeyAlgorithm"] = "RSA_2048",
            ["SignatureAlgorithm"] = "SHA256WITHRSA",
            ["CreatedAt"] = new DateTimeOffset(cert.CreatedAt).ToUnixTimeSeconds(),
            ["InUseBy"] = new JsonArray(),
            ["RenewalEligibility"] = "INELIGIBLE",
        };
        if (cert.Status == "ISSUED")
        {
            detail["IssuedAt"] = new DateTimeOffset(cert.CreatedAt).ToUnixTimeSeconds();
            detail["NotBefore"] = new DateTimeOffset(cert.CreatedAt).ToUnixTimeSeconds();
            detail["NotAfter"] = new DateTimeOffset(cert.CreatedAt.AddDays(395)).ToUnixTimeSeconds();
            detail["Issuer"] = "Amazon";
            detail["Subject"] = "CN=" + cert.DomainName;
        }
        return (200, new JsonObject { ["Certificate"] = detail }, null);
    }

    /// <summary>
    /// ListCertificates: the region's certificates with one of CertificateStatuses (all when none given), as
    /// CertificateSummary (ACM API reference, ListCertificates; MaxItems 1-1000, NextToken the next page's start).
    /// </summary>
    private (int Status, JsonObject Body, string? ErrorType) List(JsonNode? request, string region)
    {
        var statuses = (request?["CertificateStatuses"] as JsonArray)?.Select(n => n?.GetValue<string>()).OfType<string>().ToHashSet() ?? [];
        var max = request?["MaxItems"]?.GetValue<int>() ?? 1000;
        if (max is < 1 or > 1000)
            return JsonErrors.Error("ValidationException", $"1 validation error detected: Value '{max}' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000");
        var start = int.TryParse(request?["NextToken"]?.GetValue<string>(), out var t) ? t : 0;
        var matching = All().Where(c => c.Region == region && (statuses.Count == 0 || statuses.Contains(c.Status))).ToList();
        var page = matching.Skip(start).Take(max).Select(c => (JsonNode)new JsonObject
        {
            ["CertificateArn"] = c.Arn,
            ["DomainName"] = c.DomainName,
            ["SubjectAlternativeNameSummaries"] = new JsonArray(c.SubjectAlternativeNames.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()),
            ["Status"] = c.Status,
            ["Type"] = "AMAZON_ISSUED",
        }).ToArray();
        var body = new JsonObject { ["CertificateSummaryList"] = new JsonArray(page) };
        if (start + max < matching.Count) body["NextToken"] = (start + max).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return (200, body, null);
    }
}

/// <summary>JSON-protocol errors: the body's __type and message, the x-amzn-ErrorType header (botocore's JSON parser reads either).</summary>
internal static class JsonErrors
{
    public static (int, JsonObject, string?) Error(string type, string message, int status = 400)
        => (status, new JsonObject { ["__type"] = type, ["message"] = message }, type);

    /// <summary>An X-Amz-Target the service does not have: UnknownOperationException, as the JSON services answer it.</summary>
    public static (int, JsonObject, string?) Unknown(string prefix, string action)
        => Error("UnknownOperationException", $"The sandbox does not serve {prefix}.{action}.");
}
