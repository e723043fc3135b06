using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.CloudFormation;
using MetaflowAws.Sandbox;
using Microsoft.AspNetCore.Builder;

namespace MetaflowAws.Tests;

/// <summary>A sandbox on a free loopback port, reached over real HTTP by the real clients.</summary>
public sealed class SandboxFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public string Url { get; private set; } = "";

    public async Task InitializeAsync()
    {
        // build.ps1 Test has every exchange recorded, for the conformance referee (tools/conformance).
        _app = SandboxHost.Build(new SandboxOptions(0, "us-east-1", 2, Record: Environment.GetEnvironmentVariable("METAFLOWAWS_EXCHANGES")));
        await _app.StartAsync();
        Url = _app.Urls.First();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
    }

    public AwsSession Session(string? secret = null) => AwsSession.Resolve(new AwsSessionOptions
    {
        AccessKey = MetaflowAws.Sandbox.Http.Credentials.AccessKeyId,
        SecretKey = secret ?? MetaflowAws.Sandbox.Http.Credentials.SecretAccessKey,
        Region = "us-east-1",
        EndpointUrl = Url,
    }, new EmptyEnvironment());

    public CloudFormationClient CloudFormation(string? secret = null)
    {
        var session = Session(secret);
        return new CloudFormationClient(session.Credentials, session.Configure(new CloudFormationConfig(), "CloudFormation"));
    }

    public sealed class EmptyEnvironment : IEnvironment
    {
        public string? Get(string name) => null;
    }
}
