using System.Management.Automation;
using System.Net.Http;
using MetaflowAws.Cmdlets.Capabilities;
using MetaflowAws.Engine.Checks;
using MetaflowAws.Engine.Stacks;
using MetaflowAws.Engine.Ui;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>
/// Checks a deployed Metaflow stack and returns one object per check (Name, Passed, Detail):
/// stack status, outputs, data bucket, job queue, state table, metadata service (/ping with the API
/// key), when a Metaflow config is there that it matches the stack, and for a stack with the Metaflow UI: that every
/// route of its load balancer logs in first (UiListener), that its services are steady with healthy targets
/// (UiServices), and where its domain resolves (UiDns: reported, never failed).
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "MetaflowStack")]
[OutputType("MetaflowAws.Engine.Checks.MetaflowStackCheck")]
public sealed class TestMetaflowStack : MetaflowCmdlet
{
    private readonly ConfigLocationParameters _config = new();

    private protected override IReadOnlyList<object> Capabilities => [_config];

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(15) };

    /// <summary>Gets or sets the stack name or id.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string StackName { get; set; } = "";

    /// <summary>Gets or sets a metadata service URL to ping instead of the stack's ServiceUrl output (e.g. through a proxy).</summary>
    [Parameter]
    public Uri? ServiceUrl { get; set; }

    /// <summary>Gets or sets whether to skip the comparison with the Metaflow config.</summary>
    [Parameter]
    public SwitchParameter SkipConfig { get; set; }

    /// <summary>A name's addresses, as this machine's resolver gives them; a few seconds at most (the UiDns check only reports).</summary>
    private static async Task<IReadOnlyList<string>> ResolveAsync(string name, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            return (await System.Net.Dns.GetHostAddressesAsync(name, timeout.Token).ConfigureAwait(false)).Select(a => a.ToString()).Order().ToList();
        }
        catch (System.Net.Sockets.SocketException)
        {
            return [];
        }
    }

    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var location = SkipConfig ? null : _config.Resolve(this);
            var session = ResolveSession();
            var checks = Run(async ct =>
            {
                var service = StackService.Create(session);
                var stack = await service.GetMetaflowAsync(StackName, "Test-MetaflowStack", ct).ConfigureAwait(false);
                // Checked against its own template's outputs: a stack of the upstream template has its own set.
                var declared = await service.DeclaredOutputsAsync(stack, ct).ConfigureAwait(false);
                var results = (await new StackChecks(new AwsCheckProbes(session, Http)).RunAsync(stack, ServiceUrl, location, ct, declared).ConfigureAwait(false)).ToList();
                if (stack.Outputs.Any(o => o.OutputKey == UiService.DnsNameOutput))
                {
                    var ids = (await service.ResourcesAsync(stack.StackId, ct).ConfigureAwait(false))
                        .Where(r => !string.IsNullOrEmpty(r.PhysicalResourceId))
                        .ToDictionary(r => r.LogicalResourceId, r => r.PhysicalResourceId!, StringComparer.Ordinal);
                    results.AddRange(await new UiService(UiAws.Create(session)).ChecksAsync(stack, ids, ResolveAsync, ct).ConfigureAwait(false));
                }
                return results;
            });
            foreach (var c in checks) WriteObject(c);
        });
    }
}
