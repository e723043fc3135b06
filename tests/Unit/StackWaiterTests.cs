using System.Net;
using Amazon.Runtime;
using MetaflowAws.Engine;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.CloudFormation;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Tests;

/// <summary>The waiter against a scripted CloudFormation: transient errors, rollbacks, paging.</summary>
public sealed class StackWaiterTests
{
    private const string StackId = "arn:aws:cloudformation:us-east-1:123456789012:stack/w/1";

    private static AwsSession Session() => AwsSession.Resolve(new AwsSessionOptions { AccessKey = "AKIA", SecretKey = "s", Region = "us-east-1" }, new SandboxFixture.EmptyEnvironment());

    private static StackEventInfo Event(string id, string logical, string type, string status, string? reason = null, int second = 0) => new()
    {
        EventId = id, StackId = StackId, StackName = "w", LogicalResourceId = logical, ResourceType = type,
        ResourceStatus = status, ResourceStatusReason = reason, Timestamp = new DateTime(2026, 1, 1, 0, 0, second, DateTimeKind.Utc),
    };

    private sealed class ScriptedCloudFormation : ICloudFormation
    {
        public List<StackEventInfo> Events { get; } = [];
        public int FailNextEventCalls { get; set; }
        public string FinalStatus { get; set; } = "CREATE_COMPLETE";
        public int EventCalls { get; private set; }

        public Task<DescribeStackEventsResponse> DescribeStackEventsAsync(DescribeStackEventsRequest request, CancellationToken ct = default)
        {
            EventCalls++;
            if (FailNextEventCalls-- > 0)
                throw new AwsServiceException("CloudFormation", "Service is unavailable", null, ErrorType.Receiver, "ServiceUnavailable", "req", HttpStatusCode.ServiceUnavailable);
            var newestFirst = Events.AsEnumerable().Reverse().ToList();
            var skip = request.NextToken is null ? 0 : int.Parse(request.NextToken);
            var page = newestFirst.Skip(skip).Take(100).ToList();
            return Task.FromResult(new DescribeStackEventsResponse { StackEvents = page, NextToken = skip + page.Count < newestFirst.Count ? (skip + page.Count).ToString() : null });
        }

        public Task<DescribeStacksResponse> DescribeStacksAsync(DescribeStacksRequest request, CancellationToken ct = default)
            => Task.FromResult(new DescribeStacksResponse { Stacks = [new StackSummaryInfo { StackId = StackId, StackName = "w", StackStatus = FinalStatus }] });

        public Task<CreateStackResponse> CreateStackAsync(CreateStackRequest r, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<DescribeStackResourcesResponse> DescribeStackResourcesAsync(DescribeStackResourcesRequest r, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<DeleteStackResponse> DeleteStackAsync(DeleteStackRequest r, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<ValidateTemplateResponse> ValidateTemplateAsync(ValidateTemplateRequest r, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<GetTemplateResponse> GetTemplateAsync(GetTemplateRequest r, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<CreateChangeSetResponse> CreateChangeSetAsync(CreateChangeSetRequest r, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<DescribeChangeSetResponse> DescribeChangeSetAsync(DescribeChangeSetRequest r, CancellationToken ct = default) => throw new NotSupportedException();
        public Task ExecuteChangeSetAsync(ExecuteChangeSetRequest r, CancellationToken ct = default) => throw new NotSupportedException();
        public Task DeleteChangeSetAsync(DeleteChangeSetRequest r, CancellationToken ct = default) => throw new NotSupportedException();
        public Task ContinueUpdateRollbackAsync(ContinueUpdateRollbackRequest r, CancellationToken ct = default) => throw new NotSupportedException();
    }

    [Fact]
    public async Task RidesOutTransientErrorsTheSdkGaveUpOn()
    {
        var cfn = new ScriptedCloudFormation { FailNextEventCalls = 3 };
        cfn.Events.Add(Event("1", "w", "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS", "User Initiated"));
        cfn.Events.Add(Event("2", "Bucket", "AWS::S3::Bucket", "CREATE_COMPLETE", second: 1));
        cfn.Events.Add(Event("3", "w", "AWS::CloudFormation::Stack", "CREATE_COMPLETE", second: 2));
        var transient = new List<MetaflowException>();
        var waiter = new StackWaiter(cfn, Session()) { PollInterval = TimeSpan.FromMilliseconds(5) };

        var stack = await waiter.WaitAsync(StackId, "w", new WaitOptions { OnTransientError = transient.Add }, CancellationToken.None);

        Assert.Equal("CREATE_COMPLETE", stack.Status);
        Assert.Equal(3, transient.Count);
        Assert.All(transient, e => Assert.Equal(ErrorIds.AwsError, e.ErrorId));
    }

    [Fact]
    public async Task ARollbackIsAnErrorNamingTheFirstCauseFirst()
    {
        var cfn = new ScriptedCloudFormation { FinalStatus = "ROLLBACK_COMPLETE" };
        cfn.Events.Add(Event("1", "w", "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS", "User Initiated"));
        cfn.Events.Add(Event("2", "Database", "AWS::RDS::DBInstance", "CREATE_FAILED", "DB subnet group too small", 1));
        cfn.Events.Add(Event("3", "Queue", "AWS::Batch::JobQueue", "CREATE_FAILED", "Resource creation cancelled", 2));
        cfn.Events.Add(Event("4", "Role", "AWS::IAM::Role", "DELETE_FAILED", "Role in use", 3));
        cfn.Events.Add(Event("5", "w", "AWS::CloudFormation::Stack", "ROLLBACK_COMPLETE", null, 4));
        var waiter = new StackWaiter(cfn, Session()) { PollInterval = TimeSpan.FromMilliseconds(5) };

        var ex = await Assert.ThrowsAsync<StackOperationException>(() => waiter.WaitAsync(StackId, "w", new WaitOptions(), CancellationToken.None));

        Assert.Equal(ErrorIds.StackRolledBack, ex.ErrorId);
        Assert.Equal(["Database", "Role"], ex.FailedResources.Select(f => f.LogicalResourceId));
        Assert.Contains("Remove-MetaflowStack", ex.Message);
    }

    [Fact]
    public async Task ReadsOnePagePerPollOnAStackWithALongHistory()
    {
        var cfn = new ScriptedCloudFormation();
        for (var i = 0; i < 10_000; i++) cfn.Events.Add(Event("old" + i, "Old", "AWS::SNS::Topic", "CREATE_COMPLETE"));
        cfn.Events.Add(Event("start", "w", "AWS::CloudFormation::Stack", "UPDATE_IN_PROGRESS", "User Initiated"));
        cfn.Events.Add(Event("a", "Queue", "AWS::Batch::JobQueue", "UPDATE_COMPLETE"));
        cfn.Events.Add(Event("end", "w", "AWS::CloudFormation::Stack", "UPDATE_COMPLETE"));
        cfn.FinalStatus = "UPDATE_COMPLETE";
        var waiter = new StackWaiter(cfn, Session()) { PollInterval = TimeSpan.FromMilliseconds(5) };

        await waiter.WaitAsync(StackId, "w", new WaitOptions(), CancellationToken.None);

        Assert.Equal(1, waiter.MaxPagesPerPoll);
        Assert.Equal(1, cfn.EventCalls);
    }
}
