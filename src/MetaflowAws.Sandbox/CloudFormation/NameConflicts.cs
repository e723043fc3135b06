using System.Globalization;

namespace MetaflowAws.Sandbox.CloudFormation;

/// <summary>
/// Names a service holds once per parent, so a second resource that asks for one fails its creation, as on AWS. They
/// matter when a stack moves to another template: CloudFormation creates the new resources before it deletes the old
/// ones, so a new resource of another logical id may not take a name the old one still holds.
/// </summary>
public static class NameConflicts
{
    /// <summary>Null, or the service's refusal of the resource just created.</summary>
    public static string? Find(StackEngine stacks, ResourceState r)
    {
        bool Other(ResourceState x) => !ReferenceEquals(x, r);
        string? P(ResourceState x, string name) => Convert.ToString(x.Properties.GetValueOrDefault(name), CultureInfo.InvariantCulture);
        switch (r.Type)
        {
            // API Gateway CreateStage: ConflictException "Stage already exists", also for the stage a deployment made
            // with StageName (API Gateway REST API Reference, CreateStage; CreateDeployment stageName).
            case "AWS::ApiGateway::Stage":
                var api = P(r, "RestApiId");
                var stage = P(r, "StageName");
                if (stacks.LiveResources("AWS::ApiGateway::Stage").Concat(stacks.LiveResources("AWS::ApiGateway::Deployment"))
                    .Any(x => Other(x.Resource) && P(x.Resource, "RestApiId") == api && P(x.Resource, "StageName") == stage))
                    return "Resource handler returned message: \"Stage already exists (Service: ApiGateway, Status Code: 409)\" (HandlerErrorCode: AlreadyExists)";
                return null;
            // API Gateway CreateResource: ConflictException when the parent has a child with that path part.
            case "AWS::ApiGateway::Resource":
                var parent = P(r, "ParentId");
                var part = P(r, "PathPart");
                if (stacks.LiveResources(r.Type).Any(x => Other(x.Resource) && P(x.Resource, "RestApiId") == P(r, "RestApiId")
                                                          && P(x.Resource, "ParentId") == parent && P(x.Resource, "PathPart") == part))
                    return $"Resource handler returned message: \"Another resource with the same parent already has this name: {part} (Service: ApiGateway, Status Code: 409)\" (HandlerErrorCode: AlreadyExists)";
                return null;
            // Elastic Load Balancing CreateListener: DuplicateListener, one listener per port of a load balancer.
            case "AWS::ElasticLoadBalancingV2::Listener":
                if (stacks.LiveResources(r.Type).Any(x => Other(x.Resource) && P(x.Resource, "LoadBalancerArn") == P(r, "LoadBalancerArn")
                                                          && P(x.Resource, "Port") == P(r, "Port")))
                    return "Resource handler returned message: \"A listener already exists on this port for this load balancer (Service: ElasticLoadBalancingV2, Status Code: 400)\" (HandlerErrorCode: AlreadyExists)";
                return null;
            // Cognito CreateUserPoolDomain: a prefix is one domain in the region, whichever pool holds it; another
            // pool's request fails with InvalidParameterException "Domain already associated with another user pool."
            // (Cognito Developer Guide, "Using the Amazon Cognito prefix domain": the prefix must be unique).
            case "AWS::Cognito::UserPoolDomain":
                var prefix = P(r, "Domain");
                if (stacks.LiveResources(r.Type).Any(x => Other(x.Resource) && P(x.Resource, "Domain") == prefix))
                    return "Resource handler returned message: \"Domain already associated with another user pool. (Service: CognitoIdentityProvider, Status Code: 400)\" (HandlerErrorCode: InvalidRequest)";
                return null;
            default:
                return null;
        }
    }
}
