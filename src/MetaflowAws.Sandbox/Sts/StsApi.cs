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
                if (role.Attributes.GetValueOrDefault("Arn") != roleArn || !Trusts(IamApi.TrustPolicy(role), caller, form.GetValueOrDefault("ExternalId"), WithMfa(form)))
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

    /// <summary>
    /// Whether the request carries an MFA code: SerialNumber (9-256 of [\w+=/:,.@-]) with a six-digit TokenCode (STS API
    /// reference, AssumeRole). A code given with AssumeRole makes aws:MultiFactorAuthPresent true for that request.
    /// </summary>
    private static bool WithMfa(IReadOnlyDictionary<string, string> form)
    {
        var serial = form.GetValueOrDefault("SerialNumber");
        var code = form.GetValueOrDefault("TokenCode");
        if (serial is null && code is null) return false;
        if (serial is null || !System.Text.RegularExpressions.Regex.IsMatch(serial, @"^[\w+=/:,.@-]{9,256}$"))
            throw ApiError.Validation($"1 validation error detected: Value '{serial}' at 'serialNumber' failed to satisfy constraint: Member must have length greater than or equal to 9");
        if (code is null || !System.Text.RegularExpressions.Regex.IsMatch(code, @"^\d{6}$"))
            throw ApiError.Validation("1 validation error detected: Value at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]*");
        // The sandbox has no devices: any well-formed code counts, '000000' is the wrong one (a real device's code would fail likewise).
        if (code == "000000") throw new ApiError("AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.", 403);
        return true;
    }

    /// <summary>
    /// Does an Allow statement for sts:AssumeRole name this caller (its ARN, its role, its account), with all its
    /// conditions met? The sandbox knows StringEquals sts:ExternalId and Bool aws:MultiFactorAuthPresent; a statement
    /// with any other condition does not apply (every condition must hold: IAM User Guide, "Condition element").
    /// </summary>
    public static bool Trusts(string policyJson, Identity caller, string? externalId, bool withMfa = false)
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
            if (st.TryGetProperty("Condition", out var condition) && !ConditionsMet(condition, externalId, withMfa)) continue;
            return true;
        }
        return false;
    }

    private static bool ConditionsMet(JsonElement condition, string? externalId, bool withMfa)
    {
        foreach (var op in condition.EnumerateObject())
            foreach (var key in op.Value.EnumerateObject())
            {
                var wanted = key.Value.ValueKind == JsonValueKind.Array ? key.Value.EnumerateArray().Select(v => v.ToString()).ToList() : [key.Value.ToString()];
                var met = (op.Name, key.Name.ToLowerInvariant()) switch
                {
                    ("StringEquals", "sts:externalid") => externalId is not null && wanted.Contains(externalId),
                    ("Bool", "aws:multifactorauthpresent") => wanted.Contains(withMfa ? "true" : "false", StringComparer.OrdinalIgnoreCase),
                    _ => false,
                };
                if (!met) return false;
            }
        return true;
    }

    private static List<string> Strings(JsonElement e, string name)
        => !e.TryGetProperty(name, out var v) ? []
            : v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(x => x.GetString() ?? "").ToList()
            : [v.GetString() ?? ""];
}
