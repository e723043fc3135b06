using System.Net;
using System.Text.Json.Nodes;
using MetaflowAws.Engine;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Iam;
using MetaflowAws.Engine.PostDeploy;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Tests.RecordedResponses;

/// <summary>IAM GetRole and UpdateAssumeRolePolicy (Query protocol, 2010-05-08) on responses in IAM's wire shape.</summary>
public sealed class IamResponsesTests(RecordedAwsServer server) : IClassFixture<RecordedAwsServer>
{
    private const string Ns = "https://iam.amazonaws.com/doc/2010-05-08/";
    private const string RoleArn = "arn:aws:iam::123456789012:role/mf-prod-MetaflowUserRole-1A2B3C4D5E6F";

    // The trust policy as IAM sends it: JSON, URL-encoded per RFC 3986 (a space is %20, not +).
    private const string EncodedPolicy =
        "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Sid%22%3A%22Metaflow%20users%22%2C%22Effect%22%3A%22Allow%22%2C" +
        "%22Principal%22%3A%7B%22AWS%22%3A%22arn%3Aaws%3Aiam%3A%3A123456789012%3Aroot%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";

    // botocore iam/2010-05-08 GetRoleResponse (Role: Path, RoleName, RoleId, Arn, CreateDate, AssumeRolePolicyDocument
    // [policyDocumentType], Description, MaxSessionDuration, Tags, RoleLastUsed); layout as API reference example
    // "GetRole" and botocore examples-1.json "To get information about an IAM role".
    private const string GetRole = $"""
        <GetRoleResponse xmlns="{Ns}">
          <GetRoleResult>
            <Role>
              <Path>/metaflow/</Path>
              <AssumeRolePolicyDocument>{EncodedPolicy}</AssumeRolePolicyDocument>
              <MaxSessionDuration>3600</MaxSessionDuration>
              <RoleId>AROADBQP57FF2AEXAMPLE</RoleId>
              <RoleLastUsed>
                <LastUsedDate>2024-06-01T08:00:00Z</LastUsedDate>
                <Region>us-east-1</Region>
              </RoleLastUsed>
              <RoleName>mf-prod-MetaflowUserRole-1A2B3C4D5E6F</RoleName>
              <Description>Rôle des utilisateurs — état ✓ &amp; co</Description>
              <Arn>{RoleArn}</Arn>
              <CreateDate>2024-05-27T09:15:02Z</CreateDate>
              <Tags>
                <member>
                  <Key>aws:cloudformation:stack-name</Key>
                  <Value>mf-prod</Value>
                </member>
              </Tags>
            </Role>
          </GetRoleResult>
          <ResponseMetadata>
            <RequestId>df37e965-9967-11e1-a4c3-270EXAMPLE04</RequestId>
          </ResponseMetadata>
        </GetRoleResponse>
        """;

    // botocore iam/2010-05-08 NoSuchEntityException: code "NoSuchEntity", HTTP 404, sender fault.
    private const string NoSuchEntity = $"""
        <ErrorResponse xmlns="{Ns}">
          <Error>
            <Type>Sender</Type>
            <Code>NoSuchEntity</Code>
            <Message>The role with name mf-prod-MetaflowUserRole-1A2B3C4D5E6F cannot be found.</Message>
          </Error>
          <RequestId>6e2a0e4f-1b3c-4d5e-8f6a-7b8c9d0e1f2a</RequestId>
        </ErrorResponse>
        """;

    private static MetaflowStack Stack() => new()
    {
        StackName = "mf-prod",
        StackId = "arn:aws:cloudformation:us-east-1:123456789012:stack/mf-prod/5f6a7b80-1c2d-11ef-9a3b-0e1f2a3b4c5d",
        Region = "us-east-1",
        Status = "UPDATE_COMPLETE",
        Parameters = new Dictionary<string, string>(),
        Outputs = [new MetaflowStackOutput { StackName = "mf-prod", Region = "us-east-1", OutputKey = UserRoleService.RoleOutput, OutputValue = RoleArn }],
    };

    private UserRoleService Roles() => new(server.Iam(), server.Session());

    [Fact]
    public async Task GetRole_reads_the_role_and_decodes_its_trust_policy()
    {
        server.Answer(RecordedAnswer.Xml(GetRole));

        var role = await server.Iam().GetRoleAsync(new GetRoleRequest { RoleName = "mf-prod-MetaflowUserRole-1A2B3C4D5E6F" });

        Assert.Equal("df37e965-9967-11e1-a4c3-270EXAMPLE04", role.ResponseMetadata.RequestId);
        Assert.Equal("mf-prod-MetaflowUserRole-1A2B3C4D5E6F", role.RoleName);
        Assert.Equal(RoleArn, role.Arn);
        Assert.Equal("AROADBQP57FF2AEXAMPLE", role.RoleId);
        Assert.Equal("/metaflow/", role.Path);
        Assert.Equal("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Metaflow users\",\"Effect\":\"Allow\"," +
                     "\"Principal\":{\"AWS\":\"arn:aws:iam::123456789012:root\"},\"Action\":\"sts:AssumeRole\"}]}", role.AssumeRolePolicyDocument);
        var form = Assert.Single(server.Requests).Form;
        Assert.Equal("GetRole", form["Action"]);
        Assert.Equal("2010-05-08", form["Version"]);
    }

    [Fact]
    public async Task GetRole_feeds_the_grant_plan_with_the_decoded_policy()
    {
        server.Answer(RecordedAnswer.Xml(GetRole));

        var grant = await Roles().PlanAsync(Stack(), ["arn:aws:iam::210987654321:user/zoe", "123456789012"], TrustPolicy.DefaultLengthQuota, default);

        Assert.Equal(RoleArn, grant.RoleArn);
        Assert.Equal(["arn:aws:iam::210987654321:user/zoe"], grant.Added);
        Assert.Equal(["arn:aws:iam::123456789012:root"], grant.AlreadyTrusted);
        var statements = JsonNode.Parse(grant.NewPolicy)!["Statement"]!.AsArray();
        Assert.Equal("Metaflow users", statements[0]!["Sid"]!.GetValue<string>());
    }

    [Fact]
    public async Task GetRole_error_document_gives_code_message_and_request_id()
    {
        server.Answer(RecordedAnswer.Xml(NoSuchEntity, 404));

        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => server.Iam().GetRoleAsync(new GetRoleRequest { RoleName = "mf-prod-MetaflowUserRole-1A2B3C4D5E6F" }));

        Assert.Equal("NoSuchEntity", ex.ErrorCode);
        Assert.Equal("The role with name mf-prod-MetaflowUserRole-1A2B3C4D5E6F cannot be found.", ex.Message);
        Assert.Equal("6e2a0e4f-1b3c-4d5e-8f6a-7b8c9d0e1f2a", ex.RequestId);
        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Equal("IAM", ex.Service);
    }

    [Fact]
    public async Task GetRole_of_a_deleted_role_becomes_RoleNotFound()
    {
        server.Answer(RecordedAnswer.Xml(NoSuchEntity, 404));

        var ex = await Assert.ThrowsAsync<MetaflowException>(() => Roles().PlanAsync(Stack(), ["123456789012"], TrustPolicy.DefaultLengthQuota, default));

        Assert.Equal(ErrorIds.RoleNotFound, ex.ErrorId);
        Assert.Equal(ErrorKind.ObjectNotFound, ex.Kind);
        Assert.Equal(RoleArn, ex.Target);
        var inner = Assert.IsType<MetaflowException>(ex.InnerException);
        Assert.Equal("NoSuchEntity", inner.AwsErrorCode);
        Assert.Equal("6e2a0e4f-1b3c-4d5e-8f6a-7b8c9d0e1f2a", inner.RequestId);
    }

    // botocore iam/2010-05-08 UpdateAssumeRolePolicy: no output shape; the response carries only ResponseMetadata
    // (API reference example "UpdateAssumeRolePolicy").
    [Fact]
    public async Task UpdateAssumeRolePolicy_accepts_a_response_of_only_metadata()
    {
        server.Answer(RecordedAnswer.Xml($"""
            <UpdateAssumeRolePolicyResponse xmlns="{Ns}">
              <ResponseMetadata>
                <RequestId>309c1671-99ed-11e1-a4c3-270EXAMPLE04</RequestId>
              </ResponseMetadata>
            </UpdateAssumeRolePolicyResponse>
            """));

        await Roles().ApplyAsync(new UserRoleGrant("mf-prod", "mf-prod-MetaflowUserRole-1A2B3C4D5E6F", RoleArn, "{}", "{\"Version\":\"2012-10-17\"}", ["x"], []), default);

        var form = Assert.Single(server.Requests).Form;
        Assert.Equal("UpdateAssumeRolePolicy", form["Action"]);
        Assert.Equal("{\"Version\":\"2012-10-17\"}", form["PolicyDocument"]);
    }

    // botocore iam/2010-05-08 MalformedPolicyDocumentException: code "MalformedPolicyDocument", HTTP 400.
    [Fact]
    public async Task UpdateAssumeRolePolicy_error_document_keeps_code_and_request_id()
    {
        server.Answer(RecordedAnswer.Xml($"""
            <ErrorResponse xmlns="{Ns}">
              <Error>
                <Type>Sender</Type>
                <Code>MalformedPolicyDocument</Code>
                <Message>Invalid principal in policy: "AWS":"arn:aws:iam::210987654321:user/gone" — état ✓</Message>
              </Error>
              <RequestId>7f8e9d0c-1b2a-4c3d-9e4f-5a6b7c8d9e0f</RequestId>
            </ErrorResponse>
            """, 400));

        var ex = await Assert.ThrowsAsync<MetaflowException>(() =>
            Roles().ApplyAsync(new UserRoleGrant("mf-prod", "mf-prod-MetaflowUserRole-1A2B3C4D5E6F", RoleArn, "{}", "{}", ["x"], []), default));

        Assert.Equal(ErrorIds.AwsError, ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal("MalformedPolicyDocument", ex.AwsErrorCode);
        Assert.Equal("7f8e9d0c-1b2a-4c3d-9e4f-5a6b7c8d9e0f", ex.RequestId);
        Assert.Contains("Invalid principal in policy: \"AWS\":\"arn:aws:iam::210987654321:user/gone\" — état ✓", ex.Message, StringComparison.Ordinal);
    }

    // botocore iam/2010-05-08 ServiceFailureException: code "ServiceFailure", HTTP 500, a receiver fault.
    [Fact]
    public async Task A_service_failure_is_a_transient_receiver_error()
    {
        server.Answer(RecordedAnswer.Xml($"""
            <ErrorResponse xmlns="{Ns}">
              <Error>
                <Type>Receiver</Type>
                <Code>ServiceFailure</Code>
                <Message>Service Failure</Message>
              </Error>
              <RequestId>8a9b0c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d</RequestId>
            </ErrorResponse>
            """, 500));

        var ex = await Assert.ThrowsAsync<MetaflowException>(() => Roles().PlanAsync(Stack(), ["123456789012"], TrustPolicy.DefaultLengthQuota, default));

        Assert.Equal(ErrorIds.AwsError, ex.ErrorId);
        Assert.Equal(ErrorKind.ResourceUnavailable, ex.Kind);
        Assert.Equal("ServiceFailure", ex.AwsErrorCode);
        Assert.True(AwsErrors.IsTransient(ex));
    }
}
