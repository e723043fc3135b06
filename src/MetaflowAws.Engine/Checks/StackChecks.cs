using System.Net.Http;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Config;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Engine.Checks;

/// <summary>One post-deploy check, made to be asserted on: Name, Passed, Detail.</summary>
public sealed record MetaflowStackCheck(string StackName, string Name, bool Passed, string Detail)
{
    public override string ToString() => $"{(Passed ? "PASS" : "FAIL")} {Name}: {Detail}";
}

/// <summary>The calls the checks make; a seam so unit tests can hand in answers.</summary>
public interface ICheckProbes
{
    Task<string> BucketAsync(string bucket, CancellationToken ct);
    Task<JobQueueState?> JobQueueAsync(string arn, CancellationToken ct);
    Task<string> TableStatusAsync(string name, CancellationToken ct);
    Task<(int Status, string Body)> GetAsync(Uri url, string? apiKey, CancellationToken ct);
}

/// <summary>
/// Checks that a deployed stack works: status, outputs, the bucket, the job queue, the state
/// table, the metadata service through API Gateway with the API key, and that the Metaflow
/// config matches the stack. Each check reports why it failed; none throws for a failed check.
/// </summary>
public sealed class StackChecks(ICheckProbes probes)
{
    public static readonly IReadOnlyList<string> ExpectedOutputs =
    [
        "MetaflowDataStoreS3Url", "MetaflowDataToolsS3Url", "BatchJobQueueArn", "ECSJobRoleForBatchJobs", "ECSFargateExecutionRoleArn",
        "ServiceUrl", "InternalServiceUrl", "StepFunctionsRoleArn", "EventBridgeRoleArn", "DDBTableName",
    ];

    /// <param name="declaredOutputs">The outputs the stack's own template declares (its conditions evaluated); null: the
    /// outputs this module's template gives.</param>
    public async Task<IReadOnlyList<MetaflowStackCheck>> RunAsync(MetaflowStack stack, Uri? serviceUrl, MetaflowConfigLocation? config, CancellationToken ct,
        IReadOnlyList<string>? declaredOutputs = null)
    {
        var results = new List<MetaflowStackCheck>();
        MetaflowStackCheck Check(string name, bool passed, string detail) => new(stack.StackName, name, passed, detail);
        string? Out(string key) => stack.Outputs.FirstOrDefault(o => o.OutputKey == key)?.OutputValue;

        results.Add(Check("StackStatus", stack.Status is "CREATE_COMPLETE" or "UPDATE_COMPLETE",
            stack.Status is "CREATE_COMPLETE" or "UPDATE_COMPLETE" ? stack.Status : $"{stack.Status}{(stack.StatusReason is null ? "" : ": " + stack.StatusReason)}; expected CREATE_COMPLETE or UPDATE_COMPLETE"));

        var expected = declaredOutputs?.ToList() ?? ExpectedOutputs.ToList();
        if (declaredOutputs is null && stack.Parameters.GetValueOrDefault("APIBasicAuth") == "true") expected.Add("ApiKeyId");
        if (declaredOutputs is null && stack.Parameters.GetValueOrDefault("CustomRole") == "true") expected.Add("MetaflowUserRoleArn");
        var missing = expected.Where(k => string.IsNullOrEmpty(Out(k))).ToList();
        results.Add(Check("Outputs", missing.Count == 0, missing.Count == 0 ? $"{expected.Count} expected outputs present" : "missing: " + string.Join(", ", missing)));

        // The probes are independent: they run at once, and each fails alone (its reason in its Detail).
        var bucketProbe = Probe(stack.StackName, "DataBucket", ct, async () =>
        {
            var url = Out("MetaflowDataStoreS3Url") ?? throw new CheckFailed("no MetaflowDataStoreS3Url output");
            var bucket = new Uri(url).Host;
            var region = await probes.BucketAsync(bucket, ct).ConfigureAwait(false);
            return $"s3://{bucket} reachable ({region})";
        });

        var queueProbe = Probe(stack.StackName, "JobQueue", ct, async () =>
        {
            var arn = Out("BatchJobQueueArn") ?? throw new CheckFailed("no BatchJobQueueArn output");
            var q = await probes.JobQueueAsync(arn, ct).ConfigureAwait(false) ?? throw new CheckFailed($"job queue {arn} not found");
            if (q.State != "ENABLED" || q.Status != "VALID") throw new CheckFailed($"job queue {q.Name} is {q.State}/{q.Status}: {q.StatusReason}; expected ENABLED/VALID");
            return $"{q.Name} ENABLED/VALID";
        });

        var tableProbe = Probe(stack.StackName, "StateTable", ct, async () =>
        {
            var table = Out("DDBTableName") ?? throw new CheckFailed("no DDBTableName output");
            var status = await probes.TableStatusAsync(table, ct).ConfigureAwait(false);
            if (status != "ACTIVE") throw new CheckFailed($"table {table} is {status}; expected ACTIVE");
            return $"{table} ACTIVE";
        });

        var apiKey = config is not null && File.Exists(config.Path) ? SafeRead(config.Path)?.GetValueOrDefault(ConfigKeys.ServiceAuthKey) : null;
        var serviceProbe = Probe(stack.StackName, "MetadataService", ct, async () =>
        {
            var url = serviceUrl ?? (Out("ServiceUrl") is { } s ? new Uri(s) : throw new CheckFailed("no ServiceUrl output"));
            var ping = new Uri(url, "ping");
            var (status, body) = await probes.GetAsync(ping, apiKey, ct).ConfigureAwait(false);
            if (status == 403)
                throw new CheckFailed($"{ping} answered 403 Forbidden: " + (apiKey is null
                    ? "no API key was sent (none in the Metaflow config); run Set-MetaflowApiKey"
                    : "the API key in the Metaflow config was refused; run Set-MetaflowApiKey again"));
            if (status != 200) throw new CheckFailed($"{ping} answered {status}: {Trim(body)}");
            return $"{ping} answered {Trim(body)}";
        });
        results.AddRange(await Task.WhenAll(bucketProbe, queueProbe, tableProbe, serviceProbe).ConfigureAwait(false));

        if (config is not null) results.Add(CheckConfig(stack, config));
        return results;
    }

    private static MetaflowStackCheck CheckConfig(MetaflowStack stack, MetaflowConfigLocation location)
    {
        const string name = "MetaflowConfig";
        if (!File.Exists(location.Path))
            return new(stack.StackName, name, false, $"{location.Path} does not exist; run Export-MetaflowConfig");
        var settings = SafeRead(location.Path);
        if (settings is null) return new(stack.StackName, name, false, $"{location.Path} is not a valid Metaflow config");
        var wanted = MetaflowEnvironment.FromOutputs(stack);
        var wrong = wanted.Where(kv => settings.GetValueOrDefault(kv.Key) != kv.Value).Select(kv => kv.Key).ToList();
        if (stack.Outputs.Any(o => o.OutputKey == "ApiKeyId") && string.IsNullOrEmpty(settings.GetValueOrDefault(ConfigKeys.ServiceAuthKey)))
            wrong.Add(ConfigKeys.ServiceAuthKey + " (missing: run Set-MetaflowApiKey)");
        return wrong.Count == 0
            ? new(stack.StackName, name, true, $"{location.Path} matches the stack ({wanted.Count} settings)")
            : new(stack.StackName, name, false, $"{location.Path} differs from the stack in: {string.Join(", ", wrong)}; run Export-MetaflowConfig");
    }

    private static IReadOnlyDictionary<string, string>? SafeRead(string path)
    {
        try { return MetaflowConfigFile.Read(path); }
        catch (MetaflowException) { return null; }
    }

    private static string Trim(string body) => body.Length > 80 ? body[..80] + "…" : body.Trim();

    /// <summary>
    /// Runs one probe; whatever it meets (an AWS error after retries, a timeout, a damaged response, a network
    /// failure) fails this check with the reason. Only the user's own cancellation stops the cmdlet.
    /// </summary>
    private static async Task<MetaflowStackCheck> Probe(string stackName, string name, CancellationToken ct, Func<Task<string>> run)
    {
        try
        {
            await Task.Yield();
            return new(stackName, name, true, await run().ConfigureAwait(false));
        }
        catch (CheckFailed ex)
        {
            return new(stackName, name, false, ex.Message);
        }
        catch (MetaflowException ex)
        {
            return new(stackName, name, false, $"{ex.ErrorId}: {ex.Message}");
        }
        catch (HttpRequestException ex)
        {
            return new(stackName, name, false, "not reachable: " + ex.Message);
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            return new(stackName, name, false, "no answer in time: " + ex.GetBaseException().Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A CRC mismatch arrives as an IOException, a malformed answer as a parse error: both are this check's failure.
            return new(stackName, name, false, $"{ex.GetType().Name}: {ex.GetBaseException().Message}");
        }
    }

    private sealed class CheckFailed(string message) : Exception(message);
}
