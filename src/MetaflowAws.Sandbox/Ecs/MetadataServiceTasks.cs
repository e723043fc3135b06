using System.Globalization;
using System.Text.Json.Nodes;
using MetaflowAws.Sandbox.CloudFormation;
using MetaflowAws.Sandbox.Rds;
using Npgsql;

namespace MetaflowAws.Sandbox.Ecs;

/// <summary>
/// An AWS::ECS::Service's create waits, as CloudFormation does, for its tasks to run: when a container of its
/// task definition is metaflow-service (it has MF_METADATA_DB_HOST) and the database is one the sandbox backs
/// with PostgreSQL, a task "starts" by connecting as metaflow-service's migrations would. A task that cannot
/// connect stops, and ECS starts another; the deployment circuit breaker, when enabled with rollback, fails
/// the service after 3 stopped tasks (its threshold for a desired count under 6), else CloudFormation keeps
/// waiting (about 3 hours on AWS, <see cref="StabilizationTimeout"/> here) and then fails it as not stabilized.
/// </summary>
public sealed class MetadataServiceTasks(DatabaseInstances databases, Func<string, string?> secretString)
{
    /// <summary>ECS's circuit breaker threshold: half the desired count, at least 3 (Amazon ECS Developer Guide, "deployment circuit breaker").</summary>
    private const int BreakerThreshold = 3;

    /// <summary>
    /// How long CloudFormation waits for a service that never gets a task running: about 3 hours on AWS; 5 minutes
    /// here, where resources take milliseconds, so a template that regresses fails a test run instead of hanging it.
    /// </summary>
    public static readonly TimeSpan DefaultStabilizationTimeout = TimeSpan.FromMinutes(5);

    public TimeSpan StabilizationTimeout { get; set; } = DefaultStabilizationTimeout;

    /// <summary>Null when the service's tasks run (or are none of the sandbox's business); else why its create failed.</summary>
    public async Task<string?> StabilizeAsync(Stack stack, ResourceState service, TimeSpan pace, CancellationToken ct = default)
    {
        if (service.Type != "AWS::ECS::Service") return null;
        var environment = MetadataContainerEnvironment(stack, service);
        if (environment is null
            || environment.GetValueOrDefault("MF_METADATA_DB_HOST") != databases.Server.Host
            || environment.GetValueOrDefault("MF_METADATA_DB_PORT") != databases.Server.Port.ToString(CultureInfo.InvariantCulture))
            return null;
        var breaker = service.Properties.GetValueOrDefault("DeploymentConfiguration") is Dictionary<string, object?> dc
            && dc.GetValueOrDefault("DeploymentCircuitBreaker") is Dictionary<string, object?> cb
            && ResourceModel.IsTrue(cb.GetValueOrDefault("Enable")) && ResourceModel.IsTrue(cb.GetValueOrDefault("Rollback"));
        var started = DateTime.UtcNow;
        var stopped = 0;
        var between = pace < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : pace;
        while (true)
        {
            var error = await StartTaskAsync(environment, ct);
            if (error is null) return null;
            if (breaker && ++stopped >= BreakerThreshold)
                return $"Resource handler returned message: \"Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'.\" (task stopped: {error})";
            if (DateTime.UtcNow - started > StabilizationTimeout)
                return "Resource handler returned message: \"Exceeded attempts to wait\" (HandlerErrorCode: NotStabilized)";
            await Task.Delay(between, ct);
        }
    }

    /// <summary>What ECS gives the metadata-service container: Environment (dynamic references resolved), and Secrets fetched.</summary>
    private Dictionary<string, string>? MetadataContainerEnvironment(Stack stack, ResourceState service)
    {
        ResourceState? task;
        lock (stack.Sync)
            task = stack.Resources.FirstOrDefault(r => r.Type == "AWS::ECS::TaskDefinition" && r.Ref is not null && r.Ref == service.Properties.GetValueOrDefault("TaskDefinition") as string);
        if (task?.Properties.GetValueOrDefault("ContainerDefinitions") is not List<object?> containers) return null;
        foreach (var container in containers.OfType<Dictionary<string, object?>>().Where(IsMetadataContainer))
        {
            var environment = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var e in (container.GetValueOrDefault("Environment") as List<object?> ?? []).OfType<Dictionary<string, object?>>())
                if (e.GetValueOrDefault("Name") is string name)
                    environment[name] = DynamicReferences.Resolve(Convert.ToString(e.GetValueOrDefault("Value"), CultureInfo.InvariantCulture) ?? "", secretString);
            foreach (var s in (container.GetValueOrDefault("Secrets") as List<object?> ?? []).OfType<Dictionary<string, object?>>())
                if (s.GetValueOrDefault("Name") is string name && s.GetValueOrDefault("ValueFrom") is string from && SecretValue(from) is { } value)
                    environment[name] = value;
            return environment;
        }
        return null;
    }

    /// <summary>The metaflow-service container of a task definition: the one given MF_METADATA_DB_HOST.</summary>
    internal static bool IsMetadataContainer(Dictionary<string, object?> container)
        => (container.GetValueOrDefault("Environment") as List<object?> ?? []).OfType<Dictionary<string, object?>>()
            .Any(e => e.GetValueOrDefault("Name") as string == "MF_METADATA_DB_HOST");

    /// <summary>
    /// A Secrets Manager ValueFrom as ECS reads it: 'secret-arn[:json-key[:version-stage[:version-id]]]' (Amazon ECS
    /// Developer Guide, "Pass Secrets Manager secrets through Amazon ECS environment variables").
    /// </summary>
    private string? SecretValue(string valueFrom)
    {
        var parts = valueFrom.Split(':');
        if (parts.Length < 7 || parts[2] != "secretsmanager") return null;
        var text = secretString(string.Join(':', parts[..7]));
        var key = parts.Length > 7 ? parts[7] : "";
        if (text is null || key.Length == 0) return text;
        try { return (JsonNode.Parse(text) as JsonObject)?[key]?.GetValue<string>(); }
        catch (System.Text.Json.JsonException) { return null; }
    }

    /// <summary>
    /// One task's start: a connection as metaflow-service v2.5.1 makes it (services/utils/__init__.py and
    /// services/migration_service/run_goose.py read MF_METADATA_DB_HOST, _PORT, _USER, _PSWD, _NAME and
    /// _SSL_MODE; TLS only when _SSL_MODE is allow, prefer, require, verify-ca or verify-full, else the
    /// migrations connect with sslmode=disable). Null when it connected, else PostgreSQL's error.
    /// </summary>
    private static async Task<string?> StartTaskAsync(Dictionary<string, string> env, CancellationToken ct)
    {
        var mode = env.GetValueOrDefault("MF_METADATA_DB_SSL_MODE") switch
        {
            "allow" => SslMode.Allow,
            "prefer" => SslMode.Prefer,
            "require" => SslMode.Require,
            "verify-ca" => SslMode.VerifyCA,
            "verify-full" => SslMode.VerifyFull,
            _ => SslMode.Disable,
        };
        var b = new NpgsqlConnectionStringBuilder
        {
            Host = env.GetValueOrDefault("MF_METADATA_DB_HOST"),
            Port = int.TryParse(env.GetValueOrDefault("MF_METADATA_DB_PORT"), out var port) ? port : 5432,
            Username = env.GetValueOrDefault("MF_METADATA_DB_USER"),
            Password = env.GetValueOrDefault("MF_METADATA_DB_PSWD"),
            Database = env.GetValueOrDefault("MF_METADATA_DB_NAME"),
            SslMode = mode,
            Pooling = false,
            Timeout = 10,
        };
        try
        {
            await using var c = new NpgsqlConnection(b.ConnectionString);
            await c.OpenAsync(ct);
            return null;
        }
        catch (PostgresException e)
        {
            return $"{e.Severity}: {e.MessageText}";
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Security.Authentication.AuthenticationException)
        {
            return e.Message;
        }
    }
}
