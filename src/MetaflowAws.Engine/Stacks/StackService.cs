using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.CloudFormation;
using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Engine.Stacks;

/// <summary>Reads, creates and removes stacks; the cmdlets' one door to CloudFormation.</summary>
public sealed class StackService(ICloudFormation cfn, AwsSession session)
{
    public const string MetaflowDescriptionPrefix = "Metaflow on AWS (MetaflowAws)";

    public AwsSession Session => session;

    public ICloudFormation CloudFormation => cfn;

    public static StackService Create(AwsSession session)
        => new(new CloudFormationClient(session.Credentials, session.Configure(new CloudFormationConfig(), "CloudFormation")), session);

    public StackWaiter Waiter() => new(cfn, session);

    public async Task<MetaflowStack> GetAsync(string nameOrId, CancellationToken ct)
    {
        var response = await AwsErrors.Call(() => cfn.DescribeStacksAsync(new DescribeStacksRequest { StackName = nameOrId }, ct),
            "DescribeStacks", nameOrId, session).ConfigureAwait(false);
        return ToStack(response.Stacks.Single(), session);
    }

    /// <summary>
    /// The stack, for a cmdlet that acts on it: refused (NotAMetaflowStack) when it is neither ours nor the metaflow-tools
    /// template's, before anything is sent that could change it. <paramref name="cmdlet"/> names who refuses.
    /// </summary>
    public async Task<MetaflowStack> GetMetaflowAsync(string nameOrId, string cmdlet, CancellationToken ct)
    {
        var stack = await GetAsync(nameOrId, ct).ConfigureAwait(false);
        EnsureMetaflow(stack, cmdlet);
        return stack;
    }

    /// <summary>Refuses a stack that no Metaflow template made: what it is, and that nothing was sent.</summary>
    public static void EnsureMetaflow(MetaflowStack stack, string cmdlet)
    {
        if (stack.IsMetaflowStack) return;
        var description = string.IsNullOrWhiteSpace(stack.Description) ? "no description"
            : $"description \"{(stack.Description.Length > 80 ? stack.Description[..80] + "..." : stack.Description)}\"";
        throw new MetaflowException(ErrorIds.NotAMetaflowStack,
            $"Stack '{stack.StackName}' in {stack.Region} is not a Metaflow stack ({description}, {stack.Status}, created {stack.CreationTime:yyyy-MM-dd}): " +
            $"neither the MetaflowAws template nor the metaflow-tools one made it. The Metaflow cmdlets act only on Metaflow stacks: {cmdlet} sent nothing. " +
            "Use CloudFormation's own tools for other stacks ('Get-MetaflowStack -All' lists every stack with its origin).",
            ErrorKind.InvalidOperation, stack.StackName);
    }

    /// <summary>The stack, or null when it does not exist.</summary>
    public async Task<MetaflowStack?> FindAsync(string nameOrId, CancellationToken ct)
    {
        try
        {
            return await GetAsync(nameOrId, ct).ConfigureAwait(false);
        }
        catch (MetaflowException ex) when (ex.ErrorId == ErrorIds.StackNotFound)
        {
            return null;
        }
    }

    /// <summary>Every live stack in the region; only Metaflow stacks unless <paramref name="all"/>.</summary>
    public async Task<IReadOnlyList<MetaflowStack>> ListAsync(bool all, CancellationToken ct)
    {
        var result = new List<MetaflowStack>();
        string? token = null;
        do
        {
            var page = await AwsErrors.Call(() => cfn.DescribeStacksAsync(new DescribeStacksRequest { NextToken = token }, ct),
                "DescribeStacks", null, session).ConfigureAwait(false);
            result.AddRange(page.Stacks.Select(s => ToStack(s, session)).Where(s => all || s.IsMetaflowStack));
            token = page.NextToken;
        } while (token is not null);
        return result;
    }

    /// <summary>
    /// The outputs the stack's own template declares for its parameter values (conditions evaluated): what a stack
    /// of that template must have, whichever template it is (ours, or the upstream one). Null when the template
    /// cannot be read or evaluated.
    /// </summary>
    public async Task<IReadOnlyList<string>?> DeclaredOutputsAsync(MetaflowStack stack, CancellationToken ct)
    {
        try
        {
            var template = TemplateDocument.Parse(await TemplateBodyAsync(stack.StackId, ct).ConfigureAwait(false));
            return TemplatePlan.ActiveOutputs(template, stack.Parameters, stack.Region, stack.StackName);
        }
        catch (Exception ex) when (ex is TemplateError or TemplateFormatException or MetaflowException { Kind: ErrorKind.PermissionDenied })
        {
            return null;
        }
    }

    public async Task<string> CreateAsync(CreateStackRequest request, CancellationToken ct)
    {
        var response = await AwsErrors.Call(() => cfn.CreateStackAsync(request, ct), "CreateStack", request.StackName, session).ConfigureAwait(false);
        return response.StackId;
    }

    public Task DeleteAsync(string stackId, string stackName, IReadOnlyList<string> retain, CancellationToken ct)
        => AwsErrors.Call(() => cfn.DeleteStackAsync(new DeleteStackRequest { StackName = stackId, RetainResources = retain }, ct),
            "DeleteStack", stackName, session);

    public async Task<IReadOnlyList<StackResourceInfo>> ResourcesAsync(string nameOrId, CancellationToken ct)
    {
        var response = await AwsErrors.Call(() => cfn.DescribeStackResourcesAsync(new DescribeStackResourcesRequest { StackName = nameOrId }, ct),
            "DescribeStackResources", nameOrId, session).ConfigureAwait(false);
        return response.StackResources;
    }

    public async Task<string> TemplateBodyAsync(string nameOrId, CancellationToken ct)
    {
        var response = await AwsErrors.Call(() => cfn.GetTemplateAsync(new GetTemplateRequest { StackName = nameOrId }, ct),
            "GetTemplate", nameOrId, session).ConfigureAwait(false);
        return response.TemplateBody;
    }

    /// <summary>Events newest first, stopping at <paramref name="first"/> or at events older than <paramref name="since"/>.</summary>
    public async Task<IReadOnlyList<MetaflowStackEvent>> EventsAsync(string nameOrId, int? first, DateTime? since, CancellationToken ct)
    {
        var result = new List<MetaflowStackEvent>();
        string? token = null;
        do
        {
            var page = await AwsErrors.Call(() => cfn.DescribeStackEventsAsync(new DescribeStackEventsRequest { StackName = nameOrId, NextToken = token }, ct),
                "DescribeStackEvents", nameOrId, session).ConfigureAwait(false);
            token = page.NextToken;
            foreach (var e in page.StackEvents)
            {
                if (since is { } s && e.Timestamp < s.ToUniversalTime()) return result;
                result.Add(ToEvent(e));
                if (first is { } f && result.Count >= f) return result;
            }
        } while (token is not null);
        return result;
    }

    /// <summary>The id of the stack's newest event: a wait started after a request reads only later ones.</summary>
    public async Task<string?> NewestEventIdAsync(string stackId, CancellationToken ct)
    {
        var page = await AwsErrors.Call(() => cfn.DescribeStackEventsAsync(new DescribeStackEventsRequest { StackName = stackId }, ct),
            "DescribeStackEvents", stackId, session).ConfigureAwait(false);
        return page.StackEvents.FirstOrDefault()?.EventId;
    }

    public Task ContinueRollbackAsync(string stackId, string stackName, IReadOnlyList<string> skip, CancellationToken ct)
        => AwsErrors.Call(() => cfn.ContinueUpdateRollbackAsync(new ContinueUpdateRollbackRequest { StackName = stackId, ResourcesToSkip = skip, ClientRequestToken = "metaflowaws-" + Guid.NewGuid().ToString("N") }, ct),
            "ContinueUpdateRollback", stackName, session);

    internal static MetaflowStackEvent ToEvent(StackEventInfo e) => new()
    {
        StackName = e.StackName,
        Timestamp = e.Timestamp,
        LogicalResourceId = e.LogicalResourceId,
        ResourceType = e.ResourceType,
        ResourceStatus = e.ResourceStatus,
        ResourceStatusReason = e.ResourceStatusReason,
        PhysicalResourceId = e.PhysicalResourceId,
        EventId = e.EventId,
    };

    /// <summary>The description the upstream template (metaflow-tools aws/cloudformation/metaflow-cfn-template.yml)
    /// gives its stacks: "Stack for complete deployment of Metaflow (last-updated-date 10/26/2021)".</summary>
    public const string UpstreamDescriptionPrefix = "Stack for complete deployment of Metaflow";

    /// <summary>Which template made the stack: MetaflowAws, the upstream metaflow-tools template, or neither (null).</summary>
    /// <remarks>The template decides, not the tool that deployed it: the upstream template deployed by New-MetaflowStack -TemplatePath is still upstream.</remarks>
    public static string? OriginOf(StackSummaryInfo s)
        => s.Description?.StartsWith(UpstreamDescriptionPrefix, StringComparison.Ordinal) == true ? MetaflowStack.UpstreamOrigin
            : s.Description?.StartsWith(MetaflowDescriptionPrefix, StringComparison.Ordinal) == true || s.Tags.Any(t => t.Key == "metaflowaws:template")
                ? MetaflowStack.MetaflowAwsOrigin : null;

    public static MetaflowStack ToStack(StackSummaryInfo s, AwsSession session)
    {
        var region = s.StackId.Split(':') is { Length: > 3 } arn ? arn[3] : session.Region;
        return new MetaflowStack
        {
            StackName = s.StackName,
            StackId = s.StackId,
            Region = region,
            Status = s.StackStatus,
            StatusReason = s.StackStatusReason,
            Description = s.Description,
            CreationTime = s.CreationTime,
            LastUpdatedTime = s.LastUpdatedTime,
            Parameters = s.Parameters.ToDictionary(p => p.ParameterKey, p => p.ParameterValue ?? ""),
            Outputs = s.Outputs.Select(o => new MetaflowStackOutput
            {
                StackName = s.StackName,
                Region = region,
                OutputKey = o.OutputKey,
                OutputValue = o.OutputValue,
                Description = o.Description,
                ConfigKey = ConfigKeys.For(o.OutputKey, o.Description),
            }).ToList(),
            Tags = s.Tags.GroupBy(t => t.Key).ToDictionary(g => g.Key, g => g.Last().Value),
            Origin = OriginOf(s),
            IsMetaflowStack = OriginOf(s) is not null,
            ProfileName = session.ProfileName,
            EndpointUrl = session.EndpointFor("CloudFormation"),
        };
    }
}
