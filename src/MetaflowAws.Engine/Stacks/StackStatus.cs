namespace MetaflowAws.Engine.Stacks;

/// <summary>What CloudFormation's stack statuses mean for someone waiting on them.</summary>
public static class StackStatus
{
    public static bool IsInProgress(string status) => status.EndsWith("_IN_PROGRESS", StringComparison.Ordinal);

    public static bool IsTerminal(string status) => !IsInProgress(status);

    /// <summary>Terminal statuses that mean the requested operation did what was asked.</summary>
    public static bool IsSuccess(string status) => status is "CREATE_COMPLETE" or "UPDATE_COMPLETE" or "DELETE_COMPLETE" or "IMPORT_COMPLETE";

    /// <summary>Stack events that start an operation (the first event of a create, update, delete).</summary>
    public static bool StartsOperation(string status) => status is "CREATE_IN_PROGRESS" or "UPDATE_IN_PROGRESS" or "DELETE_IN_PROGRESS" or "IMPORT_IN_PROGRESS" or "REVIEW_IN_PROGRESS";

    public static bool IsResourceDone(string status) => status is "CREATE_COMPLETE" or "UPDATE_COMPLETE" or "DELETE_COMPLETE" or "DELETE_SKIPPED" or "IMPORT_COMPLETE";

    public static string OperationOf(string status) => status.Split('_')[0] switch
    {
        "CREATE" or "ROLLBACK" => "Create",
        "UPDATE" => "Update",
        "DELETE" => "Delete",
        "IMPORT" => "Import",
        _ => "Operation",
    };

    /// <summary>What to do next after a failed operation ends in this status.</summary>
    public static string NextStep(string status, string stackName) => status switch
    {
        "ROLLBACK_COMPLETE" => $"A stack in ROLLBACK_COMPLETE cannot be updated: remove it with 'Remove-MetaflowStack -StackName {stackName}', fix the cause above, then run New-MetaflowStack again.",
        "ROLLBACK_FAILED" => $"Some resources could not be rolled back: remove the stack with 'Remove-MetaflowStack -StackName {stackName}' (use -RetainResource for resources that cannot be deleted), then deploy again.",
        "CREATE_FAILED" => $"Rollback was disabled, so the resources created so far remain for inspection. Remove the stack with 'Remove-MetaflowStack -StackName {stackName}' before deploying again.",
        "UPDATE_ROLLBACK_COMPLETE" => "The stack is back to its previous state and can be updated again once the cause above is fixed.",
        "UPDATE_ROLLBACK_FAILED" => $"The rollback itself failed: fix the resources named above, then continue the rollback with 'Resume-MetaflowStackRollback -StackName {stackName}' (skip resources with -SkipResource).",
        "UPDATE_FAILED" => "Fix the cause above and update again.",
        "DELETE_FAILED" => $"Fix or empty the resources named above, or skip them with 'Remove-MetaflowStack -StackName {stackName} -RetainResource <LogicalId>'.",
        _ => $"See 'Get-MetaflowStackEvent -StackName {stackName}' for the full history.",
    };
}
