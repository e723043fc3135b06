using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MetaflowAws.Sandbox.CloudFormation;

namespace MetaflowAws.Sandbox.Lambda;

/// <summary>
/// Lambda Invoke (REST-JSON, botocore lambda/2015-03-31: POST /2015-03-31/functions/{FunctionName}/invocations)
/// over the functions the stacks created. The sandbox runs no code: it answers for the one function it knows,
/// the template's migration function (its environment names MIGRATION_BASE_URL), by modelling the metadata
/// service's migration service (metaflow-service services/migration_service/api/admin.py: GET /db_schema_status,
/// PATCH /upgrade) over a schema version kept per database instance. Any other function fails as code the
/// sandbox cannot run would: a function error, with the reason.
/// </summary>
public sealed partial class LambdaApi(StackEngine stacks)
{
    /// <summary>
    /// The goose migration versions of metaflow-service, in order (services/migration_service/migration_files, and
    /// api/__init__.py's version_dict), with the first release whose image carries each: v2.2.5 added 20220503175500,
    /// v2.4.0 added 20230118020300; v2.5.1 (the newest release) has none newer.
    /// </summary>
    internal static readonly (string Version, (int, int, int) Since)[] Migrations =
    [
        ("1", (0, 0, 0)), ("20200603104139", (0, 0, 0)), ("20201002000616", (0, 0, 0)), ("20210202145952", (0, 0, 0)),
        ("20210260056859", (0, 0, 0)), ("20211202100726", (0, 0, 0)), ("20220503175500", (2, 2, 5)), ("20230118020300", (2, 4, 0)),
    ];

    private readonly ConcurrentDictionary<string, string> _schemas = new(StringComparer.Ordinal);

    /// <summary>Migration-service upgrades that fail (a control route sets them), by function name.</summary>
    public ConcurrentDictionary<string, string> FailingUpgrades { get; } = new(StringComparer.Ordinal);

    /// <summary>The migrations an image carries: all, for a tag that is not a release number (latest, a digest).</summary>
    internal static IReadOnlyList<string> MigrationsOf(string? image)
    {
        var m = image is null ? null : ReleaseTag().Match(image);
        if (m is null || !m.Success) return Migrations.Select(x => x.Version).ToList();
        var tag = (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture));
        return Migrations.Where(x => x.Since.CompareTo(tag) <= 0).Select(x => x.Version).ToList();
    }

    [GeneratedRegex(@":v?(\d+)\.(\d+)\.(\d+)$")]
    private static partial Regex ReleaseTag();

    /// <summary>
    /// The metadata service started on its database: on an empty one it runs the initial migration up to its image's
    /// newest (api/utils.py get_latest_compatible_version, called at container start); an existing schema is kept,
    /// and the container serves the version compatible with it until someone upgrades.
    /// </summary>
    public void ServiceStarted(Stack stack)
    {
        var (db, image) = MetadataServiceOf(stack);
        if (db is not null) _schemas.TryAdd(db, MigrationsOf(image)[^1]);
    }

    /// <summary>Answers Invoke: status, headers, payload (JSON), error type for an API error.</summary>
    public (int Status, Dictionary<string, string> Headers, JsonNode? Payload, string? ErrorType) Invoke(string functionName, IReadOnlyDictionary<string, string> headers, JsonNode? evt, string region)
    {
        var name = Uri.UnescapeDataString(functionName);
        if (!FunctionName().IsMatch(name) || name.Length > 170)
            return (400, [], new JsonObject { ["Type"] = "User", ["message"] = $"1 validation error detected: Value '{name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern" }, "ValidationException");
        var type = headers.GetValueOrDefault("x-amz-invocation-type") ?? "RequestResponse";
        if (type is not ("RequestResponse" or "Event" or "DryRun"))
            return (400, [], new JsonObject { ["Type"] = "User", ["message"] = $"1 validation error detected: Value '{type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]" }, "ValidationException");
        var shortName = name.Contains(":function:", StringComparison.Ordinal) ? name[(name.IndexOf(":function:", StringComparison.Ordinal) + 10)..].Split(':')[0] : name;
        var found = stacks.LiveResources("AWS::Lambda::Function").FirstOrDefault(f => f.Resource.Ref == shortName);
        if (found.Resource is null)
            return (404, [], new JsonObject { ["Type"] = "User", ["message"] = $"Function not found: arn:aws:lambda:{region}:123456789012:function:{shortName}" }, "ResourceNotFoundException");
        var answer = new Dictionary<string, string> { ["X-Amz-Executed-Version"] = "$LATEST" };
        if (type == "DryRun") return (204, answer, null, null);
        if (type == "Event") return (202, answer, null, null);

        var environment = (found.Resource.Properties.GetValueOrDefault("Environment") as Dictionary<string, object?>)?.GetValueOrDefault("Variables") as Dictionary<string, object?>;
        if (environment?.ContainsKey("MIGRATION_BASE_URL") != true)
            return FunctionError(answer, headers, "Sandbox.NotEmulated", $"The sandbox does not run function code; it emulates only the migration function (MIGRATION_BASE_URL), not {shortName}.");
        var action = (evt as JsonObject)?["action"]?.ToString() ?? "upgrade";
        var (db, image) = MetadataServiceOf(found.Stack);
        if (db is null)
            return FunctionError(answer, headers, "URLError", "<urlopen error [Errno -2] Name or service not known>");
        var migrations = MigrationsOf(image);
        var result = new JsonObject { ["action"] = action, ["before"] = Status(db, migrations) };
        var ok = true;
        if (action == "upgrade")
        {
            if (FailingUpgrades.TryGetValue(shortName, out _))
            {
                ok = false;
                result["upgrade"] = new JsonObject { ["status"] = 500, ["body"] = "upgrade failed" };
            }
            else
            {
                _schemas[db] = migrations[^1];
                result["upgrade"] = new JsonObject { ["status"] = 200, ["body"] = "upgrade success" };
            }
            result["after"] = Status(db, migrations);
        }
        result["ok"] = ok;
        return (200, answer, result, null);
    }

    /// <summary>GET /db_schema_status as the stack's migration service answers it; null when the stack has no metadata service.</summary>
    public JsonObject? SchemaStatus(Stack stack)
    {
        var (db, image) = MetadataServiceOf(stack);
        return db is null ? null : Status(db, MigrationsOf(image));
    }

    /// <summary>GET /db_schema_status's body, from the migrations the running image knows.</summary>
    private JsonObject Status(string db, IReadOnlyList<string> migrations)
    {
        var current = _schemas.GetValueOrDefault(db) ?? "0";
        var index = migrations.ToList().IndexOf(current);
        var unapplied = migrations.Skip(index + 1).ToList();
        return new JsonObject
        {
            ["is_up_to_date"] = unapplied.Count == 0,
            ["current_version"] = long.Parse(current, CultureInfo.InvariantCulture),
            ["migration_in_progress"] = false,
            ["db_schema_versions"] = new JsonArray(migrations.Select(m => (JsonNode)JsonValue.Create(m)!).ToArray()),
            ["unapplied_migrations"] = new JsonArray(unapplied.Select(m => (JsonNode)JsonValue.Create(m)!).ToArray()),
        };
    }

    /// <summary>Lambda's answer for a function that raised: 200, X-Amz-Function-Error: Unhandled, the error document.</summary>
    private static (int, Dictionary<string, string>, JsonNode?, string?) FunctionError(Dictionary<string, string> answer, IReadOnlyDictionary<string, string> headers, string type, string message)
    {
        answer["X-Amz-Function-Error"] = "Unhandled";
        if (headers.GetValueOrDefault("x-amz-log-type") == "Tail")
            answer["X-Amz-Log-Result"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"[ERROR] {type}: {message}\n"));
        return (200, answer, new JsonObject { ["errorMessage"] = message, ["errorType"] = type, ["stackTrace"] = new JsonArray() }, null);
    }

    /// <summary>The stack's database instance and the image of its metadata service container (the one given MF_METADATA_DB_HOST).</summary>
    private static (string? Db, string? Image) MetadataServiceOf(Stack stack)
    {
        var resources = stack.LiveResources();
        var db = resources.FirstOrDefault(r => r.Type == "AWS::RDS::DBInstance")?.PhysicalId;
        string? image = null;
        foreach (var task in resources.Where(r => r.Type == "AWS::ECS::TaskDefinition"))
            foreach (var c in (task.Properties.GetValueOrDefault("ContainerDefinitions") as List<object?> ?? []).OfType<Dictionary<string, object?>>())
                if (Ecs.MetadataServiceTasks.IsMetadataContainer(c))
                    image = c.GetValueOrDefault("Image") as string;
        return (db, image);
    }

    // botocore lambda Invoke FunctionName pattern (NamespacedFunctionName).
    [GeneratedRegex(@"^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$")]
    private static partial Regex FunctionName();
}
