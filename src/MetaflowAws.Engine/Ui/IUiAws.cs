using MetaflowAws.Engine.Aws;

namespace MetaflowAws.Engine.Ui;

/// <summary>An ACM certificate as the UI's preflight reads it.</summary>
public sealed record CertificateInfo(string Arn, string DomainName, IReadOnlyList<string> SubjectAlternativeNames, string Status)
{
    /// <summary>Every name the certificate is for: its domain name and its subject alternative names, once each.</summary>
    public IEnumerable<string> Names => SubjectAlternativeNames.Append(DomainName).Distinct(StringComparer.OrdinalIgnoreCase);
}

/// <summary>A user of the UI's Cognito user pool; Username is the pool's (a UUID when users sign in with their email).</summary>
public sealed record UiUser(string Username, string? Email, string Status, bool Enabled, DateTime? Created);

/// <summary>One action of a listener or rule: forward, authenticate-cognito or redirect, with the members each has.</summary>
public sealed record ListenerAction(string Type, int? Order, string? TargetGroupArn, string? UserPoolArn, string? UserPoolClientId, string? UserPoolDomain, string? RedirectProtocol, string? RedirectPort, string? RedirectStatusCode, string? OnUnauthenticatedRequest = null);

public sealed record UiListener(string Arn, int Port, string Protocol, string? SslPolicy, IReadOnlyList<ListenerAction> DefaultActions);

public sealed record UiRule(string Arn, string Priority, bool IsDefault, IReadOnlyList<string> PathPatterns, IReadOnlyList<ListenerAction> Actions);

public sealed record TargetHealthInfo(string TargetId, int? Port, string State, string? Reason);

public sealed record EcsServiceInfo(string Name, string Arn, string Status, int Desired, int Running, string? RolloutState);

/// <summary>A Route 53 hosted zone: Id without the "/hostedzone/" prefix; Name with its trailing dot.</summary>
public sealed record HostedZoneInfo(string Id, string Name, bool Private);

public sealed record RecordSetInfo(string Name, string Type, string? AliasDnsName, string? AliasZoneId, IReadOnlyList<string> Values);

/// <summary>
/// The AWS calls of the Metaflow UI's features (preflight, UI users, checks, DNS), one seam so the engine can be
/// tested with a fake. Service errors surface as <see cref="AwsServiceException"/> (wrap calls in <see cref="AwsErrors.Call{T}"/>).
/// </summary>
public interface IUiAws
{
    /// <summary>ACM DescribeCertificate; null when ACM answers ResourceNotFoundException.</summary>
    Task<CertificateInfo?> DescribeCertificateAsync(string arn, CancellationToken ct);
    /// <summary>The issued certificates of the region (every page), for completion.</summary>
    Task<IReadOnlyList<CertificateInfo>> ListCertificatesAsync(CancellationToken ct);

    /// <summary>Cognito ListUsers, every page; with an email, only users whose email is that (Filter email = "...").</summary>
    Task<IReadOnlyList<UiUser>> ListUsersAsync(string userPoolId, string? email, CancellationToken ct);

    /// <summary>Cognito AdminCreateUser with the email (verified) as username; Cognito emails the temporary password.</summary>
    Task<UiUser> AdminCreateUserAsync(string userPoolId, string email, CancellationToken ct);

    Task<IReadOnlyList<UiListener>> DescribeListenersAsync(string loadBalancerArn, CancellationToken ct);

    Task<IReadOnlyList<UiRule>> DescribeRulesAsync(string listenerArn, CancellationToken ct);

    Task<IReadOnlyList<TargetHealthInfo>> DescribeTargetHealthAsync(string targetGroupArn, CancellationToken ct);

    /// <summary>ECS DescribeServices; services ECS reports missing are left out.</summary>
    Task<IReadOnlyList<EcsServiceInfo>> DescribeServicesAsync(string cluster, IReadOnlyList<string> services, CancellationToken ct);

    /// <summary>Route 53 ListHostedZonesByName from dnsName on, every page.</summary>
    Task<IReadOnlyList<HostedZoneInfo>> ListHostedZonesByNameAsync(string dnsName, CancellationToken ct);

    /// <summary>Route 53 ListResourceRecordSets: the records with exactly that name (any type).</summary>
    Task<IReadOnlyList<RecordSetInfo>> ListRecordSetsAsync(string zoneId, string name, CancellationToken ct);

    /// <summary>Route 53 ChangeResourceRecordSets: one CREATE, UPSERT or DELETE of an A alias record, EvaluateTargetHealth false.</summary>
    Task ChangeAliasRecordAsync(string zoneId, string action, string name, string aliasDnsName, string aliasZoneId, CancellationToken ct);
}
