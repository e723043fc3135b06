using System.Text;
using System.Text.Json;
using MetaflowAws.Sandbox;

var options = SandboxOptions.Parse(args);
var app = SandboxHost.Build(options);
await app.StartAsync();
var url = app.Urls.First();
// One machine-readable line first (scripts parse it), then a human one.
Console.WriteLine(JsonSerializer.Serialize(new
{
    url,
    accessKeyId = MetaflowAws.Sandbox.Http.Credentials.AccessKeyId,
    secretAccessKey = MetaflowAws.Sandbox.Http.Credentials.SecretAccessKey,
    region = options.Region,
    accountId = MetaflowAws.Sandbox.CloudFormation.StackEngine.AccountId,
}));
Console.WriteLine($"MetaflowAws sandbox listening on {url} (CloudFormation, S3 path-style, STS). Test credentials: {MetaflowAws.Sandbox.Http.Credentials.AccessKeyId} / {MetaflowAws.Sandbox.Http.Credentials.SecretAccessKey}. Ctrl+C to stop.");
Console.Out.Flush();
await app.WaitForShutdownAsync();
