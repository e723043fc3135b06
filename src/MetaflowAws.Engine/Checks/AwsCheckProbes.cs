using System.Net.Http;
using Amazon.S3;
using Amazon.S3.Model;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.PostDeploy;

namespace MetaflowAws.Engine.Checks;

/// <summary>The checks' calls against AWS (or the endpoint the session points at).</summary>
public sealed class AwsCheckProbes(AwsSession session, HttpClient http) : ICheckProbes
{
    public async Task<string> BucketAsync(string bucket, CancellationToken ct)
    {
        using var s3 = AwsClients.S3(session);
        var location = await AwsErrors.Call(() => s3.GetBucketLocationAsync(new GetBucketLocationRequest { BucketName = bucket }, ct), "s3:GetBucketLocation", bucket, session).ConfigureAwait(false);
        await AwsErrors.Call(() => s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, MaxKeys = 1 }, ct), "s3:ListObjectsV2", bucket, session).ConfigureAwait(false);
        return string.IsNullOrEmpty(location.Location?.Value) ? "us-east-1" : location.Location.Value;
    }

    public async Task<JobQueueState?> JobQueueAsync(string arn, CancellationToken ct)
    {
        using var batch = AwsClients.Batch(session);
        var r = await AwsErrors.Call(() => batch.DescribeJobQueuesAsync(new DescribeJobQueuesRequest { JobQueue = arn }, ct), "batch:DescribeJobQueues", arn, session).ConfigureAwait(false);
        return r.JobQueues.FirstOrDefault();
    }

    public async Task<string> TableStatusAsync(string name, CancellationToken ct)
    {
        using var ddb = AwsClients.DynamoDb(session);
        var r = await AwsErrors.Call(() => ddb.DescribeTableAsync(new DescribeTableRequest { TableName = name }, ct), "dynamodb:DescribeTable", name, session).ConfigureAwait(false);
        return r.TableStatus;
    }

    public async Task<(int Status, string Body)> GetAsync(Uri url, string? apiKey, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, InvokeUrl(url, session.EndpointFor("execute-api")));
        if (apiKey is not null) request.Headers.Add("x-api-key", apiKey);
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
    }

    /// <summary>
    /// An API Gateway invoke URL (https://{api}.execute-api.{region}.amazonaws.com/{stage}/...), routed
    /// through an endpoint override as {endpoint}/_execute-api/{api}/{stage}/... (how the sandbox serves it).
    /// </summary>
    public static Uri InvokeUrl(Uri url, string? endpoint)
    {
        if (endpoint is null) return url;
        var host = url.Host.Split('.');
        if (host.Length < 3 || host[1] != "execute-api") return url;
        return new Uri(endpoint.TrimEnd('/') + "/_execute-api/" + host[0] + url.AbsolutePath);
    }
}
