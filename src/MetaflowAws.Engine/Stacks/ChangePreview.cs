using System.Text.Json;
using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Engine.Stacks;

/// <summary>
/// What an update would change, worked out here without asking CloudFormation (no change set, no staging
/// upload: -WhatIf and Get-MetaflowStackChange send only read calls). Both templates are evaluated with their
/// parameter values; a resource's reference to another stays a token (its physical id is unknown here), marked
/// as new when that resource is replaced, so dependents show the change as CloudFormation's change sets do.
/// Whether a property change replaces the resource comes from the published resource specification
/// (UpdateRequiresReplacement: Always, Conditional, or in place).
/// </summary>
public static class ChangePreview
{
    public static IReadOnlyList<MetaflowStackChange> Compute(string stackName, string region,
        TemplateDocument current, IReadOnlyDictionary<string, string> currentParameters,
        TemplateDocument next, IReadOnlyDictionary<string, string> nextParameters,
        ResourceSpecification? specification)
    {
        var before = new TokenScope(current, currentParameters, region, stackName, new HashSet<string>());
        var oldResources = Active(current, before);
        var unchangedReferences = new TokenScope(next, nextParameters, region, stackName, new HashSet<string>());
        var newResources = Active(next, unchangedReferences);
        var oldValues = oldResources.ToDictionary(r => r.Key, r => Evaluate(r.Value, before), StringComparer.Ordinal);
        // What changes with every reference left as it is: a property that changes only because a resource it refers
        // to is replaced changes at execution time (a "dynamic" evaluation), and CloudFormation can only say
        // Conditional for it. The same for every round below, so worked out once.
        var changedNow = newResources.Where(r => oldValues.ContainsKey(r.Key))
            .ToDictionary(r => r.Key, r => ChangedProperties(oldValues[r.Key], Evaluate(r.Value, unchangedReferences)).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);

        // Replacements make their dependents change: evaluate again until no new replacement appears.
        var replaced = new HashSet<string>(StringComparer.Ordinal);
        List<MetaflowStackChange> changes;
        while (true)
        {
            var after = new TokenScope(next, nextParameters, region, stackName, replaced);
            changes = [];
            var grew = false;
            foreach (var (id, def) in newResources)
            {
                var type = def.GetValueOrDefault("Type") as string ?? "";
                if (!oldResources.TryGetValue(id, out var oldDef) || (oldDef.GetValueOrDefault("Type") as string) != type)
                {
                    if (oldResources.ContainsKey(id)) changes.Add(Change(stackName, "Remove", id, oldDef!.GetValueOrDefault("Type") as string ?? "", null, [], [], []));
                    changes.Add(Change(stackName, "Add", id, type, null, [], [], []));
                    continue;
                }
                var newValue = Evaluate(def, after);
                var changed = ChangedProperties(oldValues[id], newValue);
                if (changed.Count == 0) continue;
                var spec = specification?.Find(type);
                var now = changedNow[id];
                var always = changed.Where(p => now.Contains(p) && spec?.Properties.GetValueOrDefault(p)?.Replacement == ReplacementOnChange.Always).ToList();
                var conditional = changed.Where(p => spec?.Properties.GetValueOrDefault(p)?.Replacement is ReplacementOnChange.Conditional
                                                     || (!now.Contains(p) && spec?.Properties.GetValueOrDefault(p)?.Replacement == ReplacementOnChange.Always)).ToList();
                var replacement = always.Count > 0 ? "True" : conditional.Count > 0 ? "Conditional" : "False";
                if (replacement is "True" or "Conditional" && replaced.Add(id)) grew = true;
                var causes = Causes(def, oldDef, nextParameters, currentParameters, replaced);
                changes.Add(Change(stackName, "Modify", id, type, replacement,
                    always.Concat(conditional).Concat(changed.Except(always).Except(conditional)).ToList(), always.Count > 0 ? always : conditional, causes));
            }
            if (!grew) break;
        }
        foreach (var (id, def) in oldResources.Where(r => !newResources.ContainsKey(r.Key)))
            changes.Add(Change(stackName, "Remove", id, def.GetValueOrDefault("Type") as string ?? "", null, [], [], []));
        return changes;
    }

    private static MetaflowStackChange Change(string stack, string action, string id, string type, string? replacement,
        IReadOnlyList<string> properties, IReadOnlyList<string> cause, IReadOnlyList<string> causing) => new()
    {
        StackName = stack, Action = action, LogicalResourceId = id, ResourceType = type, Replacement = replacement,
        ChangedProperties = properties, ReplacementCause = cause, CausingEntities = causing,
    };

    private static Dictionary<string, Dictionary<string, object?>> Active(TemplateDocument template, TokenScope scope)
        => template.Section("Resources")
            .Where(r => r.Value is Dictionary<string, object?> d && (d.GetValueOrDefault("Condition") is not string c || scope.Condition(c)))
            .ToDictionary(r => r.Key, r => (Dictionary<string, object?>)r.Value!, StringComparer.Ordinal);

    /// <summary>Each top-level property's evaluated value, as canonical JSON.</summary>
    private static Dictionary<string, string> Evaluate(Dictionary<string, object?> def, TokenScope scope)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Intrinsics.Evaluate(def.GetValueOrDefault("Properties") ?? new Dictionary<string, object?>(), scope) is Dictionary<string, object?> props)
            foreach (var (name, value) in props)
                if (value is not NoValue) result[name] = JsonSerializer.Serialize(Plain(value));
        return result;
    }

    private static object? Plain(object? v) => v switch
    {
        Dictionary<string, object?> d => new SortedDictionary<string, object?>(d.Where(kv => kv.Value is not NoValue).ToDictionary(kv => kv.Key, kv => Plain(kv.Value)), StringComparer.Ordinal),
        List<object?> l => l.Where(x => x is not NoValue).Select(Plain).ToList(),
        _ => v?.ToString(),
    };

    private static List<string> ChangedProperties(Dictionary<string, string> before, Dictionary<string, string> after)
        => before.Keys.Union(after.Keys).Where(k => before.GetValueOrDefault(k) != after.GetValueOrDefault(k)).Order(StringComparer.Ordinal).ToList();

    /// <summary>The parameters whose values changed and the replaced resources that the resource refers to.</summary>
    private static List<string> Causes(Dictionary<string, object?> def, Dictionary<string, object?> oldDef,
        IReadOnlyDictionary<string, string> next, IReadOnlyDictionary<string, string> current, HashSet<string> replaced)
    {
        var refs = new HashSet<string>(StringComparer.Ordinal);
        Intrinsics.CollectReferences(def.GetValueOrDefault("Properties"), _ => true, refs);
        Intrinsics.CollectReferences(oldDef.GetValueOrDefault("Properties"), _ => true, refs);
        return refs.Where(r => (next.ContainsKey(r) || current.ContainsKey(r)) && next.GetValueOrDefault(r) != current.GetValueOrDefault(r) || replaced.Contains(r))
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Parameters, pseudo parameters, conditions and mappings; resources as tokens ("new" once replaced).</summary>
    private sealed class TokenScope(TemplateDocument template, IReadOnlyDictionary<string, string> parameters, string region, string stackName, HashSet<string> replaced)
        : TemplateScope(template, region, stackName)
    {
        public override bool TryGetParameter(string name, out object? value)
        {
            value = name switch
            {
                "AWS::AccountId" => "{account}",
                // ARN-shaped, as CloudFormation's: templates take it apart (the UI's login domain is its UUID segment).
                "AWS::StackId" => $"arn:{PseudoParameter("AWS::Partition")}:cloudformation:{Region}:{{account}}:stack/{PseudoParameter("AWS::StackName")}/{{stack id}}",
                "AWS::NoValue" => NoValue.Instance,
                _ => PseudoParameter(name),
            };
            if (value is not null) return true;
            var declaration = Template.Section("Parameters").GetValueOrDefault(name) as Dictionary<string, object?>;
            if (declaration is null) return false;
            var text = parameters.TryGetValue(name, out var v) ? v : declaration.GetValueOrDefault("Default") as string ?? "";
            var type = declaration.GetValueOrDefault("Type") as string ?? "";
            value = type.StartsWith("List<", StringComparison.Ordinal) || type == "CommaDelimitedList" ? text.Split(',').Select(x => (object?)x.Trim()).ToList() : text;
            return true;
        }

        public override IReadOnlyList<string> AvailabilityZones(string r) => [r + "a", r + "b", r + "c"];

        public override string? ResourceRef(string logicalId) => $"{{{logicalId}{(replaced.Contains(logicalId) ? " (new)" : "")}}}";

        public override string? ResourceAttribute(string logicalId, string attribute) => $"{{{logicalId}{(replaced.Contains(logicalId) ? " (new)" : "")}.{attribute}}}";

        public override bool IsResource(string logicalId) => Template.Section("Resources").ContainsKey(logicalId);
    }
}
