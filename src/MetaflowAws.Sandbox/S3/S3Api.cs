using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using MetaflowAws.Sandbox.Http;

namespace MetaflowAws.Sandbox.S3;

/// <summary>An S3 request as it arrived: path-style target, query, headers, raw body, who signed it.</summary>
public sealed record S3Request(
    string Method, string RawPath, IReadOnlyDictionary<string, string> Query, IReadOnlyDictionary<string, string> Headers,
    byte[] Body, string Region, string Caller, StreamingSeed? Seed);

/// <summary>What the operation answers: status, headers, body (empty for HEAD and 204).</summary>
public sealed class S3Response
{
    public int Status { get; set; } = 200;
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);
    public byte[] Body { get; set; } = [];
    /// <summary>For HEAD: the length of what a GET would return.</summary>
    public long? ContentLength { get; set; }
}

/// <summary>Which S3 operation a request is, and on what.</summary>
public sealed record S3Route(string Action, string? Bucket, string? Key);

/// <summary>
/// S3's REST-XML API, path-style (http://host/bucket/key), over an <see cref="S3Store"/>: the
/// bucket configuration operations a staging bucket needs, objects with versions and delete
/// markers, listings with paging, batch delete. Shapes and error codes as S3 answers them.
/// </summary>
public sealed class S3Api(S3Store store)
{
    private static readonly XNamespace Ns = S3Store.Ns;
    private static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";

    /// <summary>Operations whose body S3 refuses without Content-MD5 or an x-amz-checksum-* value.</summary>
    private static readonly HashSet<string> ChecksumRequired =
    [
        "DeleteObjects", "PutBucketEncryption", "PutBucketLifecycleConfiguration", "PutBucketOwnershipControls",
        "PutBucketVersioning", "PutPublicAccessBlock",
    ];

    private static readonly HashSet<string> OtherSubresources =
    [
        "accelerate", "acl", "analytics", "attributes", "cors", "intelligent-tiering", "inventory", "legal-hold", "logging",
        "metrics", "notification", "object-lock", "partNumber", "policy", "policyStatus", "replication", "requestPayment",
        "restore", "retention", "select", "tagging", "torrent", "uploadId", "uploads", "website",
    ];

    public static S3Route Route(string method, string rawPath, IReadOnlyDictionary<string, string> query, IReadOnlyDictionary<string, string> headers)
    {
        var path = rawPath.TrimStart('/');
        var slash = path.IndexOf('/');
        var bucket = path.Length == 0 ? null : Uri.UnescapeDataString(slash < 0 ? path : path[..slash]);
        var key = slash < 0 || slash == path.Length - 1 ? null : Uri.UnescapeDataString(path[(slash + 1)..]);
        bool Has(string name) => query.ContainsKey(name);
        string? Sub(params string[] names) => names.FirstOrDefault(Has);

        if (bucket is null)
            return new S3Route(method == "GET" ? "ListBuckets" : "Unsupported", null, null);

        if (key is null)
        {
            var action = method switch
            {
                "PUT" => Sub("encryption", "publicAccessBlock", "lifecycle", "versioning", "ownershipControls") switch
                {
                    "encryption" => "PutBucketEncryption",
                    "publicAccessBlock" => "PutPublicAccessBlock",
                    "lifecycle" => "PutBucketLifecycleConfiguration",
                    "versioning" => "PutBucketVersioning",
                    "ownershipControls" => "PutBucketOwnershipControls",
                    _ => query.Keys.Any(OtherSubresources.Contains) ? "Unsupported" : "CreateBucket",
                },
                "GET" => Sub("location", "encryption", "publicAccessBlock", "lifecycle", "versioning", "ownershipControls", "acl", "versions") switch
                {
                    "location" => "GetBucketLocation",
                    "encryption" => "GetBucketEncryption",
                    "publicAccessBlock" => "GetPublicAccessBlock",
                    "lifecycle" => "GetBucketLifecycleConfiguration",
                    "versioning" => "GetBucketVersioning",
                    "ownershipControls" => "GetBucketOwnershipControls",
                    "acl" => "GetBucketAcl",
                    "versions" => "ListObjectVersions",
                    _ => query.Keys.Any(OtherSubresources.Contains) ? "Unsupported"
                        : query.GetValueOrDefault("list-type") == "2" ? "ListObjectsV2" : "ListObjects",
                },
                "HEAD" => "HeadBucket",
                "DELETE" => Sub("encryption", "lifecycle", "publicAccessBlock", "ownershipControls") switch
                {
                    "encryption" => "DeleteBucketEncryption",
                    "lifecycle" => "DeleteBucketLifecycle",
                    "publicAccessBlock" => "DeletePublicAccessBlock",
                    "ownershipControls" => "DeleteBucketOwnershipControls",
                    _ => query.Keys.Any(OtherSubresources.Contains) ? "Unsupported" : "DeleteBucket",
                },
                "POST" when Has("delete") => "DeleteObjects",
                _ => "Unsupported",
            };
            return new S3Route(action, bucket, null);
        }

        var objectAction = query.Keys.Any(OtherSubresources.Contains) ? "Unsupported" : method switch
        {
            "PUT" => headers.ContainsKey("x-amz-copy-source") ? "CopyObject" : "PutObject",
            "GET" => "GetObject",
            "HEAD" => "HeadObject",
            "DELETE" => "DeleteObject",
            _ => "Unsupported",
        };
        return new S3Route(objectAction, bucket, key);
    }

    public S3Response Handle(S3Request r, S3Route route)
    {
        var body = ReadBody(r, route.Action);
        var expected = r.Headers.GetValueOrDefault("x-amz-expected-bucket-owner");
        var name = route.Bucket!;
        Bucket Auth(bool ownerOnly) => store.Authorize(name, r.Caller, expected, ownerOnly);

        lock (store.Sync)
        {
            switch (route.Action)
            {
                case "ListBuckets":
                    return Xml(new XElement(Ns + "ListAllMyBucketsResult",
                        OwnerXml(r.Caller),
                        new XElement(Ns + "Buckets", store.All.Where(b => b.OwnerAccount == r.Caller).OrderBy(b => b.Name, StringComparer.Ordinal)
                            .Select(b => new XElement(Ns + "Bucket", new XElement(Ns + "Name", b.Name), new XElement(Ns + "CreationDate", Time(b.Created)),
                                new XElement(Ns + "BucketRegion", b.Region))))));
                case "CreateBucket":
                    return CreateBucket(r, name, body);
                case "HeadBucket":
                {
                    var b = Auth(ownerOnly: false);
                    var response = new S3Response();
                    response.Headers["x-amz-bucket-region"] = b.Region;
                    response.Headers["x-amz-access-point-alias"] = "false";
                    return response;
                }
                case "GetBucketLocation":
                {
                    var b = Auth(ownerOnly: true);
                    return Xml(new XElement(Ns + "LocationConstraint", b.LocationConstraint));
                }
                case "GetBucketAcl":
                {
                    var b = Auth(ownerOnly: true);
                    return Xml(new XElement(Ns + "AccessControlPolicy",
                        OwnerXml(b.OwnerAccount),
                        new XElement(Ns + "AccessControlList", new XElement(Ns + "Grant",
                            new XElement(Ns + "Grantee", new XAttribute(XNamespace.Xmlns + "xsi", Xsi), new XAttribute(Xsi + "type", "CanonicalUser"),
                                new XElement(Ns + "ID", S3Store.CanonicalId(b.OwnerAccount)), new XElement(Ns + "DisplayName", "account-" + b.OwnerAccount)),
                            new XElement(Ns + "Permission", "FULL_CONTROL")))));
                }
                case "PutBucketEncryption":
                {
                    var b = Auth(ownerOnly: true);
                    var doc = ParseXml(body, "ServerSideEncryptionConfiguration");
                    var rules = Children(doc, "Rule").ToList();
                    if (rules.Count == 0) throw S3Error.MalformedXml();
                    foreach (var rule in rules)
                        if (Text(Child(rule, "ApplyServerSideEncryptionByDefault"), "SSEAlgorithm") is not ("AES256" or "aws:kms" or "aws:kms:dsse"))
                            throw S3Error.MalformedXml();
                    b.Encryption = Normalize(doc);
                    return new S3Response();
                }
                case "GetBucketEncryption":
                    return Xml(Auth(ownerOnly: true).Encryption ?? S3Store.DefaultEncryption());
                case "DeleteBucketEncryption":
                    Auth(ownerOnly: true).Encryption = null; // S3 falls back to SSE-S3, which GET then shows
                    return new S3Response { Status = 204 };
                case "PutPublicAccessBlock":
                {
                    var b = Auth(ownerOnly: true);
                    var doc = ParseXml(body, "PublicAccessBlockConfiguration");
                    string Flag(string n) => Text(doc, n) is { } v ? (bool.TryParse(v, out var f) ? (f ? "true" : "false") : throw S3Error.MalformedXml()) : "false";
                    b.PublicAccessBlock = new XElement(Ns + "PublicAccessBlockConfiguration",
                        new[] { "BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets" }.Select(n => new XElement(Ns + n, Flag(n))));
                    return new S3Response();
                }
                case "GetPublicAccessBlock":
                    return Xml(Auth(ownerOnly: true).PublicAccessBlock
                        ?? throw new S3Error(404, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found") { BucketName = name });
                case "DeletePublicAccessBlock":
                    Auth(ownerOnly: true).PublicAccessBlock = null;
                    return new S3Response { Status = 204 };
                case "PutBucketLifecycleConfiguration":
                {
                    var b = Auth(ownerOnly: true);
                    var doc = ParseXml(body, "LifecycleConfiguration");
                    var rules = Children(doc, "Rule").ToList();
                    if (rules.Count is 0 or > 1000) throw S3Error.MalformedXml();
                    var ids = new HashSet<string>();
                    foreach (var rule in rules)
                    {
                        if (Text(rule, "Status") is not ("Enabled" or "Disabled")) throw S3Error.MalformedXml();
                        if (Text(rule, "ID") is { } id && (id.Length > 255 || !ids.Add(id)))
                            throw new S3Error(400, "InvalidArgument", "Rule ID must be unique and at most 255 characters long.") { BucketName = name };
                        if (Text(Child(rule, "Expiration"), "Days") is { } days && (!int.TryParse(days, out var d) || d <= 0))
                            throw new S3Error(400, "InvalidArgument", "'Days' for Expiration action must be a positive integer") { BucketName = name };
                        if (!rule.Elements().Any(e => e.Name.LocalName is "Expiration" or "Transition" or "NoncurrentVersionExpiration"
                                or "NoncurrentVersionTransition" or "AbortIncompleteMultipartUpload"))
                            throw new S3Error(400, "InvalidRequest", "At least one action needs to be specified in a rule") { BucketName = name };
                    }
                    b.Lifecycle = Normalize(doc);
                    return new S3Response();
                }
                case "GetBucketLifecycleConfiguration":
                    return Xml(Auth(ownerOnly: true).Lifecycle
                        ?? throw new S3Error(404, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist") { BucketName = name });
                case "DeleteBucketLifecycle":
                    Auth(ownerOnly: true).Lifecycle = null;
                    return new S3Response { Status = 204 };
                case "PutBucketVersioning":
                {
                    var b = Auth(ownerOnly: true);
                    var status = Text(ParseXml(body, "VersioningConfiguration"), "Status");
                    if (status is not ("Enabled" or "Suspended")) throw S3Error.MalformedXml();
                    if (status == "Suspended" && b.Versioning is null) return new S3Response(); // nothing to suspend: stays unversioned
                    b.Versioning = status;
                    return new S3Response();
                }
                case "GetBucketVersioning":
                {
                    var b = Auth(ownerOnly: true);
                    return Xml(new XElement(Ns + "VersioningConfiguration", b.Versioning is null ? null : new XElement(Ns + "Status", b.Versioning)));
                }
                case "PutBucketOwnershipControls":
                {
                    var b = Auth(ownerOnly: true);
                    var value = Text(Child(ParseXml(body, "OwnershipControls"), "Rule"), "ObjectOwnership");
                    if (value is not ("BucketOwnerEnforced" or "BucketOwnerPreferred" or "ObjectWriter")) throw S3Error.MalformedXml();
                    b.OwnershipControls = S3Store.Ownership(value);
                    return new S3Response();
                }
                case "GetBucketOwnershipControls":
                    return Xml(Auth(ownerOnly: true).OwnershipControls
                        ?? throw new S3Error(404, "OwnershipControlsNotFoundError", "The bucket ownership controls were not found") { BucketName = name });
                case "DeleteBucketOwnershipControls":
                    Auth(ownerOnly: true).OwnershipControls = null;
                    return new S3Response { Status = 204 };
                case "DeleteBucket":
                {
                    var b = Auth(ownerOnly: true);
                    if (b.Objects.Count > 0)
                        throw new S3Error(409, "BucketNotEmpty", "The bucket you tried to delete is not empty") { BucketName = name };
                    store.Remove(name);
                    return new S3Response { Status = 204 };
                }
                case "ListObjectsV2":
                    return ListObjectsV2(Auth(ownerOnly: false), r.Query);
                case "ListObjectVersions":
                    return ListObjectVersions(Auth(ownerOnly: false), r.Query);
                case "DeleteObjects":
                    return DeleteObjects(Auth(ownerOnly: false), body.Data);
                case "PutObject":
                    return PutObject(Auth(ownerOnly: false), route.Key!, r, body);
                case "GetObject":
                case "HeadObject":
                    return GetObject(Auth(ownerOnly: false), route.Key!, r, head: route.Action == "HeadObject");
                case "DeleteObject":
                {
                    var b = Auth(ownerOnly: false);
                    var (marker, versionId) = Delete(b, route.Key!, r.Query.GetValueOrDefault("versionId"));
                    var response = new S3Response { Status = 204 };
                    if (marker) response.Headers["x-amz-delete-marker"] = "true";
                    if (versionId is not null) response.Headers["x-amz-version-id"] = versionId;
                    return response;
                }
                default:
                    throw new S3Error(501, "NotImplemented", $"The sandbox does not implement this S3 operation ({r.Method} {r.RawPath}{(r.Query.Count == 0 ? "" : "?" + string.Join('&', r.Query.Keys))}).");
            }
        }
    }

    /// <summary>S3's error document: &lt;Error&gt; with Code, Message, the bucket or key, RequestId, HostId.</summary>
    public static byte[] ErrorXml(string code, string message, string requestId, string? bucket = null, string? key = null)
    {
        var error = new XElement("Error",
            new XElement("Code", code),
            new XElement("Message", message),
            bucket is null ? null : new XElement("BucketName", bucket),
            key is null ? null : new XElement("Key", key),
            new XElement("RequestId", requestId),
            new XElement("HostId", HostId(requestId)));
        return Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + error.ToString(SaveOptions.DisableFormatting));
    }

    /// <summary>The x-amz-id-2 S3 sends with every answer (here derived from the request id).</summary>
    public static string HostId(string requestId) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(requestId)));

    // ---- bodies: aws-chunked, checksums --------------------------------------------------------

    private static DecodedBody ReadBody(S3Request r, string action)
    {
        var mode = r.Headers.GetValueOrDefault("x-amz-content-sha256");
        DecodedBody body;
        if (AwsChunked.IsStreaming(mode))
        {
            body = AwsChunked.Decode(r.Body, mode!, r.Seed);
            if (r.Headers.GetValueOrDefault("x-amz-decoded-content-length") is { } declared &&
                (!long.TryParse(declared, out var n) || n != body.Data.Length))
                throw new S3Error(400, "IncompleteBody", "You did not provide the number of bytes specified by the x-amz-decoded-content-length header.");
            foreach (var name in (r.Headers.GetValueOrDefault("x-amz-trailer") ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                if (!body.Trailers.ContainsKey(name))
                    throw new S3Error(400, "MalformedTrailerError", $"The request contained trailing data that was not well-formed or did not conform to our published schema: {name} is missing.");
        }
        else
        {
            body = new DecodedBody(r.Body, new Dictionary<string, string>());
        }

        var sent = ChecksumsSent(r.Headers, body.Trailers);
        if (r.Headers.GetValueOrDefault("content-md5") is { } md5)
        {
            byte[] digest;
            try { digest = Convert.FromBase64String(md5); } catch (FormatException) { digest = []; }
            if (digest.Length != 16) throw new S3Error(400, "InvalidDigest", "The Content-MD5 you specified was invalid.");
            if (!digest.AsSpan().SequenceEqual(MD5.HashData(body.Data)))
                throw new S3Error(400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
        }
        foreach (var (algorithm, value) in sent)
            if (Checksums.Compute(algorithm, body.Data) is { } actual && actual != value)
                throw new S3Error(400, "BadDigest", $"The {Checksums.DisplayName(algorithm)} you specified did not match the calculated checksum.");
        if (r.Headers.GetValueOrDefault("x-amz-sdk-checksum-algorithm") is { } declaredAlgorithm &&
            !sent.Any(s => s.Algorithm.Equals(declaredAlgorithm, StringComparison.OrdinalIgnoreCase)))
            throw new S3Error(400, "InvalidRequest", "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.");
        if (ChecksumRequired.Contains(action) && sent.Count == 0 && !r.Headers.ContainsKey("content-md5"))
            throw new S3Error(400, "InvalidRequest", "Missing required header for this request: Content-MD5");
        return body;
    }

    /// <summary>The x-amz-checksum-&lt;algorithm&gt; values sent as headers or trailers.</summary>
    private static List<(string Algorithm, string Value)> ChecksumsSent(IReadOnlyDictionary<string, string> headers, IReadOnlyDictionary<string, string> trailers)
        => headers.Concat(trailers)
            .Where(h => h.Key.StartsWith("x-amz-checksum-", StringComparison.OrdinalIgnoreCase) && !h.Key.Equals("x-amz-checksum-type", StringComparison.OrdinalIgnoreCase)
                && !h.Key.Equals("x-amz-checksum-mode", StringComparison.OrdinalIgnoreCase))
            .Select(h => (h.Key["x-amz-checksum-".Length..].ToLowerInvariant(), h.Value))
            .ToList();

    // ---- buckets ----------------------------------------------------------------------------------

    private S3Response CreateBucket(S3Request r, string name, DecodedBody body)
    {
        if (!S3Store.IsValidBucketName(name))
            throw new S3Error(400, "InvalidBucketName", "The specified bucket is not valid.") { BucketName = name };
        string? constraint = null;
        if (body.Data.Length > 0)
            constraint = Text(ParseXml(body, "CreateBucketConfiguration"), "LocationConstraint") is { Length: > 0 } lc ? lc : null;
        // EU is S3's legacy name for eu-west-1 (the .NET SDK still sends it).
        var region = constraint == "EU" ? "eu-west-1" : constraint;
        if (r.Region == "us-east-1" && constraint == "us-east-1")
            throw new S3Error(400, "InvalidLocationConstraint", "The specified location-constraint is not valid") { BucketName = name };
        if (r.Region != "us-east-1" && region != r.Region)
            throw new S3Error(400, "IllegalLocationConstraintException",
                $"The {constraint ?? "unspecified"} location constraint is incompatible for the region specific endpoint this request was sent to.") { BucketName = name };

        if (store.Find(name) is { } existing)
        {
            if (existing.OwnerAccount != r.Caller)
                throw new S3Error(409, "BucketAlreadyExists",
                    "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.") { BucketName = name };
            // us-east-1 answers 200 to its owner re-creating a bucket (a legacy behaviour S3 keeps).
            if (existing.Region != "us-east-1")
                throw new S3Error(409, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.") { BucketName = name };
            return new S3Response { Headers = { ["Location"] = "/" + name } };
        }

        var ownership = r.Headers.GetValueOrDefault("x-amz-object-ownership") ?? "BucketOwnerEnforced";
        if (ownership is not ("BucketOwnerEnforced" or "BucketOwnerPreferred" or "ObjectWriter"))
            throw new S3Error(400, "InvalidArgument", $"Invalid x-amz-object-ownership header: {ownership}") { BucketName = name };
        if (ownership == "BucketOwnerEnforced" && r.Headers.GetValueOrDefault("x-amz-acl") is { } acl && acl != "private" && acl != "bucket-owner-full-control")
            throw new S3Error(400, "InvalidBucketAclWithObjectOwnership", "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting") { BucketName = name };
        store.Add(name, region ?? "us-east-1", r.Caller, objectOwnership: ownership, locationConstraint: constraint);
        return new S3Response { Headers = { ["Location"] = "/" + name } };
    }

    // ---- objects ----------------------------------------------------------------------------------

    private static S3Response PutObject(Bucket b, string key, S3Request r, DecodedBody body)
    {
        if (key.Length > 1024) throw new S3Error(400, "KeyTooLongError", "Your key is too long") { BucketName = b.Name, Key = key };
        var current = Latest(b, key);
        if (r.Headers.GetValueOrDefault("if-none-match") == "*" && current is { IsDeleteMarker: false })
            throw new S3Error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold") { BucketName = b.Name, Key = key };

        var sent = ChecksumsSent(r.Headers, body.Trailers);
        var encoding = string.Join(',', (r.Headers.GetValueOrDefault("content-encoding") ?? "")
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Where(e => e != "aws-chunked"));
        var sse = r.Headers.GetValueOrDefault("x-amz-server-side-encryption") ?? "AES256";
        var version = new ObjectVersion
        {
            Key = key,
            VersionId = b.Versioning == "Enabled" ? NewVersionId() : "null",
            Data = body.Data,
            ETag = "\"" + Convert.ToHexString(MD5.HashData(body.Data)).ToLowerInvariant() + "\"",
            LastModified = DateTime.UtcNow,
            ContentType = r.Headers.GetValueOrDefault("content-type") ?? "binary/octet-stream",
            ContentEncoding = encoding.Length == 0 ? null : encoding,
            Metadata = r.Headers.Where(h => h.Key.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase))
                .ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value),
            Checksum = sent.Count > 0 ? sent[0] : null,
            ServerSideEncryption = sse,
        };
        AddVersion(b, version);

        var response = new S3Response();
        response.Headers["ETag"] = version.ETag;
        response.Headers["x-amz-server-side-encryption"] = sse;
        if (b.Versioning == "Enabled") response.Headers["x-amz-version-id"] = version.VersionId;
        if (version.Checksum is { } c)
        {
            response.Headers["x-amz-checksum-" + c.Algorithm] = c.Value;
            response.Headers["x-amz-checksum-type"] = "FULL_OBJECT";
        }
        return response;
    }

    private static S3Response GetObject(Bucket b, string key, S3Request r, bool head)
    {
        var versionId = r.Query.GetValueOrDefault("versionId");
        var versions = b.Objects.GetValueOrDefault(key);
        ObjectVersion? v;
        if (versionId is null)
        {
            v = versions?[^1];
            if (v is null) throw S3Error.NoSuchKey(b.Name, key);
            if (v.IsDeleteMarker)
            {
                var e = S3Error.NoSuchKey(b.Name, key);
                e.Headers["x-amz-delete-marker"] = "true";
                e.Headers["x-amz-version-id"] = v.VersionId;
                throw e;
            }
        }
        else
        {
            v = versions?.FirstOrDefault(x => x.VersionId == versionId)
                ?? throw new S3Error(404, "NoSuchVersion", "The specified version does not exist.") { BucketName = b.Name, Key = key };
            if (v.IsDeleteMarker)
            {
                var e = new S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.") { BucketName = b.Name, Key = key };
                e.Headers["x-amz-delete-marker"] = "true";
                e.Headers["x-amz-version-id"] = v.VersionId;
                e.Headers["Allow"] = "DELETE";
                throw e;
            }
        }

        var response = new S3Response();
        var data = v.Data;
        if (r.Headers.GetValueOrDefault("range") is { } range && ParseRange(range, data.Length) is var (from, to))
        {
            if (from > to || from >= data.Length)
                throw new S3Error(416, "InvalidRange", "The requested range is not satisfiable") { BucketName = b.Name, Key = key };
            response.Status = 206;
            response.Headers["Content-Range"] = $"bytes {from}-{to}/{data.Length}";
            data = data[(int)from..(int)(to + 1)];
        }
        response.Headers["ETag"] = v.ETag;
        response.Headers["Last-Modified"] = v.LastModified.ToString("R", CultureInfo.InvariantCulture);
        response.Headers["Content-Type"] = v.ContentType;
        response.Headers["Accept-Ranges"] = "bytes";
        if (v.ContentEncoding is not null) response.Headers["Content-Encoding"] = v.ContentEncoding;
        if (v.ServerSideEncryption is not null) response.Headers["x-amz-server-side-encryption"] = v.ServerSideEncryption;
        if (b.Versioning is not null) response.Headers["x-amz-version-id"] = v.VersionId;
        foreach (var (k, value) in v.Metadata) response.Headers[k] = value;
        if (v.Checksum is { } c && response.Status == 200 &&
            string.Equals(r.Headers.GetValueOrDefault("x-amz-checksum-mode"), "ENABLED", StringComparison.OrdinalIgnoreCase))
        {
            response.Headers["x-amz-checksum-" + c.Algorithm] = c.Value;
            response.Headers["x-amz-checksum-type"] = "FULL_OBJECT";
        }
        response.ContentLength = data.Length;
        response.Body = head ? [] : data;
        return response;
    }

    private static (long From, long To)? ParseRange(string header, long length)
    {
        if (!header.StartsWith("bytes=", StringComparison.Ordinal) || header.Contains(',')) return null;
        var spec = header[6..].Split('-', 2);
        if (spec.Length != 2) return null;
        if (spec[0].Length == 0)
            return long.TryParse(spec[1], out var suffix) ? (Math.Max(0, length - suffix), length - 1) : null;
        if (!long.TryParse(spec[0], out var from)) return null;
        var to = spec[1].Length == 0 ? length - 1 : long.TryParse(spec[1], out var t) ? Math.Min(t, length - 1) : -1;
        return to < 0 ? null : (from, to);
    }

    private static S3Response DeleteObjects(Bucket b, byte[] body)
    {
        var doc = ParseXml(new DecodedBody(body, new Dictionary<string, string>()), "Delete");
        var quiet = string.Equals(Text(doc, "Quiet"), "true", StringComparison.OrdinalIgnoreCase);
        var objects = Children(doc, "Object").ToList();
        if (objects.Count is 0 or > 1000) throw S3Error.MalformedXml();
        var result = new XElement(Ns + "DeleteResult");
        foreach (var o in objects)
        {
            var key = Text(o, "Key") ?? throw S3Error.MalformedXml();
            var versionId = Text(o, "VersionId");
            var (marker, resultVersion) = Delete(b, key, versionId);
            if (quiet) continue;
            result.Add(new XElement(Ns + "Deleted",
                new XElement(Ns + "Key", key),
                versionId is null ? null : new XElement(Ns + "VersionId", versionId),
                marker ? new XElement(Ns + "DeleteMarker", "true") : null,
                marker ? new XElement(Ns + "DeleteMarkerVersionId", resultVersion) : null));
        }
        return Xml(result);
    }

    /// <summary>
    /// Deletes as S3 does: a version id removes that version for good; without one an
    /// unversioned bucket drops the key, a versioned one stacks a delete marker on it.
    /// </summary>
    private static (bool DeleteMarker, string? VersionId) Delete(Bucket b, string key, string? versionId)
    {
        var versions = b.Objects.GetValueOrDefault(key);
        if (versionId is not null)
        {
            var v = versions?.FirstOrDefault(x => x.VersionId == versionId);
            if (v is null) return (false, versionId);
            versions!.Remove(v);
            if (versions.Count == 0) b.Objects.Remove(key);
            return (v.IsDeleteMarker, versionId);
        }
        if (b.Versioning is null)
        {
            b.Objects.Remove(key);
            return (false, null);
        }
        var marker = new ObjectVersion { Key = key, VersionId = b.Versioning == "Enabled" ? NewVersionId() : "null", IsDeleteMarker = true };
        AddVersion(b, marker);
        return (true, marker.VersionId);
    }

    private static void AddVersion(Bucket b, ObjectVersion version)
    {
        if (!b.Objects.TryGetValue(version.Key, out var versions)) b.Objects[version.Key] = versions = [];
        if (b.Versioning != "Enabled")
        {
            // Unversioned and suspended buckets hold at most one "null" version per key.
            versions.RemoveAll(v => v.VersionId == "null");
        }
        versions.Add(version);
    }

    private static ObjectVersion? Latest(Bucket b, string key) => b.Objects.GetValueOrDefault(key) is { Count: > 0 } v ? v[^1] : null;

    private static string NewVersionId()
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";
        return string.Create(32, 0, (span, _) =>
        {
            Span<byte> random = stackalloc byte[32];
            RandomNumberGenerator.Fill(random);
            for (var i = 0; i < span.Length; i++) span[i] = Alphabet[random[i] % Alphabet.Length];
        });
    }

    // ---- listings ---------------------------------------------------------------------------------

    private static int MaxKeys(IReadOnlyDictionary<string, string> q)
    {
        if (q.GetValueOrDefault("max-keys") is not { } text) return 1000;
        if (!int.TryParse(text, out var n) || n < 0)
            throw new S3Error(400, "InvalidArgument", "Provided max-keys not an integer or within integer range");
        return Math.Min(n, 1000);
    }

    /// <summary>A key or, with a delimiter, the common prefix that rolls it up.</summary>
    private static IEnumerable<(string Name, bool IsPrefix)> Walk(IEnumerable<string> keys, string prefix, string? delimiter)
    {
        string? lastPrefix = null;
        foreach (var key in keys)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            if (!string.IsNullOrEmpty(delimiter))
            {
                var i = key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
                if (i >= 0)
                {
                    var common = key[..(i + delimiter.Length)];
                    if (common != lastPrefix) yield return (lastPrefix = common, true);
                    continue;
                }
            }
            yield return (key, false);
        }
    }

    /// <summary>Whether a listing resuming after <paramref name="marker"/> skips <paramref name="name"/>.</summary>
    private static bool Before(string name, string? marker, string? delimiter)
        => marker is not null && (string.CompareOrdinal(name, marker) <= 0
            || (!string.IsNullOrEmpty(delimiter) && marker.EndsWith(delimiter, StringComparison.Ordinal) && name.StartsWith(marker, StringComparison.Ordinal)));

    private static S3Response ListObjectsV2(Bucket b, IReadOnlyDictionary<string, string> q)
    {
        var prefix = q.GetValueOrDefault("prefix") ?? "";
        var delimiter = q.GetValueOrDefault("delimiter");
        var max = MaxKeys(q);
        var url = q.GetValueOrDefault("encoding-type") == "url";
        var token = q.GetValueOrDefault("continuation-token");
        var startAfter = q.GetValueOrDefault("start-after");
        string? resume;
        try { resume = token is null ? startAfter : Encoding.UTF8.GetString(Convert.FromBase64String(token)); }
        catch (FormatException) { throw new S3Error(400, "InvalidArgument", "The continuation token provided is incorrect"); }
        var fetchOwner = q.GetValueOrDefault("fetch-owner") == "true";
        string E(string s) => url ? Uri.EscapeDataString(s) : s;

        var live = b.Objects.Where(o => !o.Value[^1].IsDeleteMarker).Select(o => o.Key);
        var items = Walk(live, prefix, delimiter).Where(i => !Before(i.Name, resume, delimiter)).Take(max + 1).ToList();
        var truncated = items.Count > max;
        if (truncated) items.RemoveAt(items.Count - 1);

        var result = new XElement(Ns + "ListBucketResult",
            new XElement(Ns + "Name", b.Name),
            new XElement(Ns + "Prefix", E(prefix)),
            string.IsNullOrEmpty(delimiter) ? null : new XElement(Ns + "Delimiter", E(delimiter)),
            new XElement(Ns + "MaxKeys", max),
            new XElement(Ns + "KeyCount", items.Count),
            new XElement(Ns + "IsTruncated", truncated ? "true" : "false"),
            token is null ? null : new XElement(Ns + "ContinuationToken", token),
            truncated ? new XElement(Ns + "NextContinuationToken", Convert.ToBase64String(Encoding.UTF8.GetBytes(items[^1].Name))) : null,
            startAfter is null ? null : new XElement(Ns + "StartAfter", E(startAfter)),
            url ? new XElement(Ns + "EncodingType", "url") : null);
        foreach (var (name, isPrefix) in items)
        {
            if (isPrefix) { result.Add(new XElement(Ns + "CommonPrefixes", new XElement(Ns + "Prefix", E(name)))); continue; }
            var v = b.Objects[name][^1];
            result.Add(new XElement(Ns + "Contents",
                new XElement(Ns + "Key", E(name)),
                new XElement(Ns + "LastModified", Time(v.LastModified)),
                new XElement(Ns + "ETag", v.ETag),
                v.Checksum is { } c ? new XElement(Ns + "ChecksumAlgorithm", Checksums.DisplayName(c.Algorithm)) : null,
                v.Checksum is not null ? new XElement(Ns + "ChecksumType", "FULL_OBJECT") : null,
                new XElement(Ns + "Size", v.Data.Length),
                fetchOwner ? OwnerXml(b.OwnerAccount) : null,
                new XElement(Ns + "StorageClass", "STANDARD")));
        }
        return Xml(result);
    }

    private static S3Response ListObjectVersions(Bucket b, IReadOnlyDictionary<string, string> q)
    {
        var prefix = q.GetValueOrDefault("prefix") ?? "";
        var delimiter = q.GetValueOrDefault("delimiter");
        var max = MaxKeys(q);
        var url = q.GetValueOrDefault("encoding-type") == "url";
        var keyMarker = q.GetValueOrDefault("key-marker") is { Length: > 0 } km ? km : null;
        var versionMarker = q.GetValueOrDefault("version-id-marker") is { Length: > 0 } vm ? vm : null;
        if (versionMarker is not null && keyMarker is null)
            throw new S3Error(400, "InvalidArgument", "A version-id marker cannot be specified without a key marker.");
        string E(string s) => url ? Uri.EscapeDataString(s) : s;

        // Keys ascending, each key's versions newest first; resume after (key-marker, version-id-marker).
        IEnumerable<(string Name, ObjectVersion? Version, bool IsLatest)> All()
        {
            foreach (var (name, isPrefix) in Walk(b.Objects.Keys, prefix, delimiter))
            {
                if (isPrefix)
                {
                    if (!Before(name, keyMarker, delimiter)) yield return (name, null, false);
                    continue;
                }
                var versions = b.Objects[name];
                var newestFirst = Enumerable.Range(0, versions.Count).Reverse().Select(i => versions[i]).ToList();
                if (keyMarker is not null && name == keyMarker && versionMarker is not null)
                {
                    var at = newestFirst.FindIndex(v => v.VersionId == versionMarker);
                    if (at < 0) throw new S3Error(400, "InvalidArgument", "Invalid version id specified");
                    for (var i = at + 1; i < newestFirst.Count; i++) yield return (name, newestFirst[i], i == 0);
                    continue;
                }
                if (Before(name, keyMarker, delimiter)) continue;
                for (var i = 0; i < newestFirst.Count; i++) yield return (name, newestFirst[i], i == 0);
            }
        }

        var items = All().Take(max + 1).ToList();
        var truncated = items.Count > max;
        if (truncated) items.RemoveAt(items.Count - 1);
        var last = items.Count > 0 ? items[^1] : default;

        var result = new XElement(Ns + "ListVersionsResult",
            new XElement(Ns + "Name", b.Name),
            new XElement(Ns + "Prefix", E(prefix)),
            new XElement(Ns + "KeyMarker", E(keyMarker ?? "")),
            new XElement(Ns + "VersionIdMarker", versionMarker ?? ""),
            truncated ? new XElement(Ns + "NextKeyMarker", E(last.Name)) : null,
            truncated && last.Version is not null ? new XElement(Ns + "NextVersionIdMarker", last.Version.VersionId) : null,
            new XElement(Ns + "MaxKeys", max),
            string.IsNullOrEmpty(delimiter) ? null : new XElement(Ns + "Delimiter", E(delimiter)),
            new XElement(Ns + "IsTruncated", truncated ? "true" : "false"),
            url ? new XElement(Ns + "EncodingType", "url") : null);
        foreach (var (name, v, isLatest) in items)
        {
            if (v is null) { result.Add(new XElement(Ns + "CommonPrefixes", new XElement(Ns + "Prefix", E(name)))); continue; }
            result.Add(v.IsDeleteMarker
                ? new XElement(Ns + "DeleteMarker",
                    new XElement(Ns + "Key", E(name)), new XElement(Ns + "VersionId", v.VersionId),
                    new XElement(Ns + "IsLatest", isLatest ? "true" : "false"), new XElement(Ns + "LastModified", Time(v.LastModified)),
                    OwnerXml(b.OwnerAccount))
                : new XElement(Ns + "Version",
                    new XElement(Ns + "Key", E(name)), new XElement(Ns + "VersionId", v.VersionId),
                    new XElement(Ns + "IsLatest", isLatest ? "true" : "false"), new XElement(Ns + "LastModified", Time(v.LastModified)),
                    new XElement(Ns + "ETag", v.ETag), new XElement(Ns + "Size", v.Data.Length),
                    v.Checksum is { } c ? new XElement(Ns + "ChecksumAlgorithm", Checksums.DisplayName(c.Algorithm)) : null,
                    new XElement(Ns + "StorageClass", "STANDARD"),
                    OwnerXml(b.OwnerAccount)));
        }
        return Xml(result);
    }

    // ---- XML helpers ------------------------------------------------------------------------------

    private static XElement OwnerXml(string account)
        => new(Ns + "Owner", new XElement(Ns + "ID", S3Store.CanonicalId(account)), new XElement(Ns + "DisplayName", "account-" + account));

    private static string Time(DateTime t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static S3Response Xml(XElement root)
    {
        var response = new S3Response
        {
            Body = Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + root.ToString(SaveOptions.DisableFormatting)),
        };
        response.Headers["Content-Type"] = "application/xml";
        return response;
    }

    /// <summary>The request's XML document, whose root must be <paramref name="root"/> (with or without S3's namespace).</summary>
    private static XElement ParseXml(DecodedBody body, string root)
    {
        XElement doc;
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(body.Data), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit });
            doc = XElement.Load(reader);
        }
        catch (XmlException)
        {
            throw S3Error.MalformedXml();
        }
        if (doc.Name.LocalName != root) throw S3Error.MalformedXml();
        return doc;
    }

    /// <summary>A copy of a client's document in S3's namespace, as S3 returns stored configuration.</summary>
    private static XElement Normalize(XElement e)
        => new(Ns + e.Name.LocalName, e.Elements().Any() ? e.Elements().Select(Normalize) : e.Value);

    private static XElement? Child(XElement? parent, string name) => parent?.Elements().FirstOrDefault(e => e.Name.LocalName == name);

    private static IEnumerable<XElement> Children(XElement parent, string name) => parent.Elements().Where(e => e.Name.LocalName == name);

    private static string? Text(XElement? parent, string name) => Child(parent, name)?.Value;
}
