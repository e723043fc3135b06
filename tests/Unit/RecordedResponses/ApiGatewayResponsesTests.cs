using System.Net;
using MetaflowAws.Engine;
using MetaflowAws.Engine.ApiGateway;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.PostDeploy;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Tests.RecordedResponses;

/// <summary>API Gateway GetApiKey (REST-JSON, 2015-07-09) on responses in API Gateway's wire shape.</summary>
public sealed class ApiGatewayResponsesTests(RecordedAwsServer server) : IClassFixture<RecordedAwsServer>
{
    private const string KeyId = "a1b2c3d4e5";

    // botocore apigateway/2015-07-09 ApiKey (GetApiKey's output): id, value, name, customerId, description, enabled,
    // createdDate, lastUpdatedDate (REST-JSON timestamps: epoch seconds), stageKeys, tags; camelCase as the model spells them.
    private const string ApiKey = """
        {"id":"a1b2c3d4e5","value":"Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdo","name":"mf-prod-ApiKey-É✓",
         "description":"Clé de l'API — état ✓","enabled":true,"createdDate":1716801302,"lastUpdatedDate":1717350359,
         "stageKeys":["x1y2z3a4b5/api"],"tags":{"aws:cloudformation:stack-name":"mf-prod"}}
        """;

    private static MetaflowStack Stack() => new()
    {
        StackName = "mf-prod",
        StackId = "arn:aws:cloudformation:us-east-1:123456789012:stack/mf-prod/5f6a7b80-1c2d-11ef-9a3b-0e1f2a3b4c5d",
        Region = "us-east-1",
        Status = "CREATE_COMPLETE",
        Parameters = new Dictionary<string, string>(),
        Outputs = [new MetaflowStackOutput { StackName = "mf-prod", Region = "us-east-1", OutputKey = ApiKeyService.KeyOutput, OutputValue = KeyId }],
    };

    private ApiKeyService Keys() => new(server.ApiGateway(), server.Session());

    [Fact]
    public async Task GetApiKey_reads_the_key_and_its_value()
    {
        server.Answer(RecordedAnswer.Json(ApiKey));

        var key = await server.ApiGateway().GetApiKeyAsync(new GetApiKeyRequest { ApiKey = KeyId, IncludeValue = true });

        Assert.Equal(KeyId, key.Id);
        Assert.Equal("mf-prod-ApiKey-É✓", key.Name);
        Assert.True(key.Enabled);
        Assert.Equal("Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdo", key.Value);
        Assert.Equal(RecordedAwsServer.JsonRequestId, key.ResponseMetadata.RequestId);
        // The secret never reaches ToString (what a verbose log would print).
        Assert.DoesNotContain(key.Value!, key.ToString(), StringComparison.Ordinal);
        var request = Assert.Single(server.Requests);
        Assert.Equal(("GET", "/apikeys/a1b2c3d4e5", "true"), (request.Method, request.Path, request.Query["includeValue"]));
    }

    [Fact]
    public async Task GetApiKey_gives_the_value_to_the_service()
    {
        server.Answer(RecordedAnswer.Json(ApiKey));

        Assert.Equal("Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdo", await Keys().GetValueAsync(Stack(), default));
    }

    [Fact]
    public async Task GetApiKey_without_value_and_disabled_reads_as_such()
    {
        // includeValue=false: API Gateway leaves "value" out; a disabled key has "enabled":false.
        server.Answer(RecordedAnswer.Json("""{"id":"a1b2c3d4e5","name":"mf-prod-ApiKey","enabled":false,"createdDate":1716801302,"lastUpdatedDate":1716801302,"stageKeys":[]}"""));

        var key = await server.ApiGateway().GetApiKeyAsync(new GetApiKeyRequest { ApiKey = KeyId });

        Assert.Null(key.Value);
        Assert.False(key.Enabled);
        Assert.Equal("false", Assert.Single(server.Requests).Query["includeValue"]);
        var ex = await Assert.ThrowsAsync<MetaflowException>(() => Keys().GetValueAsync(Stack(), default));
        Assert.Equal(ErrorIds.AwsError, ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
    }

    [Fact]
    public async Task GetApiKey_of_a_disabled_key_with_its_value_is_refused()
    {
        server.Answer(RecordedAnswer.Json(ApiKey.Replace("\"enabled\":true", "\"enabled\":false", StringComparison.Ordinal)));

        var ex = await Assert.ThrowsAsync<MetaflowException>(() => Keys().GetValueAsync(Stack(), default));

        Assert.Equal(ErrorIds.FeatureNotDeployed, ex.ErrorId);
        Assert.Equal(KeyId, ex.Target);
    }

    // botocore apigateway/2015-07-09 NotFoundException (HTTP 404, member "message"); REST-JSON errors name their
    // type in x-amzn-ErrorType, which API Gateway suffixes with ":" and a namespace URL.
    [Fact]
    public async Task GetApiKey_error_with_x_amzn_ErrorType_gives_code_message_and_request_id()
    {
        server.Answer(RecordedAnswer.Json("""{"message":"Invalid API Key identifier specified"}""", 404, "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
            ("x-amzn-ErrorType", "NotFoundException:http://internal.amazon.com/coral/com.amazonaws.backplane.controlplane/")));

        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => server.ApiGateway().GetApiKeyAsync(new GetApiKeyRequest { ApiKey = "nope" }));

        Assert.Equal("NotFoundException", ex.ErrorCode);
        Assert.Equal("Invalid API Key identifier specified", ex.Message);
        Assert.Equal("9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", ex.RequestId);
        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Equal(Amazon.Runtime.ErrorType.Sender, ex.ErrorType);
        Assert.Equal("API Gateway", ex.Service);
    }

    [Fact]
    public async Task GetApiKey_not_found_through_the_service_keeps_code_and_request_id()
    {
        server.Answer(RecordedAnswer.Json("""{"message":"Invalid API Key identifier specified"}""", 404, "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
            ("x-amzn-ErrorType", "NotFoundException")));

        var ex = await Assert.ThrowsAsync<MetaflowException>(() => Keys().GetValueAsync(Stack(), default));

        Assert.Equal(ErrorIds.AwsError, ex.ErrorId);
        Assert.Equal("NotFoundException", ex.AwsErrorCode);
        Assert.Equal("9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", ex.RequestId);
        Assert.Contains("Invalid API Key identifier specified", ex.Message, StringComparison.Ordinal);
    }

    // botocore apigateway/2015-07-09 TooManyRequestsException (HTTP 429, members retryAfterSeconds [Retry-After header], message).
    [Fact]
    public async Task GetApiKey_throttled_becomes_Throttled()
    {
        server.Answer(RecordedAnswer.Json("""{"message":"Too Many Requests"}""", 429, "0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d",
            ("x-amzn-ErrorType", "TooManyRequestsException"), ("Retry-After", "1")));

        var ex = await Assert.ThrowsAsync<MetaflowException>(() => Keys().GetValueAsync(Stack(), default));

        Assert.Equal(ErrorIds.Throttled, ex.ErrorId);
        Assert.Equal("TooManyRequestsException", ex.AwsErrorCode);
    }
}
