using System.Diagnostics;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.CloudFormation;

namespace MetaflowAws.Engine.Stacks;

/// <summary>Creates a change set, waits until CloudFormation has computed it, reads it back as changes.</summary>
public sealed class ChangeSetService(ICloudFormation cfn, AwsSession session)
{
    public const string NoChangesReason = "didn't contain changes";

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    public async Task<StackChangePlan> CreateAsync(CreateChangeSetRequest request, CancellationToken ct)
    {
        var created = await AwsErrors.Call(() => cfn.CreateChangeSetAsync(request, ct), "CreateChangeSet", request.StackName, session).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var d = await AwsErrors.Call(() => cfn.DescribeChangeSetAsync(new DescribeChangeSetRequest { ChangeSetName = created.Id }, ct),
                "DescribeChangeSet", request.StackName, session).ConfigureAwait(false);
            if (d.Status == "CREATE_COMPLETE")
            {
                var changes = new List<ResourceChangeInfo>(d.Changes);
                var token = d.NextToken;
                while (token is not null)
                {
                    var page = await AwsErrors.Call(() => cfn.DescribeChangeSetAsync(new DescribeChangeSetRequest { ChangeSetName = created.Id, NextToken = token }, ct),
                        "DescribeChangeSet", request.StackName, session).ConfigureAwait(false);
                    changes.AddRange(page.Changes);
                    token = page.NextToken;
                }
                return new StackChangePlan(d.StackName, d.StackId, d.ChangeSetId, d.ChangeSetName, changes.Select(c => ToChange(d.StackName, c)).ToList());
            }
            if (d.Status == "FAILED")
            {
                if (d.StatusReason?.Contains(NoChangesReason, StringComparison.Ordinal) == true
                    || d.StatusReason?.Contains("No updates are to be performed", StringComparison.Ordinal) == true)
                {
                    await DeleteAsync(created.Id, request.StackName, ct).ConfigureAwait(false);
                    return new StackChangePlan(d.StackName, d.StackId, d.ChangeSetId, d.ChangeSetName, []);
                }
                await DeleteAsync(created.Id, request.StackName, ct).ConfigureAwait(false);
                throw new MetaflowException(ErrorIds.ChangeSetFailed,
                    $"CloudFormation could not compute the changes for stack '{request.StackName}': {d.StatusReason}",
                    ErrorKind.InvalidOperation, request.StackName);
            }
            if (clock.Elapsed > TimeSpan.FromMinutes(10))
                throw new MetaflowException(ErrorIds.WaitTimedOut,
                    $"The change set for stack '{request.StackName}' was not ready after 10 minutes (status {d.Status}).", ErrorKind.OperationTimeout, request.StackName);
            await Task.Delay(PollInterval, ct).ConfigureAwait(false);
        }
    }

    public Task DeleteAsync(string changeSetId, string stackName, CancellationToken ct)
        => AwsErrors.Call(() => cfn.DeleteChangeSetAsync(new DeleteChangeSetRequest { ChangeSetName = changeSetId }, ct), "DeleteChangeSet", stackName, session);

    public Task ExecuteAsync(string changeSetId, string stackName, CancellationToken ct)
        => AwsErrors.Call(() => cfn.ExecuteChangeSetAsync(new ExecuteChangeSetRequest { ChangeSetName = changeSetId, ClientRequestToken = "metaflowaws-" + Guid.NewGuid().ToString("N") }, ct),
            "ExecuteChangeSet", stackName, session);

    private static MetaflowStackChange ToChange(string stackName, ResourceChangeInfo c)
    {
        var props = c.Details.Where(d => d.Attribute == "Properties" && d.Name is not null).ToList();
        var causes = props.Where(d => d.RequiresRecreation is "Always" or "Conditionally").Select(d => d.Name!).Distinct().ToList();
        return new MetaflowStackChange
        {
            StackName = stackName,
            Action = c.Action,
            LogicalResourceId = c.LogicalResourceId,
            PhysicalResourceId = c.PhysicalResourceId,
            ResourceType = c.ResourceType,
            Replacement = c.Replacement,
            ChangedProperties = causes.Concat(props.Select(d => d.Name!)).Distinct().ToList(),
            ReplacementCause = c.Replacement is "True" or "Conditional" ? causes : [],
            CausingEntities = c.Details.Select(d => d.CausingEntity).OfType<string>().Distinct().ToList(),
        };
    }
}
