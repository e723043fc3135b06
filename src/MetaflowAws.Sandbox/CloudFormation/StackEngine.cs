using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using MetaflowAws.Sandbox.CloudFormation.Templates;

namespace MetaflowAws.Sandbox.CloudFormation;

/// <summary>An error answered to the client: AWS error code, message, HTTP status.</summary>
public sealed class ApiError(string code, string message, int status = 400, string type = "Sender") : Exception(message)
{
    public string Code { get; } = code;
    public int Status { get; } = status;
    public string Type { get; } = type;

    public static ApiError Validation(string message) => new("ValidationError", message);
}

public sealed record CreateStackInput(
    string StackName, string? TemplateBody, string? TemplateUrl, IReadOnlyDictionary<string, string> Parameters,
    IReadOnlyList<string> Capabilities, IReadOnlyList<(string, string)> Tags, string? OnFailure, bool DisableRollback);

/// <summary>A resource told to fail: CREATE_FAILED / DELETE_FAILED with the given reason.</summary>
public sealed record ResourceFault(string LogicalId, string Operation, string Reason, string? StackName);

/// <summary>
/// The sandbox's CloudFormation: stacks driven by their real templates, resources created in
/// dependency order at a configurable pace, with per-resource events, rollback and deletion.
/// </summary>
public sealed partial class StackEngine
{
    public const string AccountId = "123456789012";
    private static readonly Regex StackNamePattern = new("^[a-zA-Z][-a-zA-Z0-9]*$", RegexOptions.Compiled);
    private readonly ConcurrentDictionary<string, Stack> _byId = new();
    private readonly List<Stack> _order = [];
    private readonly object _sync = new();
    private readonly Func<string, string?> _fetchTemplateUrl;

    public StackEngine(Func<string, string?> fetchTemplateUrl) => _fetchTemplateUrl = fetchTemplateUrl;

    /// <summary>Time each resource spends in progress when there is no <see cref="TimeScale"/> (a fixed pace).</summary>
    public TimeSpan ResourceDelay { get; set; } = TimeSpan.FromMilliseconds(40);

    /// <summary>When set, a resource spends its type's typical time in progress (<see cref="ResourceDurations"/>) times this scale.</summary>
    public double? TimeScale { get; set; }

    /// <summary>
    /// The day the services judge dated rules by (a retired runtime, platform or minor version); null is today. Tests set
    /// a past day to make a stack as an older template made it when that template was current.
    /// </summary>
    public DateOnly? Today { get; set; }

    private DateOnly CurrentDay => Today ?? DateOnly.FromDateTime(DateTime.UtcNow);

    /// <summary>How long a resource being created stays in progress: its type's duration at the scale, or the fixed pace.</summary>
    public TimeSpan CreateDuration(Stack stack, ResourceState r)
        => TimeScale is { } scale ? ResourceDurations.For(stack.StackName, r.LogicalId, r.Type, r.Generation, scale) : ResourceDelay;

    public ConcurrentBag<ResourceFault> Faults { get; } = new();

    /// <summary>Backs a created resource with real sandbox state (an S3 bucket, say); returns why it failed, or null.</summary>
    public Func<Stack, ResourceState, string?>? OnResourceCreated { get; set; }

    /// <summary>Waits, after a resource was created, until the service says it is ready (an ECS service's tasks running); returns why it failed, or null.</summary>
    public Func<Stack, ResourceState, Task<string?>>? OnResourceStabilizing { get; set; }

    /// <summary>Applies an in-place update to a resource's sandbox state (a database's new major version); returns why it failed, or null.</summary>
    public Func<Stack, ResourceState, string?>? OnResourceUpdated { get; set; }

    /// <summary>Removes a resource's sandbox state before it is deleted; returns why it cannot be (a bucket not empty), or null.</summary>
    public Func<Stack, ResourceState, string?>? OnResourceDeleting { get; set; }

    public IEnumerable<Stack> AllStacks { get { lock (_sync) return _order.ToList(); } }

    /// <summary>
    /// Runs a stack operation in the background. A defect of the sandbox there fails the stack with the exception's
    /// message (and says so on stderr) instead of leaving it in progress forever, where a waiter would hang.
    /// </summary>
    private void Background(Stack stack, string failedStatus, Func<Task> operation)
        => _ = Task.Run(async () =>
        {
            try
            {
                await operation();
            }
            catch (Exception ex)
            {
                Console.Error.WriteLine($"sandbox: {stack.StackName}: {failedStatus} after an internal failure: {ex}");
                var reason = $"Sandbox internal failure: {ex.GetType().Name}: {ex.Message}";
                SetStatus(stack, failedStatus, reason);
                AddStackEvent(stack, failedStatus, reason);
            }
        });

    public Stack? Find(string nameOrId)
    {
        if (_byId.TryGetValue(nameOrId, out var byId)) return byId;
        lock (_sync) return _order.LastOrDefault(s => s.StackName == nameOrId && s.Status != "DELETE_COMPLETE");
    }

    public Stack Get(string nameOrId) => Find(nameOrId) ?? throw ApiError.Validation($"Stack with id {nameOrId} does not exist");

    /// <summary>CreateStack; <paramref name="anySize"/> (the control API's stacks made by another tool) takes a body of any size inline.</summary>
    public Stack CreateStack(CreateStackInput input, string region, bool anySize = false)
    {
        if (input.StackName.Length > 128 || !StackNamePattern.IsMatch(input.StackName))
            throw ApiError.Validation($"1 validation error detected: Value '{input.StackName}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*");
        var body = anySize && !string.IsNullOrEmpty(input.TemplateBody) ? input.TemplateBody : ResolveBody(input.TemplateBody, input.TemplateUrl);
        var template = ParseTemplate(body);
        lock (_sync)
        {
            if (_order.Any(s => s.StackName == input.StackName && s.Status != "DELETE_COMPLETE"))
                throw new ApiError("AlreadyExistsException", $"Stack [{input.StackName}] already exists");
        }

        var (values, noEcho) = BindParameters(template, input.Parameters, region);
        var partition = StackContext.PartitionOf(region);
        var id = $"arn:{partition}:cloudformation:{region}:{AccountId}:stack/{input.StackName}/{Guid.NewGuid()}";
        var stack = new Stack
        {
            Context = new StackContext(input.StackName, id, region, AccountId, partition),
            Template = template,
            TemplateBody = body,
            ParameterValues = values,
            NoEchoParameters = noEcho,
            Capabilities = input.Capabilities,
            Tags = input.Tags,
            DisableRollback = input.DisableRollback || input.OnFailure == "DO_NOTHING",
            CreationTime = DateTime.UtcNow,
            Status = "CREATE_IN_PROGRESS",
            StatusReason = "User Initiated",
        };
        stack.Conditions = EvaluateConditions(template, stack);
        var plan = Plan(stack);
        CheckCapabilities(template, stack, input.Capabilities);

        lock (_sync)
        {
            _order.Add(stack);
            _byId[id] = stack;
        }
        AddStackEvent(stack, "CREATE_IN_PROGRESS", "User Initiated");
        Background(stack, "CREATE_FAILED", () => RunCreateAsync(stack, plan));
        return stack;
    }

    public void DeleteStack(string nameOrId, IReadOnlyList<string> retain)
    {
        var stack = Find(nameOrId);
        if (stack is null || stack.Status == "DELETE_COMPLETE") return; // deleting a missing stack succeeds, as on AWS
        lock (stack.Sync)
        {
            if (stack.Status.EndsWith("_IN_PROGRESS", StringComparison.Ordinal) && stack.Status != "DELETE_IN_PROGRESS")
                throw ApiError.Validation($"Stack [{stack.StackName}] cannot be deleted while in status {stack.Status}");
            if (stack.Status == "DELETE_IN_PROGRESS") return;
            if (retain.Count > 0 && stack.Status != "DELETE_FAILED")
                throw ApiError.Validation($"Invalid operation on stack [{stack.StackId}]. RetainResources can only be specified when stack is in DELETE_FAILED state");
            stack.Status = "DELETE_IN_PROGRESS";
            stack.StatusReason = "User Initiated";
        }
        AddStackEvent(stack, "DELETE_IN_PROGRESS", "User Initiated");
        Background(stack, "DELETE_FAILED", () => RunDeleteAsync(stack, retain.ToHashSet()));
    }

    public string ResolveBody(string? body, string? url)
    {
        if (!string.IsNullOrEmpty(body))
        {
            if (body.Length > 51200)
                throw ApiError.Validation("1 validation error detected: Value '...' at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to 51200");
            return body;
        }
        if (!string.IsNullOrEmpty(url))
            return _fetchTemplateUrl(url) ?? throw ApiError.Validation($"TemplateURL must be a supported URL.");
        throw ApiError.Validation("Either Template URL or Template Body must be specified.");
    }

    public static Template ParseTemplate(string body)
    {
        try
        {
            return Template.Read(body);
        }
        catch (TemplateError ex)
        {
            throw ApiError.Validation(ex.Message);
        }
    }

    /// <summary>Binds given values and defaults to the template's parameters, failing with CloudFormation's messages.</summary>
    public static (Dictionary<string, string> Values, HashSet<string> NoEcho) BindParameters(Template template, IReadOnlyDictionary<string, string> given, string region)
    {
        BoundParameters bound;
        try { bound = ParameterBinding.Bind(template, given); }
        catch (TemplateError ex) { throw ApiError.Validation(ex.Message); }
        if (bound.Error is { } error) throw ApiError.Validation(error);
        string? failed;
        try { failed = Conditions.FailedAssertion(template, bound.Values, region); }
        catch (TemplateError ex) { throw ApiError.Validation(ex.Message); }
        if (failed is not null) throw ApiError.Validation(failed);
        return (bound.Values, bound.NoEcho);
    }

    private static Dictionary<string, bool> EvaluateConditions(Template template, Stack stack)
    {
        try { return Conditions.Evaluate(template, stack.Context, stack.ParameterValues); }
        catch (TemplateError ex) { throw ApiError.Validation(ex.Message); }
    }

    /// <summary>The active resources in creation order; checks references and cycles as CreateStack does.</summary>
    private static List<(string Id, Dictionary<string, object?> Def)> Plan(Stack stack)
    {
        var resources = stack.Template.Section("Resources");
        var active = new Dictionary<string, Dictionary<string, object?>>(StringComparer.Ordinal);
        foreach (var (id, def) in resources)
        {
            var d = (Dictionary<string, object?>)def!;
            if (d.GetValueOrDefault("Condition") is string c)
            {
                if (!stack.Conditions.TryGetValue(c, out var on))
                    throw ApiError.Validation($"Template format error: Unresolved dependencies [{c}]. Cannot reference resources in the Conditions block of the template");
                if (!on) continue;
            }
            active[id] = d;
        }
        var unrecognized = active.Values.Select(d => d.GetValueOrDefault("Type") as string ?? "")
            .Where(t => !ServiceRules.IsKnownType(t) || !RegionalTypes.Offered(t, stack.Context.Region)).Distinct().Order(StringComparer.Ordinal).ToList();
        if (unrecognized.Count > 0)
            throw ApiError.Validation($"Template format error: Unrecognized resource types: [{string.Join(", ", unrecognized)}]");
        var parameters = stack.Template.Section("Parameters");
        bool Cond(string c) => stack.Conditions.GetValueOrDefault(c);
        var deps = new Dictionary<string, HashSet<string>>();
        foreach (var (id, d) in active)
        {
            var refs = References.Of(d.GetValueOrDefault("Properties"), Cond);
            refs.UnionWith(References.Of(d.GetValueOrDefault("Metadata"), Cond));
            var set = new HashSet<string>();
            foreach (var r in refs)
            {
                if (r.StartsWith("AWS::", StringComparison.Ordinal) || parameters.ContainsKey(r)) continue;
                if (!active.ContainsKey(r))
                    throw ApiError.Validation($"Template format error: Unresolved resource dependencies [{r}] in the Resources block of the template");
                set.Add(r);
            }
            var dependsOn = d.GetValueOrDefault("DependsOn") switch
            {
                string s => [s],
                List<object?> l => l.OfType<string>().ToList(),
                _ => new List<string>(),
            };
            foreach (var dep in dependsOn)
            {
                if (!active.ContainsKey(dep))
                    throw ApiError.Validation($"Template format error: Unresolved resource dependencies [{dep}] in the Resources block of the template");
                set.Add(dep);
            }
            deps[id] = set;
        }
        var reads = active.Values.SelectMany(d => References.AttributesOf(d.GetValueOrDefault("Properties"), Cond)).ToList();
        foreach (var output in stack.Template.Section("Outputs").Values.OfType<Dictionary<string, object?>>())
        {
            if (output.GetValueOrDefault("Condition") is string oc && !Cond(oc)) continue;
            var refs = References.Of(output.GetValueOrDefault("Value"), Cond);
            foreach (var r in refs.Where(r => !r.StartsWith("AWS::", StringComparison.Ordinal) && !parameters.ContainsKey(r) && !active.ContainsKey(r)))
                throw ApiError.Validation($"Template format error: Unresolved resource dependencies [{r}] in the Outputs block of the template");
            reads.AddRange(References.AttributesOf(output.GetValueOrDefault("Value"), Cond));
        }
        // An attribute the type's schema does not have refuses the whole template before anything is created
        // (CloudFormation User Guide, Fn::GetAtt: "attributeName ... the name of a resource-specific attribute").
        // Checked over what this stack creates, as the implementation issue 22 names does.
        foreach (var (id, attribute) in reads)
            if (active.TryGetValue(id, out var target) && target.GetValueOrDefault("Type") is string type && !ResourceAttributes.Supports(type, attribute))
                throw ApiError.Validation($"Template error: resource {id} does not support attribute type {attribute} in Fn::GetAtt");

        var order = new List<(string, Dictionary<string, object?>)>();
        var state = new Dictionary<string, int>();
        void Visit(string id, Stack<string> path)
        {
            if (state.GetValueOrDefault(id) == 2) return;
            if (state.GetValueOrDefault(id) == 1)
                throw ApiError.Validation($"Circular dependency between resources: [{string.Join(", ", path.Reverse())}]");
            state[id] = 1;
            path.Push(id);
            foreach (var d in deps[id].OrderBy(x => x, StringComparer.Ordinal)) Visit(d, path);
            path.Pop();
            state[id] = 2;
            order.Add((id, active[id]));
        }
        foreach (var id in active.Keys) Visit(id, new Stack<string>());
        stack.Dependencies = deps;
        return order;
    }

    private static void CheckCapabilities(Template template, Stack stack, IReadOnlyList<string> given)
    {
        var resources = template.Section("Resources").Values.OfType<Dictionary<string, object?>>().ToList();
        var types = resources.Select(r => r.GetValueOrDefault("Type") as string ?? "").ToList();
        var needsIam = types.Any(t => t.StartsWith("AWS::IAM::", StringComparison.Ordinal));
        var needsNamed = resources.Any(r => ResourceModel.IsNamedIam(r.GetValueOrDefault("Type") as string ?? "", r.GetValueOrDefault("Properties") as Dictionary<string, object?>));
        if (needsNamed && !given.Contains("CAPABILITY_NAMED_IAM"))
            throw new ApiError("InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_NAMED_IAM]");
        if (needsIam && !given.Contains("CAPABILITY_IAM") && !given.Contains("CAPABILITY_NAMED_IAM"))
            throw new ApiError("InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_IAM]");
    }

    /// <summary>
    /// Creates the resources as CloudFormation does: each starts as soon as everything it depends on is complete,
    /// so independent ones are in progress together; after a failure nothing new starts and the resources still in
    /// progress are cancelled ("Resource creation cancelled"), then the stack rolls back.
    /// </summary>
    private async Task RunCreateAsync(Stack stack, List<(string Id, Dictionary<string, object?> Def)> plan)
    {
        var scope = new StackScope(stack);
        var deps = stack.Dependencies;
        var pending = plan.ToList();
        var done = new HashSet<string>(StringComparer.Ordinal);
        var running = new Dictionary<Task<string?>, string>();
        using var cancel = new CancellationTokenSource();
        using var gate = new SemaphoreSlim(1, 1);
        string? failedId = null;
        while (true)
        {
            if (failedId is null)
                foreach (var item in pending.Where(p => deps.GetValueOrDefault(p.Id, []).All(done.Contains)).ToList())
                {
                    pending.Remove(item);
                    running[CreateOneAsync(stack, scope, item.Id, item.Def, gate, cancel.Token)] = item.Id;
                }
            if (running.Count == 0) break;
            var finished = await Task.WhenAny(running.Keys);
            var id = running[finished];
            running.Remove(finished);
            if (await finished is null) done.Add(id);
            else if (failedId is null)
            {
                failedId = id;
                await cancel.CancelAsync();
            }
        }
        if (failedId is not null)
        {
            await FailCreateAsync(stack, failedId);
            return;
        }

        try
        {
            stack.Outputs = EvaluateOutputs(stack, scope);
        }
        catch (TemplateError ex)
        {
            AddStackEvent(stack, "CREATE_FAILED", ex.Message);
            await FailCreateAsync(stack, stack.StackName);
            return;
        }
        SetStatus(stack, "CREATE_COMPLETE", null);
        AddStackEvent(stack, "CREATE_COMPLETE", null);
    }

    /// <summary>One resource's create: in progress for its duration, then evaluated and backed (one at a time, as the
    /// stack's scope is shared), then stabilized. Null when it succeeded, else why not.</summary>
    private async Task<string?> CreateOneAsync(Stack stack, StackScope scope, string id, Dictionary<string, object?> def, SemaphoreSlim gate, CancellationToken ct)
    {
        await Task.Yield();
        var resource = new ResourceState
        {
            LogicalId = id,
            Type = (string)def["Type"]!,
            DeletionPolicy = def.GetValueOrDefault("DeletionPolicy") as string ?? "Delete",
            Status = "CREATE_IN_PROGRESS",
            Timestamp = DateTime.UtcNow,
        };
        lock (stack.Sync) stack.Resources.Add(resource);
        AddEvent(stack, resource, "CREATE_IN_PROGRESS", null);
        try
        {
            await Task.Delay(CreateDuration(stack, resource), ct);
        }
        catch (OperationCanceledException)
        {
            Finish(stack, resource, "Resource creation cancelled", "CREATE");
            return "Resource creation cancelled";
        }
        string? failure;
        await gate.WaitAsync(CancellationToken.None);
        try { failure = Apply(stack, resource, def, scope, "Create", replace: true); }
        finally { gate.Release(); }
        if (failure is null && OnResourceStabilizing is { } stabilizing) failure = await stabilizing(stack, resource);
        Finish(stack, resource, failure, "CREATE");
        return failure;
    }

    private async Task FailCreateAsync(Stack stack, string failedId)
    {
        var reason = $"The following resource(s) failed to create: [{failedId}]. ";
        if (stack.DisableRollback)
        {
            SetStatus(stack, "CREATE_FAILED", reason + "Rollback disabled.");
            AddStackEvent(stack, "CREATE_FAILED", reason + "Rollback disabled.");
            return;
        }
        SetStatus(stack, "ROLLBACK_IN_PROGRESS", reason + "Rollback requested by user.");
        AddStackEvent(stack, "ROLLBACK_IN_PROGRESS", reason + "Rollback requested by user.");
        await DeleteResourcesAsync(stack, new HashSet<string>());
        SetStatus(stack, "ROLLBACK_COMPLETE", null);
        AddStackEvent(stack, "ROLLBACK_COMPLETE", null);
    }

    private async Task RunDeleteAsync(Stack stack, HashSet<string> retain)
    {
        var failed = await DeleteResourcesAsync(stack, retain);
        if (failed.Count > 0)
        {
            var reason = $"The following resource(s) failed to delete: [{string.Join(", ", failed)}]. ";
            SetStatus(stack, "DELETE_FAILED", reason);
            AddStackEvent(stack, "DELETE_FAILED", reason);
            return;
        }
        AddStackEvent(stack, "DELETE_COMPLETE", null);
        lock (stack.Sync)
        {
            stack.DeletionTime = DateTime.UtcNow;
            stack.Status = "DELETE_COMPLETE";
            stack.StatusReason = null;
        }
    }

    /// <summary>Deletes resources in reverse creation order; returns those that failed.</summary>
    private async Task<List<string>> DeleteResourcesAsync(Stack stack, HashSet<string> retain)
    {
        var failed = new List<string>();
        List<ResourceState> resources;
        lock (stack.Sync) resources = stack.Resources.AsEnumerable().Reverse().ToList();
        foreach (var r in resources)
        {
            if (r.Status is "DELETE_COMPLETE" or "DELETE_SKIPPED") continue;
            if (r.Status == "CREATE_FAILED" && r.PhysicalId is null)
            {
                r.Status = "DELETE_COMPLETE";
                AddEvent(stack, r, "DELETE_COMPLETE", null);
                continue;
            }
            if (retain.Contains(r.LogicalId) || r.DeletionPolicy == "Retain")
            {
                r.Status = "DELETE_SKIPPED";
                AddEvent(stack, r, "DELETE_SKIPPED", null);
                continue;
            }
            r.Status = "DELETE_IN_PROGRESS";
            AddEvent(stack, r, "DELETE_IN_PROGRESS", null);
            await Task.Delay(ResourceDelay / 2);
            if ((FaultFor(stack, r.LogicalId, "Delete") ?? ServiceRules.DeleteViolation(r.Type, r.Properties) ?? OnResourceDeleting?.Invoke(stack, r)) is { } reason)
            {
                r.Status = "DELETE_FAILED";
                r.Reason = reason;
                AddEvent(stack, r, "DELETE_FAILED", reason);
                failed.Add(r.LogicalId);
                continue;
            }
            r.Status = "DELETE_COMPLETE";
            AddEvent(stack, r, "DELETE_COMPLETE", null);
        }
        return failed;
    }

    private static List<OutputValue> EvaluateOutputs(Stack stack, StackScope scope)
    {
        var result = new List<OutputValue>();
        foreach (var (key, o) in stack.Template.Section("Outputs"))
        {
            if (o is not Dictionary<string, object?> output) continue;
            if (output.GetValueOrDefault("Condition") is string c && !stack.Conditions.GetValueOrDefault(c)) continue;
            var value = Functions.Evaluate(output.GetValueOrDefault("Value"), scope);
            var text = value is List<object?> list ? string.Join(",", list.Select(v => Functions.Text(v, "Outputs"))) : Functions.Text(value, "Outputs");
            var description = Functions.Evaluate(output.GetValueOrDefault("Description"), scope) as string;
            var export = output.GetValueOrDefault("Export") is Dictionary<string, object?> e ? Functions.Evaluate(e.GetValueOrDefault("Name"), scope) as string : null;
            result.Add(new OutputValue(key, text, description, export));
        }
        return result;
    }

    private string? FaultFor(Stack stack, string logicalId, string operation)
        => Faults.FirstOrDefault(f => f.LogicalId == logicalId && f.Operation.Equals(operation, StringComparison.OrdinalIgnoreCase)
            && (f.StackName is null || f.StackName == stack.StackName))?.Reason;

    private static void SetStatus(Stack stack, string status, string? reason)
    {
        lock (stack.Sync)
        {
            stack.Status = status;
            stack.StatusReason = reason;
        }
    }

    private static void AddEvent(Stack stack, ResourceState r, string status, string? reason)
    {
        lock (stack.Sync)
        {
            r.Timestamp = DateTime.UtcNow;
            stack.Events.Add(new StackEvent
            {
                EventId = $"{r.LogicalId}-{status}-{Guid.NewGuid()}",
                LogicalResourceId = r.LogicalId,
                PhysicalResourceId = r.PhysicalId ?? "",
                ResourceType = r.Type,
                ResourceStatus = status,
                ResourceStatusReason = reason,
                Timestamp = r.Timestamp,
            });
        }
    }

    private static void AddStackEvent(Stack stack, string status, string? reason)
    {
        lock (stack.Sync)
        {
            stack.Events.Add(new StackEvent
            {
                EventId = Guid.NewGuid().ToString(),
                LogicalResourceId = stack.StackName,
                PhysicalResourceId = stack.StackId,
                ResourceType = "AWS::CloudFormation::Stack",
                ResourceStatus = status,
                ResourceStatusReason = reason,
                Timestamp = DateTime.UtcNow,
            });
        }
    }

    /// <summary>Live resources of a type across all stacks (for the services that read them: IAM, API Gateway, S3).</summary>
    public IEnumerable<(Stack Stack, ResourceState Resource)> LiveResources(string type)
    {
        foreach (var stack in AllStacks)
        {
            List<ResourceState> resources;
            lock (stack.Sync) resources = stack.Resources.ToList();
            foreach (var r in resources)
                if (r.Type == type && Stack.IsLive(r))
                    yield return (stack, r);
        }
    }

    /// <summary>Adds events in bulk (benchmarks of event paging on stacks with long histories).</summary>
    public void AddHistory(Stack stack, int count)
    {
        lock (stack.Sync)
        {
            var t = stack.CreationTime.AddDays(-1);
            var old = Enumerable.Range(0, count).Select(i => new StackEvent
            {
                EventId = $"history-{i}",
                LogicalResourceId = "History",
                PhysicalResourceId = "history",
                ResourceType = "AWS::CloudFormation::WaitConditionHandle",
                ResourceStatus = "CREATE_COMPLETE",
                Timestamp = t.AddSeconds(i),
            });
            stack.Events.InsertRange(0, old);
        }
    }
}

/// <summary>What a stack's template sees: its parameters, pseudo parameters, conditions, mappings and resources.</summary>
internal sealed class StackScope(Stack stack) : IStackValues
{
    public Template Template => stack.Template;

    public StackContext Context => stack.Context;

    public IReadOnlyDictionary<string, string> ParameterValues => stack.ParameterValues;

    public bool Condition(string name)
        => stack.Conditions.TryGetValue(name, out var v) ? v
            : throw new TemplateError($"Template error: unresolved condition dependency {name} in Fn::If");

    public string? ResourceRef(string logicalId)
    {
        lock (stack.Sync) return stack.Resource(logicalId)?.Ref;
    }

    public string? ResourceAttribute(string logicalId, string attribute)
    {
        ResourceState? r;
        lock (stack.Sync) r = stack.Resource(logicalId);
        if (r is null) throw new TemplateError($"Template format error: Unresolved resource dependencies [{logicalId}] in the Resources block of the template");
        if (r.Attributes.TryGetValue(attribute, out var v)) return v;
        // A generated client secret lives with the resource's Secret, never among its attributes (which logs show).
        if (r.Type == "AWS::Cognito::UserPoolClient" && attribute == "ClientSecret") return r.Secret ?? "";
        // Attributes the model has no special shape for: deterministic, derived from the physical id.
        return r.Ref is null ? null : $"{r.Ref}.{attribute}";
    }
}
