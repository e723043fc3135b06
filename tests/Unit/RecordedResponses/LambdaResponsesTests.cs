using System.Net;
using System.Text.Json.Nodes;
using MetaflowAws.Engine;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Lambda;
using MetaflowAws.Engine.PostDeploy;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Tests.RecordedResponses;

/// <summary>
/// Lambda Invoke (REST-JSON, 2015-03-31) on responses in Lambda's wire shape: botocore InvocationResponse has
/// StatusCode (the HTTP status), FunctionError (header X-Amz-Function-Error), LogResult (header X-Amz-Log-Result,
/// base64), ExecutedVersion (header X-Amz-Executed-Version) and Payload (the body, as the function returned it).
/// </summary>
public sealed class LambdaResponsesTests(RecordedAwsServer server) : IClassFixture<RecordedAwsServer>
{
    private const string Function = "mf-prod-MigrationFunction-1A2B3C4D5E6F";

    // "START RequestId: 6c1d Version: $LATEST\nmigration status: état ✓\nEND RequestId: 6c1d\n", base64 of its UTF-8.
    private const string LogTail = "U1RBUlQgUmVxdWVzdElkOiA2YzFkIFZlcnNpb246ICRMQVRFU1QKbWlncmF0aW9uIHN0YXR1czogw6l0YXQg4pyTCkVORCBSZXF1ZXN0SWQ6IDZjMWQK";

    // What the stack's migration function returns for {"action":"status"}: metaflow-service's /db_schema_status.
    private const string StatusPayload = """
        {"ok":true,"before":{"is_up_to_date":false,"current_version":36,"migration_in_progress":false,"unapplied_migrations":["20240601_état_✓.sql"]}}
        """;

    private static MetaflowStack Stack() => new()
    {
        StackName = "mf-prod",
        StackId = "arn:aws:cloudformation:us-east-1:123456789012:stack/mf-prod/5f6a7b80-1c2d-11ef-9a3b-0e1f2a3b4c5d",
        Region = "us-east-1",
        Status = "UPDATE_COMPLETE",
        Parameters = new Dictionary<string, string>(),
        Outputs = [new MetaflowStackOutput { StackName = "mf-prod", Region = "us-east-1", OutputKey = SchemaMigrationService.FunctionOutput, OutputValue = Function }],
    };

    private SchemaMigrationService Migrations() => new(server.Lambda(), server.Session());

    [Fact]
    public async Task Invoke_reads_payload_log_tail_and_executed_version()
    {
        server.Answer(RecordedAnswer.Json(StatusPayload, 200, "6c1d0e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f",
            ("X-Amz-Executed-Version", "$LATEST"), ("X-Amz-Log-Result", LogTail)));

        var response = await server.Lambda().InvokeAsync(new InvokeRequest { FunctionName = Function, Payload = new JsonObject { ["action"] = "status" }, TailLog = true });

        Assert.Null(response.FunctionError);
        Assert.Equal("$LATEST", response.ExecutedVersion);
        Assert.Equal("START RequestId: 6c1d Version: $LATEST\nmigration status: état ✓\nEND RequestId: 6c1d\n", response.LogTail);
        Assert.Equal(36, response.Payload?["before"]?["current_version"]?.GetValue<int>());
        Assert.Equal("20240601_état_✓.sql", response.Payload?["before"]?["unapplied_migrations"]?[0]?.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, response.HttpStatusCode);
        Assert.Equal("6c1d0e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f", response.ResponseMetadata.RequestId);
        var request = Assert.Single(server.Requests);
        Assert.Equal(("POST", $"/2015-03-31/functions/{Function}/invocations"), (request.Method, request.Path));
        Assert.Equal(("RequestResponse", "Tail"), (request.Headers["X-Amz-Invocation-Type"], request.Headers["X-Amz-Log-Type"]));
        Assert.Equal("""{"action":"status"}""", request.Body);
    }

    [Fact]
    public async Task Invoke_result_becomes_the_schema_status()
    {
        server.Answer(RecordedAnswer.Json(StatusPayload, 200, "6c1d0e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f", ("X-Amz-Executed-Version", "$LATEST")));

        var result = await Migrations().RunAsync(Stack(), upgrade: false, default);

        Assert.Equal((false, 36L, false), (result.Before?.IsUpToDate, result.Before?.CurrentVersion, result.Before?.MigrationInProgress));
        Assert.Equal(["20240601_état_✓.sql"], result.Before?.UnappliedMigrations);
        Assert.False(result.IsUpToDate);
    }

    [Fact]
    public async Task Invoke_dry_run_has_no_payload()
    {
        // InvocationType DryRun: HTTP 204, no body (botocore InvocationResponse.StatusCode "204 for DryRun").
        server.Answer(new RecordedAnswer(204, "", "application/json", new Dictionary<string, string> { ["x-amzn-RequestId"] = "7d2e1f3a-0000-4b5c-8d6e-7f8a9b0c1d2e" }));

        var response = await server.Lambda().InvokeAsync(new InvokeRequest { FunctionName = Function, InvocationType = "DryRun" });

        Assert.Equal(HttpStatusCode.NoContent, response.HttpStatusCode);
        Assert.Null(response.Payload);
        Assert.Null(response.FunctionError);
        Assert.Null(response.LogTail);
        Assert.Equal("DryRun", Assert.Single(server.Requests).Headers["X-Amz-Invocation-Type"]);
    }

    // botocore lambda/2015-03-31 InvocationResponse.Payload is a blob, the function's response as it returned it;
    // botocore examples-1.json "To invoke a Lambda function" answers the Payload "200 SUCCESS", which is not JSON.
    [Fact]
    public async Task Invoke_payload_that_is_not_json_is_kept_as_text()
    {
        server.Answer(RecordedAnswer.Json("200 SUCCESS — état ✓", 200, "6c1d0e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f", ("X-Amz-Executed-Version", "1")));

        var response = await server.Lambda().InvokeAsync(new InvokeRequest { FunctionName = Function });

        Assert.Null(response.Payload);
        Assert.Equal("200 SUCCESS — état ✓", response.PayloadText);
        Assert.Equal("1", response.ExecutedVersion);

        var ex = await Assert.ThrowsAsync<MetaflowException>(() => Migrations().RunAsync(Stack(), upgrade: false, default));
        Assert.Equal(ErrorIds.MigrationFailed, ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
        Assert.Contains("answered '200 SUCCESS — état ✓'", ex.Message, StringComparison.Ordinal);
    }

    // A function that raised: HTTP 200, X-Amz-Function-Error "Unhandled", the runtime's error document as the payload
    // (errorMessage, errorType, stackTrace) — Lambda's documented shape for a function error.
    private const string FunctionErrorPayload = """
        {"errorMessage":"could not connect to server: état ✓ <db> & co","errorType":"OperationalError","requestId":"6c1d0e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f","stackTrace":[]}
        """;

    [Fact]
    public async Task Invoke_function_error_is_read_from_header_and_payload()
    {
        server.Answer(RecordedAnswer.Json(FunctionErrorPayload, 200, "6c1d0e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f",
            ("X-Amz-Function-Error", "Unhandled"), ("X-Amz-Executed-Version", "$LATEST")));

        var response = await server.Lambda().InvokeAsync(new InvokeRequest { FunctionName = Function });

        Assert.Equal("Unhandled", response.FunctionError);
        Assert.Equal("OperationalError", response.Payload?["errorType"]?.GetValue<string>());
        Assert.Equal("could not connect to server: état ✓ <db> & co", response.Payload?["errorMessage"]?.GetValue<string>());
        Assert.Empty(response.Payload?["stackTrace"]?.AsArray() ?? [null]);
    }

    [Fact]
    public async Task Invoke_function_error_becomes_MigrationFailed()
    {
        server.Answer(RecordedAnswer.Json(FunctionErrorPayload, 200, "6c1d0e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f", ("X-Amz-Function-Error", "Unhandled")));

        var ex = await Assert.ThrowsAsync<MetaflowException>(() => Migrations().RunAsync(Stack(), upgrade: true, default));

        Assert.Equal(ErrorIds.MigrationFailed, ex.ErrorId);
        Assert.Contains("(Unhandled): OperationalError: could not connect to server: état ✓ <db> & co", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not upgraded", ex.Message, StringComparison.Ordinal);
    }

    // botocore lambda/2015-03-31 ResourceNotFoundException: HTTP 404, members Type and Message (capital M).
    [Fact]
    public async Task Invoke_of_a_missing_function_gives_code_message_and_request_id()
    {
        server.Answer(RecordedAnswer.Json(
            $$"""{"Type":"User","Message":"Function not found: arn:aws:lambda:us-east-1:123456789012:function:{{Function}}"}""", 404,
            "8e9f0a1b-2c3d-4e5f-8a6b-7c8d9e0f1a2b", ("x-amzn-ErrorType", "ResourceNotFoundException")));

        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => server.Lambda().InvokeAsync(new InvokeRequest { FunctionName = Function }));

        Assert.Equal("ResourceNotFoundException", ex.ErrorCode);
        Assert.Equal($"Function not found: arn:aws:lambda:us-east-1:123456789012:function:{Function}", ex.Message);
        Assert.Equal("8e9f0a1b-2c3d-4e5f-8a6b-7c8d9e0f1a2b", ex.RequestId);
        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Equal("Lambda", ex.Service);

        var translated = await Assert.ThrowsAsync<MetaflowException>(() => Migrations().RunAsync(Stack(), upgrade: false, default));
        Assert.Equal(ErrorIds.AwsError, translated.ErrorId);
        Assert.Equal("ResourceNotFoundException", translated.AwsErrorCode);
        Assert.Equal("8e9f0a1b-2c3d-4e5f-8a6b-7c8d9e0f1a2b", translated.RequestId);
    }

    // botocore lambda/2015-03-31 TooManyRequestsException: HTTP 429, members retryAfterSeconds (Retry-After), Type,
    // message (lower case here), Reason.
    [Fact]
    public async Task Invoke_throttled_becomes_Throttled()
    {
        server.Answer(RecordedAnswer.Json("""{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}""", 429,
            "9f0a1b2c-3d4e-4f5a-8b6c-7d8e9f0a1b2c", ("x-amzn-ErrorType", "TooManyRequestsException"), ("Retry-After", "1")));

        var ex = await Assert.ThrowsAsync<MetaflowException>(() => Migrations().RunAsync(Stack(), upgrade: false, default));

        Assert.Equal(ErrorIds.Throttled, ex.ErrorId);
        Assert.Equal("TooManyRequestsException", ex.AwsErrorCode);
        Assert.Contains("Rate Exceeded.", ex.Message, StringComparison.Ordinal);
    }
}
