using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using MetaflowAws.Engine.Aws;

namespace MetaflowAws.Engine.Staging;

/// <summary>Where a template was staged, and how CloudFormation reaches it.</summary>
public sealed record StagedTemplate
{
    public required string Bucket { get; init; }
    public required string Key { get; init; }
    /// <summary>The bucket's region (the URL names it).</summary>
    public required string Region { get; init; }
    /// <summary>The https URL to pass as CreateStack's TemplateURL.</summary>
    public required string TemplateUrl { get; init; }
    /// <summary>Whether this call created the (default) bucket.</summary>
    public bool BucketCreated { get; init; }
    /// <summary>Whether the same template was already there and was not uploaded again.</summary>
    public bool Reused { get; init; }

    public string S3Uri => $"s3://{Bucket}/{Key}";
}

/// <summary>
/// Puts a template over CloudFormation's 51,200-byte inline limit into S3 and returns its
/// TemplateURL. The bucket is -TemplateBucket, or one per account and region that this class
/// creates on first use (SSE-S3, public access blocked, ACLs disabled, templates expiring).
/// Either way the bucket must belong to the caller's account: a template is code that will
/// run with the deployer's IAM permissions, so it never goes to a bucket someone else controls.
/// </summary>
public sealed class TemplateStaging
{
    public const string KeyPrefix = "templates/";
    public const int ExpirationDays = 7;
    private const string DefaultBucketPrefix = "metaflowaws-templates-";
    private static readonly Regex BucketNamePattern = new("^[a-z0-9][a-z0-9.-]*[a-z0-9]$", RegexOptions.Compiled);
    private static readonly Regex IpAddress = new(@"^\d{1,3}(\.\d{1,3}){3}$", RegexOptions.Compiled);

    // The IAM action behind each S3 operation whose name differs from it.
    private static readonly Dictionary<string, string> IamActions = new()
    {
        ["PutBucketEncryption"] = "s3:PutEncryptionConfiguration",
        ["PutPublicAccessBlock"] = "s3:PutBucketPublicAccessBlock",
        ["PutBucketLifecycleConfiguration"] = "s3:PutLifecycleConfiguration",
    };

    private readonly IAmazonS3 _s3;
    private readonly IAmazonSecurityTokenService _sts;
    private readonly AwsSession _session;

    public TemplateStaging(IAmazonS3 s3, IAmazonSecurityTokenService sts, AwsSession session)
    {
        _s3 = s3;
        _sts = sts;
        _session = session;
    }

    public static TemplateStaging Create(AwsSession session) => new(
        PostDeploy.AwsClients.S3(session),
        PostDeploy.AwsClients.Sts(session),
        session);

    /// <summary>The bucket used when -TemplateBucket is not given.</summary>
    public static string DefaultBucketName(string account, string region) => DefaultBucketPrefix + account + "-" + region;

    /// <summary>Shown before anything is sent (-WhatIf), when the account is not known yet.</summary>
    public static string DefaultBucketDisplayName(string region) => DefaultBucketPrefix + "<account>-" + region;

    /// <summary>Content-addressed: the same template for the same stack always lands on the same key.</summary>
    public static string KeyFor(string stackName, string body)
    {
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(body))).ToLowerInvariant();
        var extension = body.TrimStart().StartsWith('{') ? ".json" : ".yml";
        return $"{KeyPrefix}{stackName}/{hash}{extension}";
    }

    /// <summary>The URL CloudFormation accepts: virtual-hosted, or path-style when the name has dots (TLS wildcard certificates do not cover them).</summary>
    public static string ObjectUrl(string bucket, string region, string key)
    {
        var suffix = region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
        var path = string.Join('/', key.Split('/').Select(Uri.EscapeDataString));
        return bucket.Contains('.')
            ? $"https://s3.{region}.{suffix}/{bucket}/{path}"
            : $"https://{bucket}.s3.{region}.{suffix}/{path}";
    }

    /// <summary>S3's bucket naming rules, checked before any call.</summary>
    public static void ValidateBucketName(string name, string parameter = "TemplateBucket")
    {
        string? problem = null;
        if (name.Length is < 3 or > 63) problem = $"it is {name.Length} characters long; bucket names have 3 to 63";
        else if (!BucketNamePattern.IsMatch(name)) problem = "bucket names contain only lowercase letters, digits, dots and hyphens, and begin and end with a letter or digit";
        else if (name.Contains("..", StringComparison.Ordinal) || name.Contains(".-", StringComparison.Ordinal) || name.Contains("-.", StringComparison.Ordinal))
            problem = "dots cannot be next to each other or to a hyphen";
        else if (IpAddress.IsMatch(name)) problem = "a bucket name cannot look like an IP address";
        else if (new[] { "xn--", "sthree-", "amzn-s3-demo-" }.FirstOrDefault(p => name.StartsWith(p, StringComparison.Ordinal)) is { } prefix)
            problem = $"names starting with '{prefix}' are reserved";
        else if (new[] { "-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3" }.FirstOrDefault(s => name.EndsWith(s, StringComparison.Ordinal)) is { } suffix)
            problem = $"names ending with '{suffix}' are reserved";
        if (problem is not null)
            throw new MetaflowException(ErrorIds.InvalidTemplateBucket,
                $"-{parameter} '{name}' is not a valid S3 bucket name: {problem}. Example: my-team-cfn-templates.",
                ErrorKind.InvalidArgument, name);
    }

    /// <summary>Uploads <paramref name="body"/> (unless the same template is already there) and returns its TemplateURL.</summary>
    /// <param name="bucket">-TemplateBucket, or null for the default per-account bucket (created when missing).</param>
    /// <param name="onStatus">Told each step, for -Verbose.</param>
    public async Task<StagedTemplate> StageAsync(string stackName, string body, string? bucket, Action<string>? onStatus, CancellationToken ct)
    {
        if (bucket is not null) ValidateBucketName(bucket);
        var identity = await AwsErrors.Call(() => _sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), ct),
            "GetCallerIdentity", stackName, _session).ConfigureAwait(false);
        var account = identity.Account;
        var name = bucket ?? DefaultBucketName(account, _session.Region);

        var (region, created) = await EnsureBucketAsync(name, account, isDefault: bucket is null, onStatus, ct).ConfigureAwait(false);
        var key = KeyFor(stackName, body);
        var bytes = Encoding.UTF8.GetBytes(body);
        var reused = await HasSameObjectAsync(name, key, account, bytes, ct).ConfigureAwait(false);
        if (!reused)
        {
            onStatus?.Invoke($"Uploading the template ({bytes.Length:N0} bytes) to s3://{name}/{key}.");
            await S3Call(() => _s3.PutObjectAsync(new PutObjectRequest
            {
                BucketName = name,
                Key = key,
                InputStream = new MemoryStream(bytes),
                ContentType = key.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : "application/yaml",
                ExpectedBucketOwner = account,
            }, ct), "PutObject", name, account, stackName).ConfigureAwait(false);
        }
        else
        {
            onStatus?.Invoke($"The same template is already staged at s3://{name}/{key}; not uploading it again.");
        }
        return new StagedTemplate
        {
            Bucket = name,
            Key = key,
            Region = region,
            TemplateUrl = ObjectUrl(name, region, key),
            BucketCreated = created,
            Reused = reused,
        };
    }

    /// <summary>
    /// Makes sure the bucket exists and is the caller's: HeadBucket with ExpectedBucketOwner
    /// answers 403 for a bucket of another account (or one we may not read), 404 for none.
    /// </summary>
    private async Task<(string Region, bool Created)> EnsureBucketAsync(string name, string account, bool isDefault, Action<string>? onStatus, CancellationToken ct)
    {
        try
        {
            var head = await _s3.HeadBucketAsync(new HeadBucketRequest { BucketName = name, ExpectedBucketOwner = account }, ct).ConfigureAwait(false);
            return (string.IsNullOrEmpty(head.BucketRegion) ? _session.Region : head.BucketRegion, false);
        }
        catch (AmazonServiceException ex) when (ex.StatusCode == HttpStatusCode.Forbidden)
        {
            throw NotOwned(name, account, isDefault, ex);
        }
        catch (AmazonServiceException ex) when (ex.StatusCode == HttpStatusCode.NotFound && !isDefault)
        {
            throw new MetaflowException(ErrorIds.TemplateBucketNotFound,
                $"-TemplateBucket '{name}' does not exist. Create it in your account (in {_session.Region}), or omit -TemplateBucket to use the module's own staging bucket, {DefaultBucketName(account, _session.Region)}.",
                ErrorKind.ObjectNotFound, name, ex) { AwsErrorCode = ex.ErrorCode, RequestId = ex.RequestId };
        }
        catch (AmazonServiceException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            // The default bucket does not exist yet: create it below.
        }
        catch (Exception ex) when (AwsErrors.Translate(ex, "HeadBucket", name, _session) is { } translated)
        {
            throw translated;
        }

        onStatus?.Invoke($"Creating the template staging bucket {name} in {_session.Region} (SSE-S3 encryption, public access blocked, ACLs disabled, templates expire after {ExpirationDays} days).");
        try
        {
            await _s3.PutBucketAsync(new PutBucketRequest
            {
                BucketName = name,
                BucketRegionName = _session.Region == "us-east-1" ? null : _session.Region,
                UseClientRegion = false,
                ObjectOwnership = ObjectOwnership.BucketOwnerEnforced,
            }, ct).ConfigureAwait(false);
        }
        catch (AmazonServiceException ex) when (ex.ErrorCode == "BucketAlreadyExists")
        {
            throw NotOwned(name, account, isDefault, ex);
        }
        catch (AmazonServiceException ex) when (ex.ErrorCode == "BucketAlreadyOwnedByYou")
        {
            // Another deploy created it a moment ago; it is ours, and it configures it.
            return (_session.Region, false);
        }
        catch (Exception ex) when (AwsErrors.Translate(ex, "CreateBucket", name, _session) is { } translated)
        {
            throw translated;
        }

        await S3Call(() => _s3.PutBucketEncryptionAsync(new PutBucketEncryptionRequest
        {
            BucketName = name,
            ExpectedBucketOwner = account,
            ServerSideEncryptionConfiguration = new ServerSideEncryptionConfiguration
            {
                ServerSideEncryptionRules = [new ServerSideEncryptionRule
                {
                    ServerSideEncryptionByDefault = new ServerSideEncryptionByDefault { ServerSideEncryptionAlgorithm = ServerSideEncryptionMethod.AES256 },
                }],
            },
        }, ct), "PutBucketEncryption", name, account, name).ConfigureAwait(false);
        await S3Call(() => _s3.PutPublicAccessBlockAsync(new PutPublicAccessBlockRequest
        {
            BucketName = name,
            ExpectedBucketOwner = account,
            PublicAccessBlockConfiguration = new PublicAccessBlockConfiguration
            {
                BlockPublicAcls = true,
                IgnorePublicAcls = true,
                BlockPublicPolicy = true,
                RestrictPublicBuckets = true,
            },
        }, ct), "PutPublicAccessBlock", name, account, name).ConfigureAwait(false);
        await S3Call(() => _s3.PutLifecycleConfigurationAsync(new PutLifecycleConfigurationRequest
        {
            BucketName = name,
            ExpectedBucketOwner = account,
            Configuration = new LifecycleConfiguration
            {
                Rules = [new LifecycleRule
                {
                    Id = "expire-staged-templates",
                    Status = LifecycleRuleStatus.Enabled,
                    Filter = new LifecycleFilter { Prefix = KeyPrefix },
                    Expiration = new LifecycleRuleExpiration { Days = ExpirationDays },
                    AbortIncompleteMultipartUpload = new LifecycleRuleAbortIncompleteMultipartUpload { DaysAfterInitiation = 1 },
                }],
            },
        }, ct), "PutBucketLifecycleConfiguration", name, account, name).ConfigureAwait(false);
        return (_session.Region, true);
    }

    /// <summary>Whether the key already holds exactly these bytes (S3's ETag of a single-part SSE-S3 object is its MD5).</summary>
    private async Task<bool> HasSameObjectAsync(string bucket, string key, string account, byte[] bytes, CancellationToken ct)
    {
        try
        {
            var head = await _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = key, ExpectedBucketOwner = account }, ct).ConfigureAwait(false);
            var md5 = Convert.ToHexString(MD5.HashData(bytes)).ToLowerInvariant();
            return string.Equals(head.ETag?.Trim('"'), md5, StringComparison.OrdinalIgnoreCase);
        }
        catch (AmazonServiceException ex) when (ex.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            // Missing, or we may not read it: upload (PutObject still checks the owner).
            return false;
        }
        catch (Exception ex) when (AwsErrors.Translate(ex, "HeadObject", bucket, _session) is { } translated)
        {
            throw translated;
        }
    }

    private async Task S3Call<T>(Func<Task<T>> call, string operation, string bucket, string account, string target)
    {
        try
        {
            await call().ConfigureAwait(false);
        }
        catch (AmazonServiceException ex) when (ex.StatusCode == HttpStatusCode.Forbidden && ex.ErrorCode == "AccessDenied")
        {
            // With ExpectedBucketOwner set, a bucket that changed hands answers AccessDenied too.
            throw new MetaflowException(ErrorIds.AccessDenied,
                $"S3 denied {operation} on bucket '{bucket}' in {_session.Region} ({ex.Message}). The bucket must belong to account {account}, and the caller needs {IamActions.GetValueOrDefault(operation, "s3:" + operation)} on it.",
                ErrorKind.PermissionDenied, target, ex) { AwsErrorCode = ex.ErrorCode, RequestId = ex.RequestId };
        }
        catch (Exception ex) when (AwsErrors.Translate(ex, operation, target, _session) is { } translated)
        {
            throw translated;
        }
    }

    private MetaflowException NotOwned(string name, string account, bool isDefault, AmazonServiceException ex)
        => new(ErrorIds.StagingBucketNotOwned,
            isDefault
                ? $"The template staging bucket name {name} is taken by another AWS account (or this account may not read it). The template was not uploaded. Pass -TemplateBucket with a bucket your account {account} owns in {_session.Region}."
                : $"-TemplateBucket '{name}' is not owned by your account {account} (or you lack s3:ListBucket on it). The template was not uploaded: it would run with your permissions, so it only goes to a bucket your account owns. Use a bucket of account {account}, or omit -TemplateBucket.",
            ErrorKind.PermissionDenied, name, ex) { AwsErrorCode = ex.ErrorCode, RequestId = ex.RequestId };
}
