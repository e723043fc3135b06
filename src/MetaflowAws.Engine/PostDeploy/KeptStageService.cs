using MetaflowAws.Engine.ApiGateway;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Engine.PostDeploy;

/// <summary>
/// A stack moved from the metaflow-tools template keeps that template's stage 'api', made by its ApiDeployment: a
/// snapshot of the methods that CloudFormation does not take again when the methods change (API Gateway Developer
/// Guide, "Deploy a REST API": changes reach a stage only through a new deployment). After an update that changes
/// APIBasicAuth (ApiKeyRequired on the methods), the module deploys the methods to that stage itself.
/// </summary>
public sealed class KeptStageService(IApiGateway apiGateway, AwsSession session)
{
    public const string StageName = "api";

    /// <summary>Whether a completed update changed the API key setting of a stack whose stage is the kept one.</summary>
    public static bool NeedsDeployment(MetaflowStack before, MetaflowStack after)
        => after.Status == "UPDATE_COMPLETE" && NeedsDeployment(before.Parameters, after.Parameters);

    /// <summary>Whether going from these stack parameters to those changes the API key setting of a stack that keeps the stage.</summary>
    public static bool NeedsDeployment(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after)
        => after.GetValueOrDefault(MetaflowParameters.UpgradedFromParameter) == MetaflowStack.UpstreamOrigin
           && after.GetValueOrDefault(MetaflowParameters.ApiKeyParameter) is { } auth && auth != before.GetValueOrDefault(MetaflowParameters.ApiKeyParameter);

    /// <summary>The REST API's id: the first label of the ServiceUrl output's host (https://&lt;id&gt;.execute-api...).</summary>
    public static string? ApiIdOf(MetaflowStack stack)
        => stack.Outputs.FirstOrDefault(o => o.OutputKey == "ServiceUrl")?.OutputValue is { } url && Uri.TryCreate(url, UriKind.Absolute, out var u)
            ? u.Host.Split('.')[0] : null;

    /// <summary>Deploys the API's methods as they are now to the stage 'api'; the new deployment's id.</summary>
    public async Task<string> DeployAsync(MetaflowStack stack, CancellationToken ct)
    {
        var api = ApiIdOf(stack) ?? throw new MetaflowException(ErrorIds.FeatureNotDeployed,
            $"Stack '{stack.StackName}' has no ServiceUrl output, so its API cannot be found to deploy its stage '{StageName}'.", ErrorKind.InvalidOperation, stack.StackName);
        var auth = stack.Parameters.GetValueOrDefault(MetaflowParameters.ApiKeyParameter);
        var deployment = await AwsErrors.Call(() => apiGateway.CreateDeploymentAsync(new CreateDeploymentRequest
        {
            RestApiId = api,
            StageName = StageName,
            Description = $"Metaflow metadata service API (APIBasicAuth={auth}), deployed by Update-MetaflowStack",
        }, ct), "apigateway:CreateDeployment", stack.StackName, session).ConfigureAwait(false);
        return deployment.Id;
    }
}
