using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using MetaflowAws.Sandbox.CloudFormation;
using MetaflowAws.Sandbox.Http;

namespace MetaflowAws.Sandbox.Iam;

/// <summary>IAM GetRole / UpdateAssumeRolePolicy over the roles the sandbox's stacks created.</summary>
public sealed class IamApi(StackEngine stacks)
{
    public static readonly QueryXml X = new("https://iam.amazonaws.com/doc/2010-05-08/");

    public static bool IsReadOnly(string action) => action.StartsWith("Get", StringComparison.Ordinal) || action.StartsWith("List", StringComparison.Ordinal);

    public (Stack Stack, ResourceState Role) FindRole(string name)
        => stacks.LiveResources("AWS::IAM::Role").FirstOrDefault(r => r.Resource.Ref == name) is { Resource: not null } found
            ? found
            : throw new ApiError("NoSuchEntity", $"The role with name {name} cannot be found.", 404);

    public static string TrustPolicy(ResourceState role)
        => role.LiveDocument ?? JsonSerializer.Serialize(role.Properties.GetValueOrDefault("AssumeRolePolicyDocument") ?? new Dictionary<string, object?>());

    public XElement Handle(string action, IReadOnlyDictionary<string, string> form)
    {
        string Required(string name) => form.TryGetValue(name, out var v) && v.Length > 0 ? v
            : throw new ApiError("ValidationError", $"1 validation error detected: Value null at '{char.ToLowerInvariant(name[0])}{name[1..]}' failed to satisfy constraint: Member must not be null");
        switch (action)
        {
            case "GetRole":
            {
                var (_, role) = FindRole(Required("RoleName"));
                return X.E("GetRoleResult", X.E("Role",
                    X.E("Path", role.Properties.GetValueOrDefault("Path") as string ?? "/"),
                    X.E("RoleName", role.Ref),
                    X.E("RoleId", role.Attributes.GetValueOrDefault("RoleId")),
                    X.E("Arn", role.Attributes.GetValueOrDefault("Arn")),
                    X.E("CreateDate", QueryXml.Time(role.Timestamp)),
                    // IAM returns the document URL-encoded.
                    X.E("AssumeRolePolicyDocument", Uri.EscapeDataString(TrustPolicy(role))),
                    X.E("MaxSessionDuration", role.Properties.GetValueOrDefault("MaxSessionDuration") as string ?? "3600")));
            }
            case "UpdateAssumeRolePolicy":
            {
                var (_, role) = FindRole(Required("RoleName"));
                var document = Required("PolicyDocument");
                try
                {
                    using var parsed = JsonDocument.Parse(document);
                    if (!parsed.RootElement.TryGetProperty("Statement", out _))
                        throw new ApiError("MalformedPolicyDocument", "Syntax errors in policy.");
                }
                catch (JsonException)
                {
                    throw new ApiError("MalformedPolicyDocument", "This policy contains invalid Json");
                }
                role.LiveDocument = document;
                return X.E("UpdateAssumeRolePolicyResult");
            }
            default:
                throw new ApiError("InvalidAction", $"Could not find operation {action} for version 2010-05-08");
        }
    }
}
