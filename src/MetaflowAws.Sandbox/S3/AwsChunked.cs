using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MetaflowAws.Sandbox.Http;

namespace MetaflowAws.Sandbox.S3;

/// <summary>A body decoded from aws-chunked: the object's bytes and the trailing headers (x-amz-checksum-*).</summary>
public sealed record DecodedBody(byte[] Data, IReadOnlyDictionary<string, string> Trailers);

/// <summary>
/// Decodes SigV4 streaming uploads (Content-Encoding: aws-chunked), as the AWS SDKs send them:
/// STREAMING-AWS4-HMAC-SHA256-PAYLOAD (each chunk signed, chained from the seed signature),
/// the same with -TRAILER (a signed trailer carries the checksum), and
/// STREAMING-UNSIGNED-PAYLOAD-TRAILER (plain chunks, unsigned trailer).
/// </summary>
public static class AwsChunked
{
    public const string SignedPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    public const string SignedPayloadTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
    public const string UnsignedPayloadTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
    private static readonly string EmptyHash = Hex(SHA256.HashData([]));

    public static bool IsStreaming(string? contentSha256) => contentSha256 is SignedPayload or SignedPayloadTrailer or UnsignedPayloadTrailer;

    /// <summary>Decodes and verifies the chunk and trailer signatures; a bad body is an S3 error.</summary>
    public static DecodedBody Decode(byte[] body, string mode, StreamingSeed? seed)
    {
        var signed = mode != UnsignedPayloadTrailer;
        var trailer = mode != SignedPayload;
        if (signed && seed is null) throw Malformed("A streaming signed body needs a valid seed signature.");

        var data = new MemoryStream();
        var previous = seed?.Signature ?? "";
        var pos = 0;
        while (true)
        {
            var header = ReadLine(body, ref pos) ?? throw Incomplete();
            var parts = header.Split(';');
            if (!int.TryParse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size) || size < 0)
                throw Malformed($"Invalid chunk size '{parts[0]}'.");
            if (pos + size > body.Length) throw Incomplete();
            var chunk = body.AsSpan(pos, size);
            if (signed)
            {
                var sent = parts.Skip(1).Select(p => p.Split('=', 2)).FirstOrDefault(p => p[0] == "chunk-signature" && p.Length == 2)?[1]
                    ?? throw Malformed("A chunk is missing its chunk-signature.");
                var expected = Sign(seed!, "AWS4-HMAC-SHA256-PAYLOAD", previous, EmptyHash, Hex(SHA256.HashData(chunk)));
                if (!Same(expected, sent)) throw SignatureMismatch();
                previous = sent;
            }
            data.Write(chunk);
            pos += size;
            if (size == 0) break;
            if (ReadLine(body, ref pos) is not "") throw Malformed("A chunk's data is not followed by CRLF.");
        }

        var trailers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (!trailer)
        {
            // The final zero-length chunk ends with an empty line.
            if (ReadLine(body, ref pos) is not "") throw Malformed("The final chunk is not followed by CRLF.");
            return new DecodedBody(data.ToArray(), trailers);
        }

        var canonical = new StringBuilder();
        string? trailerSignature = null;
        while (ReadLine(body, ref pos) is { Length: > 0 } line)
        {
            var colon = line.IndexOf(':');
            if (colon <= 0) throw Malformed($"Invalid trailer '{line}'.");
            var (name, value) = (line[..colon].Trim().ToLowerInvariant(), line[(colon + 1)..].Trim());
            if (name == "x-amz-trailer-signature") { trailerSignature = value; continue; }
            trailers[name] = value;
            canonical.Append(name).Append(':').Append(value).Append('\n');
        }
        if (signed)
        {
            if (trailerSignature is null) throw Malformed("The trailer is missing x-amz-trailer-signature.");
            var expected = Sign(seed!, "AWS4-HMAC-SHA256-TRAILER", previous, Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString()))));
            if (!Same(expected, trailerSignature)) throw SignatureMismatch();
        }
        return new DecodedBody(data.ToArray(), trailers);
    }

    private static string Sign(StreamingSeed seed, string algorithm, string previous, params string[] hashes)
    {
        var toSign = string.Join('\n', new[] { algorithm, seed.AmzDate, seed.Scope, previous }.Concat(hashes));
        return Hex(HMACSHA256.HashData(seed.SigningKey, Encoding.UTF8.GetBytes(toSign)));
    }

    /// <summary>Reads up to CRLF; null at the end of the body.</summary>
    private static string? ReadLine(byte[] body, ref int pos)
    {
        if (pos >= body.Length) return null;
        var end = body.AsSpan(pos).IndexOf("\r\n"u8);
        if (end < 0) throw Incomplete();
        var line = Encoding.ASCII.GetString(body, pos, end);
        pos += end + 2;
        return line;
    }

    private static bool Same(string a, string b) => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    private static S3Error SignatureMismatch() => new(403, "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.");

    private static S3Error Incomplete() => new(400, "IncompleteBody", "The request body terminated unexpectedly");

    private static S3Error Malformed(string detail) => new(400, "InvalidRequest", "Invalid aws-chunked body: " + detail);

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
