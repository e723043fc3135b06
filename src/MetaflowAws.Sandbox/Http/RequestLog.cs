using System.Collections.Concurrent;

namespace MetaflowAws.Sandbox.Http;

/// <param name="Detail">A short, generic note on what the request was about (e.g. "TemplateURL=...", "bucket/key"); never a body.</param>
public sealed record LoggedRequest(DateTime Time, string Service, string Action, int Status, bool Mutating, string? ErrorCode, string? Detail = null);

/// <summary>Every request the sandbox answered, so tests can prove what was (not) called.</summary>
public sealed class RequestLog
{
    private readonly ConcurrentQueue<LoggedRequest> _entries = new();

    public void Add(LoggedRequest entry) => _entries.Enqueue(entry);

    public void Clear() => _entries.Clear();

    public object Snapshot()
    {
        var all = _entries.ToArray();
        return new
        {
            total = all.Length,
            mutating = all.Count(e => e.Mutating && e.Status < 400),
            byAction = all.GroupBy(e => e.Service + ":" + e.Action).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count()),
            // Refused for its signature or credentials, as opposed to answered with an API error.
            rejected = all.Count(e => e.ErrorCode is "SignatureDoesNotMatch" or "InvalidClientTokenId" or "MissingAuthenticationToken"
                or "IncompleteSignature" or "InvalidAccessKeyId" or "XAmzContentSHA256Mismatch" or "ExpiredToken"),
            errors = all.Count(e => e.Status >= 400),
            entries = all.Select(e => new { time = e.Time, service = e.Service, action = e.Action, status = e.Status, mutating = e.Mutating, errorCode = e.ErrorCode, detail = e.Detail }),
        };
    }
}
