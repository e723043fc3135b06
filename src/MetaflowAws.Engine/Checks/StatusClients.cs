using System.Text.Json.Nodes;
using Amazon.Runtime;
using MetaflowAws.Engine.Aws;

namespace MetaflowAws.Engine.Checks;

// The two read-only calls Test-MetaflowStack makes to services without an official package here:
// AWS Batch DescribeJobQueues (REST-JSON) and DynamoDB DescribeTable (JSON-RPC 1.0).

public sealed class BatchConfig() : OwnServiceConfig("Batch", "batch", "batch", "2016-08-10");

public sealed class DynamoDbConfig() : OwnServiceConfig("DynamoDB", "dynamodb", "dynamodb", "2012-08-10");

public sealed class DescribeJobQueuesRequest : RestJsonRequest
{
    public required string JobQueue { get; init; }
    internal override string Method => "POST";
    internal override string Path => "/v1/describejobqueues";
    internal override JsonObject? Body => new() { ["jobQueues"] = new JsonArray(JsonValue.Create(JobQueue)) };
}

public sealed record JobQueueState(string Name, string Arn, string State, string Status, string? StatusReason);

public sealed class DescribeJobQueuesResponse : AmazonWebServiceResponse
{
    public IReadOnlyList<JobQueueState> JobQueues { get; init; } = [];

    internal static DescribeJobQueuesResponse Parse(JsonNode? node) => new()
    {
        JobQueues = (node?["jobQueues"] as JsonArray ?? []).Select(q => new JobQueueState(
            q?["jobQueueName"]?.GetValue<string>() ?? "", q?["jobQueueArn"]?.GetValue<string>() ?? "",
            q?["state"]?.GetValue<string>() ?? "", q?["status"]?.GetValue<string>() ?? "", q?["statusReason"]?.GetValue<string>())).ToList(),
    };
}

public sealed class DescribeTableRequest : JsonRpcRequest
{
    public required string TableName { get; init; }
    internal override string Target => "DynamoDB_20120810.DescribeTable";
    internal override string JsonVersion => "1.0";
    internal override JsonObject? Body => new() { ["TableName"] = TableName };
}

public sealed class DescribeTableResponse : AmazonWebServiceResponse
{
    public string TableName { get; init; } = "";
    public string TableStatus { get; init; } = "";
    public string? TtlAttribute { get; init; }

    internal static DescribeTableResponse Parse(JsonNode? node) => new()
    {
        TableName = node?["Table"]?["TableName"]?.GetValue<string>() ?? "",
        TableStatus = node?["Table"]?["TableStatus"]?.GetValue<string>() ?? "",
    };
}

public sealed class BatchClient(AWSCredentials credentials, BatchConfig config) : OwnServiceClient(credentials, config)
{
    private static readonly RestJsonMarshaller Marshaller = new("AWSBatch");

    public Task<DescribeJobQueuesResponse> DescribeJobQueuesAsync(DescribeJobQueuesRequest request, CancellationToken ct)
        => SendAsync<DescribeJobQueuesResponse>(request, Marshaller, new JsonDocumentUnmarshaller<DescribeJobQueuesResponse>("Batch", DescribeJobQueuesResponse.Parse), ct);
}

public sealed class DynamoDbClient(AWSCredentials credentials, DynamoDbConfig config) : OwnServiceClient(credentials, config)
{
    private static readonly RestJsonMarshaller Marshaller = new("AmazonDynamoDBv2");

    public Task<DescribeTableResponse> DescribeTableAsync(DescribeTableRequest request, CancellationToken ct)
        => SendAsync<DescribeTableResponse>(request, Marshaller, new JsonDocumentUnmarshaller<DescribeTableResponse>("DynamoDB", DescribeTableResponse.Parse), ct);
}
