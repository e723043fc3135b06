using System.Globalization;
using System.Xml.Linq;
using MetaflowAws.Sandbox.CloudFormation;

namespace MetaflowAws.Sandbox.Ui;

/// <summary>A Route 53 error: its code, HTTP status and message (Route 53 API reference, "Errors").</summary>
public sealed class Route53Error(string code, string message, int status = 400) : Exception(message)
{
    public string Code { get; } = code;
    public int Status { get; } = status;
}

public sealed record AliasTarget(string HostedZoneId, string DnsName, bool EvaluateTargetHealth);

public sealed record RecordSet(string Name, string Type, long? Ttl, IReadOnlyList<string> Values, AliasTarget? Alias);

public sealed class HostedZone
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public bool Private { get; init; }
    public string CallerReference { get; init; } = Guid.NewGuid().ToString();
    public List<RecordSet> Records { get; } = [];
}

/// <summary>
/// Route 53 (REST-XML, global, signed for us-east-1; botocore route53/2013-04-01) over hosted zones seeded through
/// the control API: ListHostedZonesByName, ListResourceRecordSets, ChangeResourceRecordSets. Names are absolute,
/// lowercase, with their trailing dot, as Route 53 answers them.
/// </summary>
public sealed class HostedZones
{
    public static readonly XNamespace Ns = "https://route53.amazonaws.com/doc/2013-04-01/";
    private readonly List<HostedZone> _zones = [];
    private readonly object _sync = new();

    /// <summary>"Example.COM" → "example.com." (Route 53 Developer Guide, "DNS domain name format": names are case-insensitive, stored lowercase).</summary>
    public static string Absolute(string name)
    {
        var n = name.Trim().ToLowerInvariant();
        return n.EndsWith('.') ? n : n + ".";
    }

    /// <summary>
    /// Route 53's order for names: labels reversed, compared left to right (Route 53 API reference,
    /// ListHostedZonesByName: "sorted by ... domain name with the labels reversed"; ListResourceRecordSets likewise).
    /// </summary>
    private static string SortKey(string name) => string.Join('.', name.TrimEnd('.').Split('.').Reverse());

    public HostedZone Add(string name, bool isPrivate)
    {
        var absolute = Absolute(name);
        // Hosted zone ids: Z and 13 upper-case letters and digits, the classic form; "/hostedzone/" + id must fit
        // botocore route53 ResourceId (max 32), which today's 21-character ids would not.
        var id = "Z" + ResourceModel.Alphanumeric(absolute + Guid.NewGuid(), 13).ToUpperInvariant();
        var zone = new HostedZone { Id = id, Name = absolute, Private = isPrivate };
        // Every new zone has its NS and SOA records (Route 53 Developer Guide, "NS and SOA records that Amazon Route 53 creates for a public hosted zone").
        zone.Records.Add(new RecordSet(absolute, "NS", 172800, ["ns-1.awsdns-01.org.", "ns-2.awsdns-02.co.uk.", "ns-3.awsdns-03.com.", "ns-4.awsdns-04.net."], null));
        zone.Records.Add(new RecordSet(absolute, "SOA", 900, ["ns-1.awsdns-01.org. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"], null));
        lock (_sync) _zones.Add(zone);
        return zone;
    }

    public List<object> Snapshot()
    {
        lock (_sync)
            return _zones.Select(z => (object)new
            {
                id = z.Id, name = z.Name, @private = z.Private,
                records = z.Records.Select(r => new { name = r.Name, type = r.Type, ttl = r.Ttl, values = r.Values, alias = r.Alias is null ? null : new { hostedZoneId = r.Alias.HostedZoneId, dnsName = r.Alias.DnsName, evaluateTargetHealth = r.Alias.EvaluateTargetHealth } }).ToList(),
            }).ToList();
    }

    public void Clear()
    {
        lock (_sync) _zones.Clear();
    }

    /// <summary>The operation a request names, by method and path (botocore route53 requestUri).</summary>
    public static string ActionOf(string method, string path) => (method, path.TrimEnd('/')) switch
    {
        ("GET", "/2013-04-01/hostedzonesbyname") => "ListHostedZonesByName",
        ("GET", var p) when p.StartsWith("/2013-04-01/hostedzone/", StringComparison.Ordinal) && p.EndsWith("/rrset", StringComparison.Ordinal) => "ListResourceRecordSets",
        ("POST", var p) when p.StartsWith("/2013-04-01/hostedzone/", StringComparison.Ordinal) && p.EndsWith("/rrset", StringComparison.Ordinal) => "ChangeResourceRecordSets",
        _ => $"{method} {path}",
    };

    private static string ZoneIdOf(string path) => Uri.UnescapeDataString(path["/2013-04-01/hostedzone/".Length..].Split('/')[0]);

    /// <summary>Answers a request: the response document (root in Route 53's namespace), or a <see cref="Route53Error"/>.</summary>
    public XElement Handle(string action, string path, IReadOnlyDictionary<string, string> query, byte[] body) => action switch
    {
        "ListHostedZonesByName" => ListHostedZonesByName(query),
        "ListResourceRecordSets" => ListResourceRecordSets(ZoneIdOf(path), query),
        "ChangeResourceRecordSets" => ChangeResourceRecordSets(ZoneIdOf(path), body),
        _ => throw new Route53Error("InvalidAction", $"The sandbox does not serve Route 53 {action}.", 400),
    };

    private static XElement E(string name, params object?[] content) => new(Ns + name, content.Where(c => c is not null));

    private static int MaxItems(IReadOnlyDictionary<string, string> query, int fallback)
    {
        if (!query.TryGetValue("maxitems", out var text)) return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
            throw new Route53Error("InvalidInput", $"1 validation error detected: Value '{text}' at 'maxItems' failed to satisfy constraint: Member must be a positive integer");
        return Math.Min(n, fallback);
    }

    private HostedZone Zone(string id)
    {
        lock (_sync)
            return _zones.FirstOrDefault(z => z.Id == id)
                   // NoSuchHostedZone, 404 (Route 53 API reference, ListResourceRecordSets / ChangeResourceRecordSets errors).
                   ?? throw new Route53Error("NoSuchHostedZone", $"No hosted zone found with ID: {id}", 404);
    }

    /// <summary>ListHostedZonesByName: zones in reversed-label order from dnsname, maxitems (default and most 100) per page.</summary>
    private XElement ListHostedZonesByName(IReadOnlyDictionary<string, string> query)
    {
        var max = MaxItems(query, 100);
        var dnsName = query.GetValueOrDefault("dnsname");
        var startId = query.GetValueOrDefault("hostedzoneid");
        if (startId is not null && dnsName is null)
            throw new Route53Error("InvalidInput", "The DNSName is required when HostedZoneId is specified");
        List<HostedZone> ordered;
        lock (_sync) ordered = _zones.OrderBy(z => SortKey(z.Name), StringComparer.Ordinal).ThenBy(z => z.Id, StringComparer.Ordinal).ToList();
        var from = dnsName is null ? ordered
            : ordered.SkipWhile(z => string.CompareOrdinal(SortKey(z.Name), SortKey(Absolute(dnsName))) < 0
                                     || (startId is not null && z.Name == Absolute(dnsName) && string.CompareOrdinal(z.Id, startId) < 0)).ToList();
        var page = from.Take(max).ToList();
        var truncated = from.Count > max;
        return E("ListHostedZonesByNameResponse",
            E("HostedZones", page.Select(z => E("HostedZone",
                E("Id", "/hostedzone/" + z.Id), E("Name", z.Name), E("CallerReference", z.CallerReference),
                E("Config", E("PrivateZone", z.Private ? "true" : "false")),
                E("ResourceRecordSetCount", z.Records.Count.ToString(CultureInfo.InvariantCulture)))).ToArray()),
            dnsName is null ? null : E("DNSName", dnsName),
            startId is null ? null : E("HostedZoneId", startId),
            E("IsTruncated", truncated ? "true" : "false"),
            truncated ? E("NextDNSName", from[max].Name) : null,
            truncated ? E("NextHostedZoneId", from[max].Id) : null,
            E("MaxItems", max.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>ListResourceRecordSets: a zone's records in name order (then type), from name/type, maxitems (default and most 300).</summary>
    private XElement ListResourceRecordSets(string zoneId, IReadOnlyDictionary<string, string> query)
    {
        var zone = Zone(zoneId);
        var max = MaxItems(query, 300);
        var name = query.GetValueOrDefault("name");
        var type = query.GetValueOrDefault("type");
        if (type is not null && name is null)
            throw new Route53Error("InvalidInput", "The input is not valid: a record type requires a record name");
        List<RecordSet> ordered;
        lock (_sync) ordered = zone.Records.OrderBy(r => SortKey(r.Name), StringComparer.Ordinal).ThenBy(r => r.Type, StringComparer.Ordinal).ToList();
        var from = name is null ? ordered
            : ordered.SkipWhile(r =>
            {
                var c = string.CompareOrdinal(SortKey(r.Name), SortKey(Absolute(name)));
                return c < 0 || (c == 0 && type is not null && string.CompareOrdinal(r.Type, type) < 0);
            }).ToList();
        var page = from.Take(max).ToList();
        var truncated = from.Count > max;
        return E("ListResourceRecordSetsResponse",
            E("ResourceRecordSets", page.Select(Record).ToArray()),
            E("IsTruncated", truncated ? "true" : "false"),
            truncated ? E("NextRecordName", from[max].Name) : null,
            truncated ? E("NextRecordType", from[max].Type) : null,
            E("MaxItems", max.ToString(CultureInfo.InvariantCulture)));
    }

    private static XElement Record(RecordSet r) => E("ResourceRecordSet",
        E("Name", r.Name), E("Type", r.Type),
        r.Alias is null ? null : E("AliasTarget", E("HostedZoneId", r.Alias.HostedZoneId), E("DNSName", r.Alias.DnsName), E("EvaluateTargetHealth", r.Alias.EvaluateTargetHealth ? "true" : "false")),
        r.Ttl is null ? null : E("TTL", r.Ttl.Value.ToString(CultureInfo.InvariantCulture)),
        r.Values.Count == 0 ? null : E("ResourceRecords", r.Values.Select(v => E("ResourceRecord", E("Value", v))).ToArray()));

    /// <summary>
    /// ChangeResourceRecordSets: all changes or none. CREATE of a record that exists, DELETE of one that does not or
    /// whose values differ, and names outside the zone fail the whole batch with InvalidChangeBatch, its messages in
    /// brackets (Route 53 API reference, ChangeResourceRecordSets: "... the request is ... not processed" and errors).
    /// </summary>
    private XElement ChangeResourceRecordSets(string zoneId, byte[] body)
    {
        var zone = Zone(zoneId);
        XElement root;
        try { root = XDocument.Load(new MemoryStream(body)).Root!; }
        catch (System.Xml.XmlException e) { throw new Route53Error("InvalidInput", "Could not parse the request body: " + e.Message); }
        if (root.Name != Ns + "ChangeResourceRecordSetsRequest")
            throw new Route53Error("InvalidInput", $"The request body's root is {root.Name.LocalName}, not ChangeResourceRecordSetsRequest in {Ns.NamespaceName}");
        var changes = root.Element(Ns + "ChangeBatch")?.Element(Ns + "Changes")?.Elements(Ns + "Change").ToList() ?? [];
        if (changes.Count == 0) throw new Route53Error("InvalidInput", "1 validation error detected: Value '[]' at 'changeBatch.changes' failed to satisfy constraint: Member must have length greater than or equal to 1");
        var problems = new List<string>();
        lock (_sync)
        {
            var records = zone.Records.ToList();
            foreach (var change in changes)
            {
                var action = change.Element(Ns + "Action")?.Value;
                var set = change.Element(Ns + "ResourceRecordSet") ?? throw new Route53Error("InvalidInput", "A change has no ResourceRecordSet");
                var record = ReadRecord(set);
                if (action is not ("CREATE" or "UPSERT" or "DELETE"))
                    throw new Route53Error("InvalidInput", $"1 validation error detected: Value '{action}' at 'changeBatch.changes.member.action' failed to satisfy constraint: Member must satisfy enum value set: [CREATE, DELETE, UPSERT]");
                if (record.Name != zone.Name && !record.Name.EndsWith("." + zone.Name, StringComparison.Ordinal))
                {
                    problems.Add($"RRSet with DNS name {record.Name} is not permitted in zone {zone.Name}");
                    continue;
                }
                var existing = records.FirstOrDefault(r => r.Name == record.Name && r.Type == record.Type);
                switch (action)
                {
                    case "CREATE" when existing is not null:
                        problems.Add($"Tried to create resource record set [name='{record.Name}', type='{record.Type}'] but it already exists");
                        break;
                    case "DELETE" when existing is null:
                        problems.Add($"Tried to delete resource record set [name='{record.Name}', type='{record.Type}'] but it was not found");
                        break;
                    case "DELETE" when !SameRecord(existing, record):
                        problems.Add($"Tried to delete resource record set [name='{record.Name}', type='{record.Type}'] but the values provided do not match the current values");
                        break;
                    case "DELETE":
                        records.Remove(existing);
                        break;
                    default:
                        if (existing is not null) records.Remove(existing);
                        records.Add(record);
                        break;
                }
            }
            if (problems.Count > 0) throw new Route53Error("InvalidChangeBatch", "[" + string.Join(", ", problems) + "]");
            zone.Records.Clear();
            zone.Records.AddRange(records);
        }
        return E("ChangeResourceRecordSetsResponse", E("ChangeInfo",
            E("Id", "/change/C" + ResourceModel.Alphanumeric(Guid.NewGuid().ToString(), 20).ToUpperInvariant()),
            // The sandbox applies changes at once: INSYNC straight away (Route 53: PENDING until propagated).
            E("Status", "INSYNC"),
            E("SubmittedAt", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))));
    }

    private static bool SameRecord(RecordSet a, RecordSet b)
        => a.Ttl == b.Ttl && a.Values.SequenceEqual(b.Values)
           && (a.Alias is null ? b.Alias is null
               : b.Alias is not null && a.Alias.HostedZoneId == b.Alias.HostedZoneId && a.Alias.DnsName == b.Alias.DnsName && a.Alias.EvaluateTargetHealth == b.Alias.EvaluateTargetHealth);

    private static RecordSet ReadRecord(XElement set)
    {
        var name = set.Element(Ns + "Name")?.Value ?? throw new Route53Error("InvalidInput", "A ResourceRecordSet has no Name");
        var type = set.Element(Ns + "Type")?.Value ?? throw new Route53Error("InvalidInput", "A ResourceRecordSet has no Type");
        long? ttl = long.TryParse(set.Element(Ns + "TTL")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : null;
        var values = set.Element(Ns + "ResourceRecords")?.Elements(Ns + "ResourceRecord").Select(r => r.Element(Ns + "Value")?.Value ?? "").ToList() ?? [];
        AliasTarget? alias = null;
        if (set.Element(Ns + "AliasTarget") is { } a)
        {
            alias = new AliasTarget(a.Element(Ns + "HostedZoneId")?.Value ?? "", Absolute(a.Element(Ns + "DNSName")?.Value ?? ""),
                string.Equals(a.Element(Ns + "EvaluateTargetHealth")?.Value, "true", StringComparison.OrdinalIgnoreCase));
            // An alias record has no TTL nor values of its own (Route 53 API reference, ResourceRecordSet AliasTarget).
            if (ttl is not null || values.Count > 0)
                throw new Route53Error("InvalidInput", "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one in Change with [Action=..., Name=" + Absolute(name) + ", Type=" + type + "]");
        }
        return new RecordSet(Absolute(name), type, ttl, values, alias);
    }

    public static string ErrorXml(Route53Error e, string requestId)
        => "<?xml version=\"1.0\"?>\n" + E("ErrorResponse",
            E("Error", E("Type", e.Status >= 500 ? "Receiver" : "Sender"), E("Code", e.Code), E("Message", e.Message)),
            E("RequestId", requestId));
}
