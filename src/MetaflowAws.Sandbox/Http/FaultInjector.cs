using System.Text.Json;

namespace MetaflowAws.Sandbox.Http;

/// <summary>What share of AWS requests fail, and how (percentages 0-100).</summary>
/// <param name="BadCrcPercent">DynamoDB answers whose x-amz-crc32 does not match the body (a response damaged in transit).</param>
/// <param name="Service">Only requests to this service (its signing name: dynamodb, batch, s3, ...) are affected; all when null.</param>
public sealed record FaultSettings(int ThrottlePercent = 0, int ServerErrorPercent = 0, int SlowPercent = 0, int SlowMs = 0, int DropPercent = 0, int Seed = 1,
    int BadCrcPercent = 0, string? Service = null);

public enum FaultKind { None, Throttle, ServerError, Drop, BadCrc }

/// <summary>
/// Makes a share of signed requests fail the way AWS fails under load: throttling (each service's
/// own error), 500/503, slow answers, dropped connections. Seeded, so a run can be repeated.
/// </summary>
public sealed class FaultInjector
{
    private readonly object _sync = new();
    private Random _random = new(1);

    public FaultSettings Settings { get; private set; } = new();

    /// <summary>Faults injected so far, by kind: the retries clients had to make.</summary>
    public Dictionary<string, int> Injected { get; } = new();

    public void Configure(FaultSettings settings)
    {
        lock (_sync)
        {
            Settings = settings;
            _random = new Random(settings.Seed);
            Injected.Clear();
        }
    }

    /// <summary>Draws the fate of one request: the fault, and how long to stall first.</summary>
    public (FaultKind Kind, int DelayMs) Next(string service)
    {
        lock (_sync)
        {
            var s = Settings;
            if (s.ThrottlePercent + s.ServerErrorPercent + s.SlowPercent + s.DropPercent + s.BadCrcPercent == 0) return (FaultKind.None, 0);
            if (s.Service is not null && s.Service != service) return (FaultKind.None, 0);
            var delay = _random.Next(100) < s.SlowPercent ? s.SlowMs : 0;
            var roll = _random.Next(100);
            var kind = roll < s.ThrottlePercent ? FaultKind.Throttle
                : roll < s.ThrottlePercent + s.ServerErrorPercent ? FaultKind.ServerError
                : roll < s.ThrottlePercent + s.ServerErrorPercent + s.DropPercent ? FaultKind.Drop
                : roll < s.ThrottlePercent + s.ServerErrorPercent + s.DropPercent + s.BadCrcPercent && service == "dynamodb" ? FaultKind.BadCrc
                : FaultKind.None;
            if (kind != FaultKind.None) Injected[kind.ToString()] = Injected.GetValueOrDefault(kind.ToString()) + 1;
            if (delay > 0) Injected["Slow"] = Injected.GetValueOrDefault("Slow") + 1;
            return (kind, delay);
        }
    }

    public object Snapshot()
    {
        lock (_sync) return new { settings = Settings, injected = new Dictionary<string, int>(Injected) };
    }

    public static FaultSettings Parse(JsonElement e)
    {
        int I(string name, int fallback = 0) => e.TryGetProperty(name, out var v) ? v.GetInt32() : fallback;
        return new FaultSettings(I("throttlePercent"), I("serverErrorPercent"), I("slowPercent"), I("slowMs"), I("dropPercent"), I("seed", 1),
            I("badCrcPercent"), e.TryGetProperty("service", out var svc) && svc.ValueKind == JsonValueKind.String ? svc.GetString() : null);
    }
}
