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
