using System.Text.RegularExpressions;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Engine.Ui;

/// <summary>The UI's domain and certificate, as a deploy will use them (given, or kept from the stack).</summary>
public sealed record UiSettings(string Domain, string CertificateArn);

/// <summary>
/// The Metaflow UI's settings, checked before anything is sent: EnableUI needs a domain and a certificate; the domain
/// is a DNS name; the certificate is an ACM ARN of the stack's own region and partition (an ALB listener takes a
/// certificate of its own region only: ELB User Guide, "SSL certificates for your Application Load Balancer").
/// </summary>
public static partial class UiRules
{
    // RFC 1035 labels (letters, digits, inner hyphens, up to 63), at least two of them, 253 characters in all.
    [GeneratedRegex(@"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex DomainPattern();

    // ACM's ARN: arn:<partition>:acm:<region>:<account>:certificate/<uuid> (ACM API reference, CertificateArn).
    [GeneratedRegex(@"^arn:(aws|aws-cn|aws-us-gov):acm:([a-z0-9-]+):(\d{12}):certificate/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    private static partial Regex CertificateArnPattern();

    /// <summary>The settings when the values turn the UI on; null when it is off.</summary>
    public static UiSettings? From(IReadOnlyDictionary<string, string> values)
        => values.GetValueOrDefault(MetaflowParameters.UiParameter) == "true"
            ? new UiSettings(values.GetValueOrDefault(MetaflowParameters.UiDomainParameter) ?? "", values.GetValueOrDefault(MetaflowParameters.UiCertificateParameter) ?? "")
            : null;

    /// <summary>A domain as the template takes it: trimmed, lowercase, without the root's trailing dot.</summary>
    public static string NormalizeDomain(string domain) => domain.Trim().TrimEnd('.').ToLowerInvariant();

    /// <summary>What is wrong with the UI's settings in these values, for a stack in that region; empty when nothing.</summary>
    public static IEnumerable<MetaflowException> Checks(IReadOnlyDictionary<string, string> values, string region)
    {
        var domain = values.GetValueOrDefault(MetaflowParameters.UiDomainParameter) ?? "";
        var certificate = values.GetValueOrDefault(MetaflowParameters.UiCertificateParameter) ?? "";
        if (domain.Length > 0 && !DomainPattern().IsMatch(domain))
            yield return new MetaflowException(ErrorIds.InvalidUiDomain,
                $"-UiDomainName '{domain}' is not a domain name the UI can have: give a lowercase DNS name of two or more labels (letters, digits and inner hyphens, " +
                "up to 63 characters each, 253 in all), such as metaflow.example.com; wildcards are not allowed.", ErrorKind.InvalidArgument, domain);
        if (certificate.Length > 0)
        {
            var m = CertificateArnPattern().Match(certificate);
            var partition = KnownRegions.PartitionOf(region);
            if (!m.Success)
                yield return new MetaflowException(ErrorIds.InvalidCertificateArn,
                    $"-CertificateArn '{certificate}' is not an ACM certificate ARN: it looks like arn:{partition}:acm:{region}:123456789012:certificate/<uuid> " +
                    $"(find yours with 'aws acm list-certificates --region {region}').", ErrorKind.InvalidArgument, certificate);
            else if (m.Groups[2].Value != region || m.Groups[1].Value != partition)
                yield return new MetaflowException(ErrorIds.InvalidCertificateArn,
                    $"-CertificateArn '{certificate}' is a certificate of {m.Groups[2].Value} ({m.Groups[1].Value}); the UI's load balancer in {region} can use only a certificate " +
                    $"of its own region: request or import one in {region} (ACM).", ErrorKind.InvalidArgument, certificate);
        }
        if (From(values) is { } ui && (ui.Domain.Length == 0 || ui.CertificateArn.Length == 0))
        {
            var missing = string.Join(" and ", new[] { ui.Domain.Length == 0 ? "-UiDomainName (PublicDomainName)" : null, ui.CertificateArn.Length == 0 ? "-CertificateArn" : null }.OfType<string>());
            yield return new MetaflowException(ErrorIds.UiSettingsIncomplete,
                $"-EnableUI needs {missing}: the UI is served at your domain name with an ACM certificate for it in {region}, " +
                "e.g. -EnableUI -UiDomainName metaflow.example.com -CertificateArn arn:aws:acm:...", ErrorKind.InvalidArgument, MetaflowParameters.UiParameter);
        }
    }

    /// <summary>Whether the certificate covers the domain: a name of it, or a wildcard one label deep (RFC 6125 6.4.3, as ACM issues them).</summary>
    public static bool Covers(CertificateInfo certificate, string domain)
        => certificate.Names.Select(n => n.ToLowerInvariant()).Any(name =>
            name == domain || (name.StartsWith("*.", StringComparison.Ordinal) && domain.IndexOf('.') is var dot and > 0 && domain[(dot + 1)..] == name[2..]));

    /// <summary>
    /// The read-only preflight of a deploy with the UI: the certificate exists, is ISSUED and covers the domain.
    /// Otherwise the listener would fail minutes into the deploy and roll the stack back.
    /// </summary>
    public static async Task CheckCertificateAsync(IUiAws aws, UiSettings ui, string region, CancellationToken ct)
    {
        var certificate = await aws.DescribeCertificateAsync(ui.CertificateArn, ct).ConfigureAwait(false)
            ?? throw new MetaflowException(ErrorIds.CertificateNotUsable,
                $"-CertificateArn '{ui.CertificateArn}' was not found in ACM in {region} for this account: request one for {ui.Domain} there, or give the ARN of an existing one.",
                ErrorKind.ObjectNotFound, ui.CertificateArn);
        if (certificate.Status != "ISSUED")
            throw new MetaflowException(ErrorIds.CertificateNotUsable,
                $"The certificate {ui.CertificateArn} is {certificate.Status}, not ISSUED: a load balancer can only use an issued certificate" +
                (certificate.Status == "PENDING_VALIDATION" ? " (finish its DNS or email validation in ACM first)." : "."), ErrorKind.InvalidData, ui.CertificateArn);
        if (!Covers(certificate, ui.Domain))
            throw new MetaflowException(ErrorIds.CertificateNotUsable,
                $"The certificate {ui.CertificateArn} is for {string.Join(", ", certificate.Names)}, not {ui.Domain}: " +
                "browsers would refuse the UI. Give a certificate that names the domain (or a wildcard one level above it).", ErrorKind.InvalidData, ui.CertificateArn);
    }
}
