namespace MetaflowAws.Engine.Stacks;

/// <summary>A deployed stack as the module shows it; pipes into the other cmdlets by property name.</summary>
public sealed class MetaflowStack
{
    public required string StackName { get; init; }
    public required string StackId { get; init; }
    public required string Region { get; init; }
    public required string Status { get; init; }
    public string? StatusReason { get; init; }
    public string? Description { get; init; }
    public DateTime CreationTime { get; init; }
    public DateTime? LastUpdatedTime { get; init; }
    /// <summary>Parameter values by name, in template order.</summary>
    public required IReadOnlyDictionary<string, string> Parameters { get; init; }
    public required IReadOnlyList<MetaflowStackOutput> Outputs { get; init; }
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    /// <summary>True when the stack was deployed from the MetaflowAws template or the upstream metaflow-tools one.</summary>
    public bool IsMetaflowStack { get; init; }

    /// <summary>Which template the stack came from: <see cref="MetaflowAwsOrigin"/>, <see cref="UpstreamOrigin"/>, or null.</summary>
    public string? Origin { get; init; }

    public const string MetaflowAwsOrigin = "MetaflowAws";
    public const string UpstreamOrigin = "metaflow-tools";
    /// <summary>The AWS profile the stack was reached with, so piped cmdlets reach it the same way.</summary>
    public string? ProfileName { get; init; }
    /// <summary>The endpoint the stack was reached at, when not AWS's default.</summary>
    public string? EndpointUrl { get; init; }

    /// <summary>The Metaflow UI's address (its MetaflowUIUrl output), for a stack deployed with the UI; otherwise null.</summary>
    public string? UiUrl => Outputs.FirstOrDefault(o => o.OutputKey == Ui.UiService.UrlOutput)?.OutputValue;

    public override string ToString() => StackName;
}

/// <summary>One stack output, with the Metaflow configuration key it sets.</summary>
public sealed class MetaflowStackOutput
{
    public required string StackName { get; init; }
    public required string Region { get; init; }
    public required string OutputKey { get; init; }
    public required string OutputValue { get; init; }
    public string? Description { get; init; }
    /// <summary>The METAFLOW_* key this output configures, or null.</summary>
    public string? ConfigKey { get; init; }

    public override string ToString() => $"{OutputKey}={OutputValue}";
}

/// <summary>One stack event.</summary>
public sealed class MetaflowStackEvent
{
    public required string StackName { get; init; }
    public required DateTime Timestamp { get; init; }
    public required string LogicalResourceId { get; init; }
    public required string ResourceType { get; init; }
    public required string ResourceStatus { get; init; }
    public string? ResourceStatusReason { get; init; }
    public string? PhysicalResourceId { get; init; }
    public required string EventId { get; init; }

    public bool IsStackEvent => ResourceType == "AWS::CloudFormation::Stack";

    public override string ToString() => $"{Timestamp:u} {LogicalResourceId} {ResourceStatus} {ResourceStatusReason}".TrimEnd();
}

/// <summary>What a wait reports as it goes.</summary>
public sealed record WaitProgress(
    string StackName,
    string Operation,
    int ResourcesDone,
    int ResourcesTotal,
    string? CurrentResource,
    string? CurrentStatus,
    TimeSpan Elapsed);

/// <summary>A resource that failed, with its reason, as a wait reports it.</summary>
public sealed record FailedResource(string LogicalResourceId, string ResourceType, string Status, string? Reason, DateTime Timestamp);
