using System.Management.Automation;
using System.Security;
using MetaflowAws.Cmdlets.Capabilities;
using MetaflowAws.Engine.Config;
using MetaflowAws.Engine.PostDeploy;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>
/// Fetches the stack's API key from API Gateway and stores it as METAFLOW_SERVICE_AUTH_KEY in the
/// Metaflow config. The key never reaches an output stream; -PassThru returns it as a SecureString.
/// </summary>
[Cmdlet(VerbsCommon.Set, "MetaflowApiKey", SupportsShouldProcess = true)]
[OutputType(typeof(SecureString))]
public sealed class SetMetaflowApiKey : MetaflowCmdlet
{
    private readonly ConfigLocationParameters _config = new();

    private protected override IReadOnlyList<object> Capabilities => [_config];

    /// <summary>Gets or sets the stack (deployed with APIBasicAuth) whose key to fetch.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string StackName { get; set; } = "";

    /// <summary>Gets or sets whether to replace a config file that is not valid JSON (it is kept as the backup).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Gets or sets whether to return the key, as a SecureString.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var location = _config.Resolve(this);
            var session = ResolveSession();
            var stack = Run(ct => StackService.Create(session).GetMetaflowAsync(StackName, "Set-MetaflowApiKey", ct));
            var keyId = ApiKeyService.KeyIdOf(stack);
            var changes = MetaflowConfigFile.Plan(location.Path, new Dictionary<string, string> { [ConfigKeys.ServiceAuthKey] = "(the key)" }, Force);
            if (!ShouldProcess(location.Path, $"Store API key {keyId} of stack {stack.StackName} as {ConfigKeys.ServiceAuthKey}" +
                                              (changes.FileExists ? "" : " (new file)")))
                return;

            var value = Run(ct => new ApiKeyService(AwsClients.ApiGateway(session), session).GetValueAsync(stack, ct));
            var result = MetaflowConfigFile.Write(location.Path, new Dictionary<string, string> { [ConfigKeys.ServiceAuthKey] = value }, Force, Cancellation);
            WriteVerbose(result.Written
                ? $"Stored API key {keyId} in {location.Path}" + (result.BackupPath is null ? "." : $"; the previous file is {result.BackupPath}.")
                : $"{location.Path} already holds API key {keyId}.");
            if (PassThru)
            {
                var secure = new SecureString();
                foreach (var c in value) secure.AppendChar(c);
                secure.MakeReadOnly();
                WriteObject(secure);
            }
        });
    }
}
