namespace MetaflowAws.Engine.Stacks;

/// <summary>One resource change of an update, as a change set describes it.</summary>
public sealed class MetaflowStackChange
{
    public required string StackName { get; init; }
    /// <summary>Add, Modify, Remove (or Import, Dynamic).</summary>
    public required string Action { get; init; }
    public required string LogicalResourceId { get; init; }
    public string? PhysicalResourceId { get; init; }
    public required string ResourceType { get; init; }
    /// <summary>For a Modify: True, False or Conditional.</summary>
    public string? Replacement { get; init; }
    /// <summary>The properties that change; those that can force a replacement come first.</summary>
    public required IReadOnlyList<string> ChangedProperties { get; init; }
    /// <summary>The properties whose change causes (or may cause) the replacement.</summary>
    public required IReadOnlyList<string> ReplacementCause { get; init; }
    /// <summary>What caused the changes: parameters or resources referenced (e.g. VPCCidr, Vpc).</summary>
    public required IReadOnlyList<string> CausingEntities { get; init; }

    /// <summary>
    /// What the change puts at risk: <c>Data</c> (a bucket, database, table or the database's credentials removed or
    /// replaced: the data is lost or left behind), <c>Identity</c> (a resource whose name or ARN the Metaflow config
    /// and deployed flows use, or the network, removed or replaced: new ids break them), or <c>None</c>.
    /// </summary>
    public string Risk { get; init; } = ChangeRisks.None;

    /// <summary>
    /// True when the change replaces the resource or may: Replacement True, or Conditional unless every property that
    /// makes it conditional is one the resource's service changes in place (<see cref="ChangeRisks.InPlace"/>).
    /// </summary>
    public bool MayReplace => Replacement == "True" || (Replacement == "Conditional" && !ChangeRisks.InPlace(ResourceType, ReplacementCause));

    /// <summary>True when this change replaces a resource that holds data (database, bucket, table).</summary>
    public bool ReplacesData => MayReplace && DataResourceTypes.Contains(ResourceType);

    public static readonly IReadOnlySet<string> DataResourceTypes = new HashSet<string>
    {
        "AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::S3::Bucket", "AWS::DynamoDB::Table",
    };

    public override string ToString()
        => $"{Action} {LogicalResourceId} ({ResourceType})" + (Replacement is null ? "" : $" replacement {Replacement}")
           + (ChangedProperties.Count > 0 ? $": {string.Join(", ", ChangedProperties)}" : "")
           + (Risk == ChangeRisks.None ? "" : $" [{Risk.ToUpperInvariant()} AT RISK]");

    /// <summary>This change with its risk classified.</summary>
    public MetaflowStackChange WithRisk(string risk) => new()
    {
        StackName = StackName, Action = Action, LogicalResourceId = LogicalResourceId, PhysicalResourceId = PhysicalResourceId,
        ResourceType = ResourceType, Replacement = Replacement, ChangedProperties = ChangedProperties, ReplacementCause = ReplacementCause,
        CausingEntities = CausingEntities, Risk = risk,
    };
}

/// <summary>A change set read back: its id and changes, or that there is nothing to change.</summary>
public sealed record StackChangePlan(string StackName, string StackId, string ChangeSetId, string ChangeSetName, IReadOnlyList<MetaflowStackChange> Changes)
{
    public bool HasChanges => Changes.Count > 0;

    /// <summary>One line per change, for confirmations and -WhatIf.</summary>
    public string Summary()
    {
        if (!HasChanges) return "No changes.";
        var counts = string.Join(", ", Changes.GroupBy(c => c.Action).Select(g => $"{g.Count()} {g.Key}"));
        var replaced = Changes.Count(c => c.MayReplace);
        return $"{counts}{(replaced > 0 ? $" ({replaced} replaced or possibly replaced)" : "")}:\n" + string.Join("\n", Changes.Select(c => "  " + c));
    }
}
