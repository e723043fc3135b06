using System.Net.Http.Json;
using System.Text.Json;
using MetaflowAws.Engine.Ui;

namespace MetaflowAws.Tests;

/// <summary>The UI's DNS step against the sandbox's Route 53, through the real clients: made, kept, never overwritten, removed.</summary>
public sealed class UiServiceTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private async Task<string> ZoneAsync(string name)
    {
        using var http = new HttpClient { BaseAddress = new Uri(sandbox.Url) };
        var answer = await http.PostAsJsonAsync("/_sandbox/route53/hosted-zones", new { name });
        answer.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task The_alias_record_is_made_in_the_longest_zone_then_found_kept_and_removed()
    {
        var parent = "p" + Guid.NewGuid().ToString("N")[..8] + ".example.org";
        await ZoneAsync(parent);
        var child = await ZoneAsync("ml." + parent);
        var service = new UiService(UiAws.Create(sandbox.Session()));
        var record = new UiDnsRecord("metaflow.ml." + parent, "ui-lb-1234.us-east-1.elb.amazonaws.com", "Z35SXDOTRQ7X7K");

        var printed = await service.DnsAsync(record, create: false, default);
        Assert.Equal(UiDnsOutcome.ToCreate, printed.Outcome);
        Assert.Contains($"{record.Name}. A ALIAS {record.LoadBalancerDnsName}", printed.Message, StringComparison.Ordinal);

        var made = await service.DnsAsync(record, create: true, default);
        Assert.Equal((UiDnsOutcome.Created, child), (made.Outcome, made.HostedZoneId));
        Assert.Equal(UiDnsOutcome.AlreadyThere, (await service.DnsAsync(record, create: true, default)).Outcome);

        Assert.Single(await service.RemoveDnsAsync(record, default));
        Assert.Empty(await service.RemoveDnsAsync(record, default));
    }

    [Fact]
    public async Task A_record_pointing_elsewhere_is_left_alone_with_the_one_to_make()
    {
        var zone = "c" + Guid.NewGuid().ToString("N")[..8] + ".example.org";
        var id = await ZoneAsync(zone);
        var aws = UiAws.Create(sandbox.Session());
        await aws.ChangeAliasRecordAsync(id, "CREATE", "metaflow." + zone, "someone-else.us-east-1.elb.amazonaws.com", "Z35SXDOTRQ7X7K", default);
        var record = new UiDnsRecord("metaflow." + zone, "ui-lb-1234.us-east-1.elb.amazonaws.com", "Z35SXDOTRQ7X7K");
        var service = new UiService(aws);

        var outcome = await service.DnsAsync(record, create: true, default);

        Assert.Equal(UiDnsOutcome.Conflict, outcome.Outcome);
        Assert.Contains("someone-else", outcome.Message, StringComparison.Ordinal);
        var kept = Assert.Single(await aws.ListRecordSetsAsync(id, "metaflow." + zone, default));
        Assert.StartsWith("someone-else", kept.AliasDnsName, StringComparison.Ordinal);
        Assert.Empty(await service.RemoveDnsAsync(record, default));
    }

    [Fact]
    public async Task No_zone_of_the_domain_means_the_record_to_make_at_another_provider()
    {
        var service = new UiService(UiAws.Create(sandbox.Session()));
        var record = new UiDnsRecord("metaflow.nozone-" + Guid.NewGuid().ToString("N")[..6] + ".example.com", "ui-lb.us-east-1.elb.amazonaws.com", "Z35SXDOTRQ7X7K");

        var outcome = await service.DnsAsync(record, create: true, default);

        Assert.Equal(UiDnsOutcome.ToCreate, outcome.Outcome);
        Assert.Contains("CNAME ui-lb.us-east-1.elb.amazonaws.com", outcome.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(" Ada@Example.COM ", "ada@example.com")]
    [InlineData("grace.hopper+ml@navy.example.org", "grace.hopper+ml@navy.example.org")]
    public void Emails_are_taken_lowercase(string given, string taken) => Assert.Equal(taken, UiService.NormalizeEmail(given));

    [Theory]
    [InlineData("not-an-address")]
    [InlineData("ada@localhost")]
    [InlineData("Ada Lovelace <ada@example.com>")]
    [InlineData("")]
    public void Non_addresses_are_refused(string given)
        => Assert.Equal(MetaflowAws.Engine.ErrorIds.InvalidEmail, Assert.Throws<MetaflowAws.Engine.MetaflowException>(() => UiService.NormalizeEmail(given)).ErrorId);
}

/// <summary>Test-MetaflowStack's UI checks fail, with the reason, on what a broken deployment answers.</summary>
public sealed class UiChecksTests
{
    private sealed class Answers : IUiAws
    {
        public List<UiListener> Listeners { get; } = [];
        public Dictionary<string, List<UiRule>> Rules { get; } = [];
        public List<EcsServiceInfo> Services { get; } = [];
        public Dictionary<string, List<TargetHealthInfo>> Targets { get; } = [];

        public Task<IReadOnlyList<UiListener>> DescribeListenersAsync(string loadBalancerArn, CancellationToken ct) => Task.FromResult<IReadOnlyList<UiListener>>(Listeners);
        public Task<IReadOnlyList<UiRule>> DescribeRulesAsync(string listenerArn, CancellationToken ct) => Task.FromResult<IReadOnlyList<UiRule>>(Rules.GetValueOrDefault(listenerArn) ?? []);
        public Task<IReadOnlyList<TargetHealthInfo>> DescribeTargetHealthAsync(string targetGroupArn, CancellationToken ct) => Task.FromResult<IReadOnlyList<TargetHealthInfo>>(Targets.GetValueOrDefault(targetGroupArn) ?? []);
        public Task<IReadOnlyList<EcsServiceInfo>> DescribeServicesAsync(string cluster, IReadOnlyList<string> services, CancellationToken ct) => Task.FromResult<IReadOnlyList<EcsServiceInfo>>(Services);
        public Task<CertificateInfo?> DescribeCertificateAsync(string arn, CancellationToken ct) => throw new NotSupportedException();
        public Task<IReadOnlyList<CertificateInfo>> ListCertificatesAsync(CancellationToken ct) => throw new NotSupportedException();
        public Task<IReadOnlyList<UiUser>> ListUsersAsync(string userPoolId, string? email, CancellationToken ct) => throw new NotSupportedException();
        public Task<UiUser> AdminCreateUserAsync(string userPoolId, string email, CancellationToken ct) => throw new NotSupportedException();
        public Task<IReadOnlyList<HostedZoneInfo>> ListHostedZonesByNameAsync(string dnsName, CancellationToken ct) => throw new NotSupportedException();
        public Task<IReadOnlyList<RecordSetInfo>> ListRecordSetsAsync(string zoneId, string name, CancellationToken ct) => throw new NotSupportedException();
        public Task ChangeAliasRecordAsync(string zoneId, string action, string name, string aliasDnsName, string aliasZoneId, CancellationToken ct) => throw new NotSupportedException();
    }

    private static ListenerAction Act(string type, int order, string? redirect = null, string? unauthenticated = null)
        => new(type, order, null, null, null, null, redirect, null, null, unauthenticated);

    private static readonly Dictionary<string, string> Ids = new()
    {
        ["LoadBalancerUI"] = "lb", ["MetadataCluster"] = "cluster", ["ECSFargateServiceUIService"] = "svc/backend",
        ["ECSFargateServiceUIStatic"] = "svc/static", ["ALBTargetGroupUIStatic"] = "tg-static", ["ALBUITargetGroupUIService"] = "tg-backend",
    };

    private static Engine.Stacks.MetaflowStack Stack() => new()
    {
        StackName = "mf", StackId = "arn:aws:cloudformation:us-east-1:123456789012:stack/mf/1", Region = "us-east-1", Status = "UPDATE_COMPLETE",
        Parameters = new Dictionary<string, string> { ["PublicDomainName"] = "metaflow.example.com" },
        Outputs =
        [
            new() { StackName = "mf", Region = "us-east-1", OutputKey = UiService.DnsNameOutput, OutputValue = "lb.elb.amazonaws.com" },
            new() { StackName = "mf", Region = "us-east-1", OutputKey = UiService.ZoneIdOutput, OutputValue = "Z35SXDOTRQ7X7K" },
        ],
    };

    private static Answers Healthy()
    {
        var a = new Answers();
        a.Listeners.Add(new UiListener("l443", 443, "HTTPS", "ELBSecurityPolicy-TLS13-1-2-2021-06", []));
        a.Listeners.Add(new UiListener("l80", 80, "HTTP", null, [Act("redirect", 1, "HTTPS")]));
        a.Rules["l443"] = [new UiRule("r1", "2", false, ["/api/*"], [Act("authenticate-cognito", 1), Act("forward", 2)]),
                           new UiRule("rd", "default", true, [], [Act("authenticate-cognito", 1), Act("forward", 2)])];
        a.Rules["l80"] = [new UiRule("rd80", "default", true, [], [Act("redirect", 1, "HTTPS")])];
        a.Services.Add(new EcsServiceInfo("backend", "svc/backend", "ACTIVE", 1, 1, "COMPLETED"));
        a.Services.Add(new EcsServiceInfo("static", "svc/static", "ACTIVE", 1, 1, "COMPLETED"));
        a.Targets["tg-static"] = [new TargetHealthInfo("10.20.0.5", 3000, "healthy", null)];
        a.Targets["tg-backend"] = [new TargetHealthInfo("10.20.0.6", 8083, "healthy", null)];
        return a;
    }

    private static async Task<Dictionary<string, Engine.Checks.MetaflowStackCheck>> RunAsync(Answers answers, IReadOnlyList<string>? resolved = null)
        => (await new UiService(answers).ChecksAsync(Stack(), Ids, (_, _) => Task.FromResult(resolved ?? (IReadOnlyList<string>)[]), default)).ToDictionary(c => c.Name);

    [Fact]
    public async Task A_healthy_UI_passes_and_DNS_is_reported_never_failed()
    {
        var checks = await RunAsync(Healthy());
        Assert.True(checks["UiListener"].Passed, checks["UiListener"].Detail);
        Assert.True(checks["UiServices"].Passed, checks["UiServices"].Detail);
        Assert.True(checks["UiDns"].Passed);
        Assert.Contains("does not resolve", checks["UiDns"].Detail, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> Broken => new()
    {
        { "a route that forwards before the login", "UiListener", "rule /api/* starts with forward, not a login" },
        { "a login that lets anonymous requests through", "UiListener", "(allow when not logged in), not a login" },
        { "TLS 1.0 allowed", "UiListener", "uses ELBSecurityPolicy-2016-08, which allows TLS before 1.2" },
        { "port 80 serving", "UiListener", "HTTP port 80 rule default does not only redirect to HTTPS" },
        { "a backend task not running", "UiServices", "backend is ACTIVE with 0/1 task(s) running" },
        { "a rollout that failed", "UiServices", "rollout FAILED" },
        { "no healthy target", "UiServices", "ALBTargetGroupUIStatic has no healthy target (10.20.0.5 unhealthy Target.FailedHealthChecks)" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public async Task A_broken_UI_fails_the_check_with_the_reason(string what, string check, string reason)
    {
        var a = Healthy();
        switch (what)
        {
            case "a route that forwards before the login": a.Rules["l443"][0] = a.Rules["l443"][0] with { Actions = [Act("forward", 1), Act("authenticate-cognito", 2)] }; break;
            case "a login that lets anonymous requests through": a.Rules["l443"][1] = a.Rules["l443"][1] with { Actions = [Act("authenticate-cognito", 1, unauthenticated: "allow"), Act("forward", 2)] }; break;
            case "TLS 1.0 allowed": a.Listeners[0] = a.Listeners[0] with { SslPolicy = "ELBSecurityPolicy-2016-08" }; break;
            case "port 80 serving": a.Rules["l80"] = [new UiRule("rd80", "default", true, [], [Act("forward", 1)])]; break;
            case "a backend task not running": a.Services[0] = a.Services[0] with { Running = 0 }; break;
            case "a rollout that failed": a.Services[1] = a.Services[1] with { RolloutState = "FAILED" }; break;
            default: a.Targets["tg-static"] = [new TargetHealthInfo("10.20.0.5", 3000, "unhealthy", "Target.FailedHealthChecks")]; break;
        }

        var result = (await RunAsync(a))[check];

        Assert.False(result.Passed);
        Assert.Contains(reason, result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DNS_that_points_elsewhere_is_reported_with_the_record_it_needs()
    {
        var a = Healthy();
        var checks = await new UiService(a).ChecksAsync(Stack(), Ids,
            (name, _) => Task.FromResult<IReadOnlyList<string>>(name == "metaflow.example.com" ? ["192.0.2.1"] : ["198.51.100.7"]), default);
        var dns = checks.Single(c => c.Name == "UiDns");
        Assert.True(dns.Passed);
        Assert.Contains("resolves to 192.0.2.1, not the UI's load balancer (198.51.100.7)", dns.Detail, StringComparison.Ordinal);
    }
}
