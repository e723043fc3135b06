using MetaflowAws.Engine.ApiGateway;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Engine.PostDeploy;

/// <summary>Fetches the metadata service's API key value from API Gateway. The value is held only in memory.</summary>
public sealed class ApiKeyService(IApiGateway apiGateway, AwsSession session)
{
    public const string KeyOutput = "ApiKeyId";

    public static string KeyIdOf(MetaflowStack stack)
        => stack.Outputs.FirstOrDefault(o => o.OutputKey == KeyOutput)?.OutputValue
           ?? throw new MetaflowException(ErrorIds.FeatureNotDeployed,
               $"Stack '{stack.StackName}' has no API key (output {KeyOutput}): it was deployed without APIBasicAuth, so the metadata service needs no key. " +
               $"To require one, run 'Update-MetaflowStack -StackName {stack.StackName} -DisableApiKey:$false', then Set-MetaflowApiKey.",
               ErrorKind.InvalidOperation, stack.StackName);

    public async Task<string> GetValueAsync(MetaflowStack stack, CancellationToken ct)
    {
        var id = KeyIdOf(stack);
        var key = await AwsErrors.Call(() => apiGateway.GetApiKeyAsync(new GetApiKeyRequest { ApiKey = id, IncludeValue = true }, ct),
            "apigateway:GetApiKey", stack.StackName, session).ConfigureAwait(false);
        if (string.IsNullOrEmpty(key.Value))
            throw new MetaflowException(ErrorIds.AwsError, $"API Gateway returned API key {id} of stack '{stack.StackName}' without its value.", ErrorKind.InvalidData, stack.StackName);
        if (!key.Enabled)
            throw new MetaflowException(ErrorIds.FeatureNotDeployed, $"API key {id} of stack '{stack.StackName}' is disabled; enable it in API Gateway first.", ErrorKind.InvalidOperation, id);
        return key.Value;
    }
}
