using System.Net.Http.Json;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using MetaflowAws.Engine.Aws;

namespace MetaflowAws.Tests;

/// <summary>The official S3 client pointed at a sandbox, and its control API, for S3 tests.</summary>
internal static class SandboxS3Clients
{
    public static AwsSession Session(SandboxFixture sandbox, string region) => AwsSession.Resolve(new AwsSessionOptions
    {
        AccessKey = MetaflowAws.Sandbox.Http.Credentials.AccessKeyId,
        SecretKey = MetaflowAws.Sandbox.Http.Credentials.SecretAccessKey,
        Region = region,
        EndpointUrl = sandbox.Url,
    }, new SandboxFixture.EmptyEnvironment());

    /// <summary>An S3 client configured as the engine configures it; <paramref name="seen"/> collects each request's headers.</summary>
    public static AmazonS3Client S3(SandboxFixture sandbox, string region = "us-east-1", List<HttpRequestMessage>? seen = null)
    {
        var session = Session(sandbox, region);
        var config = session.Configure(new AmazonS3Config(), "S3");
        if (seen is not null) config.HttpClientFactory = new RecordingFactory(seen);
        return new AmazonS3Client(session.Credentials, config);
    }

    public static async Task<JsonElement> ControlAsync(SandboxFixture sandbox, HttpMethod method, string path, object? body = null)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(method, sandbox.Url + "/_sandbox" + path);
        if (body is not null) request.Content = JsonContent.Create(body);
        using var response = await http.SendAsync(request);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task<JsonElement[]> LogAsync(SandboxFixture sandbox)
        => (await ControlAsync(sandbox, HttpMethod.Get, "/requests")).GetProperty("entries").EnumerateArray().ToArray();

    private sealed class RecordingFactory(List<HttpRequestMessage> seen) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new Recorder(seen) { InnerHandler = new HttpClientHandler() });

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;
    }

    private sealed class Recorder(List<HttpRequestMessage> seen) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (seen) seen.Add(request);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
