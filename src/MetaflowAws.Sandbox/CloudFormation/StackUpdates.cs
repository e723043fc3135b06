using MetaflowAws.Sandbox.CloudFormation.Templates;
using ResourceSpecification = MetaflowAws.Engine.Templates.ResourceSpecification;

namespace MetaflowAws.Sandbox.CloudFormation;

public sealed record CreateChangeSetInput(
    string StackName, string ChangeSetName, string? TemplateBody, string? TemplateUrl, bool UsePreviousTemplate,
    IReadOnlyDictionary<string, string> Parameters, IReadOnlySet<string> UsePrevious, IReadOnlyList<string> Capabilities,
    string ChangeSetType, string? Description, IReadOnlyList<(string Key, string Value)>? Tags = null);

// Change sets, updates, update rollbacks and ContinueUpdateRollback.
public sealed partial class StackEngine
{
    private const string NoChangesReason = "The submitted information didn't contain changes. Submit different information to create a change set.";

    /// <summary>Replacement decisions come from the resource specification when the sandbox found it.</summary>
    public ResourceSpecification? Specification { get; set; }

    public ChangeSet CreateChangeSet(CreateChangeSetInput input)
    {
        if (input.ChangeSetType != "UPDATE")
            throw ApiError.Validation("The sandbox supports change sets of type UPDATE only.");
        if (!System.Text.RegularExpressions.Regex.IsMatch(input.ChangeSetName, "^[a-zA-Z][-a-zA-Z0-9]*$") || input.ChangeSetName.Length > 128)
            throw ApiError.Validation($"1 validation error detected: Value '{input.ChangeSetName}' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*");
        var stack = Get(input.StackName);
        lock (stack.Sync)
        {
            if (StackStatusIsBusy(stack.Status) || stack.Status is "ROLLBACK_COMPLETE" or "ROLLBACK_FAILED" or "CREATE_FAILED" or "DELETE_FAILED" or "UPDATE_ROLLBACK_FAILED")
                throw ApiError.Validation($"Stack:{stack.StackId} is in {stack.Status} state and can not be updated.");
            if (stack.ChangeSets.Any(c => c.Name == input.ChangeSetName && c.Status != "DELETE_COMPLETE"))
                throw new ApiError("AlreadyExistsException", $"ChangeSet {input.ChangeSetName} already exists");
        }

        var body = input.UsePreviousTemplate ? stack.TemplateBody : ResolveBody(input.TemplateBody, input.TemplateUrl);
        var template = input.UsePreviousTemplate ? stack.Template : ParseTemplate(body);
        var given = new Dictionary<string, string>(input.Parameters, StringComparer.Ordinal);
        foreach (var name in input.UsePrevious.Where(n => !input.Parameters.ContainsKey(n)))
        {
            if (!stack.ParameterValues.TryGetValue(name, out var previous))
                throw ApiError.Validation($"Invalid input for parameter key {name}. Cannot specify usePreviousValue as true for a parameter key not in the previous template");
            given[name] = previous;
        }
        var (values, noEcho) = BindParameters(template, given, stack.Context.Region);
        var changeSet = new ChangeSet
        {
            Id = $"arn:aws:cloudformation:{stack.Context.Region}:{AccountId}:changeSet/{input.ChangeSetName}/{Guid.NewGuid()}",
            Name = input.ChangeSetName,
            StackId = stack.StackId,
            Description = input.Description,
            Template = template,
            TemplateBody = body,
            ParameterValues = values,
            NoEcho = noEcho,
            Capabilities = input.Capabilities,
            Tags = input.Tags is { Count: > 0 } tags ? tags : null,
        };
        var preview = PreviewStack(stack, template, body, values, noEcho);
        changeSet.Conditions = EvaluateConditions(template, preview);
        preview.Conditions = changeSet.Conditions;
        changeSet.Plan = Plan(preview);
        CheckCapabilities(template, preview, input.Capabilities);
        lock (stack.Sync) stack.ChangeSets.Add(changeSet);

        _ = Task.Run(async () =>
        {
            await Task.Delay(ResourceDelay);
            try
            {
                List<ResourceChange> changes;
                lock (stack.Sync) changes = ChangeCalculator.Compute(stack, changeSet, Specification);
                changeSet.Changes = changes;
                if (changes.Count == 0)
                {
                    changeSet.Status = "FAILED";
                    changeSet.StatusReason = NoChangesReason;
                }
                else
                {
                    changeSet.Status = "CREATE_COMPLETE";
                    changeSet.ExecutionStatus = "AVAILABLE";
                }
            }
            catch (ApiError ex)
            {
                changeSet.Status = "FAILED";
                changeSet.StatusReason = ex.Message;
            }
        });
        return changeSet;
    }

    public (Stack Stack, ChangeSet ChangeSet) FindChangeSet(string nameOrId, string? stackName)
    {
        if (nameOrId.StartsWith("arn:", StringComparison.Ordinal))
        {
            foreach (var s in AllStacks)
                lock (s.Sync)
                    if (s.ChangeSets.FirstOrDefault(c => c.Id == nameOrId && c.Status != "DELETE_COMPLETE") is { } byId) return (s, byId);
        }
        else if (stackName is not null && Find(stackName) is { } stack)
        {
            lock (stack.Sync)
                if (stack.ChangeSets.FirstOrDefault(c => c.Name == nameOrId && c.Status != "DELETE_COMPLETE") is { } byName) return (stack, byName);
        }
        throw new ApiError("ChangeSetNotFound", $"ChangeSet [{nameOrId}] does not exist", 404);
    }

    public void DeleteChangeSet(string nameOrId, string? stackName)
    {
        var (stack, changeSet) = FindChangeSet(nameOrId, stackName);
        lock (stack.Sync)
        {
            if (changeSet.ExecutionStatus == "EXECUTE_IN_PROGRESS")
                throw new ApiError("InvalidChangeSetStatus", $"Cannot delete ChangeSet [{changeSet.Id}] while it is being executed.");
            changeSet.Status = "DELETE_COMPLETE";
            stack.ChangeSets.Remove(changeSet);
        }
    }

    public void ExecuteChangeSet(string nameOrId, string? stackName)
    {
        var (stack, changeSet) = FindChangeSet(nameOrId, stackName);
        lock (stack.Sync)
        {
            if (changeSet.ExecutionStatus != "AVAILABLE")
                throw new ApiError("InvalidChangeSetStatus",
                    $"ChangeSet [{changeSet.Id}] cannot be executed in its current status of [{changeSet.Status}]");
            if (StackStatusIsBusy(stack.Status))
                throw ApiError.Validation($"Stack:{stack.StackId} is in {stack.Status} state and can not be updated.");
            changeSet.ExecutionStatus = "EXECUTE_IN_PROGRESS";
            stack.Status = "UPDATE_IN_PROGRESS";
            stack.StatusReason = "User Initiated";
            // Executing a change set makes the stack's other change sets obsolete, as on AWS.
            foreach (var other in stack.ChangeSets.Where(c => c != changeSet)) other.ExecutionStatus = "OBSOLETE";
        }
        AddStackEvent(stack, "UPDATE_IN_PROGRESS", "User Initiated");
        Background(stack, "UPDATE_ROLLBACK_FAILED", () => RunUpdateAsync(stack, changeSet));
    }

    public void ContinueUpdateRollback(string nameOrId, IReadOnlyList<string> skip)
    {
        var stack = Get(nameOrId);
        UpdateRollback pending;
        lock (stack.Sync)
        {
            if (stack.Status != "UPDATE_ROLLBACK_FAILED" || stack.PendingRollback is null)
                throw ApiError.Validation($"Stack {stack.StackId} is in {stack.Status} state and can not continue update rollback. ContinueUpdateRollback can only be called on stacks in UPDATE_ROLLBACK_FAILED.");
            pending = stack.PendingRollback;
            var unknown = skip.Where(s => pending.Steps.All(p => p.LogicalId != s)).ToList();
            if (unknown.Count > 0)
                throw ApiError.Validation($"Resources [{string.Join(", ", unknown)}] cannot be skipped: only resources in UPDATE_FAILED state during the rollback can be skipped.");
            stack.Status = "UPDATE_ROLLBACK_IN_PROGRESS";
            stack.StatusReason = null;
        }
        AddStackEvent(stack, "UPDATE_ROLLBACK_IN_PROGRESS", "User Initiated");
        Background(stack, "UPDATE_ROLLBACK_FAILED", () => RollBackAsync(stack, pending, skip.ToHashSet()));
    }

    private static bool StackStatusIsBusy(string status) => status.EndsWith("_IN_PROGRESS", StringComparison.Ordinal);

    private static Stack PreviewStack(Stack stack, Template template, string body, Dictionary<string, string> values, HashSet<string> noEcho) => new()
    {
        Context = stack.Context,
        Template = template,
        TemplateBody = body,
        ParameterValues = values,
        NoEchoParameters = noEcho,
    };

    private async Task RunUpdateAsync(Stack stack, ChangeSet changeSet)
    {
        UpdateRollback undo;
        lock (stack.Sync)
        {
            undo = new UpdateRollback
            {
                Template = stack.Template,
                TemplateBody = stack.TemplateBody,
                ParameterValues = stack.ParameterValues,
                Conditions = stack.Conditions,
                Steps = [],
            };
            stack.Template = changeSet.Template;
            stack.TemplateBody = changeSet.TemplateBody;
            stack.ParameterValues = changeSet.ParameterValues;
            stack.NoEchoParameters = changeSet.NoEcho;
            stack.Conditions = changeSet.Conditions;
            stack.Capabilities = changeSet.Capabilities;
        }
        var scope = new StackScope(stack);
        var changes = changeSet.Changes.ToDictionary(c => c.LogicalId);

        foreach (var (id, def) in changeSet.Plan)
        {
            if (!changes.TryGetValue(id, out var change)) continue;
            var type = (string)def["Type"]!;
            string? failure = null;
            ResourceState? resource;
            lock (stack.Sync) resource = stack.Resource(id);

            if (change.Action == "Add")
            {
                resource = new ResourceState { LogicalId = id, Type = type, DeletionPolicy = def.GetValueOrDefault("DeletionPolicy") as string ?? "Delete", Status = "CREATE_IN_PROGRESS" };
                lock (stack.Sync) stack.Resources.Add(resource);
                undo.Steps.Insert(0, (id, null));
                AddEvent(stack, resource, "CREATE_IN_PROGRESS", null);
                await Task.Delay(ResourceDelay);
                failure = Apply(stack, resource, def, scope, "Update", replace: true);
                if (failure is null && OnResourceStabilizing is { } stabilizing) failure = await stabilizing(stack, resource);
                Finish(stack, resource, failure, "CREATE");
            }
            else if (change.Action == "Modify" && resource is not null)
            {
                undo.Steps.Insert(0, (id, resource.Copy()));
                var replace = change.Replacement == "True" || (change.Replacement == "Conditional" && change.Details.Any(d => d.RequiresRecreation == "Always"));
                resource.Status = "UPDATE_IN_PROGRESS";
                AddEvent(stack, resource, "UPDATE_IN_PROGRESS", null);
                await Task.Delay(ResourceDelay);
                if (replace)
                {
                    undo.Replacements.Add(resource.Copy());
                    resource.Generation++;
                }
                failure = Apply(stack, resource, def, scope, "Update", replace);
                if (failure is null && replace)
                    AddEvent(stack, resource, "UPDATE_IN_PROGRESS", "Requested update requires the creation of a new physical resource; hence creating one.");
                Finish(stack, resource, failure, "UPDATE");
            }
            if (failure is not null)
            {
                var reason = $"The following resource(s) failed to {(change.Action == "Add" ? "create" : "update")}: [{id}]. ";
                SetStatus(stack, "UPDATE_ROLLBACK_IN_PROGRESS", reason);
                AddStackEvent(stack, "UPDATE_ROLLBACK_IN_PROGRESS", reason);
                changeSet.ExecutionStatus = "EXECUTE_FAILED";
                await RollBackAsync(stack, undo, new HashSet<string>());
                return;
            }
        }

        SetStatus(stack, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", null);
        AddStackEvent(stack, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", null);
        foreach (var removed in changeSet.Changes.Where(c => c.Action == "Remove"))
        {
            ResourceState? r;
            lock (stack.Sync) r = stack.Resource(removed.LogicalId);
            if (r is null) continue;
            await DeletePhysicalAsync(stack, r);
            lock (stack.Sync) stack.Resources.Remove(r);
        }
        foreach (var old in undo.Replacements) await DeletePhysicalAsync(stack, old);
        try { stack.Outputs = EvaluateOutputs(stack, scope); } catch (TemplateError) { /* outputs keep their last values */ }
        lock (stack.Sync)
        {
            stack.LastUpdatedTime = DateTime.UtcNow;
            changeSet.ExecutionStatus = "EXECUTE_COMPLETE";
            // Tags given with the change set replace the stack's; none given keep them (CloudFormation API reference, CreateChangeSet Tags).
            if (changeSet.Tags is { } tags) stack.Tags = tags;
            stack.ChangeSets.Clear();
        }
        SetStatus(stack, "UPDATE_COMPLETE", null);
        AddStackEvent(stack, "UPDATE_COMPLETE", null);
    }

    /// <summary>Evaluates a resource's properties and gives it its identity; null, or why it failed.</summary>
    private string? Apply(Stack stack, ResourceState resource, Dictionary<string, object?> def, StackScope scope, string operation, bool replace)
    {
        try
        {
            var props = Functions.Evaluate(def.GetValueOrDefault("Properties") ?? new Dictionary<string, object?>(), scope) as Dictionary<string, object?> ?? new();
            var failure = ServiceRules.PropertyViolation(resource.LogicalId, resource.Type, props)
                          ?? ResourceModel.LimitViolation(resource.Type, props)
                          ?? ServiceRules.DatedViolation(resource.Type, props, CurrentDay)
                          ?? (operation == "Update" && !replace && resource.Properties is { } before ? ServiceRules.UpdateViolation(resource.Type, before, props) : null)
                          ?? FaultFor(stack, resource.LogicalId, operation);
            if (failure is not null) return failure;
            resource.Properties = props;
            resource.DeletionPolicy = def.GetValueOrDefault("DeletionPolicy") as string ?? "Delete";
            if (replace || resource.Ref is null)
            {
                var identity = ResourceModel.Create(stack.Context, resource.LogicalId, resource.Type, props, resource.Generation);
                resource.Ref = identity.Ref;
                resource.PhysicalId = identity.PhysicalId;
                resource.Attributes = identity.Attributes;
                resource.Secret = ResourceModel.NewSecret(resource.Type, props);
                resource.LiveDocument = null;
                if (operation == "Create") AddEvent(stack, resource, resource.Status, "Resource creation Initiated");
                return OnResourceCreated?.Invoke(stack, resource);
            }
            return OnResourceUpdated?.Invoke(stack, resource);
        }
        catch (TemplateError ex)
        {
            return ex.Message;
        }
    }

    /// <summary>Ends a resource's create or update: COMPLETE, or FAILED with the reason. True when it succeeded.</summary>
    private static bool Finish(Stack stack, ResourceState resource, string? failure, string verb)
    {
        resource.Status = verb + (failure is null ? "_COMPLETE" : "_FAILED");
        resource.Reason = failure;
        AddEvent(stack, resource, resource.Status, failure);
        return failure is null;
    }

    private async Task DeletePhysicalAsync(Stack stack, ResourceState r)
    {
        if (r.DeletionPolicy == "Retain")
        {
            AddEvent(stack, r, "DELETE_SKIPPED", null);
            return;
        }
        AddEvent(stack, r, "DELETE_IN_PROGRESS", null);
        await Task.Delay(ResourceDelay / 2);
        if (OnResourceDeleting?.Invoke(stack, r) is { } failure) AddEvent(stack, r, "DELETE_FAILED", failure);
        else AddEvent(stack, r, "DELETE_COMPLETE", null);
    }

    /// <summary>Puts resources back, newest change first; a resource told to fail its rollback stops it in UPDATE_ROLLBACK_FAILED.</summary>
    private async Task RollBackAsync(Stack stack, UpdateRollback undo, HashSet<string> skip)
    {
        while (undo.Steps.Count > 0)
        {
            var (id, old) = undo.Steps[0];
            ResourceState? current;
            lock (stack.Sync) current = stack.Resource(id);
            if (current is null) { undo.Steps.RemoveAt(0); continue; }
            if (skip.Contains(id))
            {
                current.Status = "UPDATE_COMPLETE";
                AddEvent(stack, current, "UPDATE_COMPLETE", "Resource skipped during rollback");
                undo.Steps.RemoveAt(0);
                continue;
            }
            if (old is null)
            {
                undo.Steps.RemoveAt(0);
                if (current.PhysicalId is not null) await DeletePhysicalAsync(stack, current);
                lock (stack.Sync) stack.Resources.Remove(current);
                continue;
            }
            current.Status = "UPDATE_IN_PROGRESS";
            AddEvent(stack, current, "UPDATE_IN_PROGRESS", null);
            await Task.Delay(ResourceDelay);
            if (FaultFor(stack, id, "Rollback") is { } reason)
            {
                current.Status = "UPDATE_FAILED";
                current.Reason = reason;
                AddEvent(stack, current, "UPDATE_FAILED", reason);
                lock (stack.Sync) stack.PendingRollback = undo;
                var why = $"The following resource(s) failed to update: [{id}]. ";
                SetStatus(stack, "UPDATE_ROLLBACK_FAILED", why);
                AddStackEvent(stack, "UPDATE_ROLLBACK_FAILED", why);
                return;
            }
            lock (stack.Sync)
            {
                var i = stack.Resources.IndexOf(current);
                old.Status = "UPDATE_COMPLETE";
                stack.Resources[i] = old;
            }
            AddEvent(stack, old, "UPDATE_COMPLETE", null);
            undo.Steps.RemoveAt(0);
        }
        lock (stack.Sync)
        {
            stack.Template = undo.Template;
            stack.TemplateBody = undo.TemplateBody;
            stack.ParameterValues = undo.ParameterValues;
            stack.Conditions = undo.Conditions;
            stack.PendingRollback = null;
            stack.ChangeSets.Clear();
        }
        SetStatus(stack, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", null);
        AddStackEvent(stack, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", null);
        foreach (var replaced in undo.Replacements)
        {
            // The replacement's new physical resource is deleted; the old one was put back.
            ResourceState? r;
            lock (stack.Sync) r = stack.Resource(replaced.LogicalId);
            if (r is not null) AddEvent(stack, r, "DELETE_COMPLETE", null);
        }
        SetStatus(stack, "UPDATE_ROLLBACK_COMPLETE", null);
        AddStackEvent(stack, "UPDATE_ROLLBACK_COMPLETE", null);
    }
}
