using Amazon.S3;
using Amazon.S3.Model;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.PostDeploy;

namespace MetaflowAws.Engine.Stacks;

/// <summary>How far emptying a bucket has come.</summary>
public sealed record EmptyBucketProgress(string Bucket, int Deleted, int Batches, bool Done = false);

/// <summary>
/// Empties a (versioned) bucket completely — every object version and delete marker, in batches of
/// at most 1,000 (the DeleteObjects limit) — and deletes it. Used by Remove-MetaflowStack -DeleteData.
/// </summary>
public sealed class DataBucket(AwsSession session)
{
    public const int BatchSize = 1000;

    /// <summary>The account that owns a stack (from its ARN): the only owner we delete buckets for.</summary>
    public static string AccountOf(MetaflowStack stack) => stack.StackId.Split(':') is { Length: > 4 } p ? p[4] : "";

    public async Task<int> EmptyAndDeleteAsync(string bucket, string expectedOwner, IProgress<EmptyBucketProgress>? progress, CancellationToken ct)
    {
        using var s3 = AwsClients.S3(session);
        var deleted = 0;
        var batches = 0;
        while (true)
        {
            ListVersionsResponse page;
            try
            {
                page = await AwsErrors.Call(() => s3.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket, MaxKeys = BatchSize, ExpectedBucketOwner = expectedOwner }, ct),
                    "s3:ListObjectVersions", bucket, session).ConfigureAwait(false);
            }
            catch (MetaflowException ex) when (ex.AwsErrorCode == "NoSuchBucket")
            {
                progress?.Report(new EmptyBucketProgress(bucket, deleted, batches, Done: true));
                return deleted; // already gone
            }
            var keys = (page.Versions ?? []).Select(v => new KeyVersion { Key = v.Key, VersionId = v.VersionId }).Take(BatchSize).ToList();
            if (keys.Count == 0) break;
            var result = await AwsErrors.Call(() => s3.DeleteObjectsAsync(new DeleteObjectsRequest
            {
                BucketName = bucket,
                Objects = keys,
                Quiet = true,
                ExpectedBucketOwner = expectedOwner,
            }, ct), "s3:DeleteObjects", bucket, session).ConfigureAwait(false);
            if (result.DeleteErrors is { Count: > 0 } errors)
                throw new MetaflowException(ErrorIds.AwsError,
                    $"Could not delete {errors.Count} object version(s) from s3://{bucket}, e.g. {errors[0].Key}: {errors[0].Code} {errors[0].Message}. The bucket was not removed.",
                    ErrorKind.PermissionDenied, bucket);
            deleted += keys.Count;
            batches++;
            progress?.Report(new EmptyBucketProgress(bucket, deleted, batches));
        }
        await AwsErrors.Call(() => s3.DeleteBucketAsync(new DeleteBucketRequest { BucketName = bucket, ExpectedBucketOwner = expectedOwner }, ct),
            "s3:DeleteBucket", bucket, session).ConfigureAwait(false);
        progress?.Report(new EmptyBucketProgress(bucket, deleted, batches, Done: true));
        return deleted;
    }

    /// <summary>True when the bucket still exists (and is ours).</summary>
    public async Task<bool> ExistsAsync(string bucket, string expectedOwner, CancellationToken ct)
    {
        using var s3 = AwsClients.S3(session);
        try
        {
            await AwsErrors.Call(() => s3.GetBucketLocationAsync(new GetBucketLocationRequest { BucketName = bucket, ExpectedBucketOwner = expectedOwner }, ct),
                "s3:GetBucketLocation", bucket, session).ConfigureAwait(false);
            return true;
        }
        catch (MetaflowException ex) when (ex.AwsErrorCode == "NoSuchBucket")
        {
            return false;
        }
    }
}
