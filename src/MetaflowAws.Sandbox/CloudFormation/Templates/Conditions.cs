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
    public static string? FailedAssertion(Template template, IReadOnlyDictionary<string, string> parameters, string region)
    {
        // Rules see parameters and pseudo parameters (the stack is not made yet: no stack name or id).
        var values = new ConditionValues(template, new StackContext("", "", region, StackEngine.AccountId, StackContext.PartitionOf(region)), parameters);
        foreach (var (name, node) in template.Section("Rules"))
        {
            if (node is not Dictionary<string, object?> rule) continue;
            if (rule.GetValueOrDefault("RuleCondition") is { } condition && !RuleTruth(condition, values, name)) continue;
            foreach (var item in rule.GetValueOrDefault("Assertions") as List<object?> ?? [])
                if (item is Dictionary<string, object?> assertion && !RuleTruth(assertion.GetValueOrDefault("Assert"), values, name))
                    return assertion.GetValueOrDefault("AssertDescription") as string ?? $"Template error: assertion of rule {name} failed";
        }
        return null;
    }

    /// <summary>
    /// A rule's condition or assertion, with the rule-specific functions (CloudFormation User Guide, "Rule functions"):
    /// Fn::And, Fn::Or, Fn::Not, Fn::Equals, Fn::Contains, Fn::EachMemberEquals, Fn::EachMemberIn. Fn::RefAll,
    /// Fn::ValueOf and Fn::ValueOfAll read AWS-specific parameter types the sandbox does not resolve: refused, said so.
    /// A rule cannot name a condition (the Conditions section is not evaluated before rules).
    /// </summary>
    private static bool RuleTruth(object? node, ConditionValues values, string rule)
    {
        List<string> Strings(object? n) => Functions.Evaluate(n, values) switch
        {
            List<object?> list => list.Select(x => Convert.ToString(x, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToList(),
            string s => [.. s.Split(',')],
            var other => [Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture) ?? ""],
        };
        string Text(object? n) => Convert.ToString(Functions.Evaluate(n, values), System.Globalization.CultureInfo.InvariantCulture) ?? "";
        switch (Functions.AsFunction(node))
        {
            case ("Fn::And", List<object?> all): return all.All(c => RuleTruth(c, values, rule));
            case ("Fn::Or", List<object?> any): return any.Any(c => RuleTruth(c, values, rule));
            case ("Fn::Not", List<object?> { Count: 1 } one): return !RuleTruth(one[0], values, rule);
            case ("Fn::Equals", List<object?> { Count: 2 }): return Functions.Truth(node, values);
            case ("Fn::Contains", List<object?> { Count: 2 } args): return Strings(args[0]).Contains(Text(args[1]));
            case ("Fn::EachMemberEquals", List<object?> { Count: 2 } args): return Strings(args[0]).All(x => x == Text(args[1]));
            case ("Fn::EachMemberIn", List<object?> { Count: 2 } args):
            {
                var allowed = Strings(args[1]);
                return Strings(args[0]).All(allowed.Contains);
            }
            case (var fn, _) when fn is "Fn::RefAll" or "Fn::ValueOf" or "Fn::ValueOfAll":
                throw new TemplateError($"Template error: rule {rule} uses {fn}, which the sandbox does not evaluate (it reads AWS-specific parameter types).");
            case (var fn, _):
                throw new TemplateError($"Template format error: rule {rule} uses {fn}, which is not a rule function (Fn::And, Fn::Contains, Fn::EachMemberEquals, Fn::EachMemberIn, Fn::Equals, Fn::Not, Fn::Or, Fn::RefAll, Fn::ValueOf, Fn::ValueOfAll).");
            default:
                throw new TemplateError($"Template format error: rule {rule} has an assertion that is not a rule function.");
        }
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
