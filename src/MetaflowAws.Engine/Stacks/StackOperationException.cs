using System.Text;

namespace MetaflowAws.Engine.Stacks;

/// <summary>A stack operation that ended in failure or rollback: which resources failed and why, and what to do next.</summary>
public sealed class StackOperationException : MetaflowException
{
    public StackOperationException(string stackName, string operation, string finalStatus, string? stackReason, IReadOnlyList<FailedResource> failed)
        : base(finalStatus.Contains("ROLLBACK", StringComparison.Ordinal) && finalStatus.EndsWith("_COMPLETE", StringComparison.Ordinal)
                   ? ErrorIds.StackRolledBack : ErrorIds.StackOperationFailed,
               Describe(stackName, operation, finalStatus, stackReason, failed), ErrorKind.InvalidOperation, stackName)
    {
        StackName = stackName;
        FinalStatus = finalStatus;
        FailedResources = failed;
    }

    public string StackName { get; }

    public string FinalStatus { get; }

    /// <summary>The failed resources of this operation, first cause first.</summary>
    public IReadOnlyList<FailedResource> FailedResources { get; }

    private static string Describe(string stackName, string operation, string finalStatus, string? stackReason, IReadOnlyList<FailedResource> failed)
    {
        var sb = new StringBuilder();
        var verb = operation switch { "Create" => "creation", "Update" => "update", "Delete" => "deletion", _ => "operation" };
        sb.Append($"Stack '{stackName}' {verb} failed");
        sb.Append(finalStatus.Contains("ROLLBACK", StringComparison.Ordinal) && !finalStatus.EndsWith("FAILED", StringComparison.Ordinal) ? " and was rolled back" : "");
        sb.Append($" ({finalStatus}).");
        if (failed.Count > 0)
        {
            sb.Append(failed.Count == 1 ? " Failed resource:" : " Failed resources, first cause first:");
            foreach (var f in failed)
                sb.Append($"\n  {f.LogicalResourceId} ({f.ResourceType}) {f.Status}: {f.Reason ?? "no reason given"}");
        }
        else if (!string.IsNullOrEmpty(stackReason))
        {
            sb.Append(' ').Append(stackReason);
        }
        sb.Append('\n').Append(StackStatus.NextStep(finalStatus, stackName));
        return sb.ToString();
    }
}
