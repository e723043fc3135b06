using MetaflowAws.Engine;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.CloudFormation;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Tests.RecordedResponses;

/// <summary>
/// CloudFormation's stack operations (Query protocol, 2010-05-15) on responses in the shape CloudFormation
/// sends: &lt;ActionResponse xmlns&gt;&lt;ActionResult&gt;, lists as &lt;member&gt;, ISO 8601 UTC timestamps,
/// &lt;ErrorResponse&gt; for errors.
/// </summary>
public sealed class CloudFormationStackResponsesTests(RecordedAwsServer server) : IClassFixture<RecordedAwsServer>
{
    private const string Ns = "http://cloudformation.amazonaws.com/doc/2010-05-15/";
    private const string StackId = "arn:aws:cloudformation:us-east-1:123456789012:stack/mf-prod/5f6a7b80-1c2d-11ef-9a3b-0e1f2a3b4c5d";

    // botocore cloudformation/2010-05-15 DescribeStacksOutput (Stack: Parameters, Outputs, Capabilities, Tags,
    // DriftInformation); layout as API reference example "DescribeStacks".
    private const string DescribeStacksFull = $"""
        <DescribeStacksResponse xmlns="{Ns}">
          <DescribeStacksResult>
            <Stacks>
              <member>
                <StackId>{StackId}</StackId>
                <StackName>mf-prod</StackName>
                <Description>Metaflow on AWS (MetaflowAws) — état ünïcode ✓</Description>
                <Parameters>
                  <member>
                    <ParameterKey>APIBasicAuth</ParameterKey>
                    <ParameterValue>true</ParameterValue>
                  </member>
                  <member>
                    <ParameterKey>VPCCidr</ParameterKey>
                    <ParameterValue>10.20.0.0/16</ParameterValue>
                  </member>
                </Parameters>
                <CreationTime>2024-05-27T09:14:03.412Z</CreationTime>
                <LastUpdatedTime>2024-06-02T17:45:59.007Z</LastUpdatedTime>
                <RollbackConfiguration/>
                <StackStatus>UPDATE_ROLLBACK_COMPLETE</StackStatus>
                <StackStatusReason>The following resource(s) failed to update: [MetadataService]. Reason &amp; cause: &lt;Circuit Breaker&gt; état — ünïcode ✓</StackStatusReason>
                <DisableRollback>false</DisableRollback>
                <NotificationARNs/>
                <Capabilities>
                  <member>CAPABILITY_IAM</member>
                  <member>CAPABILITY_NAMED_IAM</member>
                </Capabilities>
                <Outputs>
                  <member>
                    <OutputKey>MetaflowDataStoreS3Url</OutputKey>
                    <OutputValue>s3://mf-prod-metaflows3bucket-1a2b3c4d5e6f/metaflow</OutputValue>
                    <Description>Amazon S3 URL for Metaflow DataStore [METAFLOW_DATASTORE_SYSROOT_S3]</Description>
                  </member>
                  <member>
                    <OutputKey>MetadataServiceAPI</OutputKey>
                    <OutputValue>https://abcde12345.execute-api.us-east-1.amazonaws.com/api/</OutputValue>
                    <Description>URL for Metadata Service (Open to Public Access) [METAFLOW_SERVICE_URL]</Description>
                    <ExportName>mf-prod:MetadataServiceAPI</ExportName>
                  </member>
                </Outputs>
                <Tags>
                  <member>
                    <Key>metaflowaws:template</Key>
                    <Value>2.4.0</Value>
                  </member>
                  <member>
                    <Key>owner</Key>
                    <Value>Zoë &amp; Søren</Value>
                  </member>
                </Tags>
                <EnableTerminationProtection>false</EnableTerminationProtection>
                <DriftInformation>
                  <StackDriftStatus>NOT_CHECKED</StackDriftStatus>
                </DriftInformation>
              </member>
            </Stacks>
          </DescribeStacksResult>
          <ResponseMetadata>
            <RequestId>b9b4b068-3a41-11e5-94eb-0123456789ab</RequestId>
          </ResponseMetadata>
        </DescribeStacksResponse>
        """;

    // botocore cloudformation/2010-05-15 DescribeStacksOutput: a stack still creating has no Outputs yet.
    // CloudFormation sends such empty lists as a self-closed element (<Outputs/>) ...
    private const string DescribeStacksEmptyListsSelfClosed = $"""
        <DescribeStacksResponse xmlns="{Ns}">
          <DescribeStacksResult>
            <Stacks>
              <member>
                <StackId>{StackId}</StackId>
                <StackName>mf-prod</StackName>
                <Parameters/>
                <CreationTime>2024-05-27T09:14:03Z</CreationTime>
                <StackStatus>CREATE_IN_PROGRESS</StackStatus>
                <StackStatusReason>User Initiated</StackStatusReason>
                <DisableRollback>true</DisableRollback>
                <NotificationARNs/>
                <Capabilities/>
                <Outputs/>
                <Tags/>
              </member>
            </Stacks>
          </DescribeStacksResult>
          <ResponseMetadata>
            <RequestId>c0ffee00-3a41-11e5-94eb-0123456789ab</RequestId>
          </ResponseMetadata>
        </DescribeStacksResponse>
        """;

    // ... or leaves them out altogether (API reference example "DescribeStacks" has no Parameters, Tags, Capabilities).
    private const string DescribeStacksEmptyListsOmitted = $"""
        <DescribeStacksResponse xmlns="{Ns}">
          <DescribeStacksResult>
            <Stacks>
              <member>
                <StackName>mf-prod</StackName>
                <StackId>{StackId}</StackId>
                <CreationTime>2010-07-27T22:28:28Z</CreationTime>
                <StackStatus>CREATE_IN_PROGRESS</StackStatus>
              </member>
            </Stacks>
          </DescribeStacksResult>
          <ResponseMetadata>
            <RequestId>d00dfeed-3a41-11e5-94eb-0123456789ab</RequestId>
          </ResponseMetadata>
        </DescribeStacksResponse>
        """;

    // CloudFormation common error (API reference "Common Errors"; botocore query error shape):
    // DescribeStacks of a stack that does not exist is a ValidationError, HTTP 400.
    private const string StackDoesNotExist = $"""
        <ErrorResponse xmlns="{Ns}">
          <Error>
            <Type>Sender</Type>
            <Code>ValidationError</Code>
            <Message>Stack with id mf-nope does not exist</Message>
          </Error>
          <RequestId>4b5c1a2e-7d8f-4e9a-b0c1-d2e3f4a5b6c7</RequestId>
        </ErrorResponse>
        """;

    private static string StacksPage(string name, string? nextToken) => $"""
        <DescribeStacksResponse xmlns="{Ns}">
          <DescribeStacksResult>
            <Stacks>
              <member>
                <StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/{name}/0a1b2c3d-0000-11ef-9a3b-0e1f2a3b4c5d</StackId>
                <StackName>{name}</StackName>
                <CreationTime>2024-05-27T09:14:03.412Z</CreationTime>
                <StackStatus>CREATE_COMPLETE</StackStatus>
              </member>
            </Stacks>
            {(nextToken is null ? "" : $"<NextToken>{nextToken}</NextToken>")}
          </DescribeStacksResult>
          <ResponseMetadata>
            <RequestId>e1e2e3e4-3a41-11e5-94eb-0123456789ab</RequestId>
          </ResponseMetadata>
        </DescribeStacksResponse>
        """;

    private StackService Stacks() => new(server.CloudFormation(), server.Session());

    [Fact]
    public async Task DescribeStacks_reads_every_member_of_a_full_stack()
    {
        server.Answer(RecordedAnswer.Xml(DescribeStacksFull));

        var response = await server.CloudFormation().DescribeStacksAsync(new DescribeStacksRequest { StackName = "mf-prod" });

        var stack = Assert.Single(response.Stacks);
        Assert.Equal("b9b4b068-3a41-11e5-94eb-0123456789ab", response.ResponseMetadata.RequestId);
        Assert.Null(response.NextToken);
        Assert.Equal(StackId, stack.StackId);
        Assert.Equal("mf-prod", stack.StackName);
        Assert.Equal("Metaflow on AWS (MetaflowAws) — état ünïcode ✓", stack.Description);
        Assert.Equal("UPDATE_ROLLBACK_COMPLETE", stack.StackStatus);
        Assert.Equal("The following resource(s) failed to update: [MetadataService]. Reason & cause: <Circuit Breaker> état — ünïcode ✓", stack.StackStatusReason);
        Assert.Equal(new DateTime(2024, 5, 27, 9, 14, 3, 412, DateTimeKind.Utc), stack.CreationTime);
        Assert.Equal(DateTimeKind.Utc, stack.CreationTime.Kind);
        Assert.Equal(new DateTime(2024, 6, 2, 17, 45, 59, 7, DateTimeKind.Utc), stack.LastUpdatedTime);
        Assert.Null(stack.DeletionTime);
        Assert.False(stack.DisableRollback);
        Assert.Equal([new StackParameter("APIBasicAuth", "true"), new StackParameter("VPCCidr", "10.20.0.0/16")], stack.Parameters);
        Assert.Equal(["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"], stack.Capabilities);
        Assert.Equal(2, stack.Outputs.Count);
        Assert.Equal(new StackOutputValue("MetaflowDataStoreS3Url", "s3://mf-prod-metaflows3bucket-1a2b3c4d5e6f/metaflow",
            "Amazon S3 URL for Metaflow DataStore [METAFLOW_DATASTORE_SYSROOT_S3]", null), stack.Outputs[0]);
        Assert.Equal("mf-prod:MetadataServiceAPI", stack.Outputs[1].ExportName);
        Assert.Equal([new StackTag("metaflowaws:template", "2.4.0"), new StackTag("owner", "Zoë & Søren")], stack.Tags);

        // The request went out as the Query protocol's form: Action, Version, StackName.
        var form = Assert.Single(server.Requests).Form;
        Assert.Equal("DescribeStacks", form["Action"]);
        Assert.Equal("2010-05-15", form["Version"]);
        Assert.Equal("mf-prod", form["StackName"]);
    }

    [Fact]
    public async Task DescribeStacks_turns_a_full_stack_into_the_users_stack_with_config_keys()
    {
        server.Answer(RecordedAnswer.Xml(DescribeStacksFull));

        var stack = await Stacks().GetAsync("mf-prod", default);

        Assert.True(stack.IsMetaflowStack);
        Assert.Equal("us-east-1", stack.Region);
        Assert.Equal("10.20.0.0/16", stack.Parameters["VPCCidr"]);
        Assert.Equal("Zoë & Søren", stack.Tags["owner"]);
        Assert.Equal("METAFLOW_SERVICE_URL", stack.Outputs.Single(o => o.OutputKey == "MetadataServiceAPI").ConfigKey);
    }

    [Fact]
    public async Task DescribeStacks_reads_self_closed_empty_lists_as_empty()
    {
        server.Answer(RecordedAnswer.Xml(DescribeStacksEmptyListsSelfClosed));

        var stack = Assert.Single((await server.CloudFormation().DescribeStacksAsync(new DescribeStacksRequest { StackName = "mf-prod" })).Stacks);

        Assert.Equal("CREATE_IN_PROGRESS", stack.StackStatus);
        Assert.Equal("User Initiated", stack.StackStatusReason);
        Assert.True(stack.DisableRollback);
        Assert.Empty(stack.Parameters);
        Assert.Empty(stack.Outputs);
        Assert.Empty(stack.Capabilities);
        Assert.Empty(stack.Tags);
        Assert.Null(stack.LastUpdatedTime);
    }

    [Fact]
    public async Task DescribeStacks_reads_omitted_lists_as_empty()
    {
        server.Answer(RecordedAnswer.Xml(DescribeStacksEmptyListsOmitted));

        var stack = await Stacks().GetAsync("mf-prod", default);

        Assert.Empty(stack.Outputs);
        Assert.Empty(stack.Parameters);
        Assert.Empty(stack.Tags);
        Assert.Null(stack.Description);
        Assert.Null(stack.StatusReason);
        Assert.False(stack.IsMetaflowStack);
        Assert.Equal(new DateTime(2010, 7, 27, 22, 28, 28, DateTimeKind.Utc), stack.CreationTime);
    }

    // DescribeStacksOutput of a deleted stack asked for by its id: StackStatus DELETE_COMPLETE with DeletionTime.
    [Fact]
    public async Task DescribeStacks_of_a_deleted_stack_reads_its_deletion_time()
    {
        server.Answer(RecordedAnswer.Xml($"""
            <DescribeStacksResponse xmlns="{Ns}">
              <DescribeStacksResult>
                <Stacks>
                  <member>
                    <StackId>{StackId}</StackId>
                    <StackName>mf-prod</StackName>
                    <CreationTime>2024-05-27T09:14:03.412Z</CreationTime>
                    <DeletionTime>2024-06-03T06:00:01.250Z</DeletionTime>
                    <StackStatus>DELETE_COMPLETE</StackStatus>
                    <DisableRollback>false</DisableRollback>
                  </member>
                </Stacks>
              </DescribeStacksResult>
              <ResponseMetadata>
                <RequestId>e5e6e7e8-3a41-11e5-94eb-0123456789ab</RequestId>
              </ResponseMetadata>
            </DescribeStacksResponse>
            """));

        var stack = Assert.Single((await server.CloudFormation().DescribeStacksAsync(new DescribeStacksRequest { StackName = StackId })).Stacks);

        Assert.Equal("DELETE_COMPLETE", stack.StackStatus);
        Assert.Equal(new DateTime(2024, 6, 3, 6, 0, 1, 250, DateTimeKind.Utc), stack.DeletionTime);
        Assert.Equal(StackId, Assert.Single(server.Requests).Form["StackName"]);
    }

    [Fact]
    public async Task DescribeStacks_pages_are_followed_through_NextToken()
    {
        // DescribeStacksOutput.NextToken: present on every page but the last.
        server.Answer(r => RecordedAnswer.Xml(r.Form.GetValueOrDefault("NextToken") switch
        {
            null => StacksPage("mf-one", "eyJwYWdlIjoyfQ=="),
            "eyJwYWdlIjoyfQ==" => StacksPage("mf-two", "eyJwYWdlIjozfQ=="),
            "eyJwYWdlIjozfQ==" => StacksPage("mf-three", null),
            var t => throw new InvalidOperationException("unexpected token " + t),
        }));

        var stacks = await Stacks().ListAsync(all: true, default);

        Assert.Equal(["mf-one", "mf-two", "mf-three"], stacks.Select(s => s.StackName));
        Assert.Equal([null, "eyJwYWdlIjoyfQ==", "eyJwYWdlIjozfQ=="], server.Requests.Select(r => r.Form.GetValueOrDefault("NextToken")));
    }

    [Fact]
    public async Task DescribeStacks_error_document_gives_code_message_and_request_id()
    {
        server.Answer(RecordedAnswer.Xml(StackDoesNotExist, 400));

        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => server.CloudFormation().DescribeStacksAsync(new DescribeStacksRequest { StackName = "mf-nope" }));

        Assert.Equal("ValidationError", ex.ErrorCode);
        Assert.Equal("Stack with id mf-nope does not exist", ex.Message);
        Assert.Equal("4b5c1a2e-7d8f-4e9a-b0c1-d2e3f4a5b6c7", ex.RequestId);
        Assert.Equal(Amazon.Runtime.ErrorType.Sender, ex.ErrorType);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.Equal("CloudFormation", ex.Service);
    }

    [Fact]
    public async Task DescribeStacks_of_a_missing_stack_becomes_StackNotFound()
    {
        server.Answer(RecordedAnswer.Xml(StackDoesNotExist, 400));

        var ex = await Assert.ThrowsAsync<MetaflowException>(() => Stacks().GetAsync("mf-nope", default));

        Assert.Equal(ErrorIds.StackNotFound, ex.ErrorId);
        Assert.Equal(ErrorKind.ObjectNotFound, ex.Kind);
        Assert.Equal("ValidationError", ex.AwsErrorCode);
        Assert.Equal("4b5c1a2e-7d8f-4e9a-b0c1-d2e3f4a5b6c7", ex.RequestId);
        Assert.Equal("mf-nope", ex.Target);
        Assert.Null(await Stacks().FindAsync("mf-nope", default));
    }

    [Fact]
    public async Task Throttling_error_document_becomes_Throttled()
    {
        // CloudFormation's throttling answer: Code Throttling, "Rate exceeded", HTTP 400 (API reference "Common Errors").
        server.Answer(RecordedAnswer.Xml($"""
            <ErrorResponse xmlns="{Ns}">
              <Error>
                <Type>Sender</Type>
                <Code>Throttling</Code>
                <Message>Rate exceeded</Message>
              </Error>
              <RequestId>7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d</RequestId>
            </ErrorResponse>
            """, 400));

        var ex = await Assert.ThrowsAsync<MetaflowException>(() => Stacks().ListAsync(all: true, default));

        Assert.Equal(ErrorIds.Throttled, ex.ErrorId);
        Assert.Equal("Throttling", ex.AwsErrorCode);
        Assert.Contains("Rate exceeded", ex.Message, StringComparison.Ordinal);
        Assert.True(AwsErrors.IsTransient(ex));
    }

    // botocore cloudformation/2010-05-15 CreateStackOutput (StackId); API reference example "CreateStack".
    [Fact]
    public async Task CreateStack_reads_the_stack_id()
    {
        server.Answer(RecordedAnswer.Xml($"""
            <CreateStackResponse xmlns="{Ns}">
              <CreateStackResult>
                <StackId>{StackId}</StackId>
              </CreateStackResult>
              <ResponseMetadata>
                <RequestId>b9b4b068-3a41-11e5-94eb-0123456789ab</RequestId>
              </ResponseMetadata>
            </CreateStackResponse>
            """));

        var id = await Stacks().CreateAsync(new CreateStackRequest
        {
            StackName = "mf-prod",
            TemplateURL = "https://bucket.s3.amazonaws.com/t.yaml",
            Parameters = [new StackParameter("VPCCidr", "10.20.0.0/16")],
            Capabilities = ["CAPABILITY_IAM"],
        }, default);

        Assert.Equal(StackId, id);
        var form = Assert.Single(server.Requests).Form;
        Assert.Equal("CreateStack", form["Action"]);
        Assert.Equal("VPCCidr", form["Parameters.member.1.ParameterKey"]);
        Assert.Equal("10.20.0.0/16", form["Parameters.member.1.ParameterValue"]);
        Assert.Equal("CAPABILITY_IAM", form["Capabilities.member.1"]);
    }

    // botocore cloudformation/2010-05-15 AlreadyExistsException: code AlreadyExistsException, HTTP 400, sender fault.
    [Fact]
    public async Task CreateStack_of_an_existing_stack_becomes_StackAlreadyExists()
    {
        server.Answer(RecordedAnswer.Xml($"""
            <ErrorResponse xmlns="{Ns}">
              <Error>
                <Type>Sender</Type>
                <Code>AlreadyExistsException</Code>
                <Message>Stack [mf-prod] already exists</Message>
              </Error>
              <RequestId>0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a</RequestId>
            </ErrorResponse>
            """, 400));

        var ex = await Assert.ThrowsAsync<MetaflowException>(() => Stacks().CreateAsync(new CreateStackRequest { StackName = "mf-prod", TemplateBody = "{}" }, default));

        Assert.Equal(ErrorIds.StackAlreadyExists, ex.ErrorId);
        Assert.Equal(ErrorKind.ResourceExists, ex.Kind);
        Assert.Equal("AlreadyExistsException", ex.AwsErrorCode);
        Assert.Equal("0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a", ex.RequestId);
    }

    // botocore cloudformation/2010-05-15 DescribeStackEventsOutput (StackEvent members incl. ResourceProperties,
    // ClientRequestToken); layout as API reference example "DescribeStackEvents". Events come newest first.
    private static string EventsPage(int page, string? nextToken) => page == 1
        ? $"""
          <DescribeStackEventsResponse xmlns="{Ns}">
            <DescribeStackEventsResult>
              <StackEvents>
                <member>
                  <Timestamp>2024-06-02T17:45:59.007Z</Timestamp>
                  <ResourceStatus>UPDATE_ROLLBACK_COMPLETE</ResourceStatus>
                  <StackId>{StackId}</StackId>
                  <EventId>5f6a7b80-20aa-11ef-9a3b-0e1f2a3b4c5d</EventId>
                  <LogicalResourceId>mf-prod</LogicalResourceId>
                  <StackName>mf-prod</StackName>
                  <PhysicalResourceId>{StackId}</PhysicalResourceId>
                  <ResourceType>AWS::CloudFormation::Stack</ResourceType>
                  <ClientRequestToken>metaflowaws-0123456789abcdef0123456789abcdef</ClientRequestToken>
                </member>
                <member>
                  <Timestamp>2024-06-02T17:40:12.530Z</Timestamp>
                  <ResourceStatus>UPDATE_FAILED</ResourceStatus>
                  <StackId>{StackId}</StackId>
                  <EventId>MetadataService-UPDATE_FAILED-2024-06-02T17:40:12.530Z</EventId>
                  <LogicalResourceId>MetadataService</LogicalResourceId>
                  <StackName>mf-prod</StackName>
                  <ResourceProperties>{"{"}&quot;Cluster&quot;:&quot;mf-prod-cluster&quot;{"}"}</ResourceProperties>
                  <PhysicalResourceId>arn:aws:ecs:us-east-1:123456789012:service/mf-prod-cluster/metadata</PhysicalResourceId>
                  <ResourceType>AWS::ECS::Service</ResourceType>
                  <ResourceStatusReason>Resource handler returned message: "Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'." (RequestToken: 1a2b&amp;3c, HandlerErrorCode: GeneralServiceException) — état ✓</ResourceStatusReason>
                </member>
              </StackEvents>
              <NextToken>{nextToken}</NextToken>
            </DescribeStackEventsResult>
            <ResponseMetadata>
              <RequestId>e1e2e3e4-3a41-11e5-94eb-0123456789ab</RequestId>
            </ResponseMetadata>
          </DescribeStackEventsResponse>
          """
        : $"""
          <DescribeStackEventsResponse xmlns="{Ns}">
            <DescribeStackEventsResult>
              <StackEvents>
                <member>
                  <Timestamp>2024-06-02T17:30:00Z</Timestamp>
                  <ResourceStatus>UPDATE_IN_PROGRESS</ResourceStatus>
                  <StackId>{StackId}</StackId>
                  <EventId>4e5f6a70-20a8-11ef-9a3b-0e1f2a3b4c5d</EventId>
                  <LogicalResourceId>mf-prod</LogicalResourceId>
                  <StackName>mf-prod</StackName>
                  <PhysicalResourceId>{StackId}</PhysicalResourceId>
                  <ResourceType>AWS::CloudFormation::Stack</ResourceType>
                  <ResourceStatusReason>User Initiated</ResourceStatusReason>
                </member>
              </StackEvents>
            </DescribeStackEventsResult>
            <ResponseMetadata>
              <RequestId>f1f2f3f4-3a41-11e5-94eb-0123456789ab</RequestId>
            </ResponseMetadata>
          </DescribeStackEventsResponse>
          """;

    [Fact]
    public async Task DescribeStackEvents_reads_events_and_the_next_token()
    {
        server.Answer(RecordedAnswer.Xml(EventsPage(1, "c2Vjb25kLXBhZ2U=")));

        var response = await server.CloudFormation().DescribeStackEventsAsync(new DescribeStackEventsRequest { StackName = "mf-prod" });

        Assert.Equal("c2Vjb25kLXBhZ2U=", response.NextToken);
        Assert.Equal(2, response.StackEvents.Count);
        var stackEvent = response.StackEvents[0];
        Assert.Equal("5f6a7b80-20aa-11ef-9a3b-0e1f2a3b4c5d", stackEvent.EventId);
        Assert.Equal("UPDATE_ROLLBACK_COMPLETE", stackEvent.ResourceStatus);
        Assert.Equal("metaflowaws-0123456789abcdef0123456789abcdef", stackEvent.ClientRequestToken);
        Assert.Null(stackEvent.ResourceStatusReason);
        var failed = response.StackEvents[1];
        Assert.Equal("MetadataService", failed.LogicalResourceId);
        Assert.Equal("AWS::ECS::Service", failed.ResourceType);
        Assert.Equal("arn:aws:ecs:us-east-1:123456789012:service/mf-prod-cluster/metadata", failed.PhysicalResourceId);
        Assert.Equal(new DateTime(2024, 6, 2, 17, 40, 12, 530, DateTimeKind.Utc), failed.Timestamp);
        Assert.Equal("Resource handler returned message: \"Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'.\" " +
                     "(RequestToken: 1a2b&3c, HandlerErrorCode: GeneralServiceException) — état ✓", failed.ResourceStatusReason);
    }

    [Fact]
    public async Task DescribeStackEvents_pages_are_followed_through_NextToken()
    {
        server.Answer(r => RecordedAnswer.Xml(EventsPage(r.Form.ContainsKey("NextToken") ? 2 : 1, "c2Vjb25kLXBhZ2U=")));

        var events = await Stacks().EventsAsync("mf-prod", first: null, since: null, default);

        Assert.Equal(["UPDATE_ROLLBACK_COMPLETE", "UPDATE_FAILED", "UPDATE_IN_PROGRESS"], events.Select(e => e.ResourceStatus));
        Assert.Equal([null, "c2Vjb25kLXBhZ2U="], server.Requests.Select(r => r.Form.GetValueOrDefault("NextToken")));
    }

    [Fact]
    public async Task DescribeStackEvents_of_a_deleted_stack_name_becomes_StackNotFound()
    {
        server.Answer(RecordedAnswer.Xml(StackDoesNotExist, 400));

        var ex = await Assert.ThrowsAsync<MetaflowException>(() => Stacks().EventsAsync("mf-nope", 10, null, default));

        Assert.Equal(ErrorIds.StackNotFound, ex.ErrorId);
    }

    // botocore cloudformation/2010-05-15 DescribeStackResourcesOutput (StackResource); API reference example
    // "DescribeStackResources".
    [Fact]
    public async Task DescribeStackResources_reads_every_resource()
    {
        server.Answer(RecordedAnswer.Xml($"""
            <DescribeStackResourcesResponse xmlns="{Ns}">
              <DescribeStackResourcesResult>
                <StackResources>
                  <member>
                    <StackId>{StackId}</StackId>
                    <StackName>mf-prod</StackName>
                    <LogicalResourceId>MetaflowS3Bucket</LogicalResourceId>
                    <PhysicalResourceId>mf-prod-metaflows3bucket-1a2b3c4d5e6f</PhysicalResourceId>
                    <ResourceType>AWS::S3::Bucket</ResourceType>
                    <Timestamp>2024-05-27T09:15:41.118Z</Timestamp>
                    <ResourceStatus>CREATE_COMPLETE</ResourceStatus>
                    <DriftInformation>
                      <StackResourceDriftStatus>NOT_CHECKED</StackResourceDriftStatus>
                    </DriftInformation>
                  </member>
                  <member>
                    <StackId>{StackId}</StackId>
                    <StackName>mf-prod</StackName>
                    <LogicalResourceId>MetadataService</LogicalResourceId>
                    <PhysicalResourceId>arn:aws:ecs:us-east-1:123456789012:service/mf-prod-cluster/metadata</PhysicalResourceId>
                    <ResourceType>AWS::ECS::Service</ResourceType>
                    <Timestamp>2024-06-02T17:40:12Z</Timestamp>
                    <ResourceStatus>UPDATE_FAILED</ResourceStatus>
                    <ResourceStatusReason>Service &lt;metadata&gt; did not stabilize — état ✓</ResourceStatusReason>
                    <DriftInformation>
                      <StackResourceDriftStatus>NOT_CHECKED</StackResourceDriftStatus>
                    </DriftInformation>
                  </member>
                </StackResources>
              </DescribeStackResourcesResult>
              <ResponseMetadata>
                <RequestId>a1a2a3a4-3a41-11e5-94eb-0123456789ab</RequestId>
              </ResponseMetadata>
            </DescribeStackResourcesResponse>
            """));

        var resources = await Stacks().ResourcesAsync("mf-prod", default);

        Assert.Equal(["MetaflowS3Bucket", "MetadataService"], resources.Select(r => r.LogicalResourceId));
        Assert.Equal("mf-prod-metaflows3bucket-1a2b3c4d5e6f", resources[0].PhysicalResourceId);
        Assert.Equal("AWS::S3::Bucket", resources[0].ResourceType);
        Assert.Equal(new DateTime(2024, 5, 27, 9, 15, 41, 118, DateTimeKind.Utc), resources[0].Timestamp);
        Assert.Null(resources[0].ResourceStatusReason);
        Assert.Equal("UPDATE_FAILED", resources[1].ResourceStatus);
        Assert.Equal("Service <metadata> did not stabilize — état ✓", resources[1].ResourceStatusReason);
        Assert.All(resources, r => Assert.Equal("mf-prod", r.StackName));
    }

    [Fact]
    public async Task DescribeStackResources_of_a_stack_without_resources_is_empty()
    {
        server.Answer(RecordedAnswer.Xml($"""
            <DescribeStackResourcesResponse xmlns="{Ns}">
              <DescribeStackResourcesResult>
                <StackResources/>
              </DescribeStackResourcesResult>
              <ResponseMetadata>
                <RequestId>a1a2a3a4-3a41-11e5-94eb-0123456789ab</RequestId>
              </ResponseMetadata>
            </DescribeStackResourcesResponse>
            """));

        Assert.Empty(await Stacks().ResourcesAsync("mf-prod", default));
    }

    // botocore cloudformation/2010-05-15 DeleteStack: no output shape; the response carries only ResponseMetadata
    // (API reference example "DeleteStack").
    [Fact]
    public async Task DeleteStack_reads_the_request_id_of_an_empty_response()
    {
        server.Answer(RecordedAnswer.Xml($"""
            <DeleteStackResponse xmlns="{Ns}">
              <ResponseMetadata>
                <RequestId>42a0c3f1-3a41-11e5-94eb-0123456789ab</RequestId>
              </ResponseMetadata>
            </DeleteStackResponse>
            """));

        var response = await server.CloudFormation().DeleteStackAsync(new DeleteStackRequest { StackName = StackId, RetainResources = ["MetaflowS3Bucket"] });

        Assert.Equal("42a0c3f1-3a41-11e5-94eb-0123456789ab", response.ResponseMetadata.RequestId);
        var form = Assert.Single(server.Requests).Form;
        Assert.Equal("DeleteStack", form["Action"]);
        Assert.Equal("MetaflowS3Bucket", form["RetainResources.member.1"]);
    }

    // botocore cloudformation/2010-05-15 TokenAlreadyExistsException (DeleteStack's one modelled error).
    [Fact]
    public async Task DeleteStack_error_document_keeps_its_code()
    {
        server.Answer(RecordedAnswer.Xml($"""
            <ErrorResponse xmlns="{Ns}">
              <Error>
                <Type>Sender</Type>
                <Code>TokenAlreadyExistsException</Code>
                <Message>Another DeleteStack request with the same token is in progress</Message>
              </Error>
              <RequestId>99887766-3a41-11e5-94eb-0123456789ab</RequestId>
            </ErrorResponse>
            """, 400));

        var ex = await Assert.ThrowsAsync<MetaflowException>(() => Stacks().DeleteAsync(StackId, "mf-prod", [], default));

        Assert.Equal(ErrorIds.AwsError, ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal("TokenAlreadyExistsException", ex.AwsErrorCode);
        Assert.Equal("99887766-3a41-11e5-94eb-0123456789ab", ex.RequestId);
    }

    // botocore cloudformation/2010-05-15 GetTemplateOutput (TemplateBody, StagesAvailable); API reference example
    // "GetTemplate": the template is the element's XML-escaped text.
    [Fact]
    public async Task GetTemplate_reads_the_unescaped_template_body()
    {
        server.Answer(RecordedAnswer.Xml($"""
            <GetTemplateResponse xmlns="{Ns}">
              <GetTemplateResult>
                <TemplateBody>{"{"}&quot;Description&quot;:&quot;Metaflow &amp; friends — état ✓&quot;,&quot;Conditions&quot;:{"{"}&quot;C&quot;:{"{"}&quot;Fn::Equals&quot;:[&quot;a&lt;b&quot;,&quot;x&quot;]{"}}}"}</TemplateBody>
                <StagesAvailable>
                  <member>Original</member>
                  <member>Processed</member>
                </StagesAvailable>
              </GetTemplateResult>
              <ResponseMetadata>
                <RequestId>b0b1b2b3-3a41-11e5-94eb-0123456789ab</RequestId>
              </ResponseMetadata>
            </GetTemplateResponse>
            """));

        var body = await Stacks().TemplateBodyAsync("mf-prod", default);

        Assert.Equal("{\"Description\":\"Metaflow & friends — état ✓\",\"Conditions\":{\"C\":{\"Fn::Equals\":[\"a<b\",\"x\"]}}}", body);
    }
}
