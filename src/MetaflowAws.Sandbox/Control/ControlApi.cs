using System.Text.Json;
using MetaflowAws.Sandbox.CloudFormation;
using MetaflowAws.Sandbox.Http;
using MetaflowAws.Sandbox.S3;

namespace MetaflowAws.Sandbox.Control;

/// <summary>
/// The sandbox's control API under /_sandbox, for tests and scripts (not AWS, not signed): the request log, faults
/// (resource, migration, transient), pace and session settings, identities, stack history, secrets and stack
/// resources as evaluated, and S3 buckets made, seeded and removed directly. Every answer is JSON.
/// </summary>
public sealed class ControlApi(SandboxState state)
{
    public const string Prefix = "/_sandbox";

    public async Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value![Prefix.Length..].TrimEnd('/');
        object? result = (ctx.Request.Method, path) switch
        {
            ("GET", "/health") => new { status = "ok" },
            ("GET", "/requests") => state.Log.Snapshot(),
            ("DELETE", "/requests") => ClearRequests(),
            ("POST", "/faults/resource") => await AddResourceFaultAsync(ctx),
            ("POST", "/identities") => await AddIdentityAsync(ctx),
            ("POST", "/faults/migration") => await FailMigrationAsync(ctx),
            ("DELETE", "/faults") => ClearFaults(),
            ("POST", "/sessions/expire") => new { expired = state.Credentials.ExpireSessions() },
            ("POST", "/faults/transient") => await ConfigureTransientFaultsAsync(ctx),
            ("GET", "/faults/transient") => state.Faults.Snapshot(),
            ("POST", "/config") => await ConfigureAsync(ctx),
            ("POST", "/history") => await AddHistoryAsync(ctx),
            ("POST", "/cloudformation/foreign-stack") => await AddForeignStackAsync(ctx),
            ("GET", "/postgres") => Postgres(),
            ("GET", "/secrets") => Secret(ctx),
            ("GET", var p) when p.StartsWith("/stacks/", StringComparison.Ordinal) && p.Split('/') is [_, _, var stackName, "resources", var logicalId]
                => StackResource(ctx, stackName, logicalId),
            ("GET", "/s3/buckets") => state.S3Store.All.OrderBy(b => b.Name, StringComparer.Ordinal).Select(BucketSummary).ToList(),
            ("POST", "/s3/buckets" or "/s3/foreign-bucket") => await AddBucketAsync(ctx, foreign: path == "/s3/foreign-bucket"),
            ("DELETE", "/s3/buckets") => ClearBuckets(),
            ("POST", "/s3/seed") => await SeedAsync(ctx),
            ("DELETE", var p) when p.StartsWith("/s3/buckets/", StringComparison.Ordinal)
                => new { removed = state.S3Store.Remove(Uri.UnescapeDataString(p["/s3/buckets/".Length..])) },
            ("POST", "/acm/certificates") => await AddCertificateAsync(ctx),
            ("GET", "/acm/certificates") => state.Certificates.All().Select(c => new { arn = c.Arn, region = c.Region, domainName = c.DomainName, subjectAlternativeNames = c.SubjectAlternativeNames, status = c.Status }).ToList(),
            ("DELETE", "/acm/certificates") => Cleared(state.Certificates.Clear),
            // What Cognito sent, never the temporary password: {userPoolId, username, to, medium, kind, sentAt}.
            ("GET", "/cognito/messages") => state.CognitoUsers.Messages().Select(m => new { userPoolId = m.UserPoolId, username = m.Username, to = m.To, medium = m.Medium, kind = m.Kind, sentAt = m.SentAt }).ToList(),
            ("DELETE", "/cognito/messages") => Cleared(state.CognitoUsers.ClearMessages),
            ("POST", "/route53/hosted-zones") => await AddHostedZoneAsync(ctx),
            ("GET", "/route53/hosted-zones") => state.HostedZones.Snapshot(),
            ("DELETE", "/route53/hosted-zones") => Cleared(state.HostedZones.Clear),
            _ => Fail(ctx, 404, $"No control endpoint {ctx.Request.Method} /_sandbox{path}. Endpoints: GET /health, GET|DELETE /requests, GET /postgres, GET /secrets?id=ARN, GET /stacks/<name>/resources/<logicalId>, POST /faults/resource, DELETE /faults, POST /config, POST /history, POST /cloudformation/foreign-stack, GET|POST|DELETE /s3/buckets, DELETE /s3/buckets/<name>, POST /s3/foreign-bucket, POST /s3/seed, GET|POST|DELETE /acm/certificates, GET|DELETE /cognito/messages, GET|POST|DELETE /route53/hosted-zones"),
        };
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(JsonSerializer.Serialize(result));
    }

    /// <summary>An error answer: the status, and the message as { "error": ... }.</summary>
    private static object Fail(HttpContext ctx, int status, string error)
    {
        ctx.Response.StatusCode = status;
        return new { error };
    }

    private static ValueTask<JsonElement> ReadJsonAsync(HttpContext ctx) => JsonSerializer.DeserializeAsync<JsonElement>(ctx.Request.Body);

    private static object Cleared(Action clear)
    {
        clear();
        return new { cleared = true };
    }

    /// <summary>A certificate in the sandbox's ACM: {"domainName", "subjectAlternativeNames"?, "status"? (ISSUED), "region"?} → {"arn"}.</summary>
    private async Task<object> AddCertificateAsync(HttpContext ctx)
    {
        var c = await ReadJsonAsync(ctx);
        if (!c.TryGetProperty("domainName", out var domain) || domain.GetString() is not { Length: > 0 } domainName) return Fail(ctx, 400, "domainName is required.");
        var names = c.TryGetProperty("subjectAlternativeNames", out var sans) ? sans.EnumerateArray().Select(n => n.GetString()!).ToList() : null;
        var cert = state.Certificates.Add(domainName, names, c.TryGetProperty("status", out var st) ? st.GetString() : null,
            c.TryGetProperty("region", out var r) ? r.GetString()! : state.Options.Region);
        return new { arn = cert.Arn };
    }

    /// <summary>A Route 53 hosted zone: {"name", "private"? (false)} → {"id"} (without /hostedzone/).</summary>
    private async Task<object> AddHostedZoneAsync(HttpContext ctx)
    {
        var z = await ReadJsonAsync(ctx);
        if (!z.TryGetProperty("name", out var name) || name.GetString() is not { Length: > 0 } zoneName) return Fail(ctx, 400, "name is required.");
        var zone = state.HostedZones.Add(zoneName, z.TryGetProperty("private", out var p) && p.GetBoolean());
        return new { id = zone.Id, name = zone.Name };
    }

    private object ClearRequests()
    {
        state.Log.Clear();
        return new { cleared = true };
    }

    private async Task<object> AddResourceFaultAsync(HttpContext ctx)
    {
        var f = await ReadJsonAsync(ctx);
        var fault = new ResourceFault(
            f.GetProperty("logicalId").GetString()!,
            f.TryGetProperty("operation", out var op) ? op.GetString()! : "Create",
            f.TryGetProperty("reason", out var r) ? r.GetString()! : "Resource handler returned message: \"Injected failure\" (HandlerErrorCode: GeneralServiceException)",
            f.TryGetProperty("stackName", out var s) ? s.GetString() : null);
        state.Stacks.Faults.Add(fault);
        return fault;
    }

    /// <summary>Another caller, e.g. a user of another account, to test trust policies.</summary>
    private async Task<object> AddIdentityAsync(HttpContext ctx)
    {
        var i = await ReadJsonAsync(ctx);
        var identity = new Identity(i.GetProperty("accessKeyId").GetString()!, i.GetProperty("secretAccessKey").GetString()!, null,
            i.GetProperty("arn").GetString()!, "AIDA" + Guid.NewGuid().ToString("N")[..16].ToUpperInvariant(), null);
        state.Credentials.Add(identity);
        return new { identity.AccessKeyId, identity.Arn };
    }

    /// <summary>The named migration function's upgrade fails as the migration service reports it: 500 "upgrade failed".</summary>
    private async Task<object> FailMigrationAsync(HttpContext ctx)
    {
        var f = await ReadJsonAsync(ctx);
        var function = f.GetProperty("functionName").GetString()!;
        state.Lambda.FailingUpgrades[function] = function;
        return new { functionName = function };
    }

    private object ClearFaults()
    {
        state.Lambda.FailingUpgrades.Clear();
        state.Stacks.Faults.Clear();
        state.Faults.Configure(new FaultSettings());
        return new { cleared = true };
    }

    private async Task<object> ConfigureTransientFaultsAsync(HttpContext ctx)
    {
        state.Faults.Configure(FaultInjector.Parse(await ReadJsonAsync(ctx)));
        return state.Faults.Snapshot();
    }

    private async Task<object> ConfigureAsync(HttpContext ctx)
    {
        var c = await ReadJsonAsync(ctx);
        var stacks = state.Stacks;
        // A fixed pace per resource (resourceDelayMs) or the duration model at a scale (timeScale); resetPace
        // goes back to what the sandbox was started with.
        if (c.TryGetProperty("resourceDelayMs", out var d))
        {
            stacks.ResourceDelay = TimeSpan.FromMilliseconds(d.GetInt32());
            stacks.TimeScale = null;
        }
        if (c.TryGetProperty("timeScale", out var scale)) stacks.TimeScale = scale.ValueKind == JsonValueKind.Null ? null : scale.GetDouble();
        if (c.TryGetProperty("resetPace", out var reset) && reset.ValueKind == JsonValueKind.True)
        {
            stacks.ResourceDelay = TimeSpan.FromMilliseconds(state.Options.ResourceDelayMs);
            stacks.TimeScale = state.Options.TimeScale;
        }
        // The day dated rules are judged by ("yyyy-MM-dd"), to make a stack as an older template made it back then; null is today.
        if (c.TryGetProperty("today", out var today))
            stacks.Today = today.ValueKind == JsonValueKind.Null ? null : DateOnly.ParseExact(today.GetString()!, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        if (c.TryGetProperty("stsSessionSeconds", out var sts)) state.Sts.SessionSecondsOverride = sts.ValueKind == JsonValueKind.Null ? null : sts.GetInt32();
        // How long a service create waits for tasks that never run (AWS: about 3 hours); tests shorten it to end such a create, null resets it.
        if (c.TryGetProperty("serviceStabilizationMs", out var ecs) && state.ServiceTasks is { } tasks)
            tasks.StabilizationTimeout = ecs.ValueKind == JsonValueKind.Null ? Ecs.MetadataServiceTasks.DefaultStabilizationTimeout : TimeSpan.FromMilliseconds(ecs.GetInt64());
        return new { resourceDelayMs = stacks.ResourceDelay.TotalMilliseconds, timeScale = stacks.TimeScale, stsSessionSeconds = state.Sts.SessionSecondsOverride,
            today = stacks.Today?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            serviceStabilizationMs = state.ServiceTasks?.StabilizationTimeout.TotalMilliseconds };
    }

    private async Task<object> AddHistoryAsync(HttpContext ctx)
    {
        var h = await ReadJsonAsync(ctx);
        var stack = state.Stacks.Get(h.GetProperty("stackName").GetString()!);
        state.Stacks.AddHistory(stack, h.GetProperty("count").GetInt32());
        return new { added = h.GetProperty("count").GetInt32() };
    }

    /// <summary>
    /// A stack made with another tool, not the module (no MetaflowAws tag): another team's stack the Metaflow cmdlets must
    /// leave alone, or one of a Metaflow template made before the module checked what it checks now.
    /// {"stackName", "templateBody" (any size), "parameters"? {name: value}, "region"?} → {"stackId"}.
    /// </summary>
    private async Task<object> AddForeignStackAsync(HttpContext ctx)
    {
        var f = await ReadJsonAsync(ctx);
        var parameters = f.TryGetProperty("parameters", out var ps) ? ps.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!) : new Dictionary<string, string>();
        var input = new CreateStackInput(f.GetProperty("stackName").GetString()!, f.GetProperty("templateBody").GetString(), null,
            parameters, ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"], [], null, false);
        try
        {
            var stack = state.Stacks.CreateStack(input, f.TryGetProperty("region", out var r) ? r.GetString()! : state.Options.Region, anySize: true);
            return new { stackId = stack.StackId };
        }
        catch (ApiError e)
        {
            return Fail(ctx, 400, $"{e.Code}: {e.Message}");
        }
    }

    private object Postgres() => state.Databases is { } db
        ? (object)new { backed = true, host = db.Server.Host, port = db.Server.Port, noSslGroup = Rds.PostgresServer.NoSslGroup }
        : new { backed = false };

    /// <summary>A secret's value, as GetSecretValue gives it (what ECS hands a container for a task definition's Secrets).</summary>
    private object Secret(HttpContext ctx)
    {
        var id = ctx.Request.Query["id"].ToString();
        if (state.FindSecret(id) is not { } found) return Fail(ctx, 404, $"Secrets Manager can't find the specified secret {id}.");
        return new { arn = found.Resource.Ref, name = found.Resource.PhysicalId, secretString = found.Resource.Secret };
    }

    /// <summary>
    /// A stack resource as the sandbox evaluated it: its properties (dynamic references unresolved, as
    /// CloudFormation keeps them), physical id and attributes. What a task definition gives its containers.
    /// </summary>
    private object StackResource(HttpContext ctx, string stackName, string logicalId)
    {
        var stack = state.Stacks.Find(Uri.UnescapeDataString(stackName));
        ResourceState? r = null;
        if (stack is not null) lock (stack.Sync) r = stack.Resource(Uri.UnescapeDataString(logicalId));
        if (r is null) return Fail(ctx, 404, $"No resource {logicalId} in a stack {stackName}.");
        return new { stackName = stack!.StackName, logicalId = r.LogicalId, type = r.Type, physicalId = r.PhysicalId, status = r.Status, properties = r.Properties, attributes = r.Attributes,
            liveDocument = r.LiveDocument };
    }

    /// <summary>
    /// A bucket made directly: by default the sandbox account's; foreign-bucket makes one
    /// owned by another account whose bucket policy lets everyone in (the case an owner check must catch).
    /// </summary>
    private async Task<object> AddBucketAsync(HttpContext ctx, bool foreign)
    {
        var b = await ReadJsonAsync(ctx);
        var name = b.GetProperty("name").GetString()!;
        if (!S3Store.IsValidBucketName(name)) return Fail(ctx, 400, $"'{name}' is not a valid bucket name.");
        try
        {
            var bucket = state.S3Store.Add(name,
                b.TryGetProperty("region", out var r) ? r.GetString()! : state.Options.Region,
                b.TryGetProperty("ownerAccount", out var o) ? o.GetString()! : foreign ? S3Store.ForeignAccount : StackEngine.AccountId,
                b.TryGetProperty("grantsOthers", out var g) ? g.GetBoolean() : foreign);
            return BucketSummary(bucket);
        }
        catch (S3Error e)
        {
            return Fail(ctx, 409, e.Message);
        }
    }

    private object ClearBuckets()
    {
        state.S3Store.Clear();
        return new { cleared = true };
    }

    /// <summary>Many object versions and delete markers at once (tests of emptying a bucket).</summary>
    private async Task<object> SeedAsync(HttpContext ctx)
    {
        var seed = await ReadJsonAsync(ctx);
        var name = seed.GetProperty("bucket").GetString()!;
        var keys = seed.GetProperty("keys").GetInt32();
        var versions = seed.TryGetProperty("versionsPerKey", out var v) ? v.GetInt32() : 1;
        var markers = seed.TryGetProperty("deleteMarkers", out var m) && m.GetBoolean();
        var bucket = state.S3Store.Find(name);
        if (bucket is null) return Fail(ctx, 404, $"no bucket {name}");
        var total = 0;
        lock (state.S3Store.Sync)
        {
            for (var k = 0; k < keys; k++)
            {
                var key = $"metaflow/seed/{k:D6}";
                if (!bucket.Objects.TryGetValue(key, out var list)) bucket.Objects[key] = list = [];
                for (var i = 0; i < versions; i++, total++)
                    list.Add(new ObjectVersion { Key = key, VersionId = Guid.NewGuid().ToString("N"), Data = [(byte)i], ETag = "\"seed\"" });
                if (markers) { list.Add(new ObjectVersion { Key = key, VersionId = Guid.NewGuid().ToString("N"), IsDeleteMarker = true }); total++; }
            }
        }
        return new { bucket = name, added = total };
    }

    /// <summary>A bucket as the control API shows it: owner, region, configuration, how many keys and versions.</summary>
    private object BucketSummary(Bucket b)
    {
        lock (state.S3Store.Sync)
        {
            static string? Get(System.Xml.Linq.XElement? e, string name) => e?.Descendants().FirstOrDefault(x => x.Name.LocalName == name)?.Value;
            return new
            {
                name = b.Name,
                region = b.Region,
                ownerAccount = b.OwnerAccount,
                grantsOthers = b.GrantsOthers,
                versioning = b.Versioning,
                encryption = Get(b.Encryption, "SSEAlgorithm"),
                publicAccessBlock = b.PublicAccessBlock?.Elements().ToDictionary(e => e.Name.LocalName, e => e.Value == "true"),
                objectOwnership = Get(b.OwnershipControls, "ObjectOwnership"),
                lifecycle = b.Lifecycle?.ToString(System.Xml.Linq.SaveOptions.DisableFormatting),
                keys = b.Objects.Count,
                versions = b.Objects.Values.Sum(v => v.Count),
            };
        }
    }
}
