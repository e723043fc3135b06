using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MetaflowAws.Sandbox.CloudFormation;

namespace MetaflowAws.Sandbox.Ui;

/// <summary>A message Cognito "sent": to whom, for which pool, how; never the temporary password it carried.</summary>
public sealed record CognitoMessage(string UserPoolId, string Username, string To, string Medium, string Kind, DateTime SentAt);

/// <summary>
/// Cognito user pools' users, for the pools the stacks created (AWS::Cognito::UserPool): AdminCreateUser and ListUsers
/// (JSON 1.1, AWSCognitoIdentityProviderService.&lt;Op&gt;; botocore cognito-idp/2016-04-18).
/// </summary>
public sealed partial class CognitoUsers(StackEngine stacks)
{
    private sealed class User
    {
        public required string Username { get; init; }
        public required Dictionary<string, string> Attributes { get; init; }
        public string Status { get; set; } = "FORCE_CHANGE_PASSWORD";
        public bool Enabled { get; set; } = true;
        public DateTime Created { get; init; }
        public DateTime Modified { get; set; }
        /// <summary>The temporary password: kept here only, never answered nor logged.</summary>
        public required string TemporaryPassword { get; set; }
    }

    private readonly Dictionary<string, List<User>> _users = new(StringComparer.Ordinal);
    private readonly List<CognitoMessage> _messages = [];
    private readonly object _sync = new();

    public List<CognitoMessage> Messages()
    {
        lock (_sync) return _messages.ToList();
    }

    public void ClearMessages()
    {
        lock (_sync) _messages.Clear();
    }

    public (int Status, JsonObject Body, string? ErrorType) Handle(string action, JsonNode? request) => action switch
    {
        "AdminCreateUser" => AdminCreateUser(request),
        "ListUsers" => ListUsers(request),
        _ => JsonErrors.Unknown("AWSCognitoIdentityProviderService", action),
    };

    private static (int, JsonObject, string?) Invalid(string message) => JsonErrors.Error("InvalidParameterException", message);

    /// <summary>A live pool by id; ResourceNotFoundException "User pool &lt;id&gt; does not exist." otherwise (Cognito API reference, common to pool operations).</summary>
    private ResourceState? Pool(string? id)
        => stacks.LiveResources("AWS::Cognito::UserPool").Select(p => p.Resource).FirstOrDefault(p => p.Ref == id);

    private static bool UsernameIsEmail(ResourceState pool)
        => (pool.Properties.GetValueOrDefault("UsernameAttributes") as List<object?> ?? []).OfType<string>().Contains("email");

    private (int, JsonObject, string?) AdminCreateUser(JsonNode? request)
    {
        var poolId = request?["UserPoolId"]?.GetValue<string>();
        var username = request?["Username"]?.GetValue<string>();
        if (string.IsNullOrEmpty(poolId) || string.IsNullOrEmpty(username))
            return Invalid($"1 validation error detected: Value null at '{(string.IsNullOrEmpty(poolId) ? "userPoolId" : "username")}' failed to satisfy constraint: Member must not be null");
        var pool = Pool(poolId);
        if (pool is null) return JsonErrors.Error("ResourceNotFoundException", $"User pool {poolId} does not exist.");
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var a in request?["UserAttributes"] as JsonArray ?? [])
            if (a?["Name"]?.GetValue<string>() is { } name) attributes[name] = a["Value"]?.GetValue<string>() ?? "";
        var action = request?["MessageAction"]?.GetValue<string>();
        if (action is not (null or "RESEND" or "SUPPRESS"))
            return Invalid($"1 validation error detected: Value '{action}' at 'messageAction' failed to satisfy constraint: Member must satisfy enum value set: [RESEND, SUPPRESS]");
        var mediums = (request?["DesiredDeliveryMediums"] as JsonArray ?? []).Select(m => m?.GetValue<string>()).OfType<string>().ToList();

        // With UsernameAttributes [email] the username is an email address, kept as the user's email; the user's
        // name is a generated UUID, its sub (Cognito Developer Guide, "User pool attributes", Username and
        // preferred_username: "email address ... as a username alias ... Amazon Cognito assigns a UUID username").
        // AdminCreateUserConfig.AllowAdminCreateUserOnly refuses self sign-up only (SignUp, which the sandbox does not
        // serve); an administrator creates users either way (Cognito API reference, AdminCreateUserConfigType).
        var byEmail = UsernameIsEmail(pool);
        if (byEmail)
        {
            if (!EmailPattern().IsMatch(username)) return Invalid("Username should be an email.");
            attributes["email"] = attributes.GetValueOrDefault("email") is { Length: > 0 } given ? given : username;
        }
        lock (_sync)
        {
            if (!_users.TryGetValue(poolId, out var users)) _users[poolId] = users = [];
            var existing = byEmail
                ? users.FirstOrDefault(u => string.Equals(u.Attributes.GetValueOrDefault("email"), attributes["email"], StringComparison.OrdinalIgnoreCase))
                : users.FirstOrDefault(u => string.Equals(u.Username, username, StringComparison.OrdinalIgnoreCase));
            if (action == "RESEND")
            {
                // RESEND sends the invitation again to a user that exists (Cognito API reference, AdminCreateUser MessageAction).
                if (existing is null) return JsonErrors.Error("UserNotFoundException", "User does not exist.");
                existing.TemporaryPassword = TemporaryPassword(pool);
                Send(poolId, existing, mediums);
                return (200, new JsonObject { ["User"] = UserJson(existing, null) }, null);
            }
            if (existing is not null)
                // UsernameExistsException (Cognito API reference, AdminCreateUser errors); the email alias has its own words.
                return JsonErrors.Error("UsernameExistsException", byEmail ? "An account with the given email already exists." : "User account already exists");
            var sub = Guid.NewGuid().ToString();
            attributes["sub"] = sub;
            var now = DateTime.UtcNow;
            var user = new User
            {
                Username = byEmail ? sub : username,
                Attributes = attributes,
                Created = now,
                Modified = now,
                TemporaryPassword = TemporaryPassword(pool),
            };
            users.Add(user);
            // MessageAction SUPPRESS sends nothing; else the invitation goes by each desired medium (default SMS).
            if (action != "SUPPRESS") Send(poolId, user, mediums.Count == 0 ? ["SMS"] : mediums);
            return (200, new JsonObject { ["User"] = UserJson(user, null) }, null);
        }
    }

    private void Send(string poolId, User user, List<string> mediums)
    {
        foreach (var medium in mediums)
        {
            var to = medium == "EMAIL" ? user.Attributes.GetValueOrDefault("email") : user.Attributes.GetValueOrDefault("phone_number");
            if (to is null) continue;
            _messages.Add(new CognitoMessage(poolId, user.Username, to, medium, "invitation", DateTime.UtcNow));
        }
    }

    /// <summary>A temporary password that meets the pool's password policy (length, and one of each class).</summary>
    private static string TemporaryPassword(ResourceState pool)
    {
        var policy = (pool.Properties.GetValueOrDefault("Policies") as Dictionary<string, object?>)?.GetValueOrDefault("PasswordPolicy") as Dictionary<string, object?>;
        var length = int.TryParse(Convert.ToString(policy?.GetValueOrDefault("MinimumLength"), CultureInfo.InvariantCulture), out var n) ? Math.Max(n, 12) : 12;
        const string classes = "abcdefghijklmnopqrstuvwxyz|ABCDEFGHIJKLMNOPQRSTUVWXYZ|0123456789|^$*.[]{}()?-!@#%&/,><:;|_~";
        var sets = classes.Split('|');
        var all = string.Concat(sets);
        var chars = new StringBuilder();
        foreach (var set in sets) chars.Append(set[RandomNumberGenerator.GetInt32(set.Length)]);
        while (chars.Length < length) chars.Append(all[RandomNumberGenerator.GetInt32(all.Length)]);
        return chars.ToString();
    }

    private static JsonObject UserJson(User u, HashSet<string>? attributesToGet) => new()
    {
        ["Username"] = u.Username,
        ["Attributes"] = new JsonArray(u.Attributes.Where(a => attributesToGet is null || attributesToGet.Contains(a.Key))
            .Select(a => (JsonNode)new JsonObject { ["Name"] = a.Key, ["Value"] = a.Value }).ToArray()),
        ["UserCreateDate"] = new DateTimeOffset(u.Created).ToUnixTimeMilliseconds() / 1000.0,
        ["UserLastModifiedDate"] = new DateTimeOffset(u.Modified).ToUnixTimeMilliseconds() / 1000.0,
        ["Enabled"] = u.Enabled,
        ["UserStatus"] = u.Status,
    };

    /// <summary>
    /// ListUsers: the pool's users, filtered by one `attribute = "value"` (exact) or `attribute ^= "value"` (prefix)
    /// on username, email, phone_number, name, given_name, family_name, preferred_username, cognito:user_status,
    /// status (Enabled/Disabled) or sub (Cognito API reference, ListUsers Filter); Limit 1-60 per page, the rest
    /// behind a PaginationToken.
    /// </summary>
    private (int, JsonObject, string?) ListUsers(JsonNode? request)
    {
        var poolId = request?["UserPoolId"]?.GetValue<string>();
        if (string.IsNullOrEmpty(poolId))
            return Invalid("1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null");
        if (Pool(poolId) is null) return JsonErrors.Error("ResourceNotFoundException", $"User pool {poolId} does not exist.");
        var limit = request?["Limit"]?.GetValue<int>() ?? 60;
        // botocore cognito-idp QueryLimitType: min 0, max 60.
        if (limit is < 0 or > 60)
            return Invalid($"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value {(limit < 0 ? "greater than or equal to 0" : "less than or equal to 60")}");
        Func<User, bool> matches = _ => true;
        if (request?["Filter"]?.GetValue<string>() is { Length: > 0 } filter)
        {
            var m = FilterPattern().Match(filter);
            if (!m.Success) return Invalid("Error while parsing filter.");
            var attribute = m.Groups[1].Value;
            var prefix = m.Groups[2].Value == "^=";
            var value = m.Groups[3].Value.Replace("\\\"", "\"").Replace("\\\\", "\\");
            Func<User, string?> read = attribute switch
            {
                "username" => u => u.Username,
                "cognito:user_status" => u => u.Status,
                "status" => u => u.Enabled ? "Enabled" : "Disabled",
                "email" or "phone_number" or "name" or "given_name" or "family_name" or "preferred_username" or "sub" => u => u.Attributes.GetValueOrDefault(attribute),
                _ => null!,
            };
            if (read is null) return Invalid("Invalid search attribute: " + attribute);
            // Cognito's search is case-insensitive for username and email alike (ListUsers Filter: "... is not case-sensitive").
            matches = u => read(u) is { } v && (prefix ? v.StartsWith(value, StringComparison.OrdinalIgnoreCase) : string.Equals(v, value, StringComparison.OrdinalIgnoreCase));
        }
        var start = 0;
        if (request?["PaginationToken"]?.GetValue<string>() is { Length: > 0 } token)
        {
            try { start = int.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split(':')[1], CultureInfo.InvariantCulture); }
            catch (Exception e) when (e is FormatException or IndexOutOfRangeException) { return Invalid("Invalid pagination token."); }
        }
        HashSet<string>? wanted = request?["AttributesToGet"] is JsonArray names ? names.Select(n => n?.GetValue<string>()).OfType<string>().ToHashSet() : null;
        List<User> found;
        lock (_sync) found = (_users.GetValueOrDefault(poolId) ?? []).Where(matches).ToList();
        var page = found.Skip(start).Take(limit == 0 ? 60 : limit).ToList();
        var body = new JsonObject { ["Users"] = new JsonArray(page.Select(u => (JsonNode)UserJson(u, wanted)).ToArray()) };
        var next = start + page.Count;
        if (next < found.Count) body["PaginationToken"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{poolId}:{next}"));
        return (200, body, null);
    }

    [GeneratedRegex("""^\s*([\w:]+)\s*(=|\^=)\s*"((?:[^"\\]|\\.)*)"\s*$""")]
    private static partial Regex FilterPattern();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailPattern();
}
