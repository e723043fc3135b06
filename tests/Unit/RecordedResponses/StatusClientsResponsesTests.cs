using System.Net;
using System.Net.Http;
using MetaflowAws.Engine;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Checks;

namespace MetaflowAws.Tests.RecordedResponses;

/// <summary>
/// Test-MetaflowStack's read-only probes on responses in the services' wire shapes: AWS Batch DescribeJobQueues
/// (REST-JSON, camelCase) and DynamoDB DescribeTable (JSON 1.0, PascalCase, x-amz-crc32 on every response).
/// </summary>
public sealed class StatusClientsResponsesTests(RecordedAwsServer server) : IClassFixture<RecordedAwsServer>
{
    private const string QueueArn = "arn:aws:batch:us-east-1:123456789012:job-queue/job-queue-mf-prod";

    // botocore batch/2016-08-10 DescribeJobQueuesResponse (jobQueues: JobQueueDetail{jobQueueName, jobQueueArn, state,
    // schedulingPolicyArn, status, statusReason, priority, computeEnvironmentOrder, tags}, nextToken).
    private const string Queues = $$"""
        {"jobQueues":[{"jobQueueName":"job-queue-mf-prod","jobQueueArn":"{{QueueArn}}","state":"ENABLED","status":"INVALID",
          "statusReason":"CLIENT_ERROR - Compute environment mf-prod-cpu is INVALID: état — ünïcode ✓ & <more>","priority":1,
          "computeEnvironmentOrder":[{"order":1,"computeEnvironment":"arn:aws:batch:us-east-1:123456789012:compute-environment/mf-prod-cpu"}],
          "tags":{"aws:cloudformation:stack-name":"mf-prod"} }],
         "nextToken":"bmV4dC1xdWV1ZQ=="}
        """;

    // botocore dynamodb/2012-08-10 DescribeTableOutput (Table: TableDescription, PascalCase as the model spells it;
    // CreationDateTime as epoch seconds with a fraction).
    private const string Table = """
        {"Table":{"AttributeDefinitions":[{"AttributeName":"pathspec","AttributeType":"S"}],
          "BillingModeSummary":{"BillingMode":"PAY_PER_REQUEST","LastUpdateToPayPerRequestDateTime":1.716801302591E9},
          "CreationDateTime":1.716801302591E9,"DeletionProtectionEnabled":false,"ItemCount":0,
          "KeySchema":[{"AttributeName":"pathspec","KeyType":"HASH"}],
          "ProvisionedThroughput":{"NumberOfDecreasesToday":0,"ReadCapacityUnits":0,"WriteCapacityUnits":0},
          "TableArn":"arn:aws:dynamodb:us-east-1:123456789012:table/mf-prod-StepFunctionsStateDDB-1X2Y3Z",
          "TableId":"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","TableName":"mf-prod-StepFunctionsStateDDB-1X2Y3Z",
          "TableSizeBytes":0,"TableStatus":"UPDATING"}}
        """;

    private AwsCheckProbes Probes() => new(server.Session(), new HttpClient());

    [Fact]
    public async Task DescribeJobQueues_reads_the_queue_state_and_unicode_reason()
    {
        server.Answer(RecordedAnswer.Json(Queues));

        var response = await server.Batch().DescribeJobQueuesAsync(new DescribeJobQueuesRequest { JobQueue = QueueArn }, default);

        var queue = Assert.Single(response.JobQueues);
        Assert.Equal(new JobQueueState("job-queue-mf-prod", QueueArn, "ENABLED", "INVALID",
            "CLIENT_ERROR - Compute environment mf-prod-cpu is INVALID: état — ünïcode ✓ & <more>"), queue);
        Assert.Equal(RecordedAwsServer.JsonRequestId, response.ResponseMetadata.RequestId);
        var request = Assert.Single(server.Requests);
        Assert.Equal(("POST", "/v1/describejobqueues"), (request.Method, request.Path));
        Assert.Equal($$"""{"jobQueues":["{{QueueArn}}"]}""", request.Body);
    }

    [Fact]
    public async Task DescribeJobQueues_through_the_probe_gives_the_first_queue()
    {
        server.Answer(RecordedAnswer.Json(Queues));

        var queue = await Probes().JobQueueAsync(QueueArn, default);

        Assert.Equal(("ENABLED", "INVALID"), (queue?.State, queue?.Status));
    }

    [Fact]
    public async Task DescribeJobQueues_of_an_unknown_queue_is_an_empty_list()
    {
        // Batch answers a queue it does not know with an empty list, not an error.
        server.Answer(RecordedAnswer.Json("""{"jobQueues":[]}"""));

        Assert.Null(await Probes().JobQueueAsync(QueueArn, default));
    }

    // botocore batch/2016-08-10 ClientException (HTTP 400, member "message"), type in x-amzn-ErrorType.
    [Fact]
    public async Task DescribeJobQueues_client_exception_gives_code_message_and_request_id()
    {
        server.Answer(RecordedAnswer.Json("""{"message":"jobQueues must be job queue names or ARNs — état ✓"}""", 400,
            "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", ("x-amzn-ErrorType", "ClientException:http://internal.amazon.com/coral/com.amazonaws.batch.v20160810/")));

        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => server.Batch().DescribeJobQueuesAsync(new DescribeJobQueuesRequest { JobQueue = "bad name" }, default));

        Assert.Equal("ClientException", ex.ErrorCode);
        Assert.Equal("jobQueues must be job queue names or ARNs — état ✓", ex.Message);
        Assert.Equal("1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", ex.RequestId);
        Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode);
    }

    [Fact]
    public async Task DescribeJobQueues_access_denied_becomes_AccessDenied()
    {
        // REST-JSON AccessDeniedException (HTTP 403) as Batch sends it for a missing batch:DescribeJobQueues permission.
        server.Answer(RecordedAnswer.Json(
            """{"Message":"User: arn:aws:iam::123456789012:user/zoe is not authorized to perform: batch:DescribeJobQueues"}""", 403,
            "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a", ("x-amzn-ErrorType", "AccessDeniedException")));

        var ex = await Assert.ThrowsAsync<MetaflowException>(() => Probes().JobQueueAsync(QueueArn, default));

        Assert.Equal(ErrorIds.AccessDenied, ex.ErrorId);
        Assert.Equal(ErrorKind.PermissionDenied, ex.Kind);
        Assert.Equal("2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a", ex.RequestId);
        Assert.Contains("is not authorized to perform: batch:DescribeJobQueues", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeTable_reads_name_and_status_and_checks_the_crc()
    {
        server.Answer(RecordedAnswer.DynamoDb(Table));

        var table = await server.DynamoDb().DescribeTableAsync(new DescribeTableRequest { TableName = "mf-prod-StepFunctionsStateDDB-1X2Y3Z" }, default);

        Assert.Equal("mf-prod-StepFunctionsStateDDB-1X2Y3Z", table.TableName);
        Assert.Equal("UPDATING", table.TableStatus);
        Assert.Equal(RecordedAwsServer.JsonRequestId, table.ResponseMetadata.RequestId);
        var request = Assert.Single(server.Requests);
        Assert.Equal("DynamoDB_20120810.DescribeTable", request.Headers["X-Amz-Target"]);
        Assert.StartsWith("application/x-amz-json-1.0", request.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.Equal("""{"TableName":"mf-prod-StepFunctionsStateDDB-1X2Y3Z"}""", request.Body);
    }

    [Fact]
    public async Task DescribeTable_through_the_probe_gives_the_status()
    {
        server.Answer(RecordedAnswer.DynamoDb(Table));

        Assert.Equal("UPDATING", await Probes().TableStatusAsync("mf-prod-StepFunctionsStateDDB-1X2Y3Z", default));
    }

    // botocore dynamodb/2012-08-10 ResourceNotFoundException (member "message"); JSON 1.0 names the error only in
    // __type, as "<namespace>#<Code>", with no x-amzn-ErrorType header.
    [Fact]
    public async Task DescribeTable_error_named_only_by_type_gives_code_message_and_request_id()
    {
        server.Answer(RecordedAnswer.DynamoDb(
            """{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found: Table: mf-gone not found"}""", 400));

        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => server.DynamoDb().DescribeTableAsync(new DescribeTableRequest { TableName = "mf-gone" }, default));

        Assert.Equal("ResourceNotFoundException", ex.ErrorCode);
        Assert.Equal("Requested resource not found: Table: mf-gone not found", ex.Message);
        Assert.Equal(RecordedAwsServer.JsonRequestId, ex.RequestId);
        Assert.Equal(Amazon.Runtime.ErrorType.Sender, ex.ErrorType);
        Assert.Equal("DynamoDB", ex.Service);
    }

    [Fact]
    public async Task DescribeTable_access_denied_named_by_a_coral_type_becomes_AccessDenied()
    {
        // DynamoDB's authorization errors come from the coral service namespace, the message as "Message".
        server.Answer(RecordedAnswer.DynamoDb(
            """{"__type":"com.amazon.coral.service#AccessDeniedException","Message":"User: arn:aws:iam::123456789012:user/zoe is not authorized to perform: dynamodb:DescribeTable on resource: arn:aws:dynamodb:us-east-1:123456789012:table/mf-t"}""", 400));

        var ex = await Assert.ThrowsAsync<MetaflowException>(() => Probes().TableStatusAsync("mf-t", default));

        Assert.Equal(ErrorIds.AccessDenied, ex.ErrorId);
        Assert.Equal("AccessDeniedException", ex.AwsErrorCode);
        Assert.Equal("mf-t", ex.Target);
        Assert.Contains("is not authorized to perform: dynamodb:DescribeTable", ex.Message, StringComparison.Ordinal);
    }
}
