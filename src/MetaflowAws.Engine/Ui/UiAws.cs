using System.Globalization;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Amazon.Runtime;
using MetaflowAws.Engine.Aws;

namespace MetaflowAws.Engine.Ui;

/// <summary>Makes the UI's AWS clients from a session (its credentials, region and endpoint overrides).</summary>
public static class UiAws
{
    public static IUiAws Create(AwsSession session)
    {
        // Route 53 is global per partition, signed for the partition's home region (Route 53 endpoints in the AWS
        // General Reference; botocore endpoints.json: route53 partitionEndpoint aws-global / aws-cn-global / aws-us-gov-global).
        var route53 = PostDeploy.AwsClients.Global(session, new Route53Config(), "Route 53", ("https://route53.amazonaws.com", "us-east-1"),
            ("https://route53.amazonaws.com.cn", "cn-northwest-1"), ("https://route53.us-gov.amazonaws.com", "us-gov-west-1"));
        return new TranslatedUiAws(session, new UiAwsClients(
            new UiServiceClient(session.Credentials, session.Configure(new AcmConfig(), "ACM"), "CertificateManager"),
            new UiServiceClient(session.Credentials, session.Configure(new CognitoIdentityProviderConfig(), "Cognito Identity Provider"), "CognitoIdentityProvider"),
            new UiServiceClient(session.Credentials, session.Configure(new ElasticLoadBalancingV2Config(), "Elastic Load Balancing v2"), "ElasticLoadBalancingV2"),
            new UiServiceClient(session.Credentials, session.Configure(new EcsConfig(), "ECS"), "ECS"),
            new UiServiceClient(session.Credentials, route53, "Route53")));
    }
}

/// <summary>Every UI call's failure as the module reports AWS errors: a stable id and what to do (<see cref="AwsErrors"/>).</summary>
internal sealed class TranslatedUiAws(AwsSession session, IUiAws inner) : IUiAws
{
    private Task<T> Call<T>(Func<Task<T>> call, string operation, string target) => AwsErrors.Call(call, operation, target, session);

    public Task<CertificateInfo?> DescribeCertificateAsync(string arn, CancellationToken ct)
        => Call(() => inner.DescribeCertificateAsync(arn, ct), "acm:DescribeCertificate", arn);

    public Task<IReadOnlyList<CertificateInfo>> ListCertificatesAsync(CancellationToken ct)
        => Call(() => inner.ListCertificatesAsync(ct), "acm:ListCertificates", "");

    public Task<IReadOnlyList<UiUser>> ListUsersAsync(string userPoolId, string? email, CancellationToken ct)
        => Call(() => inner.ListUsersAsync(userPoolId, email, ct), "cognito-idp:ListUsers", userPoolId);

    public Task<UiUser> AdminCreateUserAsync(string userPoolId, string email, CancellationToken ct)
        => Call(() => inner.AdminCreateUserAsync(userPoolId, email, ct), "cognito-idp:AdminCreateUser", userPoolId);

    public Task<IReadOnlyList<UiListener>> DescribeListenersAsync(string loadBalancerArn, CancellationToken ct)
        => Call(() => inner.DescribeListenersAsync(loadBalancerArn, ct), "elasticloadbalancing:DescribeListeners", loadBalancerArn);

    public Task<IReadOnlyList<UiRule>> DescribeRulesAsync(string listenerArn, CancellationToken ct)
        => Call(() => inner.DescribeRulesAsync(listenerArn, ct), "elasticloadbalancing:DescribeRules", listenerArn);

    public Task<IReadOnlyList<TargetHealthInfo>> DescribeTargetHealthAsync(string targetGroupArn, CancellationToken ct)
        => Call(() => inner.DescribeTargetHealthAsync(targetGroupArn, ct), "elasticloadbalancing:DescribeTargetHealth", targetGroupArn);

    public Task<IReadOnlyList<EcsServiceInfo>> DescribeServicesAsync(string cluster, IReadOnlyList<string> services, CancellationToken ct)
        => Call(() => inner.DescribeServicesAsync(cluster, services, ct), "ecs:DescribeServices", cluster);

    public Task<IReadOnlyList<HostedZoneInfo>> ListHostedZonesByNameAsync(string dnsName, CancellationToken ct)
        => Call(() => inner.ListHostedZonesByNameAsync(dnsName, ct), "route53:ListHostedZonesByName", dnsName);

    public Task<IReadOnlyList<RecordSetInfo>> ListRecordSetsAsync(string zoneId, string name, CancellationToken ct)
        => Call(() => inner.ListRecordSetsAsync(zoneId, name, ct), "route53:ListResourceRecordSets", zoneId);

    public Task ChangeAliasRecordAsync(string zoneId, string action, string name, string aliasDnsName, string aliasZoneId, CancellationToken ct)
        => AwsErrors.Call(() => inner.ChangeAliasRecordAsync(zoneId, action, name, aliasDnsName, aliasZoneId, ct), "route53:ChangeResourceRecordSets", zoneId, session);
}

internal sealed class UiAwsClients(UiServiceClient acm, UiServiceClient cognito, UiServiceClient elb, UiServiceClient ecs, UiServiceClient route53) : IUiAws
{
    private static string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public async Task<CertificateInfo?> DescribeCertificateAsync(string arn, CancellationToken ct)
    {
        JsonResponse response;
        try
        {
            response = await acm.JsonAsync(new DescribeCertificateRequest { CertificateArn = arn }, ct).ConfigureAwait(false);
        }
        catch (AmazonServiceException e) when (e.ErrorCode == "ResourceNotFoundException")
        {
            return null;
        }
        var c = response.Document?["Certificate"];
        return new CertificateInfo(Str(c?["CertificateArn"]) ?? arn, Str(c?["DomainName"]) ?? "",
            (c?["SubjectAlternativeNames"] as JsonArray ?? []).Select(Str).OfType<string>().ToList(), Str(c?["Status"]) ?? "");
    }

    public async Task<IReadOnlyList<CertificateInfo>> ListCertificatesAsync(CancellationToken ct)
    {
        var certificates = new List<CertificateInfo>();
        string? token = null;
        do
        {
            var document = (await acm.JsonAsync(new ListCertificatesRequest { NextToken = token }, ct).ConfigureAwait(false)).Document;
            foreach (var c in document?["CertificateSummaryList"] as JsonArray ?? [])
                certificates.Add(new CertificateInfo(Str(c?["CertificateArn"]) ?? "", Str(c?["DomainName"]) ?? "",
                    (c?["SubjectAlternativeNameSummaries"] as JsonArray ?? []).Select(Str).OfType<string>().ToList(), Str(c?["Status"]) ?? "ISSUED"));
            token = Str(document?["NextToken"]);
        }
        while (!string.IsNullOrEmpty(token));
        return certificates;
    }

    /// <summary>
    /// A filter value in Cognito's syntax: inside double quotes, a quote or a backslash is escaped with a backslash
    /// (Cognito API reference, ListUsers Filter: AttributeName Filter-Type "AttributeValue").
    /// </summary>
    internal static string EmailFilter(string email) => "email = \"" + email.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    public async Task<IReadOnlyList<UiUser>> ListUsersAsync(string userPoolId, string? email, CancellationToken ct)
    {
        var users = new List<UiUser>();
        string? token = null;
        do
        {
            var page = await cognito.JsonAsync(new ListUsersRequest
            {
                UserPoolId = userPoolId,
                Filter = email is null ? null : EmailFilter(email),
                Limit = 60,
                PaginationToken = token,
            }, ct).ConfigureAwait(false);
            users.AddRange((page.Document?["Users"] as JsonArray ?? []).Select(User));
            token = Str(page.Document?["PaginationToken"]);
        } while (!string.IsNullOrEmpty(token));
        return users;
    }

    public async Task<UiUser> AdminCreateUserAsync(string userPoolId, string email, CancellationToken ct)
    {
        var response = await cognito.JsonAsync(new AdminCreateUserRequest
        {
            UserPoolId = userPoolId,
            Username = email,
            UserAttributes = [("email", email), ("email_verified", "true")],
            DesiredDeliveryMediums = ["EMAIL"],
        }, ct).ConfigureAwait(false);
        return User(response.Document?["User"]);
    }

    private static UiUser User(JsonNode? u)
    {
        var attributes = (u?["Attributes"] as JsonArray ?? []).ToDictionary(a => Str(a?["Name"]) ?? "", a => Str(a?["Value"]));
        DateTime? created = u?["UserCreateDate"] is JsonValue t && t.TryGetValue<double>(out var seconds)
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000)).UtcDateTime : null;
        var enabled = u?["Enabled"] is not JsonValue e || !e.TryGetValue<bool>(out var b) || b;
        return new UiUser(Str(u?["Username"]) ?? "", attributes.GetValueOrDefault("email"), Str(u?["UserStatus"]) ?? "", enabled, created);
    }

    private static ListenerAction Action(XElement a)
    {
        var cognitoConfig = Xml.Child(a, "AuthenticateCognitoConfig");
        var redirect = Xml.Child(a, "RedirectConfig");
        var targetGroup = Xml.Text(a, "TargetGroupArn")
                          ?? Xml.Members(Xml.Child(a, "ForwardConfig"), "TargetGroups").Select(t => Xml.Text(t, "TargetGroupArn")).FirstOrDefault();
        return new ListenerAction(Xml.Text(a, "Type") ?? "", Xml.Int(a, "Order"), targetGroup,
            Xml.Text(cognitoConfig, "UserPoolArn"), Xml.Text(cognitoConfig, "UserPoolClientId"), Xml.Text(cognitoConfig, "UserPoolDomain"),
            Xml.Text(redirect, "Protocol"), Xml.Text(redirect, "Port"), Xml.Text(redirect, "StatusCode"),
            Xml.Text(cognitoConfig, "OnUnauthenticatedRequest") ?? Xml.Text(Xml.Child(a, "AuthenticateOidcConfig"), "OnUnauthenticatedRequest"));
    }

    public async Task<IReadOnlyList<UiListener>> DescribeListenersAsync(string loadBalancerArn, CancellationToken ct)
    {
        var listeners = new List<UiListener>();
        string? marker = null;
        do
        {
            var page = Xml.Result((await elb.XmlAsync(new DescribeListenersRequest { LoadBalancerArn = loadBalancerArn, Marker = marker }, ct).ConfigureAwait(false)).Root, "DescribeListeners");
            listeners.AddRange(Xml.Members(page, "Listeners").Select(l => new UiListener(
                Xml.Text(l, "ListenerArn") ?? "", Xml.Int(l, "Port") ?? 0, Xml.Text(l, "Protocol") ?? "", Xml.Text(l, "SslPolicy"),
                Xml.Members(l, "DefaultActions").Select(Action).ToList())));
            marker = Xml.Text(page, "NextMarker");
        } while (!string.IsNullOrEmpty(marker));
        return listeners;
    }

    public async Task<IReadOnlyList<UiRule>> DescribeRulesAsync(string listenerArn, CancellationToken ct)
    {
        var rules = new List<UiRule>();
        string? marker = null;
        do
        {
            var page = Xml.Result((await elb.XmlAsync(new DescribeRulesRequest { ListenerArn = listenerArn, Marker = marker }, ct).ConfigureAwait(false)).Root, "DescribeRules");
            rules.AddRange(Xml.Members(page, "Rules").Select(r => new UiRule(
                Xml.Text(r, "RuleArn") ?? "", Xml.Text(r, "Priority") ?? "", Xml.Bool(r, "IsDefault") ?? false,
                // A path-pattern condition's values: PathPatternConfig's, or the older Values (ELB API reference, RuleCondition).
                Xml.Members(r, "Conditions").Where(c => Xml.Text(c, "Field") == "path-pattern")
                    .SelectMany(c => Xml.Child(c, "PathPatternConfig") is { } config ? Xml.Members(config, "Values") : Xml.Members(c, "Values"))
                    .Select(v => v.Value).Distinct().ToList(),
                Xml.Members(r, "Actions").Select(Action).ToList())));
            marker = Xml.Text(page, "NextMarker");
        } while (!string.IsNullOrEmpty(marker));
        return rules;
    }

    public async Task<IReadOnlyList<TargetHealthInfo>> DescribeTargetHealthAsync(string targetGroupArn, CancellationToken ct)
    {
        var result = Xml.Result((await elb.XmlAsync(new DescribeTargetHealthRequest { TargetGroupArn = targetGroupArn }, ct).ConfigureAwait(false)).Root, "DescribeTargetHealth");
        return Xml.Members(result, "TargetHealthDescriptions").Select(d => new TargetHealthInfo(
            Xml.Text(Xml.Child(d, "Target"), "Id") ?? "", Xml.Int(Xml.Child(d, "Target"), "Port"),
            Xml.Text(Xml.Child(d, "TargetHealth"), "State") ?? "", Xml.Text(Xml.Child(d, "TargetHealth"), "Reason"))).ToList();
    }

    public async Task<IReadOnlyList<EcsServiceInfo>> DescribeServicesAsync(string cluster, IReadOnlyList<string> services, CancellationToken ct)
    {
        var found = new List<EcsServiceInfo>();
        // ECS takes at most 10 services a call (ECS API reference, DescribeServices services).
        foreach (var chunk in services.Chunk(10))
        {
            var response = await ecs.JsonAsync(new DescribeServicesRequest { Cluster = cluster, Services = chunk }, ct).ConfigureAwait(false);
            found.AddRange((response.Document?["services"] as JsonArray ?? []).Select(s =>
            {
                var primary = (s?["deployments"] as JsonArray ?? []).FirstOrDefault(d => Str(d?["status"]) == "PRIMARY");
                return new EcsServiceInfo(Str(s?["serviceName"]) ?? "", Str(s?["serviceArn"]) ?? "", Str(s?["status"]) ?? "",
                    s?["desiredCount"]?.GetValue<int>() ?? 0, s?["runningCount"]?.GetValue<int>() ?? 0, Str(primary?["rolloutState"]));
            }));
        }
        return found;
    }

    private static string Absolute(string name) => name.EndsWith('.') ? name : name + ".";

    public async Task<IReadOnlyList<HostedZoneInfo>> ListHostedZonesByNameAsync(string dnsName, CancellationToken ct)
    {
        var zones = new List<HostedZoneInfo>();
        string? nextName = dnsName, nextId = null;
        while (true)
        {
            var root = (await route53.XmlAsync(new ListHostedZonesByNameRequest { DnsName = nextName, HostedZoneId = nextId }, ct).ConfigureAwait(false)).Root;
            foreach (var z in Xml.Child(root, "HostedZones")?.Elements().Where(e => e.Name.LocalName == "HostedZone") ?? [])
            {
                var id = Xml.Text(z, "Id") ?? "";
                zones.Add(new HostedZoneInfo(id.StartsWith("/hostedzone/", StringComparison.Ordinal) ? id["/hostedzone/".Length..] : id,
                    Xml.Text(z, "Name") ?? "", Xml.Bool(Xml.Child(z, "Config"), "PrivateZone") ?? false));
            }
            // Zones come in reverse-label order from dnsName on: once a page ends past that name, later ones are all past it.
            if (Xml.Bool(root, "IsTruncated") != true
                || (zones.Count > 0 && !string.Equals(zones[^1].Name.TrimEnd('.'), dnsName.TrimEnd('.'), StringComparison.OrdinalIgnoreCase))) return zones;
            nextName = Xml.Text(root, "NextDNSName");
            nextId = Xml.Text(root, "NextHostedZoneId");
        }
    }

    public async Task<IReadOnlyList<RecordSetInfo>> ListRecordSetsAsync(string zoneId, string name, CancellationToken ct)
    {
        var wanted = Absolute(name);
        var records = new List<RecordSetInfo>();
        string? nextName = wanted, nextType = null;
        while (true)
        {
            var root = (await route53.XmlAsync(new ListResourceRecordSetsRequest { HostedZoneId = zoneId, StartRecordName = nextName, StartRecordType = nextType }, ct).ConfigureAwait(false)).Root;
            foreach (var r in Xml.Child(root, "ResourceRecordSets")?.Elements().Where(e => e.Name.LocalName == "ResourceRecordSet") ?? [])
            {
                // The list starts at the name and goes on past it: keep only that name (case-insensitive, as DNS is).
                if (!string.Equals(Xml.Text(r, "Name"), wanted, StringComparison.OrdinalIgnoreCase)) return records;
                var alias = Xml.Child(r, "AliasTarget");
                records.Add(new RecordSetInfo(Xml.Text(r, "Name") ?? "", Xml.Text(r, "Type") ?? "", Xml.Text(alias, "DNSName"), Xml.Text(alias, "HostedZoneId"),
                    Xml.Child(r, "ResourceRecords")?.Elements().Select(v => Xml.Text(v, "Value") ?? "").ToList() ?? []));
            }
            if (Xml.Bool(root, "IsTruncated") != true) return records;
            nextName = Xml.Text(root, "NextRecordName");
            nextType = Xml.Text(root, "NextRecordType");
            if (!string.Equals(nextName, wanted, StringComparison.OrdinalIgnoreCase)) return records;
        }
    }

    public async Task ChangeAliasRecordAsync(string zoneId, string action, string name, string aliasDnsName, string aliasZoneId, CancellationToken ct)
    {
        if (action is not ("CREATE" or "UPSERT" or "DELETE"))
            throw new ArgumentException($"The record change must be CREATE, UPSERT or DELETE, not '{action}'.", nameof(action));
        await route53.XmlAsync(new ChangeResourceRecordSetsRequest
        {
            HostedZoneId = zoneId,
            ChangeAction = action,
            Name = Absolute(name),
            AliasDnsName = aliasDnsName,
            AliasZoneId = aliasZoneId,
        }, ct).ConfigureAwait(false);
    }
}
