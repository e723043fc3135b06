using System.Text.Json.Nodes;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Lambda;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Engine.PostDeploy;

/// <summary>The metadata database's schema as metaflow-service's migration service reports it
/// (GET /db_schema_status: is_up_to_date, current_version, migration_in_progress, unapplied_migrations).</summary>
public sealed record DbSchemaStatus(bool? IsUpToDate, long? CurrentVersion, bool? MigrationInProgress, IReadOnlyList<string> UnappliedMigrations, string? Error)
{
    internal static DbSchemaStatus? From(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o when o.ContainsKey("detail") && !o.ContainsKey("is_up_to_date") => new(null, null, null, [], o["detail"]?.ToString()),
        JsonObject o => new(
            Bool(o["is_up_to_date"]), o["current_version"] is JsonValue v && v.TryGetValue<long>(out var n) ? n : null,
            Bool(o["migration_in_progress"]),
            (o["unapplied_migrations"] as JsonArray ?? []).Select(m => m?.ToString() ?? "").ToList(), null),
        _ => new(null, null, null, [], node.ToString()),
    };

    private static bool? Bool(JsonNode? n) => n is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    public override string ToString() => Error is not null ? "unknown: " + Error
        : IsUpToDate == true ? $"up to date (version {CurrentVersion})"
        : $"version {CurrentVersion}, {UnappliedMigrations.Count} migration(s) to apply" + (MigrationInProgress == true ? ", a migration is in progress" : "");
}

/// <summary>What Invoke-MetaflowDbMigration returns: the schema before and (after an upgrade) after.</summary>
public sealed class DbMigrationResult
{
    public required string StackName { get; init; }
    public required string FunctionName { get; init; }
    /// <summary>Status (read only) or Upgrade.</summary>
    public required string Action { get; init; }
    public DbSchemaStatus? Before { get; init; }
    public DbSchemaStatus? After { get; init; }
    /// <summary>Whether the schema is current now (after the upgrade, or as read).</summary>
    public bool IsUpToDate => (After ?? Before)?.IsUpToDate == true;

    public override string ToString() => $"{StackName}: {Action} -> {After ?? Before}";
}

/// <summary>
/// Runs the stack's migration function (output MigrationFunctionName, IAM-authorised only):
/// {"action":"status"} reads the schema status; {"action":"upgrade"} applies pending migrations
/// through the migration service (PATCH /upgrade) and reads the status again.
/// </summary>
public sealed class SchemaMigrationService(ILambda lambda, AwsSession session)
{
    public const string FunctionOutput = "MigrationFunctionName";

    public static string FunctionOf(MetaflowStack stack)
        => stack.Outputs.FirstOrDefault(o => o.OutputKey == FunctionOutput)?.OutputValue
           ?? throw new MetaflowException(ErrorIds.FeatureNotDeployed,
               $"Stack '{stack.StackName}' has no output {FunctionOutput}, so the module cannot reach its migration function. " +
               $"Update it to the bundled template first: 'Update-MetaflowStack -StackName {stack.StackName} -UseBundledTemplate'.",
               ErrorKind.InvalidOperation, stack.StackName);

    public async Task<DbMigrationResult> RunAsync(MetaflowStack stack, bool upgrade, CancellationToken ct)
    {
        var function = FunctionOf(stack);
        var action = upgrade ? "upgrade" : "status";
        var response = await AwsErrors.Call(() => lambda.InvokeAsync(new InvokeRequest
        {
            FunctionName = function,
            Payload = new JsonObject { ["action"] = action },
            TailLog = true,
        }, ct), "lambda:Invoke", stack.StackName, session).ConfigureAwait(false);

        if (response.FunctionError is not null)
        {
            var p = response.Payload as JsonObject;
            var what = p is null ? response.PayloadText : $"{p["errorType"]}: {p["errorMessage"]}";
            throw new MetaflowException(ErrorIds.MigrationFailed,
                $"The migration function {function} of stack '{stack.StackName}' failed ({response.FunctionError}): {what}. " +
                $"Its log is in CloudWatch Logs (the stack's MigrationLogGroup). The schema was {(upgrade ? "not upgraded" : "not read")}.",
                ErrorKind.InvalidOperation, stack.StackName);
        }

        var body = response.Payload as JsonObject
                   ?? throw new MetaflowException(ErrorIds.MigrationFailed,
                       $"The migration function {function} of stack '{stack.StackName}' answered '{response.PayloadText ?? "(nothing)"}', not the report it should return. Is the stack's template current?",
                       ErrorKind.InvalidData, stack.StackName);
        var result = new DbMigrationResult
        {
            StackName = stack.StackName,
            FunctionName = function,
            Action = upgrade ? "Upgrade" : "Status",
            Before = DbSchemaStatus.From(body["before"]),
            After = upgrade ? DbSchemaStatus.From(body["after"]) : null,
        };
        if (body["ok"] is JsonValue ok && ok.TryGetValue<bool>(out var succeeded) && !succeeded)
        {
            var answer = body["upgrade"];
            throw new MetaflowException(ErrorIds.MigrationFailed,
                $"The schema upgrade of stack '{stack.StackName}' failed: the migration service answered {answer?["status"]} '{answer?["body"]}'. " +
                $"The schema is {result.After ?? result.Before}; the metadata service keeps running on it. " +
                $"See the migration service's log (the metadata service's log group), then run 'Invoke-MetaflowDbMigration -StackName {stack.StackName}' again.",
                ErrorKind.InvalidOperation, stack.StackName);
        }
        return result;
    }
}
