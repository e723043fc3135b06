using System.Xml.Linq;
using Amazon.Runtime;
using MetaflowAws.Engine.Aws;

namespace MetaflowAws.Engine.Iam;

/// <summary>The IAM operations the module calls, as a seam for unit tests.</summary>
public interface IIam
{
    Task<GetRoleResponse> GetRoleAsync(GetRoleRequest request, CancellationToken cancellationToken = default);
    Task UpdateAssumeRolePolicyAsync(UpdateAssumeRolePolicyRequest request, CancellationToken cancellationToken = default);
}

/// <summary>IAM is global: <see cref="PostDeploy.AwsClients.Iam"/> sets the partition's endpoint and signing region.</summary>
public sealed class IamConfig() : OwnServiceConfig("IAM", "iam", "iam", Version)
{
    public const string Version = "2010-05-08";
}

public sealed class GetRoleRequest : QueryRequest
{
    internal override string Action => "GetRole";
    public required string RoleName { get; init; }

    internal override void WriteParameters(QueryParameters p) => p.Add("RoleName", RoleName);
}

public sealed class GetRoleResponse : AmazonWebServiceResponse
{
    public string RoleName { get; init; } = "";
    public string Arn { get; init; } = "";
    public string RoleId { get; init; } = "";
    public string Path { get; init; } = "/";
    /// <summary>The trust policy as JSON (IAM returns it URL-encoded; decoded here).</summary>
    public string AssumeRolePolicyDocument { get; init; } = "";

    internal static GetRoleResponse Parse(XElement root)
    {
        var role = Xml.Child(Xml.Result(root, "GetRole"), "Role");
        var doc = Xml.Text(role, "AssumeRolePolicyDocument") ?? "";
        return new()
        {
            RoleName = Xml.Text(role, "RoleName") ?? "",
            Arn = Xml.Text(role, "Arn") ?? "",
            RoleId = Xml.Text(role, "RoleId") ?? "",
            Path = Xml.Text(role, "Path") ?? "/",
            AssumeRolePolicyDocument = doc.TrimStart().StartsWith('{') ? doc : Uri.UnescapeDataString(doc),
        };
    }
}

public sealed class UpdateAssumeRolePolicyRequest : QueryRequest
{
    internal override string Action => "UpdateAssumeRolePolicy";
    public required string RoleName { get; init; }
    public required string PolicyDocument { get; init; }

    internal override void WriteParameters(QueryParameters p)
    {
        p.Add("RoleName", RoleName);
        p.Add("PolicyDocument", PolicyDocument);
    }
}

public sealed class IamClient(AWSCredentials credentials, IamConfig config) : OwnServiceClient(credentials, config), IIam
{
    private static readonly QueryRequestMarshaller Marshaller = new("AmazonIdentityManagementService", IamConfig.Version);

    public Task<GetRoleResponse> GetRoleAsync(GetRoleRequest request, CancellationToken cancellationToken = default)
        => SendAsync<GetRoleResponse>(request, Marshaller, new XmlDocumentUnmarshaller<GetRoleResponse>("IAM", GetRoleResponse.Parse), cancellationToken);

    public Task UpdateAssumeRolePolicyAsync(UpdateAssumeRolePolicyRequest request, CancellationToken cancellationToken = default)
        => SendAsync<CloudFormation.EmptyResponse>(request, Marshaller, new XmlDocumentUnmarshaller<CloudFormation.EmptyResponse>("IAM", _ => new()), cancellationToken);
}
