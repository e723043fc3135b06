using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace MetaflowAws.Sandbox.Http;

/// <summary>
/// Writes every AWS exchange the sandbox serves (request and response, on the wire) as one JSON line, so an
/// independent referee (tools/conformance, on botocore's service models) can judge both sides after a test run.
/// Credentials are left out: the Authorization header keeps only its credential scope (service and region).
/// </summary>
public sealed class ExchangeRecorder(string path)
{
    /// <summary>Bodies above this size (object uploads) are recorded by length only.</summary>
    private const int MaxBody = 256 * 1024;

    private static readonly object Sync = new();

    /// <summary>The HttpContext item under which the sandbox names a fault it injected into this exchange.</summary>
    public const string FaultItem = "sandbox.fault";

    /// <summary>Replaces the response stream with one that keeps a copy; call <see cref="WriteAsync"/> once answered.</summary>
    public static TeeStream Capture(HttpContext ctx)
    {
        var tee = new TeeStream(ctx.Response.Body);
        ctx.Response.Body = tee;
        return tee;
    }

    public void Write(HttpContext ctx, string service, string rawTarget, IReadOnlyDictionary<string, string> headers, byte[] body, TeeStream response)
    {
        var q = rawTarget.IndexOf('?');
        var line = JsonSerializer.Serialize(new
        {
            time = DateTime.UtcNow,
            service,
            method = ctx.Request.Method,
            path = q < 0 ? rawTarget : rawTarget[..q],
            query = q < 0 ? "" : rawTarget[(q + 1)..],
            headers = headers.Where(h => h.Key is not ("authorization" or "x-amz-security-token")).ToDictionary(h => h.Key, h => h.Value),
            body = Body(body, headers.GetValueOrDefault("content-type")),
            status = ctx.Response.StatusCode,
            responseHeaders = ctx.Response.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value.ToArray())),
            responseBody = Body(response.Copy, ctx.Response.ContentType),
            // A fault the sandbox injected on purpose (throttling, 5xx, a damaged checksum): the referee knows it is deliberate.
            fault = ctx.Items.TryGetValue(FaultItem, out var f) ? f?.ToString() : null,
        });
        lock (Sync) File.AppendAllText(path, line + "\n");
    }

    private static object Body(byte[] bytes, string? contentType)
    {
        if (bytes.Length > MaxBody) return new { length = bytes.Length };
        try { return new { text = new UTF8Encoding(false, true).GetString(bytes) }; }
        catch (DecoderFallbackException) { return new { base64 = Convert.ToBase64String(bytes), contentType }; }
    }

    /// <summary>Passes writes through and keeps the first <see cref="MaxBody"/>+1 bytes.</summary>
    public sealed class TeeStream(Stream inner) : Stream
    {
        private readonly MemoryStream _copy = new();

        public Stream Inner => inner;

        public byte[] Copy => _copy.ToArray();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            Keep(buffer.AsSpan(offset, count));
            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Keep(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private void Keep(ReadOnlySpan<byte> data)
        {
            var room = MaxBody + 1 - (int)_copy.Length;
            if (room > 0) _copy.Write(data[..Math.Min(room, data.Length)]);
        }
    }
}
