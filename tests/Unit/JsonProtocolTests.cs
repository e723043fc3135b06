using System.Text;
using Amazon.Runtime;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Checks;
using MetaflowAws.Sandbox.S3;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace MetaflowAws.Tests;

/// <summary>
/// The JSON protocol path against responses in the exact shape DynamoDB sends them: every response carries
/// x-amz-crc32, the CRC-32 of the body in decimal, and the SDK compares it with the bytes it read.
/// </summary>
public sealed class JsonProtocolTests : IAsyncLifetime
{
    // DescribeTable's output shape (botocore dynamodb/2012-08-10 DescribeTableOutput), trimmed to what a real table answers.
    private const string DescribeTableBody =
        "{\"Table\":{\"AttributeDefinitions\":[{\"AttributeName\":\"pathspec\",\"AttributeType\":\"S\"}],\"TableName\":\"mf-StepFunctionsStateDDB-1X2Y3Z\"," +
        "\"KeySchema\":[{\"AttributeName\":\"pathspec\",\"KeyType\":\"HASH\"}],\"TableStatus\":\"ACTIVE\",\"CreationDateTime\":1.764547200123E9," +
        "\"TableSizeBytes\":0,\"ItemCount\":0,\"TableArn\":\"arn:aws:dynamodb:us-east-1:123456789012:table/mf-StepFunctionsStateDDB-1X2Y3Z\"," +
        "\"BillingModeSummary\":{\"BillingMode\":\"PAY_PER_REQUEST\"},\"DeletionProtectionEnabled\":false,\"TableClassSummary\":null," +
        "\"Description\":\"état — ünïcode\"}}";

    private const string NotFoundBody =
        "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\",\"message\":\"Requested resource not found: Table: nope not found\"}";

    private WebApplication? _app;
    private string _url = "";
    private Func<(int Status, string Body, string? Crc)> _answer = () => (200, "{}", null);

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.Run(async ctx =>
        {
            var (status, body, crc) = _answer();
            var bytes = Encoding.UTF8.GetBytes(body);
            ctx.Response.StatusCode = status;
            ctx.Response.ContentLength = bytes.Length;
            ctx.Response.ContentType = "application/x-amz-json-1.0";
            ctx.Response.Headers["x-amzn-RequestId"] = "R8CS5GQ7J3L9V0Q4GK3HC0KDVVVV4KQNSO5AEMVJF66Q9ASUAAJG";
            ctx.Response.Headers["x-amz-crc32"] = crc ?? Checksums.Crc32(bytes).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await ctx.Response.Body.WriteAsync(bytes);
        });
        await _app.StartAsync();
        _url = _app.Urls.First();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
    }

    private DynamoDbClient Client()
    {
        var config = new DynamoDbConfig { ServiceURL = _url, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 };
        return new DynamoDbClient(new BasicAWSCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), config);
    }

    [Fact]
    public async Task A_response_with_its_crc32_is_read_whole_and_verified()
    {
        _answer = () => (200, DescribeTableBody, null);
        var table = await Client().DescribeTableAsync(new DescribeTableRequest { TableName = "mf-StepFunctionsStateDDB-1X2Y3Z" }, default);
        Assert.Equal("ACTIVE", table.TableStatus);
        Assert.Equal("mf-StepFunctionsStateDDB-1X2Y3Z", table.TableName);
        Assert.Equal("R8CS5GQ7J3L9V0Q4GK3HC0KDVVVV4KQNSO5AEMVJF66Q9ASUAAJG", table.ResponseMetadata.RequestId);
    }

    [Fact]
    public async Task A_body_that_does_not_match_its_crc32_is_refused()
    {
        // The CRC of another body: what a response damaged in transit looks like.
        _answer = () => (200, DescribeTableBody, Checksums.Crc32("{}"u8).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => Client().DescribeTableAsync(new DescribeTableRequest { TableName = "t" }, default));
        Assert.Contains("CRC", ex.Message + ex.InnerException?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_error_document_with_its_crc32_gives_the_code_and_message()
    {
        _answer = () => (400, NotFoundBody, null);
        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => Client().DescribeTableAsync(new DescribeTableRequest { TableName = "nope" }, default));
        Assert.Equal("ResourceNotFoundException", ex.ErrorCode);
        Assert.Contains("Table: nope not found", ex.Message, StringComparison.Ordinal);
    }
}
