using System.Net;
using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.CloudFormation;
using MetaflowAws.Sandbox.Http;
using MetaflowAws.Sandbox.S3;
using static MetaflowAws.Tests.SandboxS3Clients;

namespace MetaflowAws.Tests;

/// <summary>The sandbox's S3 as the official AWS SDK for .NET (AWSSDK.S3) sees it, over signed HTTP.</summary>
public sealed class SandboxS3Tests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private static string NewBucket(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task PutObjectAsTheSdkSendsItByDefaultIsDecodedAndVerified()
    {
        var seen = new List<HttpRequestMessage>();
        var s3 = S3(sandbox, seen: seen);
        var bucket = NewBucket("chunked");
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        var data = RandomNumberGenerator.GetBytes(200_000);

        var put = await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "dir/a b+c.bin", InputStream = new MemoryStream(data) });

        // What the SDK sent by default: a signed aws-chunked stream with a trailing CRC32.
        var request = seen.Last(r => r.Method == HttpMethod.Put && r.RequestUri!.AbsolutePath.Contains("/dir/"));
        Assert.StartsWith("STREAMING-", request.Headers.GetValues("x-amz-content-sha256").Single());
        Assert.Contains("aws-chunked", request.Content!.Headers.ContentEncoding);
        Assert.Equal($"\"{Convert.ToHexString(MD5.HashData(data)).ToLowerInvariant()}\"", put.ETag);

        using var got = await s3.GetObjectAsync(bucket, "dir/a b+c.bin");
        using var copy = new MemoryStream();
        await got.ResponseStream.CopyToAsync(copy);
        Assert.Equal(data, copy.ToArray());
        Assert.DoesNotContain("aws-chunked", got.Headers.ContentEncoding ?? "");
    }

    [Fact]
    public void ChunkSignaturesAreChainedFromTheSeedAndATamperedChunkIsRejected()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var seed = new StreamingSeed(key, new string('a', 64), "20250101T000000Z", "20250101/us-east-1/s3/aws4_request");
        var body = SignedChunks(seed, [Encoding.ASCII.GetBytes("hello "), Encoding.ASCII.GetBytes("world")], trailer: "x-amz-checksum-crc32:" + Checksums.Compute("crc32", "hello world"u8));

        var decoded = AwsChunked.Decode(body, AwsChunked.SignedPayloadTrailer, seed);
        Assert.Equal("hello world", Encoding.ASCII.GetString(decoded.Data));
        Assert.Equal(Checksums.Compute("crc32", "hello world"u8), decoded.Trailers["x-amz-checksum-crc32"]);

        var tampered = (byte[])body.Clone();
        var at = Encoding.ASCII.GetString(tampered).IndexOf("world", StringComparison.Ordinal);
        tampered[at] = (byte)'W';
        var ex = Assert.Throws<S3Error>(() => AwsChunked.Decode(tampered, AwsChunked.SignedPayloadTrailer, seed));
        Assert.Equal("SignatureDoesNotMatch", ex.Code);

        var otherSeed = seed with { Signature = new string('b', 64) };
        Assert.Equal("SignatureDoesNotMatch", Assert.Throws<S3Error>(() => AwsChunked.Decode(body, AwsChunked.SignedPayloadTrailer, otherSeed)).Code);
        Assert.Equal("IncompleteBody", Assert.Throws<S3Error>(() => AwsChunked.Decode(body[..^40], AwsChunked.SignedPayloadTrailer, seed)).Code);
    }

    [Fact]
    public void UnsignedChunksWithATrailerDecode()
    {
        var body = Encoding.ASCII.GetBytes("6\r\nhello \r\n5\r\nworld\r\n0\r\nx-amz-checksum-crc32c:" + Checksums.Compute("crc32c", "hello world"u8) + "\r\n\r\n");
        var decoded = AwsChunked.Decode(body, AwsChunked.UnsignedPayloadTrailer, seed: null);
        Assert.Equal("hello world", Encoding.ASCII.GetString(decoded.Data));
        Assert.True(decoded.Trailers.ContainsKey("x-amz-checksum-crc32c"));
    }

    [Theory]
    [InlineData("crc32", "y/Q5Jg==")]          // 0xCBF43926, the CRC-32 check value of "123456789"
    [InlineData("crc32c", "4waSgw==")]         // 0xE3069283 (Castagnoli)
    [InlineData("crc64nvme", "rosUhgp5mIg=")]  // 0xAE8B14860A799888
    public void ChecksumsMatchTheStandardCheckValues(string algorithm, string expected)
        => Assert.Equal(expected, Checksums.Compute(algorithm, "123456789"u8));

    [Fact]
    public async Task AWrongChecksumIsBadDigest()
    {
        var s3 = S3(sandbox);
        var bucket = NewBucket("digest");
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        var ex = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket, Key = "k", ContentBody = "abc", ChecksumSHA256 = Convert.ToBase64String(SHA256.HashData("abd"u8)),
        }));
        Assert.Equal("BadDigest", ex.ErrorCode);
    }

    [Fact]
    public async Task VersionedBucketKeepsVersionsAndDeleteMarkersAndListsThemInPages()
    {
        var s3 = S3(sandbox);
        var bucket = NewBucket("versions");
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        await s3.PutBucketVersioningAsync(new PutBucketVersioningRequest
        {
            BucketName = bucket, VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled },
        });
        Assert.Equal(VersionStatus.Enabled, (await s3.GetBucketVersioningAsync(new GetBucketVersioningRequest { BucketName = bucket })).VersioningConfig.Status);

        var v1 = await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "a", ContentBody = "one" });
        var v2 = await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "a", ContentBody = "two" });
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "b", ContentBody = "bee" });
        Assert.NotEqual(v1.VersionId, v2.VersionId);
        var deleted = await s3.DeleteObjectAsync(bucket, "a");
        Assert.Equal("true", deleted.DeleteMarker);

        var missing = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetObjectAsync(bucket, "a"));
        Assert.Equal("NoSuchKey", missing.ErrorCode);
        using (var old = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "a", VersionId = v1.VersionId }))
            Assert.Equal("one", await new StreamReader(old.ResponseStream).ReadToEndAsync());
        var listed = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        Assert.Equal(["b"], listed.S3Objects.Select(o => o.Key));

        // Two per page: a's marker and v2, then a's v1 and b.
        var pages = new List<ListVersionsResponse>();
        var request = new ListVersionsRequest { BucketName = bucket, MaxKeys = 2 };
        do
        {
            var page = await s3.ListVersionsAsync(request);
            pages.Add(page);
            request.KeyMarker = page.NextKeyMarker;
            request.VersionIdMarker = page.NextVersionIdMarker;
        } while (pages[^1].IsTruncated == true);
        var all = pages.SelectMany(p => p.Versions).ToList();
        Assert.Equal(2, pages.Count);
        Assert.Equal(["a", "a", "a", "b"], all.Select(v => v.Key));
        Assert.True(all[0].IsDeleteMarker);
        Assert.True(all[0].IsLatest);
        Assert.Equal([v2.VersionId, v1.VersionId], all.Skip(1).Take(2).Select(v => v.VersionId));

        var notEmpty = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.DeleteBucketAsync(bucket));
        Assert.Equal("BucketNotEmpty", notEmpty.ErrorCode);
        Assert.Equal(HttpStatusCode.Conflict, notEmpty.StatusCode);

        var batch = await s3.DeleteObjectsAsync(new DeleteObjectsRequest
        {
            BucketName = bucket,
            Objects = all.Select(v => new KeyVersion { Key = v.Key, VersionId = v.VersionId }).ToList(),
        });
        Assert.Equal(4, batch.DeletedObjects.Count);
        Assert.Empty((await s3.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket })).Versions ?? []);
        await s3.DeleteBucketAsync(bucket);
        var gone = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }));
        Assert.Equal("NoSuchBucket", gone.ErrorCode);
    }

    [Fact]
    public async Task ExpectedBucketOwnerIsCheckedOnEveryOperation()
    {
        var s3 = S3(sandbox);
        var mine = NewBucket("mine");
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = mine });
        await s3.HeadBucketAsync(new HeadBucketRequest { BucketName = mine, ExpectedBucketOwner = "123456789012" });
        var wrong = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = mine, Key = "k", ContentBody = "x", ExpectedBucketOwner = "999999999999",
        }));
        Assert.Equal("AccessDenied", wrong.ErrorCode);

        // Another account's bucket whose policy lets us in: readable and writable, but not ours.
        var foreign = NewBucket("foreign");
        await ControlAsync(sandbox, HttpMethod.Post, "/s3/foreign-bucket", new { name = foreign });
        await s3.HeadBucketAsync(new HeadBucketRequest { BucketName = foreign });
        var head = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.HeadBucketAsync(new HeadBucketRequest { BucketName = foreign, ExpectedBucketOwner = "123456789012" }));
        Assert.Equal(HttpStatusCode.Forbidden, head.StatusCode);
        var taken = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.PutBucketAsync(new PutBucketRequest { BucketName = foreign }));
        Assert.Equal("BucketAlreadyExists", taken.ErrorCode);
        var config = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetBucketEncryptionAsync(new GetBucketEncryptionRequest { BucketName = foreign }));
        Assert.Equal("AccessDenied", config.ErrorCode);
    }

    [Fact]
    public async Task BucketsAreCreatedWhereTheLocationConstraintSays()
    {
        var s3 = S3(sandbox, "eu-west-1");
        var bucket = NewBucket("euro");
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket, BucketRegionName = "eu-west-1" });
        Assert.Equal("eu-west-1", (await s3.HeadBucketAsync(new HeadBucketRequest { BucketName = bucket })).BucketRegion);
        Assert.Equal("EU", (await s3.GetBucketLocationAsync(bucket)).Location.Value); // the SDK sends eu-west-1 as its legacy alias EU, which S3 echoes
        var again = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket, BucketRegionName = "eu-west-1" }));
        Assert.Equal("BucketAlreadyOwnedByYou", again.ErrorCode);

        // us-east-1 answers 200 to an owner re-creating its bucket.
        var east = S3(sandbox);
        var b2 = NewBucket("east");
        await east.PutBucketAsync(new PutBucketRequest { BucketName = b2 });
        await east.PutBucketAsync(new PutBucketRequest { BucketName = b2 });
        Assert.Equal("", (await east.GetBucketLocationAsync(b2)).Location?.Value ?? "");
    }

    [Fact]
    public async Task BucketConfigurationRoundTrips()
    {
        var s3 = S3(sandbox);
        var bucket = NewBucket("config");
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        // The SDK turns S3's 404 NoSuchLifecycleConfiguration into an empty configuration.
        var none = await s3.GetLifecycleConfigurationAsync(new GetLifecycleConfigurationRequest { BucketName = bucket });
        Assert.Empty(none.Configuration?.Rules ?? []);
        Assert.Contains((await LogAsync(sandbox)), e => e.GetProperty("errorCode").GetString() == "NoSuchLifecycleConfiguration" && e.GetProperty("detail").GetString() == bucket);

        await s3.PutLifecycleConfigurationAsync(new PutLifecycleConfigurationRequest
        {
            BucketName = bucket,
            Configuration = new LifecycleConfiguration
            {
                Rules = [new LifecycleRule { Id = "r1", Status = LifecycleRuleStatus.Enabled, Filter = new LifecycleFilter { Prefix = "tmp/" }, Expiration = new LifecycleRuleExpiration { Days = 3 } }],
            },
        });
        var rule = (await s3.GetLifecycleConfigurationAsync(new GetLifecycleConfigurationRequest { BucketName = bucket })).Configuration.Rules.Single();
        Assert.Equal("r1", rule.Id);
        Assert.Equal(3, rule.Expiration.Days);
        Assert.Equal("tmp/", Assert.IsType<LifecyclePrefixPredicate>(rule.Filter.LifecycleFilterPredicate).Prefix); // how the SDK reads <Filter><Prefix>

        await s3.PutPublicAccessBlockAsync(new PutPublicAccessBlockRequest
        {
            BucketName = bucket, PublicAccessBlockConfiguration = new PublicAccessBlockConfiguration { BlockPublicAcls = true, IgnorePublicAcls = false },
        });
        var pab = (await s3.GetPublicAccessBlockAsync(new GetPublicAccessBlockRequest { BucketName = bucket })).PublicAccessBlockConfiguration;
        Assert.True(pab.BlockPublicAcls);
        Assert.False(pab.IgnorePublicAcls);

        await s3.PutBucketOwnershipControlsAsync(new PutBucketOwnershipControlsRequest
        {
            BucketName = bucket, OwnershipControls = new OwnershipControls { Rules = [new OwnershipControlsRule { ObjectOwnership = ObjectOwnership.BucketOwnerPreferred }] },
        });
        Assert.Equal(ObjectOwnership.BucketOwnerPreferred,
            (await s3.GetBucketOwnershipControlsAsync(new GetBucketOwnershipControlsRequest { BucketName = bucket })).OwnershipControls.Rules.Single().ObjectOwnership);

        var sse = await s3.GetBucketEncryptionAsync(new GetBucketEncryptionRequest { BucketName = bucket });
        Assert.Equal(ServerSideEncryptionMethod.AES256, sse.ServerSideEncryptionConfiguration.ServerSideEncryptionRules.Single().ServerSideEncryptionByDefault.ServerSideEncryptionAlgorithm);
    }

    [Fact]
    public async Task TheLogNamesS3ActionsAndTellsReadsFromWrites()
    {
        var s3 = S3(sandbox);
        var bucket = NewBucket("logged");
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "x/y", ContentBody = "z" });
        await s3.HeadBucketAsync(new HeadBucketRequest { BucketName = bucket });
        var log = (await LogAsync(sandbox)).Where(e => e.GetProperty("detail").GetString()?.StartsWith(bucket, StringComparison.Ordinal) == true).ToList();
        Assert.Equal(["CreateBucket", "PutObject", "HeadBucket"], log.Select(e => e.GetProperty("action").GetString()));
        Assert.Equal([true, true, false], log.Select(e => e.GetProperty("mutating").GetBoolean()));
        Assert.Equal(bucket + "/x/y", log[1].GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("https://{0}.s3.amazonaws.com/t/a.yml")]
    [InlineData("https://s3.us-east-1.amazonaws.com/{0}/t/a.yml")]
    [InlineData("https://{0}.s3.eu-west-1.amazonaws.com/t/a.yml")]
    [InlineData("https://s3.amazonaws.com/{0}/t/a.yml")]
    [InlineData("{1}/{0}/t/a.yml")]
    public async Task CloudFormationReadsTemplateUrlsFromTheSandboxS3(string shape)
    {
        var s3 = S3(sandbox);
        var bucket = NewBucket("cfn");
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        await s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket, Key = "t/a.yml", ContentBody = "Description: staged\nResources:\n  B:\n    Type: AWS::S3::Bucket\n",
        });
        var url = string.Format(shape, bucket, sandbox.Url);
        var validated = await sandbox.CloudFormation().ValidateTemplateAsync(new ValidateTemplateRequest { TemplateURL = url });
        Assert.Equal("staged", validated.Description);

        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => sandbox.CloudFormation().ValidateTemplateAsync(new ValidateTemplateRequest { TemplateURL = url.Replace("a.yml", "missing.yml") }));
        Assert.Equal("ValidationError", ex.ErrorCode);
        Assert.Equal("TemplateURL must reference a valid S3 object to which you have access.", ex.Message);
    }

    [Fact]
    public async Task AStacksBucketsAreS3BucketsAndOneThatIsNotEmptyFailsTheStackDeletion()
    {
        const string template = """
            Resources:
              Data:
                Type: AWS::S3::Bucket
                DeletionPolicy: Retain
                Properties:
                  VersioningConfiguration: { Status: Enabled }
              Scratch:
                Type: AWS::S3::Bucket
            Outputs:
              Data: { Value: !Ref Data }
              Scratch: { Value: !Ref Scratch }
            """;
        var cfn = sandbox.CloudFormation();
        var name = "buckets-" + Guid.NewGuid().ToString("N")[..8];
        await cfn.CreateStackAsync(new CreateStackRequest { StackName = name, TemplateBody = template });
        var stack = await WaitAsync(cfn, name, "CREATE_IN_PROGRESS");
        var data = stack.Outputs.Single(o => o.OutputKey == "Data").OutputValue;
        var scratch = stack.Outputs.Single(o => o.OutputKey == "Scratch").OutputValue;

        var s3 = S3(sandbox);
        Assert.Equal(VersionStatus.Enabled, (await s3.GetBucketVersioningAsync(new GetBucketVersioningRequest { BucketName = data })).VersioningConfig.Status);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = data, Key = "kept", ContentBody = "x" });
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = scratch, Key = "in-the-way", ContentBody = "x" });

        await cfn.DeleteStackAsync(new DeleteStackRequest { StackName = name });
        stack = await WaitAsync(cfn, name, "DELETE_IN_PROGRESS");
        Assert.Equal("DELETE_FAILED", stack.StackStatus);
        var failed = (await cfn.DescribeStackResourcesAsync(new DescribeStackResourcesRequest { StackName = name })).StackResources.Single(r => r.LogicalResourceId == "Scratch");
        Assert.Contains("The bucket you tried to delete is not empty", failed.ResourceStatusReason);

        await s3.DeleteObjectAsync(scratch, "in-the-way");
        await cfn.DeleteStackAsync(new DeleteStackRequest { StackName = stack.StackId });
        Assert.Equal("DELETE_COMPLETE", (await WaitAsync(cfn, stack.StackId, "DELETE_IN_PROGRESS")).StackStatus);
        await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.HeadBucketAsync(new HeadBucketRequest { BucketName = scratch }));
        await s3.HeadBucketAsync(new HeadBucketRequest { BucketName = data }); // retained, with its object
        Assert.Single((await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = data })).S3Objects);
    }

    private static async Task<StackSummaryInfo> WaitAsync(CloudFormationClient cfn, string stack, string inProgress)
    {
        for (var i = 0; i < 500; i++)
        {
            var s = (await cfn.DescribeStacksAsync(new DescribeStacksRequest { StackName = stack })).Stacks.Single();
            if (s.StackStatus != inProgress) return s;
            await Task.Delay(20);
        }
        throw new TimeoutException(stack);
    }

    /// <summary>An aws-chunked body as a SigV4 streaming signer writes it.</summary>
    private static byte[] SignedChunks(StreamingSeed seed, byte[][] chunks, string trailer)
    {
        static string Hex(byte[] b) => Convert.ToHexString(b).ToLowerInvariant();
        string Sign(string algorithm, string previous, params string[] hashes)
            => Hex(HMACSHA256.HashData(seed.SigningKey, Encoding.UTF8.GetBytes(string.Join('\n', new[] { algorithm, seed.AmzDate, seed.Scope, previous }.Concat(hashes)))));
        var output = new MemoryStream();
        var previous = seed.Signature;
        foreach (var chunk in chunks.Append([]))
        {
            previous = Sign("AWS4-HMAC-SHA256-PAYLOAD", previous, Hex(SHA256.HashData([])), Hex(SHA256.HashData(chunk)));
            output.Write(Encoding.ASCII.GetBytes($"{chunk.Length:x};chunk-signature={previous}\r\n"));
            output.Write(chunk);
            if (chunk.Length > 0) output.Write("\r\n"u8);
        }
        var trailerSignature = Sign("AWS4-HMAC-SHA256-TRAILER", previous, Hex(SHA256.HashData(Encoding.UTF8.GetBytes(trailer + "\n"))));
        output.Write(Encoding.ASCII.GetBytes($"{trailer}\r\nx-amz-trailer-signature:{trailerSignature}\r\n\r\n"));
        return output.ToArray();
    }
}
