using System.Security.Cryptography;
using System.Text.Json;
using System.Xml.Linq;
using MetaflowAws.Sandbox.CloudFormation;
using MetaflowAws.Sandbox.Http;
using MetaflowAws.Sandbox.Iam;

namespace MetaflowAws.Sandbox.Sts;

/// <summary>STS GetCallerIdentity and AssumeRole (honouring the role's trust policy) for the sandbox's identities.</summary>
public sealed class StsApi(Credentials credentials, IamApi iam)
{
    public static readonly QueryXml X = new("https://sts.amazonaws.com/doc/2011-06-15/");

    /// <summary>Issued sessions last this long instead of what was asked (tests of credentials expiring mid-wait).</summary>
    public int? SessionSecondsOverride { get; set; }

    public XElement Handle(string action, IReadOnlyDictionary<string, string> form, string accessKeyId)
    {
        var caller = credentials.Identity(accessKeyId);
        switch (action)
        {
            case "GetCallerIdentity":
                return X.E("GetCallerIdentityResult", X.E("Arn", caller.Arn), X.E("UserId", caller.UserId), X.E("Account", caller.Arn.Split(':')[4]));
            case "AssumeRole":
            {
                var roleArn = form.GetValueOrDefault("RoleArn") ?? throw ApiError.Validation("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
                var session = form.GetValueOrDefault("RoleSessionName") ?? throw ApiError.Validation("1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null");
                var duration = int.TryParse(form.GetValueOrDefault("DurationSeconds"), out var d) ? d : 3600;
                if (duration is < 900 or > 43200)
                    throw ApiError.Validation($"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900");
                var denied = new ApiError("AccessDenied", $"User: {caller.Arn} is not authorized to perform: sts:AssumeRole on resource: {roleArn}", 403);
                var roleName = roleArn.Contains(":role/", StringComparison.Ordinal) ? roleArn[(roleArn.LastIndexOf('/') + 1)..] : throw denied;
                ResourceState role;
                try { role = iam.FindRole(roleName).Role; }
                catch (ApiError) { throw denied; }
                if (role.Attributes.GetValueOrDefault("Arn") != roleArn || !Trusts(IamApi.TrustPolicy(role), caller, form.GetValueOrDefault("ExternalId")))
                    throw denied;

                var issued = new Identity(
                    "ASIA" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)),
                    Convert.ToBase64String(RandomNumberGenerator.GetBytes(30)),
                    Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)),
                    $"arn:aws:sts::{StackEngine.AccountId}:assumed-role/{roleName}/{session}",
                    $"{role.Attributes.GetValueOrDefault("RoleId")}:{session}",
                    DateTime.UtcNow.AddSeconds(SessionSecondsOverride ?? duration),
                    RoleArn: roleArn);
                credentials.Add(issued);
                return X.E("AssumeRoleResult",
                    X.E("Credentials",
                        X.E("AccessKeyId", issued.AccessKeyId), X.E("SecretAccessKey", issued.Secret),
                        X.E("SessionToken", issued.SessionToken), X.E("Expiration", QueryXml.Time(issued.Expires!.Value))),
                    X.E("AssumedRoleUser", X.E("AssumedRoleId", issued.UserId), X.E("Arn", issued.Arn)));
            }
            default:
                throw new ApiError("InvalidAction", $"Could not find operation {action} for version 2011-06-15");
        }
    }

    /// <summary>Does an Allow statement for sts:AssumeRole name this caller (its ARN, its role, its account)?</summary>
    public static bool Trusts(string policyJson, Identity caller, string? externalId)
    {
        using var doc = JsonDocument.Parse(policyJson);
        if (!doc.RootElement.TryGetProperty("Statement", out var statements)) return false;
        var account = caller.Arn.Split(':') is { Length: > 4 } parts ? parts[4] : StackEngine.AccountId;
        var names = new HashSet<string> { caller.Arn, account, $"arn:aws:iam::{account}:root" };
        if (caller.RoleArn is not null) names.Add(caller.RoleArn);
        foreach (var st in statements.ValueKind == JsonValueKind.Array ? statements.EnumerateArray() : new[] { statements }.AsEnumerable())
        {
            if (!st.TryGetProperty("Effect", out var effect) || effect.GetString() != "Allow") continue;
            if (!Strings(st, "Action").Any(a => a is "sts:AssumeRole" or "sts:*" or "*")) continue;
            if (!st.TryGetProperty("Principal", out var principal)) continue;
            var principals = principal.ValueKind == JsonValueKind.String ? [principal.GetString()!] : Strings(principal, "AWS");
            if (!principals.Any(p => p == "*" || names.Contains(p))) continue;
            if (st.TryGetProperty("Condition", out var condition) && condition.TryGetProperty("StringEquals", out var eq)
                && eq.TryGetProperty("sts:ExternalId", out var wanted) && wanted.GetString() != externalId) continue;
            return true;
        }
        return false;
    }

    private static List<string> Strings(JsonElement e, string name)
        => !e.TryGetProperty(name, out var v) ? []
            : v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(x => x.GetString() ?? "").ToList()
            : [v.GetString() ?? ""];
}
