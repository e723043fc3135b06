namespace MetaflowAws.Sandbox;

/// <param name="Postgres">An administrator's connection string (Npgsql) to the PostgreSQL server that backs RDS; null: RDS is only modelled.</param>
/// <param name="Record">A file to append every AWS exchange to, as JSON lines (for the conformance referee); null: none.</param>
/// <param name="TimeScale">Resources take their type's typical time (ResourceDurations) times this; null: the fixed ResourceDelayMs pace.</param>
public sealed record SandboxOptions(int Port, string Region, int ResourceDelayMs, string? Postgres = null, string? Record = null, double? TimeScale = null)
{
    public static SandboxOptions Parse(string[] args)
    {
        int port = 0, delay = 40;
        var region = "us-east-1";
        string? postgres = null, record = null;
        double? scale = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--port": port = int.Parse(Next()); break;
                case "--region": region = Next(); break;
                case "--resource-delay-ms": delay = int.Parse(Next()); break;
                case "--postgres": postgres = Next(); break;
                case "--record": record = Next(); break;
                case "--time-scale": scale = double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"Unknown option {args[i]}. Options: --port N (0 = any free port), --region NAME, --resource-delay-ms N, --postgres \"Host=127.0.0.1;Port=N;Username=postgres;Password=...\", --record FILE.jsonl, --time-scale 0.001");
            }
        }
        return new SandboxOptions(port, region, delay, postgres, record, scale);
    }
}
