using MetaflowAws.Engine;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.CloudFormation;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Tests.RecordedResponses;

/// <summary>
/// CloudFormation's change set operations and ContinueUpdateRollback on responses in CloudFormation's wire shape,
/// through the real client and <see cref="ChangeSetService"/> (which pages DescribeChangeSet through NextToken).
/// </summary>
public sealed class CloudFormationChangeSetResponsesTests(RecordedAwsServer server) : IClassFixture<RecordedAwsServer>
{
    private const string Ns = "http://cloudformation.amazonaws.com/doc/2010-05-15/";
    private const string StackId = "arn:aws:cloudformation:us-east-1:123456789012:stack/mf-prod/5f6a7b80-1c2d-11ef-9a3b-0e1f2a3b4c5d";
    private const string ChangeSetId = "arn:aws:cloudformation:us-east-1:123456789012:changeSet/metaflowaws-update/9d8c7b6a-5e4f-4a3b-9c2d-1e0f9a8b7c6d";

    // botocore cloudformation/2010-05-15 CreateChangeSetOutput (Id, StackId); API reference example "CreateChangeSet".
    private const string Created = $"""
        <CreateChangeSetResponse xmlns="{Ns}">
          <CreateChangeSetResult>
            <Id>{ChangeSetId}</Id>
            <StackId>{StackId}</StackId>
          </CreateChangeSetResult>
          <ResponseMetadata>
            <RequestId>1a2b3c4d-0001-11e5-94eb-0123456789ab</RequestId>
          </ResponseMetadata>
        </CreateChangeSetResponse>
        """;

    // botocore cloudformation/2010-05-15 DescribeChangeSetOutput (Changes: Change{Type, ResourceChange{Action,
    // LogicalResourceId, PhysicalResourceId, ResourceType, Replacement, Scope, Details: ResourceChangeDetail{Target
    // {Attribute, Name, RequiresRecreation}, Evaluation, ChangeSource, CausingEntity}}}, NextToken); layout as API
    // reference example "DescribeChangeSet".
    private static string Described(int page, string? nextToken) => page == 1
        ? $"""
          <DescribeChangeSetResponse xmlns="{Ns}">
            <DescribeChangeSetResult>
              <ChangeSetName>metaflowaws-update</ChangeSetName>
              <ChangeSetId>{ChangeSetId}</ChangeSetId>
              <StackId>{StackId}</StackId>
              <StackName>mf-prod</StackName>
              <Description>Mise à jour — état ✓</Description>
              <Parameters>
                <member>
                  <ParameterKey>VPCCidr</ParameterKey>
                  <ParameterValue>10.30.0.0/16</ParameterValue>
                </member>
              </Parameters>
              <CreationTime>2024-06-02T17:20:00.123Z</CreationTime>
              <ExecutionStatus>AVAILABLE</ExecutionStatus>
              <Status>CREATE_COMPLETE</Status>
              <NotificationARNs/>
              <RollbackConfiguration/>
              <Capabilities>
                <member>CAPABILITY_IAM</member>
              </Capabilities>
              <Tags/>
              <Changes>
                <member>
                  <ResourceChange>
                    <Action>Modify</Action>
                    <LogicalResourceId>VPC</LogicalResourceId>
                    <PhysicalResourceId>vpc-0a1b2c3d4e5f60718</PhysicalResourceId>
                    <ResourceType>AWS::EC2::VPC</ResourceType>
                    <Replacement>True</Replacement>
                    <Scope>
                      <member>Properties</member>
                    </Scope>
                    <Details>
                      <member>
                        <Target>
                          <Attribute>Properties</Attribute>
                          <Name>CidrBlock</Name>
                          <RequiresRecreation>Always</RequiresRecreation>
                        </Target>
                        <Evaluation>Static</Evaluation>
                        <ChangeSource>ParameterReference</ChangeSource>
                        <CausingEntity>VPCCidr</CausingEntity>
                      </member>
                    </Details>
                  </ResourceChange>
                  <Type>Resource</Type>
                </member>
                <member>
                  <ResourceChange>
                    <Action>Add</Action>
                    <LogicalResourceId>MigrationFunction</LogicalResourceId>
                    <ResourceType>AWS::Lambda::Function</ResourceType>
                    <Scope/>
                    <Details/>
                  </ResourceChange>
                  <Type>Resource</Type>
                </member>
              </Changes>
              <NextToken>{nextToken}</NextToken>
            </DescribeChangeSetResult>
            <ResponseMetadata>
              <RequestId>1a2b3c4d-0002-11e5-94eb-0123456789ab</RequestId>
            </ResponseMetadata>
          </DescribeChangeSetResponse>
          """
        : $"""
          <DescribeChangeSetResponse xmlns="{Ns}">
            <DescribeChangeSetResult>
              <ChangeSetName>metaflowaws-update</ChangeSetName>
              <ChangeSetId>{ChangeSetId}</ChangeSetId>
              <StackId>{StackId}</StackId>
              <StackName>mf-prod</StackName>
              <ExecutionStatus>AVAILABLE</ExecutionStatus>
              <Status>CREATE_COMPLETE</Status>
              <Changes>
                <member>
                  <ResourceChange>
                    <Action>Modify</Action>
                    <LogicalResourceId>Subnet1</LogicalResourceId>
                    <PhysicalResourceId>subnet-0123456789abcdef0</PhysicalResourceId>
                    <ResourceType>AWS::EC2::Subnet</ResourceType>
                    <Replacement>Conditional</Replacement>
                    <Scope>
                      <member>Properties</member>
                    </Scope>
                    <Details>
                      <member>
                        <Target>
                          <Attribute>Properties</Attribute>
                          <Name>VpcId</Name>
                          <RequiresRecreation>Always</RequiresRecreation>
                        </Target>
                        <Evaluation>Dynamic</Evaluation>
                        <ChangeSource>ResourceReference</ChangeSource>
                        <CausingEntity>VPC</CausingEntity>
                      </member>
                      <member>
                        <Target>
                          <Attribute>Tags</Attribute>
                          <RequiresRecreation>Never</RequiresRecreation>
                        </Target>
                        <Evaluation>Static</Evaluation>
                        <ChangeSource>DirectModification</ChangeSource>
                      </member>
                    </Details>
                  </ResourceChange>
                  <Type>Resource</Type>
                </member>
              </Changes>
            </DescribeChangeSetResult>
            <ResponseMetadata>
              <RequestId>1a2b3c4d-0003-11e5-94eb-0123456789ab</RequestId>
            </ResponseMetadata>
          </DescribeChangeSetResponse>
          """;

    // DescribeChangeSetOutput of a change set CloudFormation could not compute because nothing changes:
    // Status FAILED, ExecutionStatus UNAVAILABLE, the reason in StatusReason, Changes empty.
    private const string NoChanges = $"""
        <DescribeChangeSetResponse xmlns="{Ns}">
          <DescribeChangeSetResult>
            <ChangeSetName>metaflowaws-update</ChangeSetName>
            <ChangeSetId>{ChangeSetId}</ChangeSetId>
            <StackId>{StackId}</StackId>
            <StackName>mf-prod</StackName>
            <ExecutionStatus>UNAVAILABLE</ExecutionStatus>
            <Status>FAILED</Status>
            <StatusReason>The submitted information didn't contain changes. Submit different information to create a change set.</StatusReason>
            <Changes/>
          </DescribeChangeSetResult>
          <ResponseMetadata>
            <RequestId>1a2b3c4d-0004-11e5-94eb-0123456789ab</RequestId>
          </ResponseMetadata>
        </DescribeChangeSetResponse>
        """;

    private static string Empty(string action) => $"""
        <{action}Response xmlns="{Ns}">
          <{action}Result/>
          <ResponseMetadata>
            <RequestId>1a2b3c4d-0005-11e5-94eb-0123456789ab</RequestId>
          </ResponseMetadata>
        </{action}Response>
        """;

    private ChangeSetService ChangeSets() => new(server.CloudFormation(), server.Session()) { PollInterval = TimeSpan.FromMilliseconds(1) };

    private static CreateChangeSetRequest Request() => new()
    {
        StackName = "mf-prod",
        ChangeSetName = "metaflowaws-update",
        UsePreviousTemplate = true,
        Parameters = [new StackParameter("VPCCidr", "10.30.0.0/16"), new StackParameter("APIBasicAuth", null, UsePreviousValue: true)],
    };

    [Fact]
    public async Task CreateChangeSet_reads_the_change_set_and_stack_ids()
    {
        server.Answer(RecordedAnswer.Xml(Created));

        var created = await server.CloudFormation().CreateChangeSetAsync(Request());

        Assert.Equal(ChangeSetId, created.Id);
        Assert.Equal(StackId, created.StackId);
        Assert.Equal("1a2b3c4d-0001-11e5-94eb-0123456789ab", created.ResponseMetadata.RequestId);
        var form = Assert.Single(server.Requests).Form;
        Assert.Equal("CreateChangeSet", form["Action"]);
        Assert.Equal("true", form["UsePreviousTemplate"]);
        Assert.Equal("true", form["Parameters.member.2.UsePreviousValue"]);
        Assert.False(form.ContainsKey("Parameters.member.2.ParameterValue"));
    }

    [Fact]
    public async Task DescribeChangeSet_reads_changes_details_and_the_next_token()
    {
        server.Answer(RecordedAnswer.Xml(Described(1, "Y2hhbmdlcy1wYWdlLTI=")));

        var d = await server.CloudFormation().DescribeChangeSetAsync(new DescribeChangeSetRequest { ChangeSetName = ChangeSetId });

        Assert.Equal("metaflowaws-update", d.ChangeSetName);
        Assert.Equal(ChangeSetId, d.ChangeSetId);
        Assert.Equal(StackId, d.StackId);
        Assert.Equal("mf-prod", d.StackName);
        Assert.Equal("CREATE_COMPLETE", d.Status);
        Assert.Equal("AVAILABLE", d.ExecutionStatus);
        Assert.Null(d.StatusReason);
        Assert.Equal("Y2hhbmdlcy1wYWdlLTI=", d.NextToken);
        Assert.Equal([new StackParameter("VPCCidr", "10.30.0.0/16")], d.Parameters);
        Assert.Equal(2, d.Changes.Count);
        var vpc = d.Changes[0];
        Assert.Equal(("Modify", "VPC", "vpc-0a1b2c3d4e5f60718", "AWS::EC2::VPC", "True"),
            (vpc.Action, vpc.LogicalResourceId, vpc.PhysicalResourceId, vpc.ResourceType, vpc.Replacement));
        Assert.Equal(["Properties"], vpc.Scope);
        Assert.Equal([new ResourceChangeDetailInfo("Properties", "CidrBlock", "Always", "Static", "ParameterReference", "VPCCidr")], vpc.Details);
        var added = d.Changes[1];
        Assert.Equal("Add", added.Action);
        Assert.Null(added.PhysicalResourceId);
        Assert.Null(added.Replacement);
        Assert.Empty(added.Scope);
        Assert.Empty(added.Details);
    }

    [Fact]
    public async Task A_computed_change_set_is_read_across_its_pages()
    {
        server.Answer(r => RecordedAnswer.Xml(r.Form["Action"] switch
        {
            "CreateChangeSet" => Created,
            "DescribeChangeSet" => Described(r.Form.ContainsKey("NextToken") ? 2 : 1, "Y2hhbmdlcy1wYWdlLTI="),
            var a => throw new InvalidOperationException("unexpected " + a),
        }));

        var plan = await ChangeSets().CreateAsync(Request(), default);

        Assert.Equal(("mf-prod", StackId, ChangeSetId, "metaflowaws-update"), (plan.StackName, plan.StackId, plan.ChangeSetId, plan.ChangeSetName));
        Assert.Equal(["VPC", "MigrationFunction", "Subnet1"], plan.Changes.Select(c => c.LogicalResourceId));
        Assert.Equal(["CidrBlock"], plan.Changes[0].ReplacementCause);
        Assert.Equal(["VPCCidr"], plan.Changes[0].CausingEntities);
        Assert.Equal(["VpcId"], plan.Changes[2].ChangedProperties);
        Assert.Equal(["VpcId"], plan.Changes[2].ReplacementCause);
        Assert.Equal(["CreateChangeSet", "DescribeChangeSet", "DescribeChangeSet"], server.Requests.Select(r => r.Form["Action"]));
        Assert.Equal("Y2hhbmdlcy1wYWdlLTI=", server.Requests[2].Form["NextToken"]);
        Assert.All(server.Requests.Skip(1), r => Assert.Equal(ChangeSetId, r.Form["ChangeSetName"]));
    }

    [Fact]
    public async Task A_change_set_without_changes_is_deleted_and_gives_an_empty_plan()
    {
        server.Answer(r => RecordedAnswer.Xml(r.Form["Action"] switch
        {
            "CreateChangeSet" => Created,
            "DescribeChangeSet" => NoChanges,
            // botocore cloudformation/2010-05-15 DeleteChangeSetOutput: an empty result.
            "DeleteChangeSet" => Empty("DeleteChangeSet"),
            var a => throw new InvalidOperationException("unexpected " + a),
        }));

        var plan = await ChangeSets().CreateAsync(Request(), default);

        Assert.False(plan.HasChanges);
        Assert.Equal(["CreateChangeSet", "DescribeChangeSet", "DeleteChangeSet"], server.Requests.Select(r => r.Form["Action"]));
        Assert.Equal(ChangeSetId, server.Requests[2].Form["ChangeSetName"]);
    }

    // botocore cloudformation/2010-05-15 ChangeSetNotFoundException: code "ChangeSetNotFound", HTTP 404.
    [Fact]
    public async Task DescribeChangeSet_error_document_of_a_missing_change_set()
    {
        server.Answer(RecordedAnswer.Xml($"""
            <ErrorResponse xmlns="{Ns}">
              <Error>
                <Type>Sender</Type>
                <Code>ChangeSetNotFound</Code>
                <Message>ChangeSet [{ChangeSetId}] does not exist</Message>
              </Error>
              <RequestId>5e6f7a8b-0006-11e5-94eb-0123456789ab</RequestId>
            </ErrorResponse>
            """, 404));

        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => server.CloudFormation().DescribeChangeSetAsync(new DescribeChangeSetRequest { ChangeSetName = ChangeSetId }));

        Assert.Equal("ChangeSetNotFound", ex.ErrorCode);
        Assert.Equal($"ChangeSet [{ChangeSetId}] does not exist", ex.Message);
        Assert.Equal("5e6f7a8b-0006-11e5-94eb-0123456789ab", ex.RequestId);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, ex.StatusCode);
    }

    // botocore cloudformation/2010-05-15 ExecuteChangeSetOutput: an empty result.
    [Fact]
    public async Task ExecuteChangeSet_accepts_an_empty_result()
    {
        server.Answer(RecordedAnswer.Xml(Empty("ExecuteChangeSet")));

        await ChangeSets().ExecuteAsync(ChangeSetId, "mf-prod", default);

        var form = Assert.Single(server.Requests).Form;
        Assert.Equal("ExecuteChangeSet", form["Action"]);
        Assert.Equal(ChangeSetId, form["ChangeSetName"]);
        Assert.StartsWith("metaflowaws-", form["ClientRequestToken"], StringComparison.Ordinal);
    }

    // botocore cloudformation/2010-05-15 InvalidChangeSetStatusException: code "InvalidChangeSetStatus", HTTP 400.
    [Fact]
    public async Task ExecuteChangeSet_of_an_obsolete_change_set_keeps_the_code()
    {
        server.Answer(RecordedAnswer.Xml($"""
            <ErrorResponse xmlns="{Ns}">
              <Error>
                <Type>Sender</Type>
                <Code>InvalidChangeSetStatus</Code>
                <Message>ChangeSet [{ChangeSetId}] cannot be executed in its current status of [OBSOLETE]</Message>
              </Error>
              <RequestId>5e6f7a8b-0007-11e5-94eb-0123456789ab</RequestId>
            </ErrorResponse>
            """, 400));

        var ex = await Assert.ThrowsAsync<MetaflowException>(() => ChangeSets().ExecuteAsync(ChangeSetId, "mf-prod", default));

        Assert.Equal(ErrorIds.AwsError, ex.ErrorId);
        Assert.Equal("InvalidChangeSetStatus", ex.AwsErrorCode);
        Assert.Equal("5e6f7a8b-0007-11e5-94eb-0123456789ab", ex.RequestId);
        Assert.Contains("[OBSOLETE]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteChangeSet_accepts_an_empty_result()
    {
        server.Answer(RecordedAnswer.Xml(Empty("DeleteChangeSet")));

        await ChangeSets().DeleteAsync(ChangeSetId, "mf-prod", default);

        Assert.Equal("DeleteChangeSet", Assert.Single(server.Requests).Form["Action"]);
    }

    // botocore cloudformation/2010-05-15 ContinueUpdateRollbackOutput: an empty result.
    [Fact]
    public async Task ContinueUpdateRollback_accepts_an_empty_result()
    {
        server.Answer(RecordedAnswer.Xml(Empty("ContinueUpdateRollback")));

        await new StackService(server.CloudFormation(), server.Session()).ContinueRollbackAsync(StackId, "mf-prod", ["MetadataService"], default);

        var form = Assert.Single(server.Requests).Form;
        Assert.Equal("ContinueUpdateRollback", form["Action"]);
        Assert.Equal("MetadataService", form["ResourcesToSkip.member.1"]);
    }

    [Fact]
    public async Task ContinueUpdateRollback_of_a_stack_in_another_state_is_a_validation_error()
    {
        server.Answer(RecordedAnswer.Xml($"""
            <ErrorResponse xmlns="{Ns}">
              <Error>
                <Type>Sender</Type>
                <Code>ValidationError</Code>
                <Message>Stack {StackId} is in UPDATE_COMPLETE state and can not continue update rollback.</Message>
              </Error>
              <RequestId>5e6f7a8b-0008-11e5-94eb-0123456789ab</RequestId>
            </ErrorResponse>
            """, 400));

        var ex = await Assert.ThrowsAsync<MetaflowException>(() => new StackService(server.CloudFormation(), server.Session()).ContinueRollbackAsync(StackId, "mf-prod", [], default));

        // A ValidationError that is not "does not exist" must not pass for a missing stack.
        Assert.Equal(ErrorIds.AwsError, ex.ErrorId);
        Assert.Equal("ValidationError", ex.AwsErrorCode);
        Assert.Contains("can not continue update rollback", ex.Message, StringComparison.Ordinal);
    }
}
