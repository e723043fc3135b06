namespace MetaflowAws.Engine.Ui;

public sealed record CertificateInfo(string Arn, string DomainName, IReadOnlyList<string> SubjectAlternativeNames, string Status);
public sealed record UiUser(string Username, string? Email, string Status, bool Enabled, DateTime? Created);
public sealed record ListenerAction(string Type, int? Order, string? TargetGroupArn, string? UserPoolArn, string? UserPoolClientId, string? UserPoolDomain, string? RedirectProtocol, string? RedirectPort, string? RedirectStatusCode);
public sealed record UiListener(string Arn, int Port, string Protocol, string? SslPolicy, IReadOnlyList<ListenerAction> DefaultActions);
public sealed record UiRule(string Arn, string Priority, bool IsDefault, IReadOnlyList<string> PathPatterns, IReadOnlyList<ListenerAction> Actions);
public sealed record TargetHealthInfo(string TargetId, int? Port, string State, string? Reason);
public sealed record EcsServiceInfo(string Name, string Arn, string Status, int Desired, int Running, string? RolloutState);
public sealed record HostedZoneInfo(string Id, string Name, bool Private);
public sealed record RecordSetInfo(string Name, string Type, string? AliasDnsName, string? AliasZoneId, IReadOnlyList<string> Values);

public interface IUiAws
{
    Task<CertificateInfo?> DescribeCertificateAsync(string arn, CancellationToken ct);
    Task<IReadOnlyList<UiUser>> ListUsersAsync(string userPoolId, string? email, CancellationToken ct);
    Task<UiUser> AdminCreateUserAsync(string userPoolId, string email, CancellationToken ct);
    Task<IReadOnlyList<UiListener>> DescribeListenersAsync(string loadBalancerArn, CancellationToken ct);
    Task<IReadOnlyList<UiRule>> DescribeRulesAsync(string listenerArn, CancellationToken ct);
    Task<IReadOnlyList<TargetHealthInfo>> DescribeTargetHealthAsync(string targetGroupArn, CancellationToken ct);
    Task<IReadOnlyList<EcsServiceInfo>> DescribeServicesAsync(string cluster, IReadOnlyList<string> services, CancellationToken ct);
    Task<IReadOnlyList<HostedZoneInfo>> ListHostedZonesByNameAsync(string dnsName, CancellationToken ct);
    Task<IReadOnlyList<RecordSetInfo>> ListRecordSetsAsync(string zoneId, string name, CancellationToken ct);
    Task ChangeAliasRecordAsync(string zoneId, string action, string name, string aliasDnsName, string aliasZoneId, CancellationToken ct);
}
