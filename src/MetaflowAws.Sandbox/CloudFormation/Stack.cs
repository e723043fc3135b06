using MetaflowAws.Sandbox.CloudFormation.Templates;

namespace MetaflowAws.Sandbox.CloudFormation;

/// <summary>The names a template sees through pseudo parameters.</summary>
public sealed record StackContext(string StackName, string StackId, string Region, string AccountId, string Partition)
{
    /// <summary>The partition of a region: China's and GovCloud's regions have their own (AWS General Reference, "Amazon Resource Names").</summary>
    public static string PartitionOf(string region)
        => region.StartsWith("cn-", StringComparison.Ordinal) ? "aws-cn" : region.StartsWith("us-gov-", StringComparison.Ordinal) ? "aws-us-gov" : "aws";
}

public sealed class StackEvent
{
    public required string EventId { get; init; }
    public required string LogicalResourceId { get; init; }
    public string? PhysicalResourceId { get; init; }
    public required string ResourceType { get; init; }
    public required string ResourceStatus { get; init; }
    public string? ResourceStatusReason { get; init; }
    public DateTime Timestamp { get; init; }
}

public sealed class ResourceState
{
    public required string LogicalId { get; init; }
    public required string Type { get; init; }
    public string? PhysicalId { get; set; }
    public string Status { get; set; } = "";
    public string? Reason { get; set; }
    public DateTime Timestamp { get; set; }
    public string? Ref { get; set; }
    public IReadOnlyDictionary<string, string> Attributes { get; set; } = new Dictionary<string, string>();
    public Dictionary<string, object?> Properties { get; set; } = new();
    public string DeletionPolicy { get; set; } = "Delete";
    /// <summary>A secret the service generated (an API key's value); never in events or outputs.</summary>
    public string? Secret { get; set; }
    /// <summary>A document changed through the service's own API since the stack set it (an IAM role's trust policy).</summary>
    public string? LiveDocument { get; set; }
    /// <summary>How many times the resource was replaced: part of the seed of its physical id.</summary>
    public int Generation { get; set; }

    public ResourceState Copy() => (ResourceState)MemberwiseClone();
}

public sealed record OutputValue(string Key, string Value, string? Description, string? ExportName);

public sealed class Stack
{
    public required StackContext Context { get; init; }
    public string StackName => Context.StackName;
    public string StackId => Context.StackId;
    public required Template Template { get; set; }
    /// <summary>Whether a resource exists for the services that read it: it has an identity and is neither gone, failed, nor going.</summary>
    public static bool IsLive(ResourceState r) => r.Ref is not null && r.Status is not ("DELETE_COMPLETE" or "CREATE_FAILED" or "DELETE_IN_PROGRESS");

    /// <summary>The stack's live resources, a snapshot taken under its lock.</summary>
    public List<ResourceState> LiveResources()
    {
        lock (Sync) return Resources.Where(IsLive).ToList();
    }

    /// <summary>Each active resource's dependencies (references and DependsOn), from the last plan of the template.</summary>
    public Dictionary<string, HashSet<string>> Dependencies { get; set; } = new(StringComparer.Ordinal);
    public required string TemplateBody { get; set; }
    public required Dictionary<string, string> ParameterValues { get; set; }
    public required HashSet<string> NoEchoParameters { get; set; }
    public IReadOnlyList<string> Capabilities { get; set; } = [];
    public IReadOnlyList<(string Key, string Value)> Tags { get; set; } = [];
    public bool DisableRollback { get; init; }
    public string? Description => Template.Description;
    public DateTime CreationTime { get; init; }
    public DateTime? LastUpdatedTime { get; set; }
    public DateTime? DeletionTime { get; set; }
    public string Status { get; set; } = "";
    public string? StatusReason { get; set; }
    public Dictionary<string, bool> Conditions { get; set; } = new();
    public List<ResourceState> Resources { get; } = [];
    public List<StackEvent> Events { get; } = [];
    public List<OutputValue> Outputs { get; set; } = [];
    public object Sync { get; } = new();

    public List<ChangeSet> ChangeSets { get; } = [];
    /// <summary>What an UPDATE_ROLLBACK_FAILED stack still has to roll back (ContinueUpdateRollback resumes it).</summary>
    public UpdateRollback? PendingRollback { get; set; }

    public ResourceState? Resource(string logicalId) => Resources.FirstOrDefault(r => r.LogicalId == logicalId);
}
