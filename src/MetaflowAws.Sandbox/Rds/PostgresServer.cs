using Npgsql;

namespace MetaflowAws.Sandbox.Rds;

/// <summary>
/// The real PostgreSQL server that plays every RDS for PostgreSQL instance of the sandbox, reached through an
/// administrator's connection (build.ps1 Start-Postgres starts it and passes --postgres).
/// </summary>
/// <remarks>
/// RDS's rds.force_ssl is emulated per database user with pg_hba.conf, which build.ps1 writes:
/// <code>
/// hostssl   all all                 127.0.0.1/32 scram-sha-256
/// hostnossl all postgres            127.0.0.1/32 scram-sha-256
/// hostnossl all +rds_nossl_allowed  127.0.0.1/32 scram-sha-256
/// </code>
/// A user outside <see cref="NoSslGroup"/> has no line for an unencrypted connection, so PostgreSQL refuses it
/// with the very message RDS gives when rds.force_ssl=1: 'no pg_hba.conf entry for host "...", user "...",
/// database "...", no encryption' (a 'reject' line would say 'pg_hba.conf rejects connection' instead).
/// </remarks>
public sealed class PostgresServer
{
    /// <summary>Members may connect without TLS: the users of instances whose rds.force_ssl is 0.</summary>
    public const string NoSslGroup = "rds_nossl_allowed";

    private readonly string _admin;
    private readonly object _sync = new();

    public PostgresServer(string adminConnectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(adminConnectionString) { Pooling = true, Database = "postgres" };
        Host = b.Host ?? throw new ArgumentException("--postgres needs Host=...");
        Port = b.Port;
        AdminUser = b.Username ?? "postgres";
        _admin = b.ConnectionString;
    }

    public string Host { get; }
    public int Port { get; }
    public string AdminUser { get; }

    /// <summary>Checks the server answers and creates the group the emulation needs; throws when it cannot.</summary>
    public void Prepare()
    {
        lock (_sync)
        {
            using var c = Open();
            if (!RoleExists(c, NoSslGroup)) Execute(c, $"CREATE ROLE {Ident(NoSslGroup)} NOLOGIN");
        }
    }

    /// <summary>
    /// Makes the server look like the instance to its client: the master user with this password (and TLS
    /// required or not), and the database of that name: fresh and empty when asked (a new instance), else kept.
    /// </summary>
    public void CreateInstance(string masterUser, string password, string? dbName, bool forceSsl, bool fresh)
    {
        lock (_sync)
        {
            using var c = Open();
            var role = Ident(masterUser);
            Execute(c, (RoleExists(c, masterUser) ? $"ALTER ROLE {role}" : $"CREATE ROLE {role}") + $" LOGIN CREATEDB CREATEROLE PASSWORD {Literal(password)}");
            Execute(c, forceSsl ? $"REVOKE {Ident(NoSslGroup)} FROM {role}" : $"GRANT {Ident(NoSslGroup)} TO {role}");
            if (dbName is null) return;
            if (fresh) Execute(c, $"DROP DATABASE IF EXISTS {Ident(dbName)} WITH (FORCE)");
            if (!DatabaseExists(c, dbName)) Execute(c, $"CREATE DATABASE {Ident(dbName)} OWNER {role}");
        }
    }

    /// <summary>Drops a database no live instance uses any more (its connections are ended, as a deleted instance's are).</summary>
    public void DropDatabase(string dbName)
    {
        lock (_sync)
        {
            using var c = Open();
            Execute(c, $"DROP DATABASE IF EXISTS {Ident(dbName)} WITH (FORCE)");
        }
    }

    private NpgsqlConnection Open()
    {
        var c = new NpgsqlConnection(_admin);
        c.Open();
        return c;
    }

    private static bool RoleExists(NpgsqlConnection c, string name) => Exists(c, "SELECT 1 FROM pg_roles WHERE rolname = $1", name);

    private static bool DatabaseExists(NpgsqlConnection c, string name) => Exists(c, "SELECT 1 FROM pg_database WHERE datname = $1", name);

    private static bool Exists(NpgsqlConnection c, string sql, string name)
    {
        using var cmd = new NpgsqlCommand(sql, c) { Parameters = { new() { Value = name } } };
        return cmd.ExecuteScalar() is not null;
    }

    // Utility statements (CREATE ROLE, GRANT ...) take no parameters: identifiers and literals are quoted.
    private static void Execute(NpgsqlConnection c, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, c);
        cmd.ExecuteNonQuery();
    }

    private static string Ident(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    private static string Literal(string value) => "'" + value.Replace("'", "''") + "'";
}
