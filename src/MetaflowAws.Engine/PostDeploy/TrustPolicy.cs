using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MetaflowAws.Engine.PostDeploy;

/// <summary>
/// Adds principals to a role's trust policy: existing statements stay as they are; new principals
/// go into one statement of ours (Sid MetaflowAwsGrantedPrincipals); principals already trusted
/// are not added again, so granting twice changes nothing.
/// </summary>
public static class TrustPolicy
{
    public const string Sid = "MetaflowAwsGrantedPrincipals";
    private static readonly Regex AccountId = new("^[0-9]{12}$", RegexOptions.Compiled);
    private static readonly Regex PrincipalArn = new(@"^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):(root|user/[\w+=,.@/-]{1,512}|role/[\w+=,.@/-]{1,512})$", RegexOptions.Compiled);

    /// <summary>
    /// IAM's default quota for a role's trust policy: 2,048 characters, whitespace not counted (IAM User Guide, "IAM and STS
    /// quotas", Role trust policy length; raised through Service Quotas).
    /// </summary>
    public const int DefaultLengthQuota = 2_048;

    /// <summary>Normalizes a principal given by the user (account id or IAM user/role ARN) to the ARN a trust policy holds.</summary>
    public static string Normalize(string principal, string partition)
    {
        var p = principal.Trim();
        if (AccountId.IsMatch(p)) return $"arn:{partition}:iam::{p}:root";
        if (PrincipalArn.IsMatch(p))
        {
            if (p.Split(':')[1] != partition)
                throw new MetaflowException(ErrorIds.InvalidPrincipal,
                    $"-Principal '{principal}' is in the {p.Split(':')[1]} partition, and the role in {partition}: a role trusts principals of its own partition only.",
                    ErrorKind.InvalidArgument, principal);
            return p;
        }
        throw new MetaflowException(ErrorIds.InvalidPrincipal,
            $"-Principal '{principal}' is not an AWS account id or an IAM user or role ARN. Give a 12-digit account id (123456789012), " +
            "a user ARN (arn:aws:iam::123456789012:user/alice) or a role ARN (arn:aws:iam::123456789012:role/ci).",
            ErrorKind.InvalidArgument, principal);
    }

    /// <summary>How IAM counts a policy against its length quota: every character but whitespace.</summary>
    public static int QuotaLength(string policyJson) => policyJson.Count(c => !char.IsWhiteSpace(c));

    /// <summary>The policy with the principals added, and which of them were new.</summary>
    public static (string Policy, IReadOnlyList<string> Added) AddPrincipals(string policyJson, IEnumerable<string> principals)
    {
        var root = JsonNode.Parse(policyJson) as JsonObject ?? new JsonObject();
        root["Version"] ??= "2012-10-17";
        if (root["Statement"] is not JsonArray statements)
        {
            statements = root["Statement"] is JsonObject single ? [single.DeepClone()] : [];
            root["Statement"] = statements;
        }
        var trusted = statements.OfType<JsonObject>()
            .Where(s => s["Effect"]?.GetValue<string>() == "Allow" && Actions(s).Any(a => a is "sts:AssumeRole" or "sts:*" or "*") && s["Condition"] is null)
            .SelectMany(s => AwsPrincipals(s["Principal"])).ToHashSet(StringComparer.Ordinal);
        var added = principals.Distinct(StringComparer.Ordinal).Where(p => !trusted.Contains(p)).ToList();
        if (added.Count == 0) return (policyJson, added);

        var ours = statements.OfType<JsonObject>().FirstOrDefault(s => s["Sid"]?.GetValue<string>() == Sid);
        if (ours is null)
        {
            ours = new JsonObject
            {
                ["Sid"] = Sid,
                ["Effect"] = "Allow",
                ["Principal"] = new JsonObject { ["AWS"] = new JsonArray() },
                ["Action"] = "sts:AssumeRole",
            };
            statements.Add(ours);
        }
        var list = AwsPrincipals(ours["Principal"]).Concat(added).Distinct(StringComparer.Ordinal).OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => (JsonNode?)JsonValue.Create(p)).ToArray();
        ours["Principal"] = new JsonObject { ["AWS"] = new JsonArray(list) };
        return (root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), added);
    }

    private static IEnumerable<string> Actions(JsonObject statement) => statement["Action"] switch
    {
        JsonValue v => [v.GetValue<string>()],
        JsonArray a => a.Select(x => x?.GetValue<string>() ?? ""),
        _ => [],
    };

    private static IEnumerable<string> AwsPrincipals(JsonNode? principal) => principal switch
    {
        JsonValue v => [v.GetValue<string>()],
        JsonObject o => o["AWS"] switch
        {
            JsonValue v => [v.GetValue<string>()],
            JsonArray a => a.Select(x => x?.GetValue<string>() ?? ""),
            _ => [],
        },
        _ => [],
    };
}
