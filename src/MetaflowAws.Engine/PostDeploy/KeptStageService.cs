using MetaflowAws.Engine.ApiGateway;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Engine.PostDeploy;

/// <summary>
/// A deployment is a snapshot of the API's methods and resource policy; CloudFormation makes none when only the policy
/// changes, nor for the stage 'api' a stack moved from the metaflow-tools template keeps (made by its ApiDeployment) when
/// the methods change (API Gateway Developer Guide, "Deploy a REST API"; "Create and attach an API Gateway resource policy":
/// a changed policy takes effect when the API is deployed again). After such an update the module deploys the API to the
/// stage itself: a changed ApiAllowedCidrs; APIBasicAuth changed on the kept stage, or on a stage with an allow-list (the
/// deployment CloudFormation then points the stage at was made before the current policy).
/// </summary>
public sealed class KeptStageService(IApiGateway apiGateway, AwsSession session)
{
    public const string StageName = "api";

    /// <summary>Whether a completed update changed the API key setting of a stack whose stage is the kept one.</summary>
    public static bool NeedsDeployment(MetaflowStack before, MetaflowStack after)
        => after.Status == "UPDATE_COMPLETE" && NeedsDeployment(before.Parameters, after.Parameters);

    /// <summary>Whether going from these stack parameters to those needs the stage deployed again (see the class).</summary>
    public static bool NeedsDeployment(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after)
    {
        var keyChanged = after.GetValueOrDefault(MetaflowParameters.ApiKeyParameter) is { } auth && auth != before.GetValueOrDefault(MetaflowParameters.ApiKeyParameter);
        var allowList = after.GetValueOrDefault(MetaflowParameters.ApiAllowListParameter) ?? "";
        var allowListChanged = after.ContainsKey(MetaflowParameters.ApiAllowListParameter) && allowList != (before.GetValueOrDefault(MetaflowParameters.ApiAllowListParameter) ?? "");
        return allowListChanged || (keyChanged && (allowList.Length > 0 || after.GetValueOrDefault(MetaflowParameters.UpgradedFromParameter) == MetaflowStack.UpstreamOrigin));
    }

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
            Description = $"Metaflow metadata service API (APIBasicAuth={auth}, ApiAllowedCidrs={stack.Parameters.GetValueOrDefault(MetaflowParameters.ApiAllowListParameter) ?? "-"}), deployed by Update-MetaflowStack",
        }, ct), "apigateway:CreateDeployment", stack.StackName, session).ConfigureAwait(false);
        return deployment.Id;
    }
}
