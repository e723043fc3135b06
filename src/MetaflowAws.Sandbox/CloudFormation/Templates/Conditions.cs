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
