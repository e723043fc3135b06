using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MetaflowAws.Sandbox.Http;

/// <summary>What a request carried, as the verifier needs it.</summary>
public sealed record SignedRequest(string Method, string RawPath, string RawQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>The outcome: who signed (key id, service, region) or why the signature was rejected.</summary>
public sealed record SignatureCheck(bool Valid, string? AccessKeyId, string? Service, string? Region, string? ErrorCode, string? Message)
{
    /// <summary>What a streaming (aws-chunked) body's chunk signatures chain from; set when the signature is valid.</summary>
    public StreamingSeed? Seed { get; init; }
}

/// <summary>The seed of SigV4 chunk signing: the derived key, the request's signature, its time and scope.</summary>
public sealed record StreamingSeed(byte[] SigningKey, string Signature, string AmzDate, string Scope);

/// <summary>
/// Verifies AWS Signature Version 4 (header form) independently of the AWS SDK: rebuilds the
/// canonical request from what arrived on the wire and compares signatures.
/// </summary>
public sealed class SigV4Verifier
{
    private readonly Func<string, (string Secret, string? SessionToken)?> _lookup;

    private readonly Func<string, bool> _expired;

    public SigV4Verifier(Func<string, (string Secret, string? SessionToken)?> lookupSecret, Func<string, bool>? isExpired = null)
    {
        _lookup = lookupSecret;
        _expired = isExpired ?? (_ => false);
    }

    public TimeSpan AllowedSkew { get; init; } = TimeSpan.FromMinutes(15);

    public SignatureCheck Verify(SignedRequest request)
    {
        if (!request.Headers.TryGetValue("authorization", out var auth) || string.IsNullOrWhiteSpace(auth))
            return Fail("MissingAuthenticationToken", "Request is missing Authentication Token");
        if (!auth.StartsWith("AWS4-HMAC-SHA256 ", StringComparison.Ordinal))
            return Fail("IncompleteSignature", "Only AWS4-HMAC-SHA256 signatures are accepted.");

        var fields = auth["AWS4-HMAC-SHA256 ".Length..].Split(',', StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!fields.TryGetValue("Credential", out var credential) || !fields.TryGetValue("SignedHeaders", out var signedHeaders) || !fields.TryGetValue("Signature", out var signature))
            return Fail("IncompleteSignature", "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.");
        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request")
            return Fail("IncompleteSignature", $"Credential should be scoped to a valid region, not '{credential}'.");
        var (keyId, date, region, service) = (scope[0], scope[1], scope[2], scope[3]);

        var secret = _lookup(keyId);
        if (secret is null && _expired(keyId))
            return new SignatureCheck(false, keyId, service, region, "ExpiredToken", "The security token included in the request is expired");
        if (secret is null)
            return new SignatureCheck(false, keyId, service, region, "InvalidClientTokenId", "The security token included in the request is invalid.");

        if (!request.Headers.TryGetValue("x-amz-date", out var amzDate))
            return Fail("IncompleteSignature", "Authorization requires the X-Amz-Date header.");
        if (!DateTime.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var signedAt))
            return Fail("IncompleteSignature", $"X-Amz-Date '{amzDate}' is not in the form yyyyMMddTHHmmssZ.");
        if ((DateTime.UtcNow - signedAt).Duration() > AllowedSkew)
            return new SignatureCheck(false, keyId, service, region, "SignatureDoesNotMatch", $"Signature expired: {amzDate} is now earlier or later than allowed.");
        if (!amzDate.StartsWith(date, StringComparison.Ordinal))
            return new SignatureCheck(false, keyId, service, region, "SignatureDoesNotMatch", "Credential date does not match X-Amz-Date.");

        var names = signedHeaders.Split(';');
        if (!names.Contains("host"))
            return Fail("SignatureDoesNotMatch", "The host header must be signed.");
        if (secret.Value.SessionToken is { } token &&
            (!request.Headers.TryGetValue("x-amz-security-token", out var sent) || sent != token))
            return new SignatureCheck(false, keyId, service, region, "InvalidClientTokenId", "The security token included in the request is invalid.");

        var canonicalHeaders = new StringBuilder();
        foreach (var name in names)
        {
            request.Headers.TryGetValue(name, out var value);
            canonicalHeaders.Append(name).Append(':').Append(CollapseSpaces(value ?? "")).Append('\n');
        }
        var payloadHash = request.Headers.TryGetValue("x-amz-content-sha256", out var declared) && declared.Length > 0
            ? declared
            : Hex(SHA256.HashData(request.Body));
        if (declared is { Length: 64 } && declared != Hex(SHA256.HashData(request.Body)))
            return new SignatureCheck(false, keyId, service, region, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");

        var canonicalRequest = string.Join('\n',
            request.Method,
            CanonicalPath(request.RawPath, service != "s3"),
            CanonicalQuery(request.RawQuery),
            canonicalHeaders.ToString(),
            signedHeaders,
            payloadHash);
        var credentialScope = $"{date}/{region}/{service}/aws4_request";
        var stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{credentialScope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        var key = Hmac(Hmac(Hmac(Hmac(Encoding.UTF8.GetBytes("AWS4" + secret.Value.Secret), date), region), service), "aws4_request");
        var expected = Hex(Hmac(key, stringToSign));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)))
            return new SignatureCheck(false, keyId, service, region, "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
        return new SignatureCheck(true, keyId, service, region, null, null) { Seed = new StreamingSeed(key, signature, amzDate, credentialScope) };

        static SignatureCheck Fail(string code, string message) => new(false, null, null, null, code, message);
    }

    /// <summary>Reads the service from an Authorization header without verifying it (to shape error responses).</summary>
    public static string? ServiceOf(string? authorization)
    {
        var i = authorization?.IndexOf("Credential=", StringComparison.Ordinal) ?? -1;
        if (i < 0) return null;
        var scope = authorization![(i + 11)..].Split(',')[0].Split('/');
        return scope.Length == 5 ? scope[3] : null;
    }

    private static string CollapseSpaces(string value)
        => string.Join(' ', value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries));

    private static string CanonicalPath(string rawPath, bool doubleEncode)
    {
        if (string.IsNullOrEmpty(rawPath)) return "/";
        if (!doubleEncode) return rawPath;
        return string.Join('/', rawPath.Split('/').Select(Encode));
    }

    private static string CanonicalQuery(string rawQuery)
    {
        if (string.IsNullOrEmpty(rawQuery)) return "";
        var q = rawQuery.TrimStart('?');
        return string.Join('&', q.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => (K: Encode(Uri.UnescapeDataString(p[0])), V: Encode(Uri.UnescapeDataString(p.Length > 1 ? p[1].Replace('+', ' ') : ""))))
            .OrderBy(p => p.K, StringComparer.Ordinal).ThenBy(p => p.V, StringComparer.Ordinal)
            .Select(p => p.K + "=" + p.V));
    }

    /// <summary>RFC 3986 encoding: everything but unreserved characters, uppercase hex.</summary>
    public static string Encode(string value)
    {
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~') sb.Append(c);
            else sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
