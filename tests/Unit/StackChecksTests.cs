using MetaflowAws.Engine;
using MetaflowAws.Engine.Checks;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Tests;

/// <summary>Each probe of Test-MetaflowStack fails alone: whatever one meets, the others still report.</summary>
public sealed class StackChecksTests
{
    private static MetaflowStack Stack() => new()
    {
        StackName = "mf",
        StackId = "arn:aws:cloudformation:us-east-1:123456789012:stack/mf/1",
        Region = "us-east-1",
        Status = "CREATE_COMPLETE",
        Parameters = new Dictionary<string, string> { ["APIBasicAuth"] = "false" },
        Outputs = StackChecks.ExpectedOutputs.Select(k => new MetaflowStackOutput
        {
            StackName = "mf", Region = "us-east-1", OutputKey = k,
            OutputValue = k switch
            {
                "MetaflowDataStoreS3Url" => "s3://mf-bucket/metaflow",
                "ServiceUrl" => "https://abc123.execute-api.us-east-1.amazonaws.com/api/",
                _ => k + "-value",
            },
        }).ToList(),
    };

    /// <summary>Answers every probe well, except the one told to throw.</summary>
    private sealed class Probes(string failing, Exception error) : ICheckProbes
    {
        public Task<string> BucketAsync(string bucket, CancellationToken ct) => failing == "DataBucket" ? throw error : Task.FromResult("us-east-1");
        public Task<JobQueueState?> JobQueueAsync(string arn, CancellationToken ct)
            => failing == "JobQueue" ? throw error : Task.FromResult<JobQueueState?>(new JobQueueState("q", arn, "ENABLED", "VALID", null));
        public async Task<string> TableStatusAsync(string name, CancellationToken ct)
        {
            await Task.Delay(1, ct);
            return failing == "StateTable" ? throw error : "ACTIVE";
        }
        public Task<(int Status, string Body)> GetAsync(Uri url, string? apiKey, CancellationToken ct)
            => failing == "MetadataService" ? throw error : Task.FromResult((200, "pong"));
    }

    public static TheoryData<string, string, string> Failures => new()
    {
        { "StateTable", "crc", "CRC value" },
        { "MetadataService", "timeout", "no answer in time" },
        { "JobQueue", "aws", "AwsError" },
        { "DataBucket", "parse", "FormatException" },
        { "MetadataService", "network", "not reachable" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task One_failing_probe_fails_its_check_and_the_others_still_run(string failing, string kind, string detail)
    {
        Exception error = kind switch
        {
            "crc" => new IOException("CRC value returned with response does not match the computed CRC value for the returned response body."),
            "timeout" => new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 15 seconds elapsing.", new TimeoutException()),
            "aws" => new MetaflowException(ErrorIds.AwsError, "batch:DescribeJobQueues failed in us-east-1: ServiceUnavailableException", ErrorKind.ResourceUnavailable, "mf"),
            "parse" => new FormatException("The input is not a valid document."),
            _ => new System.Net.Http.HttpRequestException("Connection refused (abc123.execute-api.us-east-1.amazonaws.com:443)"),
        };
        var checks = await new StackChecks(new Probes(failing, error)).RunAsync(Stack(), null, null, CancellationToken.None);
        Assert.Equal(["StackStatus", "Outputs", "DataBucket", "JobQueue", "StateTable", "MetadataService"], checks.Select(c => c.Name));
        var failed = Assert.Single(checks, c => !c.Passed);
        Assert.Equal(failing, failed.Name);
        Assert.Contains(detail, failed.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_users_own_cancellation_stops_the_checks()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => new StackChecks(new Probes("", new Exception())).RunAsync(Stack(), null, null, cancel.Token));
    }
}
