using System.Text.Json;
using MetaflowAws.Sandbox.CloudFormation.Templates;
using ReplacementOnChange = MetaflowAws.Engine.Templates.ReplacementOnChange;
using ResourceSpecification = MetaflowAws.Engine.Templates.ResourceSpecification;

namespace MetaflowAws.Sandbox.CloudFormation;

public sealed record ChangeDetail(string Attribute, string? Name, string RequiresRecreation, string Evaluation, string ChangeSource, string? CausingEntity);

public sealed record ResourceChange(string Action, string LogicalId, string? PhysicalId, string ResourceType, string? Replacement, IReadOnlyList<string> Scope, IReadOnlyList<ChangeDetail> Details);

public sealed class ChangeSet
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string StackId { get; init; }
    public string? Description { get; init; }
    public DateTime CreationTime { get; init; } = DateTime.UtcNow;
    public string Status { get; set; } = "CREATE_IN_PROGRESS";
    public string? StatusReason { get; set; }
    public string ExecutionStatus { get; set; } = "UNAVAILABLE";
    public required Template Template { get; init; }
    public required string TemplateBody { get; init; }
    public required Dictionary<string, string> ParameterValues { get; init; }
    public required HashSet<string> NoEcho { get; init; }
    public IReadOnlyList<string> Capabilities { get; init; } = [];
    /// <summary>The stack's tags once executed; null keeps the stack's.</summary>
    public IReadOnlyList<(string Key, string Value)>? Tags { get; init; }
    public Dictionary<string, bool> Conditions { get; set; } = new();
    public List<(string Id, Dictionary<string, object?> Def)> Plan { get; set; } = [];
    public List<ResourceChange> Changes { get; set; } = [];
}

/// <summary>An update's undo list, kept when a rollback fails so ContinueUpdateRollback can finish it.</summary>
public sealed class UpdateRollback
{
    public required Template Template { get; init; }
    public required string TemplateBody { get; init; }
    public required Dictionary<string, string> ParameterValues { get; init; }
    public required Dictionary<string, bool> Conditions { get; init; }
    /// <summary>Resources to put back, newest change first: the old state, or null for one the update added.</summary>
    public required List<(string LogicalId, ResourceState? Old)> Steps { get; init; }
    /// <summary>Physical resources the update created as replacements, deleted in cleanup.</summary>
    public List<ResourceState> Replacements { get; init; } = [];
}

/// <summary>
/// Diffs a stack against a new template and parameters the way CloudFormation's change sets do:
/// Add / Remove / Modify per resource, and for a Modify, which properties changed and whether that
/// replaces the resource (from the resource specification's update behaviour), following the
/// replacement through the resources that reference it.
/// </summary>
public static class ChangeCalculator
{
    public const string UnknownPrefix = "{{sandbox-unknown:";

    public static List<ResourceChange> Compute(Stack stack, ChangeSet next, ResourceSpecification? spec)
    {
        var existing = stack.Resources.Where(r => r.Status is not ("DELETE_COMPLETE" or "DELETE_SKIPPED") && r.Ref is not null)
            .ToDictionary(r => r.LogicalId);
        var changedParameters = next.ParameterValues.Where(p => stack.ParameterValues.GetValueOrDefault(p.Key) != p.Value).Select(p => p.Key).ToHashSet();
        var unknown = new HashSet<string>(next.Plan.Select(p => p.Id).Where(id => !existing.ContainsKey(id)));
        var modifies = new Dictionary<string, ResourceChange>();

        for (var pass = 0; pass < 10; pass++)
        {
            var before = unknown.Count;
            var scope = new DiffScope(stack, next, existing, unknown);
            foreach (var (id, def) in next.Plan)
            {
                if (!existing.TryGetValue(id, out var old)) continue;
                var type = (string)def["Type"]!;
                Dictionary<string, object?> props;
                try
                {
                    props = Functions.Evaluate(def.GetValueOrDefault("Properties") ?? new Dictionary<string, object?>(), scope) as Dictionary<string, object?> ?? new();
                }
                catch (TemplateError ex)
                {
                    throw ApiError.Validation(ex.Message);
                }
                var rawProps = def.GetValueOrDefault("Properties") as Dictionary<string, object?> ?? new();
                var changed = props.Keys.Union(old.Properties.Keys)
                    .Where(k => !SameJson(props.GetValueOrDefault(k), old.Properties.GetValueOrDefault(k))).OrderBy(k => k, StringComparer.Ordinal).ToList();
                if (type != old.Type)
                {
                    modifies[id] = new ResourceChange("Modify", id, old.PhysicalId, type, "True", ["Properties"], []);
                    unknown.Add(id);
                    continue;
                }
                if (changed.Count == 0) { modifies.Remove(id); continue; }

                var details = new List<ChangeDetail>();
                foreach (var name in changed)
                {
                    var recreation = spec?.Find(type)?.Properties.GetValueOrDefault(name)?.Replacement switch
                    {
                        ReplacementOnChange.Always => "Always",
                        ReplacementOnChange.Conditional => "Conditionally",
                        ReplacementOnChange.None => "Never",
                        _ => spec is null ? "Conditionally" : "Never",
                    };
                    var newText = JsonSerializer.Serialize(props.GetValueOrDefault(name));
                    var unknownRef = unknown.FirstOrDefault(u => newText.Contains(UnknownPrefix + u + "}}", StringComparison.Ordinal));
                    var refs = References.Of(rawProps.GetValueOrDefault(name), c => next.Conditions.GetValueOrDefault(c));
                    var parameter = refs.FirstOrDefault(changedParameters.Contains);
                    var (source, entity, evaluation) = unknownRef is not null ? ("ResourceReference", unknownRef, "Dynamic")
                        : parameter is not null ? ("ParameterReference", parameter, "Static")
                        : ("DirectModification", (string?)null, "Static");
                    details.Add(new ChangeDetail("Properties", name, recreation, evaluation, source, entity));
                }
                var replacement = details.Any(d => d.RequiresRecreation == "Always" && d.Evaluation == "Static") ? "True"
                    : details.Any(d => d.RequiresRecreation != "Never") ? "Conditional" : "False";
                modifies[id] = new ResourceChange("Modify", id, old.PhysicalId, type, replacement, ["Properties"], details);
                if (replacement != "False") unknown.Add(id);
            }
            if (unknown.Count == before) break;
        }

        var result = new List<ResourceChange>();
        foreach (var (id, def) in next.Plan)
        {
            if (!existing.ContainsKey(id)) result.Add(new ResourceChange("Add", id, null, (string)def["Type"]!, null, [], []));
            else if (modifies.TryGetValue(id, out var m)) result.Add(m);
        }
        var planned = next.Plan.Select(p => p.Id).ToHashSet();
        result.AddRange(existing.Values.Where(r => !planned.Contains(r.LogicalId))
            .Select(r => new ResourceChange("Remove", r.LogicalId, r.PhysicalId, r.Type, null, [], [])));
        return result;
    }

    private static bool SameJson(object? a, object? b) => JsonSerializer.Serialize(a) == JsonSerializer.Serialize(b);

    /// <summary>The new template over the current resources; resources being added or replaced read as unknown.</summary>
    private sealed class DiffScope(Stack stack, ChangeSet next, Dictionary<string, ResourceState> existing, HashSet<string> unknown) : IStackValues
    {
        public Template Template => next.Template;
        public StackContext Context => stack.Context;
        public IReadOnlyDictionary<string, string> ParameterValues => next.ParameterValues;
        public bool Condition(string name) => next.Conditions.GetValueOrDefault(name);

        public string? ResourceRef(string logicalId)
            => unknown.Contains(logicalId) || !existing.TryGetValue(logicalId, out var r) ? UnknownPrefix + logicalId + "}}" : r.Ref;

        public string? ResourceAttribute(string logicalId, string attribute)
            => unknown.Contains(logicalId) || !existing.TryGetValue(logicalId, out var r) ? UnknownPrefix + logicalId + "}}"
                : r.Attributes.TryGetValue(attribute, out var v) ? v
                : r.Type == "AWS::Cognito::UserPoolClient" && attribute == "ClientSecret" ? r.Secret ?? "" : $"{r.Ref}.{attribute}";
    }
}
