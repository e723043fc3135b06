using System.Collections.Concurrent;

namespace MetaflowAws.Sandbox.Http;

public sealed record Identity(string AccessKeyId, string Secret, string? SessionToken, string Arn, string UserId, DateTime? Expires, string? RoleArn = null);

/// <summary>The identities the sandbox accepts: its root test user and sessions it issued.</summary>
public sealed class Credentials
{
    public const string AccessKeyId = "AKIAMETAFLOWSANDBOX1";
    public const string SecretAccessKey = "sandbox/secret/for-metaflowaws-tests/0001";
    private readonly ConcurrentDictionary<string, Identity> _identities = new();

    public Credentials()
    {
        _identities[AccessKeyId] = new Identity(AccessKeyId, SecretAccessKey, null,
            $"arn:aws:iam::{CloudFormation.StackEngine.AccountId}:user/sandbox-admin", "AIDAMETAFLOWSANDBOX01", null);
    }

    public void Add(Identity identity) => _identities[identity.AccessKeyId] = identity;

    public (string Secret, string? SessionToken)? Lookup(string keyId)
        => _identities.TryGetValue(keyId, out var i) && (i.Expires is null || i.Expires > DateTime.UtcNow) ? (i.Secret, i.SessionToken) : null;

    public Identity Identity(string keyId) => _identities[keyId];

    /// <summary>Ends every issued session now, as if their time ran out (tests of a wait outliving its credentials).</summary>
    public int ExpireSessions()
    {
        var n = 0;
        foreach (var (key, identity) in _identities)
            if (identity.SessionToken is not null && identity.Expires > DateTime.UtcNow) { _identities[key] = identity with { Expires = DateTime.UtcNow.AddSeconds(-1) }; n++; }
        return n;
    }

    /// <summary>Known, but its session has ended.</summary>
    public bool IsExpired(string keyId) => _identities.TryGetValue(keyId, out var i) && i.Expires is { } e && e <= DateTime.UtcNow;
}
