using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Engine.Config;

/// <summary>The Metaflow settings to write, from a stack or from outputs a user picked.</summary>
public static class ConfigSettings
{
    /// <summary>Everything a stack configures (<see cref="MetaflowEnvironment.FromOutputs"/>); NotAMetaflowStack when nothing.</summary>
    public static SortedDictionary<string, string> FromStack(MetaflowStack stack)
    {
        if (StackStatus.IsInProgress(stack.Status))
            throw new MetaflowException(ErrorIds.StackBusy,
                $"Stack '{stack.StackName}' is {stack.Status}; its outputs are final only when the operation ends. Wait with 'Wait-MetaflowStack -StackName {stack.StackName}', then export.",
                ErrorKind.InvalidOperation, stack.StackName);
        if (!stack.Outputs.Any(o => o.ConfigKey is not null))
            throw new MetaflowException(ErrorIds.NotAMetaflowStack,
                $"Stack '{stack.StackName}' ({stack.Status}) has no outputs that configure Metaflow, so there is nothing to export. Deploy it with New-MetaflowStack, or check the name.",
                ErrorKind.InvalidData, stack.StackName);
        return MetaflowEnvironment.FromOutputs(stack);
    }

    /// <summary>
    /// Exactly the settings of the outputs given (a user filtered them: Get-MetaflowStackOutput -OutputKey ...).
    /// The API key output is its id, not the key, so it is skipped. A stack's parameters are not in its
    /// outputs, so the Fargate execution role is written when its output is given, whatever the batch
    /// type; export a stack to have it set only for Fargate. METAFLOW_DEFAULT_DATASTORE=s3 comes with the
    /// S3 datastore root and METAFLOW_DEFAULT_METADATA=service with the service URL, never on their own
    /// (a service default without its URL would break Metaflow).
    /// </summary>
    /// <summary>
    /// Settings Metaflow needs that the stack does not give, with what to do: the upstream template gives a Fargate
    /// stack no output for the task execution role Metaflow's Fargate jobs need.
    /// </summary>
    public static IReadOnlyList<string> Missing(MetaflowStack stack)
    {
        if (stack.Parameters.GetValueOrDefault("BatchType") != "fargate" || stack.Outputs.Any(o => o.OutputKey == "ECSFargateExecutionRoleArn")) return [];
        return [$"Stack '{stack.StackName}'{(stack.Origin == MetaflowStack.UpstreamOrigin ? " (the metaflow-tools template)" : "")} runs AWS Batch on Fargate but has no " +
                $"ECSFargateExecutionRoleArn output, so {ConfigKeys.FargateExecutionRole} is not written and Metaflow's Fargate jobs cannot start. " +
                $"Set it to the stack's ECS task execution role ARN (IAM console, or 'aws cloudformation describe-stack-resources --stack-name {stack.StackName}'), " +
                $"or upgrade the stack with 'Update-MetaflowStack -StackName {stack.StackName} -UseBundledTemplate', which adds the output."];
    }

    /// <summary>
    /// Outputs that someone else's objects describe (AWS.Tools' Output, a pscustomobject with OutputKey and OutputValue,
    /// a row of 'aws cloudformation describe-stacks' JSON), as ours; stackName when they do not say which stack.
    /// </summary>
    public static MetaflowStackOutput ForeignOutput(string key, string value, string? description, string? stackName, string? region) => new()
    {
        StackName = stackName ?? ForeignStack,
        Region = region ?? "",
        OutputKey = key,
        OutputValue = value,
        Description = description,
        ConfigKey = ConfigKeys.For(key, description),
    };

    /// <summary>The stack name given to piped outputs that do not say which stack they come from.</summary>
    public const string ForeignStack = "(piped outputs)";

    public static SortedDictionary<string, string> FromOutputs(IEnumerable<MetaflowStackOutput> outputs)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var output in outputs)
        {
            if (output.ConfigKey is null || output.ConfigKey == ConfigKeys.ServiceAuthKey) continue;
            result[output.ConfigKey] = output.OutputValue;
        }
        if (result.ContainsKey("METAFLOW_DATASTORE_SYSROOT_S3")) result["METAFLOW_DEFAULT_DATASTORE"] = "s3";
        if (result.ContainsKey("METAFLOW_SERVICE_URL")) result["METAFLOW_DEFAULT_METADATA"] = "service";
        return result;
    }
}
