using Amazon.S3;
using Amazon.S3.Model;
using MetaflowAws.Engine;
using MetaflowAws.Engine.CloudFormation;
using MetaflowAws.Engine.Staging;
using static MetaflowAws.Tests.SandboxS3Clients;

namespace MetaflowAws.Tests;

/// <summary>Staging an oversize template in S3, against the sandbox over HTTP.</summary>
public sealed class TemplateStagingTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private const string Account = "123456789012";
    private static readonly string Body = "Description: big\nResources:\n  B:\n    Type: AWS::S3::Bucket\nMetadata:\n  Padding: '" + new string('x', 60_000) + "'\n";

    [Fact]
    public async Task TheDefaultBucketIsCreatedOnceLockedDownAndTheTemplateIsReachableByCloudFormation()
    {
        var session = Session(sandbox, "eu-west-1");
        var staging = TemplateStaging.Create(session);
        var statuses = new List<string>();

        var first = await staging.StageAsync("mystack", Body, null, statuses.Add, CancellationToken.None);

        var bucket = $"metaflowaws-templates-{Account}-eu-west-1";
        Assert.Equal(bucket, first.Bucket);
        Assert.True(first.BucketCreated);
        Assert.False(first.Reused);
        Assert.Equal("eu-west-1", first.Region);
        Assert.Matches("^templates/mystack/[0-9a-f]{64}\\.yml$", first.Key);
        Assert.Equal($"https://{bucket}.s3.eu-west-1.amazonaws.com/{first.Key}", first.TemplateUrl);
        Assert.Contains(statuses, s => s.StartsWith("Creating the template staging bucket " + bucket, StringComparison.Ordinal));

        var s3 = S3(sandbox, "eu-west-1");
        Assert.Equal("eu-west-1", (await s3.HeadBucketAsync(new HeadBucketRequest { BucketName = bucket })).BucketRegion);
        var rule = (await s3.GetLifecycleConfigurationAsync(new GetLifecycleConfigurationRequest { BucketName = bucket })).Configuration.Rules.Single();
        Assert.Equal("templates/", Assert.IsType<LifecyclePrefixPredicate>(rule.Filter.LifecycleFilterPredicate).Prefix);
        Assert.Equal(TemplateStaging.ExpirationDays, rule.Expiration.Days);
        Assert.Equal(LifecycleRuleStatus.Enabled, rule.Status);
        var pab = (await s3.GetPublicAccessBlockAsync(new GetPublicAccessBlockRequest { BucketName = bucket })).PublicAccessBlockConfiguration;
        Assert.True(pab.BlockPublicAcls == true && pab.IgnorePublicAcls == true && pab.BlockPublicPolicy == true && pab.RestrictPublicBuckets == true);
        Assert.Equal(ObjectOwnership.BucketOwnerEnforced,
            (await s3.GetBucketOwnershipControlsAsync(new GetBucketOwnershipControlsRequest { BucketName = bucket })).OwnershipControls.Rules.Single().ObjectOwnership);
        var calls = (await LogAsync(sandbox)).Select(e => e.GetProperty("service").GetString() + ":" + e.GetProperty("action").GetString()).ToList();
        Assert.Contains("s3:PutBucketEncryption", calls);
        Assert.Contains("s3:PutPublicAccessBlock", calls);
        Assert.Contains("s3:PutBucketLifecycleConfiguration", calls);

        using (var obj = await s3.GetObjectAsync(bucket, first.Key))
            Assert.Equal(Body, await new StreamReader(obj.ResponseStream).ReadToEndAsync());
        var validated = await sandbox.CloudFormation().ValidateTemplateAsync(new ValidateTemplateRequest { TemplateURL = first.TemplateUrl });
        Assert.Equal("big", validated.Description);

        // Again: the bucket is there (no second CreateBucket) and the same template is not re-sent.
        await ControlAsync(sandbox, HttpMethod.Delete, "/requests");
        var second = await staging.StageAsync("mystack", Body, null, null, CancellationToken.None);
        Assert.False(second.BucketCreated);
        Assert.True(second.Reused);
        Assert.Equal(first.TemplateUrl, second.TemplateUrl);
        var again = (await LogAsync(sandbox)).Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.DoesNotContain("CreateBucket", again);
        Assert.DoesNotContain("PutObject", again);
        Assert.Contains("HeadBucket", again);
    }

    [Fact]
    public async Task ABucketOfAnotherAccountIsRefusedBeforeAnyUpload()
    {
        var foreign = "foreign-" + Guid.NewGuid().ToString("N")[..10];
        await ControlAsync(sandbox, HttpMethod.Post, "/s3/foreign-bucket", new { name = foreign });
        var staging = TemplateStaging.Create(sandbox.Session());

        var ex = await Assert.ThrowsAsync<MetaflowException>(() => staging.StageAsync("s", Body, foreign, null, CancellationToken.None));

        Assert.Equal(ErrorIds.StagingBucketNotOwned, ex.ErrorId);
        Assert.Equal(foreign, ex.Target);
        Assert.Contains("123456789012", ex.Message);
        var buckets = await ControlAsync(sandbox, HttpMethod.Get, "/s3/buckets");
        Assert.Equal(0, buckets.EnumerateArray().Single(b => b.GetProperty("name").GetString() == foreign).GetProperty("keys").GetInt32());
    }

    [Fact]
    public async Task ASquattedDefaultBucketNameIsRefused()
    {
        await ControlAsync(sandbox, HttpMethod.Post, "/s3/foreign-bucket", new { name = $"metaflowaws-templates-{Account}-ap-south-1", region = "ap-south-1" });
        var staging = TemplateStaging.Create(Session(sandbox, "ap-south-1"));
        var ex = await Assert.ThrowsAsync<MetaflowException>(() => staging.StageAsync("s", Body, null, null, CancellationToken.None));
        Assert.Equal(ErrorIds.StagingBucketNotOwned, ex.ErrorId);
        Assert.Contains("-TemplateBucket", ex.Message);
    }

    [Fact]
    public async Task AMissingTemplateBucketIsNamedInTheError()
    {
        var staging = TemplateStaging.Create(sandbox.Session());
        var ex = await Assert.ThrowsAsync<MetaflowException>(() => staging.StageAsync("s", Body, "no-such-bucket-here", null, CancellationToken.None));
        Assert.Equal(ErrorIds.TemplateBucketNotFound, ex.ErrorId);
        Assert.StartsWith("-TemplateBucket 'no-such-bucket-here' does not exist.", ex.Message);
    }

    [Fact]
    public async Task AnOwnBucketWithDotsGetsAPathStyleUrl()
    {
        var s3 = S3(sandbox);
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = "my.templates.bucket" });
        var staged = await TemplateStaging.Create(sandbox.Session()).StageAsync("s", Body, "my.templates.bucket", null, CancellationToken.None);
        Assert.False(staged.BucketCreated);
        Assert.Equal($"https://s3.us-east-1.amazonaws.com/my.templates.bucket/{staged.Key}", staged.TemplateUrl);
        Assert.Equal("big", (await sandbox.CloudFormation().ValidateTemplateAsync(new ValidateTemplateRequest { TemplateURL = staged.TemplateUrl })).Description);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("My-Bucket")]
    [InlineData("under_score")]
    [InlineData("-leading-hyphen")]
    [InlineData("two..dots")]
    [InlineData("192.168.1.10")]
    [InlineData("xn--reserved")]
    [InlineData("ends-s3alias")]
    public void InvalidBucketNamesAreRefusedBeforeAnyCall(string name)
    {
        var ex = Assert.Throws<MetaflowException>(() => TemplateStaging.ValidateBucketName(name));
        Assert.Equal(ErrorIds.InvalidTemplateBucket, ex.ErrorId);
        Assert.StartsWith($"-TemplateBucket '{name}' is not a valid S3 bucket name", ex.Message);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("my-team.templates-1")]
    public void ValidBucketNamesPass(string name) => TemplateStaging.ValidateBucketName(name);

    [Fact]
    public void KeysAreContentAddressedPerStack()
    {
        Assert.Equal(TemplateStaging.KeyFor("a", Body), TemplateStaging.KeyFor("a", Body));
        Assert.NotEqual(TemplateStaging.KeyFor("a", Body), TemplateStaging.KeyFor("a", Body + " "));
        Assert.StartsWith("templates/b/", TemplateStaging.KeyFor("b", Body));
        Assert.EndsWith(".json", TemplateStaging.KeyFor("a", "{\"Resources\":{}}"));
    }
}
