namespace MetaflowAws.Sandbox.CloudFormation.Templates;

/// <summary>
/// The Conditions section, evaluated once per stack operation from parameters and pseudo parameters only:
/// a condition may read other conditions ({"Condition": name}) but no resource, and may not depend on itself.
/// </summary>
public static class Conditions
{
    public static Dictionary<string, bool> Evaluate(Template template, StackContext context, IReadOnlyDictionary<string, string> parameters)
    {
        var values = new ConditionValues(template, context, parameters);
        foreach (var name in template.Conditions.Keys) values.Condition(name);
        return values.Results;
    }

    /// <summary>
    /// The Rules section: each rule whose RuleCondition holds (or that has none) asserts its Assertions on the parameter
    /// values before anything is created or updated (CloudFormation User Guide, "CloudFormation template Rules syntax":
    /// rules "validate parameter values before CloudFormation creates or updates any resources"). The first failed
    /// assertion's AssertDescription, or null when every rule holds.
    /// </summary>
    public static string? FailedAssertion(Template template, IReadOnlyDictionary<string, string> parameters)
    {
        // Rules see parameters only; pseudo parameters get the sandbox's account and partition.
        var values = new ConditionValues(template, new StackContext("", "", "", StackEngine.AccountId, "aws"), parameters);
        foreach (var (name, node) in template.Section("Rules"))
        {
            if (node is not Dictionary<string, object?> rule) continue;
            if (rule.GetValueOrDefault("RuleCondition") is { } condition && !Functions.Truth(condition, values)) continue;
            foreach (var item in rule.GetValueOrDefault("Assertions") as List<object?> ?? [])
                if (item is Dictionary<string, object?> assertion && !Functions.Truth(assertion.GetValueOrDefault("Assert"), values))
                    return assertion.GetValueOrDefault("AssertDescription") as string ?? $"Template error: assertion of rule {name} failed";
        }
        return null;
    }

    private sealed class ConditionValues(Template template, StackContext context, IReadOnlyDictionary<string, string> parameters) : IStackValues
    {
        private readonly List<string> _evaluating = [];

        public Dictionary<string, bool> Results { get; } = new(StringComparer.Ordinal);
        public Template Template => template;
        public StackContext Context => context;
        public IReadOnlyDictionary<string, string> ParameterValues => parameters;

        public bool Condition(string name)
        {
            if (Results.TryGetValue(name, out var known)) return known;
            if (!template.Conditions.TryGetValue(name, out var node)) throw NotInConditions(name);
            if (_evaluating.Contains(name))
                throw new TemplateError($"Template format error: Circular dependency between conditions: [{string.Join(", ", _evaluating.SkipWhile(n => n != name))}]");
            _evaluating.Add(name);
            var value = Functions.Truth(node, this);
            _evaluating.Remove(name);
            return Results[name] = value;
        }

        public string? ResourceRef(string logicalId) => throw NotInConditions(logicalId);

        public string? ResourceAttribute(string logicalId, string attribute) => throw NotInConditions(logicalId);

        private static TemplateError NotInConditions(string name)
            => new($"Template format error: Unresolved dependencies [{name}]. Cannot reference resources in the Conditions block of the template");
    }
}
