using System.Net;

namespace MetaflowAws.Sandbox.Status;

/// <summary>
/// An API Gateway resource policy as API Gateway judges an anonymous caller (API Gateway Developer Guide, "How API Gateway
/// resource policies affect authorization workflow": an explicit deny wins; with a policy, the call needs an allow). The
/// sandbox's own reading: Effect, Principal '*', Action execute-api:Invoke (or *), and the conditions on the caller's address
/// (IpAddress / NotIpAddress on aws:SourceIp) and endpoint (aws:SourceVpce: a call from outside a VPC endpoint has none).
/// </summary>
public static class ApiPolicy
{
    /// <summary>Null when the policy lets the caller in; else the end of API Gateway's message ("with an explicit deny", ...).</summary>
    public static string? Refusal(Dictionary<string, object?> policy, string? sourceIp)
    {
        var statements = policy.GetValueOrDefault("Statement") switch
        {
            Dictionary<string, object?> one => [one],
            List<object?> many => many.OfType<Dictionary<string, object?>>().ToList(),
            _ => [],
        };
        var allowed = false;
        foreach (var s in statements.Where(s => Invokes(s) && Matches(s.GetValueOrDefault("Condition") as Dictionary<string, object?>, sourceIp)))
        {
            if (s.GetValueOrDefault("Effect") as string == "Deny") return "with an explicit deny";
            allowed |= s.GetValueOrDefault("Effect") as string == "Allow";
        }
        return allowed ? null : "because no resource-based policy allows the execute-api:Invoke action";
    }

    private static bool Invokes(Dictionary<string, object?> s)
        => Strings(s.GetValueOrDefault("Action")).Any(a => a is "*" or "execute-api:*" or "execute-api:Invoke");

    private static bool Matches(Dictionary<string, object?>? conditions, string? sourceIp)
    {
        if (conditions is null) return true;
        foreach (var (op, keys) in conditions)
            foreach (var (key, value) in keys as Dictionary<string, object?> ?? [])
            {
                var expected = Strings(value).ToList();
                var holds = (op, key) switch
                {
                    ("IpAddress", "aws:SourceIp") => sourceIp is not null && expected.Any(c => InCidr(sourceIp, c)),
                    ("NotIpAddress", "aws:SourceIp") => sourceIp is null || !expected.Any(c => InCidr(sourceIp, c)),
                    ("StringEquals", "aws:SourceVpce") => false, // not through a VPC endpoint
                    ("StringNotEquals", "aws:SourceVpce") => true,
                    _ => false,
                };
                if (!holds) return false;
            }
        return true;
    }

    private static bool InCidr(string ip, string cidr)
    {
        var parts = cidr.Split('/');
        if (!IPAddress.TryParse(ip, out var address) || !IPAddress.TryParse(parts[0], out var network)) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != network.AddressFamily) return false;
        var bits = parts.Length > 1 && int.TryParse(parts[1], out var b) ? b : (network.GetAddressBytes().Length * 8);
        var a = address.GetAddressBytes();
        var n = network.GetAddressBytes();
        for (var i = 0; i < bits; i++)
            if (((a[i / 8] >> (7 - i % 8)) & 1) != ((n[i / 8] >> (7 - i % 8)) & 1)) return false;
        return true;
    }

    private static IEnumerable<string> Strings(object? value) => value switch
    {
        string s => [s],
        List<object?> l => l.OfType<string>(),
        _ => [],
    };
}
