using System.Globalization;
using System.Text.RegularExpressions;
using MetaflowAws.Sandbox.CloudFormation;

namespace MetaflowAws.Sandbox.Rds;

/// <summary>
/// AWS::RDS::DBInstance (engine postgres) backed by the one real <see cref="PostgresServer"/>: the client of an
/// instance sees exactly what the stack gave it (Endpoint.Address and Endpoint.Port, MasterUsername and the
/// password from MasterUserPassword, dynamic references resolved, DBName) and is treated as RDS treats
/// it for the instance's major version (rds.force_ssl).
/// </summary>
/// <remarks>
/// Limitation: many stacks share the server, and the client's user and database names are the template's
/// literals or come from the same generated secret template, so instances with the same MasterUsername share one role: the
/// last one created or updated sets its password and its TLS rule. Instances with the same DBName share one
/// database, made afresh (empty) when no other live instance uses it and dropped when the last one goes.
/// Enough for stacks tested one at a time; not an emulation of many live databases.
/// </remarks>
public sealed partial class DatabaseInstances(StackEngine stacks, PostgresServer server, Func<string, string?> secretString)
{
    public PostgresServer Server => server;

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,62}$")]
    private static partial Regex Identifier();

    public static bool IsPostgres(ResourceState r)
        => r.Type == "AWS::RDS::DBInstance" && r.Properties.GetValueOrDefault("Engine") is string e && e.Equals("postgres", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// An instance was created (or replaced: a new, empty database), or modified in place (its data kept): make the
    /// server serve it. Null, or why it failed.
    /// </summary>
    public string? Apply(Stack stack, ResourceState r, bool created)
    {
        if (!IsPostgres(r)) return null;
        string? Text(string name) => r.Properties.GetValueOrDefault(name) is { } v ? Convert.ToString(v, CultureInfo.InvariantCulture) : null;
        // RDS's own create-time checks, with its messages (CreateDBInstance, InvalidParameterValue).
        var user = Text("MasterUsername");
        // CloudFormation resolves a Secrets Manager dynamic reference here too (CloudFormation User Guide, "Get values
        // stored in other services using dynamic references": the RDS example takes MasterUsername from the secret).
        if (user is not null)
        {
            try { user = DynamicReferences.Resolve(user, secretString); }
            catch (MetaflowAws.Sandbox.CloudFormation.Templates.TemplateError ex) { return ex.Message; }
        }
        if (string.IsNullOrEmpty(user))
            return "Resource handler returned message: \"The parameter MasterUsername must be provided and must not be blank.\" (HandlerErrorCode: InvalidRequest)";
        if (!Identifier().IsMatch(user))
            return "Resource handler returned message: \"The parameter MasterUsername is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and underscores; and must not be a reserved word.\" (HandlerErrorCode: InvalidRequest)";
        if (user == server.AdminUser)
            return $"Resource handler returned message: \"MasterUsername {user} is reserved in the sandbox: it is the PostgreSQL server's administrator.\" (HandlerErrorCode: InvalidRequest)";
        string password;
        if (Text("ManageMasterUserPassword") is "true" or "True")
            password = Guid.NewGuid().ToString("N"); // RDS keeps it in a secret of its own, which the sandbox does not model
        else if (Text("MasterUserPassword") is not { Length: > 0 } given)
            return "Resource handler returned message: \"The parameter MasterUserPassword must be provided and must not be blank.\" (HandlerErrorCode: InvalidRequest)";
        else
        {
            try { password = DynamicReferences.Resolve(given, secretString); }
            catch (MetaflowAws.Sandbox.CloudFormation.Templates.TemplateError ex) { return ex.Message; }
        }
        if (password.Length < 8 || password.Length > 128 || password.Any(ch => ch is < '!' or > '~' or '/' or '@' or '"'))
            return "Resource handler returned message: \"The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides '/', '@', '\"', ' ' may be used.\" (HandlerErrorCode: InvalidRequest)";
        var dbName = Text("DBName");
        var forceSsl = ForceSsl(Text("EngineVersion"), ParameterGroup(stack, Text("DBParameterGroupName")));
        try
        {
            server.CreateInstance(user, password, dbName, forceSsl, fresh: created && dbName is not null && !InUseByOthers(dbName, r));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return $"Resource handler returned message: \"The sandbox's PostgreSQL server failed: {ex.Message}\" (HandlerErrorCode: ServiceInternalError)";
        }
        r.Attributes = new Dictionary<string, string>(r.Attributes)
        {
            ["Endpoint.Address"] = server.Host,
            ["Endpoint.Port"] = server.Port.ToString(CultureInfo.InvariantCulture),
        };
        return null;
    }

    /// <summary>
    /// An instance is being deleted (DeletionPolicy Delete or Snapshot: either way its endpoint stops serving the
    /// data): its database is dropped unless another live instance uses it. The role stays, as it may be shared.
    /// </summary>
    public string? Deleting(Stack stack, ResourceState r)
    {
        if (!IsPostgres(r) || r.Properties.GetValueOrDefault("DBName") is not string dbName || InUseByOthers(dbName, r)) return null;
        try { server.DropDatabase(dbName); }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Console.Error.WriteLine($"sandbox: dropping database {dbName} failed: {ex.Message}");
        }
        return null;
    }

    /// <summary>
    /// rds.force_ssl: the instance's parameter group's value when it sets one, else RDS's default for the major
    /// version: 1 from PostgreSQL 15 on, 0 before (AWS RDS User Guide, "Using SSL with a PostgreSQL DB instance").
    /// No EngineVersion: RDS picks its current default major version, which is 15 or later.
    /// </summary>
    public static bool ForceSsl(string? engineVersion, IReadOnlyDictionary<string, object?>? parameters)
    {
        if (parameters?.GetValueOrDefault("rds.force_ssl") is { } set)
            return Convert.ToString(set, CultureInfo.InvariantCulture) is "1" or "true";
        if (string.IsNullOrEmpty(engineVersion)) return true;
        var major = engineVersion.Split('.')[0];
        return !int.TryParse(major, NumberStyles.None, CultureInfo.InvariantCulture, out var m) || m >= 15;
    }

    /// <summary>The Parameters of the stack's AWS::RDS::DBParameterGroup of that name, if the stack has it.</summary>
    private static IReadOnlyDictionary<string, object?>? ParameterGroup(Stack stack, string? name)
    {
        if (name is null) return null;
        lock (stack.Sync)
            return stack.Resources.FirstOrDefault(x => x.Type == "AWS::RDS::DBParameterGroup" && x.Ref == name)
                ?.Properties.GetValueOrDefault("Parameters") as Dictionary<string, object?>;
    }

    private bool InUseByOthers(string dbName, ResourceState r)
        => stacks.LiveResources("AWS::RDS::DBInstance").Any(x => !ReferenceEquals(x.Resource, r) && IsPostgres(x.Resource)
            && x.Resource.Properties.GetValueOrDefault("DBName") as string == dbName);
}
