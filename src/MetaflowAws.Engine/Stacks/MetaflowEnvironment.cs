namespace MetaflowAws.Engine.Stacks;

/// <summary>The Metaflow settings a stack implies, key → value, sorted.</summary>
public static class MetaflowEnvironment
{
    /// <summary>
    /// Settings from the outputs, plus the two Metaflow always needs with this stack. The API
    /// key output is an id, not the key: the value comes from Set-MetaflowApiKey, so it is left out.
    /// The Fargate execution role is set only when Batch runs on Fargate.
    /// </summary>
    public static SortedDictionary<string, string> FromOutputs(MetaflowStack stack)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["METAFLOW_DEFAULT_DATASTORE"] = "s3",
            ["METAFLOW_DEFAULT_METADATA"] = "service",
        };
        var fargate = stack.Parameters.TryGetValue("BatchType", out var batchType) && batchType == "fargate";
        foreach (var output in stack.Outputs)
        {
            if (output.ConfigKey is null || output.ConfigKey == ConfigKeys.ServiceAuthKey) continue;
            if (output.ConfigKey == "METAFLOW_ECS_FARGATE_EXECUTION_ROLE" && !fargate) continue;
            result[output.ConfigKey] = output.OutputValue;
        }
        return result;
    }
}
