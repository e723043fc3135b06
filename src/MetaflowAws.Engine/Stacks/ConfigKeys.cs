using System.Text.RegularExpressions;

namespace MetaflowAws.Engine.Stacks;

/// <summary>Which Metaflow configuration key each stack output sets (design.md's table).</summary>
public static class ConfigKeys
{
    public const string ServiceAuthKey = "METAFLOW_SERVICE_AUTH_KEY";
    public const string FargateExecutionRole = "METAFLOW_ECS_FARGATE_EXECUTION_ROLE";

    public static readonly IReadOnlyDictionary<string, string> ByOutput = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["MetaflowDataStoreS3Url"] = "METAFLOW_DATASTORE_SYSROOT_S3",
        ["MetaflowDataToolsS3Url"] = "METAFLOW_DATATOOLS_S3ROOT",
        ["BatchJobQueueArn"] = "METAFLOW_BATCH_JOB_QUEUE",
        ["ECSJobRoleForBatchJobs"] = "METAFLOW_ECS_S3_ACCESS_IAM_ROLE",
        ["ECSFargateExecutionRoleArn"] = "METAFLOW_ECS_FARGATE_EXECUTION_ROLE",
        ["ServiceUrl"] = "METAFLOW_SERVICE_URL",
        ["InternalServiceUrl"] = "METAFLOW_SERVICE_INTERNAL_URL",
        ["ApiKeyId"] = ServiceAuthKey,
        ["StepFunctionsRoleArn"] = "METAFLOW_SFN_IAM_ROLE",
        ["EventBridgeRoleArn"] = "METAFLOW_EVENTS_SFN_ACCESS_IAM_ROLE",
        ["DDBTableName"] = "METAFLOW_SFN_DYNAMO_DB_TABLE",
        // Metaflow names state machines PREFIX_name; the Step Functions and EventBridge roles serve only those.
        ["StateMachinePrefix"] = "METAFLOW_SFN_STATE_MACHINE_PREFIX",
        ["SfnExecutionLogGroupArn"] = "METAFLOW_SFN_EXECUTION_LOG_GROUP_ARN",
    };

    private static readonly Regex Bracketed = new(@"\[(METAFLOW_[A-Z0-9_]+)\]\s*$", RegexOptions.Compiled);

    /// <summary>The key from the table, else from a trailing [METAFLOW_...] in the description.</summary>
    public static string? For(string outputKey, string? description)
    {
        if (ByOutput.TryGetValue(outputKey, out var key)) return key;
        return description is not null && Bracketed.Match(description) is { Success: true } m ? m.Groups[1].Value : null;
    }
}
