using System.Net.Mail;
using MetaflowAws.Engine.Checks;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Engine.Ui;

/// <summary>A user of a stack's Metaflow UI (a Cognito user of its user pool).</summary>
public sealed class MetaflowUiUser
{
    public required string StackName { get; init; }
    public required string UserPoolId { get; init; }
    public required string Email { get; init; }
    /// <summary>Cognito's username: with email sign-in, the user's immutable id (sub).</summary>
    public required string Username { get; init; }
    /// <summary>FORCE_CHANGE_PASSWORD until the first sign-in, then CONFIRMED.</summary>
    public required string Status { get; init; }
    public bool Enabled { get; init; }
    public DateTime? Created { get; init; }
    /// <summary>Whether this call created the user (false: the user was already there and was left as is).</summary>
    public bool Added { get; init; }

    public override string ToString() => Email;
}

/// <summary>The DNS record that sends the UI's domain to its load balancer.</summary>
public sealed record UiDnsRecord(string Name, string LoadBalancerDnsName, string LoadBalancerZoneId)
{
    /// <summary>The record to create, as a Route 53 alias (A) or, at another DNS provider, a CNAME.</summary>
    public override string ToString() => $"{Name}. A ALIAS {LoadBalancerDnsName} (hosted zone {LoadBalancerZoneId}); outside Route 53: {Name}. CNAME {LoadBalancerDnsName}";
}

/// <summary>What a deploy did about the UI's DNS record.</summary>
public sealed record UiDnsOutcome(UiDnsRecord Record, string Outcome, string? HostedZoneId, string Message)
{
    public const string Created = nameof(Created);
    public const string AlreadyThere = nameof(AlreadyThere);
    /// <summary>The user creates it: no -CreateDnsRecord, or no public hosted zone of the domain in this account.</summary>
    public const string ToCreate = nameof(ToCreate);
    /// <summary>A different record of that name exists: left alone.</summary>
    public const string Conflict = nameof(Conflict);
}

/// <summary>
/// The Metaflow UI's steps after a deploy and its checks: inviting users (Cognito emails the temporary password),
/// the DNS record, and whether the load balancer logs every request in and the services are healthy.
/// </summary>
public sealed class UiService(IUiAws aws)
{
    public const string DnsNameOutput = "LoadBalancerUIDNSName";
    public const string ZoneIdOutput = "LoadBalancerUIZoneID";
    public const string UrlOutput = "MetaflowUIUrl";
    public const string UserPoolOutput = "UIUserPoolId";

    /// <summary>
    /// The stack's user pool: its UIUserPoolId output, or for a stack of the metaflow-tools template (which has no such
    /// output) its UserPoolUI resource; a stack without the UI is refused with what to do.
    /// </summary>
    public static async Task<string> UserPoolAsync(MetaflowStack stack, StackService stacks, CancellationToken ct)
    {
        if (stack.Outputs.FirstOrDefault(o => o.OutputKey == UserPoolOutput)?.OutputValue is { Length: > 0 } pool) return pool;
        if (stack.Parameters.GetValueOrDefault(MetaflowParameters.UiParameter) == "true"
            && (await stacks.ResourcesAsync(stack.StackId, ct).ConfigureAwait(false)).FirstOrDefault(r => r.LogicalResourceId == "UserPoolUI")?.PhysicalResourceId is { Length: > 0 } id)
            return id;
        throw new MetaflowException(ErrorIds.FeatureNotDeployed,
            $"Stack '{stack.StackName}' has no Metaflow UI (no {UserPoolOutput} output). Turn it on with " +
            $"'Update-MetaflowStack -StackName {stack.StackName} -EnableUI -UiDomainName <domain> -CertificateArn <acm arn>'.",
            ErrorKind.InvalidOperation, stack.StackName);
    }

    /// <summary>An email address as Cognito's email sign-in takes it, lowercased; refused with the reason otherwise.</summary>
    public static string NormalizeEmail(string email)
    {
        var trimmed = email.Trim();
        // The pool signs in by email: the address is the Cognito username, at most 128 characters (botocore cognito-idp UsernameType).
        if (trimmed.Length > 128)
            throw new MetaflowException(ErrorIds.InvalidEmail,
                $"-Email is {trimmed.Length} characters; Cognito takes a user name (here the address) of at most 128.", ErrorKind.InvalidArgument, email);
        if (trimmed.Length > 0 && MailAddress.TryCreate(trimmed, out var address) && address.Address == trimmed
            && address.Host.Contains('.', StringComparison.Ordinal) && !trimmed.Contains('"', StringComparison.Ordinal))
            return trimmed.ToLowerInvariant();
        throw new MetaflowException(ErrorIds.InvalidEmail,
            $"-Email '{email}' is not an email address: give one such as ada@example.com (Cognito sends the temporary password there).",
            ErrorKind.InvalidArgument, email);
    }

    public async Task<IReadOnlyList<MetaflowUiUser>> UsersAsync(MetaflowStack stack, string pool, string? email, CancellationToken ct)
    {
        var users = await aws.ListUsersAsync(pool, email, ct).ConfigureAwait(false);
        return users.Select(u => ToUser(stack, pool, u, added: false)).OrderBy(u => u.Email, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// A new user Cognito invites (AdminCreateUser: it emails the temporary password); one that appeared since the
    /// caller looked (UsernameExistsException) is returned as it is.
    /// </summary>
    public async Task<MetaflowUiUser> InviteAsync(MetaflowStack stack, string pool, string email, CancellationToken ct)
    {
        try
        {
            return ToUser(stack, pool, await aws.AdminCreateUserAsync(pool, email, ct).ConfigureAwait(false), added: true);
        }
        catch (MetaflowException e) when (e.AwsErrorCode == "UsernameExistsException")
        {
            var existing = (await UsersAsync(stack, pool, email, ct).ConfigureAwait(false)).FirstOrDefault();
            if (existing is null) throw;
            return existing;
        }
    }

    private static MetaflowUiUser ToUser(MetaflowStack stack, string pool, UiUser u, bool added) => new()
    {
        StackName = stack.StackName, UserPoolId = pool, Email = u.Email ?? "", Username = u.Username, Status = u.Status,
        Enabled = u.Enabled, Created = u.Created, Added = added,
    };

    /// <summary>The record the UI needs, from the stack's outputs; null when the stack has no UI.</summary>
    public static UiDnsRecord? RecordOf(MetaflowStack stack)
    {
        string? Out(string key) => stack.Outputs.FirstOrDefault(o => o.OutputKey == key)?.OutputValue;
        var domain = stack.Parameters.GetValueOrDefault(MetaflowParameters.UiDomainParameter);
        return Out(DnsNameOutput) is { Length: > 0 } dns && Out(ZoneIdOutput) is { Length: > 0 } zone && !string.IsNullOrEmpty(domain)
            ? new UiDnsRecord(domain, dns, zone) : null;
    }

    /// <summary>
    /// The public hosted zone of this account that holds the domain: the longest zone name it ends with (Route 53
    /// Developer Guide, "Choosing between alias and non-alias records": an alias lives in the domain's own zone).
    /// </summary>
    public async Task<HostedZoneInfo?> ZoneOfAsync(string domain, CancellationToken ct)
    {
        // ListHostedZonesByName lists zones in reverse-label order starting at the name given (Route 53 API reference),
        // so a zone above the domain sorts before it: each candidate, longest first, is asked for by its own name.
        var labels = domain.Split('.');
        for (var i = 0; i < labels.Length - 1; i++)
        {
            var candidate = string.Join('.', labels[i..]) + ".";
            var zones = await aws.ListHostedZonesByNameAsync(candidate, ct).ConfigureAwait(false);
            if (zones.FirstOrDefault(z => !z.Private && string.Equals(z.Name, candidate, StringComparison.OrdinalIgnoreCase)) is { } zone) return zone;
        }
        return null;
    }

    private static bool SameTarget(RecordSetInfo r, UiDnsRecord record)
        => r.Type == "A" && r.AliasDnsName is { } alias
           && string.Equals(alias.TrimEnd('.').Replace("dualstack.", "", StringComparison.OrdinalIgnoreCase), record.LoadBalancerDnsName.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);

    /// <summary>After a deploy with the UI: the alias record created (when asked and possible), or what to create.</summary>
    /// <param name="previous">The record the stack needed before this deploy, when it had the UI already.</param>
    public async Task<UiDnsOutcome> DnsAsync(UiDnsRecord record, bool create, CancellationToken ct, UiDnsRecord? previous = null)
    {
        if (!create)
            return new(record, UiDnsOutcome.ToCreate, null,
                $"Point {record.Name} at the UI's load balancer: {record} (or run the deploy again with -CreateDnsRecord when the domain is in a Route 53 hosted zone of this account).");
        var zone = await ZoneOfAsync(record.Name, ct).ConfigureAwait(false);
        if (zone is null)
            return new(record, UiDnsOutcome.ToCreate, null,
                $"No public Route 53 hosted zone of this account holds {record.Name}: create this record at your DNS provider: {record}.");
        var existing = await aws.ListRecordSetsAsync(zone.Id, record.Name, ct).ConfigureAwait(false);
        if (existing.Any(r => SameTarget(r, record)))
            return new(record, UiDnsOutcome.AlreadyThere, zone.Id, $"{record.Name} already points at the UI's load balancer (hosted zone {zone.Name}).");
        // The record this module made for a load balancer the stack has replaced: moved to the new one.
        if (previous is not null && previous != record && existing.FirstOrDefault(r => SameTarget(r, previous)) is { } old)
        {
            await aws.ChangeAliasRecordAsync(zone.Id, "UPSERT", record.Name, record.LoadBalancerDnsName, record.LoadBalancerZoneId, ct).ConfigureAwait(false);
            return new(record, UiDnsOutcome.Created, zone.Id,
                $"Moved {record.Name} from the replaced load balancer {old.AliasDnsName} to {record.LoadBalancerDnsName} in hosted zone {zone.Name} ({zone.Id}).");
        }
        // An AAAA record may stand beside the A alias; an A or CNAME of the name is someone else's.
        if (existing.FirstOrDefault(r => r.Type is "A" or "CNAME") is { } other)
            return new(record, UiDnsOutcome.Conflict, zone.Id,
                $"{record.Name} already has a {other.Type} record ({other.AliasDnsName ?? string.Join(", ", other.Values)}) in hosted zone {zone.Name}, left as it is. " +
                $"To send it to the UI, change it to: {record}.");
        await aws.ChangeAliasRecordAsync(zone.Id, "CREATE", record.Name, record.LoadBalancerDnsName, record.LoadBalancerZoneId, ct).ConfigureAwait(false);
        return new(record, UiDnsOutcome.Created, zone.Id, $"Created {record.Name} A ALIAS {record.LoadBalancerDnsName} in hosted zone {zone.Name} ({zone.Id}).");
    }

    /// <summary>Removing the stack (or its UI): alias records of the domain that point at its load balancer, which would dangle.</summary>
    public async Task<IReadOnlyList<string>> RemoveDnsAsync(UiDnsRecord record, CancellationToken ct)
    {
        var zone = await ZoneOfAsync(record.Name, ct).ConfigureAwait(false);
        if (zone is null) return [];
        var removed = new List<string>();
        foreach (var r in await aws.ListRecordSetsAsync(zone.Id, record.Name, ct).ConfigureAwait(false))
        {
            if (!SameTarget(r, record)) continue;
            await aws.ChangeAliasRecordAsync(zone.Id, "DELETE", record.Name, r.AliasDnsName!, r.AliasZoneId ?? record.LoadBalancerZoneId, ct).ConfigureAwait(false);
            removed.Add($"{record.Name} A ALIAS {r.AliasDnsName} (hosted zone {zone.Name})");
        }
        return removed;
    }

    /// <summary>
    /// Test-MetaflowStack's UI checks: UiListener (HTTPS routes all log in first; port 80 only redirects), UiServices
    /// (both services steady with healthy targets) and UiDns (reported, never failed: the user's DNS may be elsewhere).
    /// </summary>
    public async Task<IReadOnlyList<MetaflowStackCheck>> ChecksAsync(MetaflowStack stack, IReadOnlyDictionary<string, string> physicalIds,
        Func<string, CancellationToken, Task<IReadOnlyList<string>>> resolve, CancellationToken ct)
    {
        MetaflowStackCheck Check(string name, bool passed, string detail) => new(stack.StackName, name, passed, detail);
        string? Id(string logicalId) => physicalIds.GetValueOrDefault(logicalId);
        var results = new List<MetaflowStackCheck>();

        // UiListener
        try
        {
            var lb = Id("LoadBalancerUI") ?? throw new InvalidOperationException("the stack has no LoadBalancerUI resource");
            var listeners = await aws.DescribeListenersAsync(lb, ct).ConfigureAwait(false);
            var problems = new List<string>();
            var https = listeners.Where(l => l.Protocol == "HTTPS").ToList();
            if (https.Count == 0) problems.Add("no HTTPS listener");
            var routes = 0;
            foreach (var l in listeners)
            {
                if (l.Protocol == "HTTPS" && !Templates.SecurityChecks.IsTls12Policy(l.SslPolicy))
                    problems.Add($"listener {l.Port} uses {l.SslPolicy ?? "no policy"}, which allows TLS before 1.2");
                // Every rule, the default one included: an HTTPS route logs in first, any other only redirects to HTTPS.
                foreach (var rule in await aws.DescribeRulesAsync(l.Arn, ct).ConfigureAwait(false))
                {
                    var route = $"port {l.Port} rule {(rule.IsDefault ? "default" : string.Join(",", rule.PathPatterns))}";
                    if (l.Protocol == "HTTPS")
                    {
                        routes++;
                        var first = rule.Actions.OrderBy(a => a.Order ?? int.MaxValue).FirstOrDefault();
                        if (!Templates.SecurityChecks.IsLogin(first?.Type, first?.OnUnauthenticatedRequest))
                            problems.Add($"{route} starts with {first?.Type ?? "no action"}{(first?.OnUnauthenticatedRequest is { } u ? $" ({u} when not logged in)" : "")}, not a login");
                    }
                    else if (rule.Actions.Count == 0 || rule.Actions.Any(a => a.Type != "redirect" || a.RedirectProtocol != "HTTPS"))
                        problems.Add($"{l.Protocol} {route} does not only redirect to HTTPS");
                }
            }
            results.Add(Check("UiListener", problems.Count == 0, problems.Count == 0
                ? $"{routes} HTTPS route(s) on {https.Count} listener(s) log in with Cognito first; {listeners.Count - https.Count} other listener(s) redirect to HTTPS"
                : string.Join("; ", problems)));
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            results.Add(Check("UiListener", false, Reason(e)));
        }

        // UiServices
        try
        {
            // The metaflow-tools template's cluster is ECSCluster.
            var cluster = Id("MetadataCluster") ?? Id("ECSCluster") ?? throw new InvalidOperationException("the stack has no MetadataCluster resource");
            var names = new[] { "ECSFargateServiceUIService", "ECSFargateServiceUIStatic" };
            var arns = names.Select(n => Id(n) ?? throw new InvalidOperationException($"the stack has no {n} resource")).ToList();
            var services = await aws.DescribeServicesAsync(cluster, arns, ct).ConfigureAwait(false);
            var problems = new List<string>();
            foreach (var arn in arns)
            {
                var s = services.FirstOrDefault(x => x.Arn == arn || arn.EndsWith("/" + x.Name, StringComparison.Ordinal));
                if (s is null) problems.Add($"{arn} not found");
                else if (s.Status != "ACTIVE" || s.Running < s.Desired || s.Desired == 0 || s.RolloutState is "FAILED" or "IN_PROGRESS")
                    problems.Add($"{s.Name} is {s.Status} with {s.Running}/{s.Desired} task(s) running, rollout {s.RolloutState ?? "unknown"}");
            }
            var healthy = 0;
            foreach (var group in new[] { "ALBTargetGroupUIStatic", "ALBUITargetGroupUIService" })
            {
                var arn = Id(group) ?? throw new InvalidOperationException($"the stack has no {group} resource");
                var targets = await aws.DescribeTargetHealthAsync(arn, ct).ConfigureAwait(false);
                if (!targets.Any(t => t.State == "healthy"))
                    problems.Add($"target group {group} has no healthy target ({(targets.Count == 0 ? "none registered" : string.Join(", ", targets.Select(t => $"{t.TargetId} {t.State}{(t.Reason is null ? "" : " " + t.Reason)}")))})");
                else healthy += targets.Count(t => t.State == "healthy");
            }
            results.Add(Check("UiServices", problems.Count == 0, problems.Count == 0
                ? $"UI backend and static UI steady; {healthy} healthy target(s)" : string.Join("; ", problems)));
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            results.Add(Check("UiServices", false, Reason(e)));
        }

        // UiDns: reported only.
        if (RecordOf(stack) is { } record)
        {
            string detail;
            try
            {
                var addresses = await resolve(record.Name, ct).ConfigureAwait(false);
                var target = await resolve(record.LoadBalancerDnsName, ct).ConfigureAwait(false);
                detail = addresses.Count == 0 ? $"{record.Name} does not resolve from this machine (not created, or not propagated yet); it needs {record}"
                    : addresses.Intersect(target).Any() ? $"{record.Name} resolves to the UI's load balancer ({string.Join(", ", addresses)})"
                    : $"{record.Name} resolves to {string.Join(", ", addresses)}, not the UI's load balancer ({(target.Count == 0 ? "unresolved here" : string.Join(", ", target))}); expected {record}";
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                detail = $"{record.Name} could not be resolved here ({e.GetBaseException().Message}); the UI needs {record}";
            }
            results.Add(Check("UiDns", true, detail));
        }
        return results;
    }

    private static string Reason(Exception e) => e is MetaflowException m ? $"{m.ErrorId}: {m.Message}" : e.GetBaseException().Message;
}
