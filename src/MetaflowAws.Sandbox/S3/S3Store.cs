using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace MetaflowAws.Sandbox.S3;

/// <summary>An S3 error as S3 answers it: HTTP status, code, message, and the bucket/key it concerns.</summary>
public sealed class S3Error(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public string? BucketName { get; init; }
    public string? Key { get; init; }
    /// <summary>Extra response headers (e.g. x-amz-delete-marker on a GET of a deleted key).</summary>
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public static S3Error AccessDenied(string? bucket = null) => new(403, "AccessDenied", "Access Denied") { BucketName = bucket };

    public static S3Error NoSuchBucket(string bucket) => new(404, "NoSuchBucket", "The specified bucket does not exist") { BucketName = bucket };

    public static S3Error NoSuchKey(string bucket, string key) => new(404, "NoSuchKey", "The specified key does not exist.") { BucketName = bucket, Key = key };

    public static S3Error MalformedXml() => new(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
}

/// <summary>One version of an object, or a delete marker.</summary>
public sealed class ObjectVersion
{
    public required string Key { get; init; }
    public required string VersionId { get; init; }
    public bool IsDeleteMarker { get; init; }
    public byte[] Data { get; init; } = [];
    public string ETag { get; init; } = "";
    public DateTime LastModified { get; init; } = DateTime.UtcNow;
    public string ContentType { get; init; } = "binary/octet-stream";
    public string? ContentEncoding { get; init; }
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
    /// <summary>The checksum the client sent (algorithm, base64 value), returned when asked for.</summary>
    public (string Algorithm, string Value)? Checksum { get; init; }
    public string? ServerSideEncryption { get; init; }
}

/// <summary>A bucket with its configuration and every version of every key, oldest first per key.</summary>
public sealed class Bucket
{
    public required string Name { get; init; }
    public required string Region { get; init; }
    /// <summary>The LocationConstraint as the creator sent it (EU for eu-west-1 is kept), which GetBucketLocation returns.</summary>
    public string? LocationConstraint { get; init; }
    public required string OwnerAccount { get; init; }
    /// <summary>For a bucket of another account: whether its policy lets the sandbox's account in.</summary>
    public bool GrantsOthers { get; init; }
    public DateTime Created { get; init; } = DateTime.UtcNow;
    /// <summary>null (never enabled), Enabled or Suspended.</summary>
    public string? Versioning { get; set; }
    public XElement? Encryption { get; set; }
    public XElement? PublicAccessBlock { get; set; }
    public XElement? Lifecycle { get; set; }
    public XElement? OwnershipControls { get; set; }
    public SortedDictionary<string, List<ObjectVersion>> Objects { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The sandbox's S3 state: buckets (one global namespace, as in S3), their owners and versions.
/// One lock guards it all; the sandbox serves a handful of clients.
/// </summary>
public sealed class S3Store
{
    public const string ForeignAccount = "111122223333";
    public static readonly XNamespace Ns = "http://s3.amazonaws.com/doc/2006-03-01/";
    private static readonly Regex BucketNamePattern = new("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", RegexOptions.Compiled);
    private static readonly Regex IpLike = new(@"^\d+\.\d+\.\d+\.\d+$", RegexOptions.Compiled);
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    public object Sync { get; } = new();

    /// <summary>The canonical user id S3 shows for an account (ours: derived from the account id).</summary>
    public static string CanonicalId(string account) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes("canonical:" + account))).ToLowerInvariant();

    public static bool IsValidBucketName(string name)
        => BucketNamePattern.IsMatch(name) && !name.Contains("..", StringComparison.Ordinal) && !IpLike.IsMatch(name)
           && !name.StartsWith("xn--", StringComparison.Ordinal) && !name.StartsWith("sthree-", StringComparison.Ordinal)
           && !name.EndsWith("-s3alias", StringComparison.Ordinal) && !name.EndsWith("--ol-s3", StringComparison.Ordinal);

    public IReadOnlyList<Bucket> All { get { lock (Sync) return _buckets.Values.ToList(); } }

    public Bucket? Find(string name) { lock (Sync) return _buckets.GetValueOrDefault(name); }

    /// <summary>Creates a bucket with the settings S3 gives every new bucket since 2023: SSE-S3, public access blocked, ACLs disabled.</summary>
    public Bucket Add(string name, string region, string owner, bool grantsOthers = false, string objectOwnership = "BucketOwnerEnforced", string? locationConstraint = null)
    {
        var bucket = new Bucket
        {
            Name = name,
            Region = region,
            LocationConstraint = locationConstraint ?? (region == "us-east-1" ? null : region),
            OwnerAccount = owner,
            GrantsOthers = grantsOthers,
            Encryption = DefaultEncryption(),
            PublicAccessBlock = new XElement(Ns + "PublicAccessBlockConfiguration",
                new XElement(Ns + "BlockPublicAcls", "true"), new XElement(Ns + "IgnorePublicAcls", "true"),
                new XElement(Ns + "BlockPublicPolicy", "true"), new XElement(Ns + "RestrictPublicBuckets", "true")),
            OwnershipControls = Ownership(objectOwnership),
        };
        lock (Sync)
        {
            if (_buckets.ContainsKey(name)) throw new S3Error(409, "BucketAlreadyExists", "The requested bucket name is not available.") { BucketName = name };
            _buckets[name] = bucket;
        }
        return bucket;
    }

    public bool Remove(string name) { lock (Sync) return _buckets.Remove(name); }

    /// <summary>
    /// The bucket behind a stack's AWS::S3::Bucket, versioned as its VersioningConfiguration says.
    /// The sandbox derives generated names from the stack name, so a bucket an earlier stack of the
    /// same name retained is taken over (AWS would generate a new name); another account's fails.
    /// </summary>
    public string? AddForStack(string name, string region, string account, IReadOnlyDictionary<string, object?> properties)
    {
        lock (Sync)
        {
            var bucket = Find(name);
            if (bucket is not null && bucket.OwnerAccount != account)
                return $"Resource handler returned message: \"{name} already exists\" (HandlerErrorCode: AlreadyExists)";
            bucket ??= Add(name, region, account);
            if (properties.GetValueOrDefault("VersioningConfiguration") is IReadOnlyDictionary<string, object?> v && v.GetValueOrDefault("Status") is string status)
                bucket.Versioning = status == "Suspended" && bucket.Versioning is null ? null : status;
            return null;
        }
    }

    /// <summary>Deletes a stack's bucket as CloudFormation does: only when no object version is left in it.</summary>
    public string? RemoveForStack(string name)
    {
        lock (Sync)
        {
            if (Find(name) is not { } bucket) return null;
            if (bucket.Objects.Count > 0)
                return $"Resource handler returned message: \"The bucket you tried to delete is not empty (Service: S3, Status Code: 409, Request ID: {Guid.NewGuid():N})\" (HandlerErrorCode: GeneralServiceException)";
            _buckets.Remove(name);
            return null;
        }
    }

    public void Clear() { lock (Sync) _buckets.Clear(); }

    public static XElement DefaultEncryption() => new(Ns + "ServerSideEncryptionConfiguration",
        new XElement(Ns + "Rule",
            new XElement(Ns + "ApplyServerSideEncryptionByDefault", new XElement(Ns + "SSEAlgorithm", "AES256")),
            new XElement(Ns + "BucketKeyEnabled", "false")));

    public static XElement Ownership(string value) => new(Ns + "OwnershipControls",
        new XElement(Ns + "Rule", new XElement(Ns + "ObjectOwnership", value)));

    /// <summary>
    /// The bucket for an operation by <paramref name="caller"/>: missing → NoSuchBucket; another
    /// account's → AccessDenied unless its policy grants object access and the operation needs
    /// no more; x-amz-expected-bucket-owner not the owner → AccessDenied.
    /// </summary>
    public Bucket Authorize(string name, string caller, string? expectedOwner, bool ownerOnly)
    {
        var bucket = Find(name) ?? throw S3Error.NoSuchBucket(name);
        if (expectedOwner is not null && expectedOwner != bucket.OwnerAccount) throw S3Error.AccessDenied(name);
        if (bucket.OwnerAccount != caller && (ownerOnly || !bucket.GrantsOthers)) throw S3Error.AccessDenied(name);
        return bucket;
    }

    /// <summary>
    /// What CloudFormation does with a TemplateURL: reads the object with the caller's access.
    /// Accepts the AWS URL shapes (virtual-hosted and path-style, global and regional) and the
    /// sandbox's own path-style URL.
    /// </summary>
    public string FetchTemplate(string url, string caller)
    {
        const string NoAccess = "TemplateURL must reference a valid S3 object to which you have access.";
        if (ParseObjectUrl(url) is not var (bucketName, key, versionId))
            throw new CloudFormation.ApiError("ValidationError", "TemplateURL must be a supported URL.");
        lock (Sync)
        {
            Bucket bucket;
            try { bucket = Authorize(bucketName, caller, null, ownerOnly: false); }
            catch (S3Error) { throw new CloudFormation.ApiError("ValidationError", NoAccess); }
            var version = bucket.Objects.GetValueOrDefault(key) is { } versions
                ? versionId is null ? versions[^1] : versions.FirstOrDefault(v => v.VersionId == versionId)
                : null;
            if (version is null || version.IsDeleteMarker) throw new CloudFormation.ApiError("ValidationError", NoAccess);
            if (version.Data.Length > 1_000_000)
                throw new CloudFormation.ApiError("ValidationError", "Template may not exceed 1000000 bytes in size.");
            return Encoding.UTF8.GetString(version.Data);
        }
    }

    /// <summary>Bucket, key and version of an S3 object URL; null when the URL is not one.</summary>
    public static (string Bucket, string Key, string? VersionId)? ParseObjectUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")) return null;
        var host = uri.Host.ToLowerInvariant();
        var path = uri.AbsolutePath.TrimStart('/');
        string? versionId = null;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            if (pair.StartsWith("versionId=", StringComparison.Ordinal)) versionId = Uri.UnescapeDataString(pair[10..]);

        string? bucket = null, key = null;
        var awsHost = Regex.Match(host, @"^(?:(?<bucket>.+)\.)?s3(?:[.-](?<region>[a-z0-9-]+))?\.amazonaws\.com(?:\.cn)?$");
        if (awsHost.Success && awsHost.Groups["region"].Value.StartsWith("website", StringComparison.Ordinal)) return null; // CloudFormation refuses website endpoints
        if (awsHost.Success && awsHost.Groups["bucket"].Success)
        {
            bucket = awsHost.Groups["bucket"].Value;
            key = path;
        }
        else if (awsHost.Success || uri.IsLoopback)
        {
            var slash = path.IndexOf('/');
            if (slash <= 0) return null;
            bucket = path[..slash];
            key = path[(slash + 1)..];
        }
        if (bucket is null || string.IsNullOrEmpty(key)) return null;
        return (bucket, Uri.UnescapeDataString(key), versionId);
    }
}
