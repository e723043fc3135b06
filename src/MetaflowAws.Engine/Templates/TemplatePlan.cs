namespace MetaflowAws.Engine.Templates;

/// <summary>What a template will create for given parameter values: the resources whose conditions hold.</summary>
public static class TemplatePlan
{
    public static IReadOnlyList<string> ActiveResources(TemplateDocument template, IReadOnlyDictionary<string, string> parameters, string region, string stackName)
    {
        var scope = new ConditionScope(template, parameters, region, stackName);
        return template.Section("Resources")
            .Where(r => (r.Value as Dictionary<string, object?>)?.GetValueOrDefault("Condition") is not string c || scope.Condition(c))
            .Select(r => r.Key).ToList();
    }

    /// <summary>The outputs a stack of this template has for given parameter values: those whose conditions hold.</summary>
    public static IReadOnlyList<string> ActiveOutputs(TemplateDocument template, IReadOnlyDictionary<string, string> parameters, string region, string stackName)
    {
        var scope = new ConditionScope(template, parameters, region, stackName);
        return template.Section("Outputs")
            .Where(o => (o.Value as Dictionary<string, object?>)?.GetValueOrDefault("Condition") is not string c || scope.Condition(c))
            .Select(o => o.Key).ToList();
    }

    /// <summary>Whether a condition of the template holds for given parameter values.</summary>
    public static bool ConditionHolds(TemplateDocument template, string condition, IReadOnlyDictionary<string, string> parameters, string region = "us-east-1", string stackName = "mf")
        => new ConditionScope(template, parameters, region, stackName).Condition(condition);

    /// <summary>A value of the template evaluated for given parameter values (Fn::If, Ref of parameters, Fn::Split...); no resource may be read.</summary>
    public static object? Evaluate(TemplateDocument template, object? value, IReadOnlyDictionary<string, string> parameters, string region = "us-east-1", string stackName = "mf")
        => Intrinsics.Evaluate(value, new ConditionScope(template, parameters, region, stackName));

    /// <summary>
    /// A value with each Fn::If replaced by the branch its condition picks for given parameter values (and AWS::NoValue
    /// dropped), every other intrinsic left as written: the shape a resource has, with Refs still naming resources.
    /// </summary>
    public static object? ChooseBranches(TemplateDocument template, object? value, IReadOnlyDictionary<string, string> parameters, string region = "us-east-1", string stackName = "mf")
        => Choose(value, new ConditionScope(template, parameters, region, stackName));

    private static readonly object Dropped = new();

    private static object? Choose(object? value, ConditionScope scope)
    {
        switch (value)
        {
            case Dictionary<string, object?> { Count: 1 } map when map.ContainsKey("Fn::If") && map["Fn::If"] is List<object?> { Count: 3 } branches && branches[0] is string condition:
                return Choose(scope.Condition(condition) ? branches[1] : branches[2], scope);
            case Dictionary<string, object?> { Count: 1 } map when map.GetValueOrDefault("Ref") is "AWS::NoValue":
                return Dropped;
            case Dictionary<string, object?> map:
                var result = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (k, v) in map)
                    if (Choose(v, scope) is var chosen && !ReferenceEquals(chosen, Dropped)) result[k] = chosen;
                return result;
            case List<object?> list:
                return list.Select(v => Choose(v, scope)).Where(v => !ReferenceEquals(v, Dropped)).ToList();
            default:
                return value;
        }
    }

    /// <summary>
    /// The template's Rules for given parameter values, as CloudFormation judges them before it creates or updates
    /// anything (CloudFormation User Guide, "Rules syntax" and "Rule functions": a rule whose RuleCondition holds, or that
    /// has none, asserts each of its Assertions; Fn::And, Fn::Or, Fn::Not, Fn::Equals, Fn::Contains, Fn::EachMemberEquals,
    /// Fn::EachMemberIn). The first failed assertion's description, or null when all hold. Functions that read AWS-specific
    /// parameter types (Fn::RefAll, Fn::ValueOf, Fn::ValueOfAll) count as holding: they cannot be judged without the account.
    /// </summary>
    public static string? FailedRule(TemplateDocument template, IReadOnlyDictionary<string, string> parameters, string region = "us-east-1")
    {
        var scope = new ConditionScope(template, parameters, region, "") { ListsAsLists = true };
        foreach (var (name, node) in template.Section("Rules"))
        {
            if (node is not Dictionary<string, object?> rule) continue;
            if (rule.GetValueOrDefault("RuleCondition") is { } condition && !RuleHolds(condition, scope)) continue;
            foreach (var assertion in (rule.GetValueOrDefault("Assertions") as List<object?> ?? []).OfType<Dictionary<string, object?>>())
                if (!RuleHolds(assertion.GetValueOrDefault("Assert"), scope))
                    return assertion.GetValueOrDefault("AssertDescription") as string ?? $"the assertion of rule {name} fails";
        }
        return null;
    }

    private static bool RuleHolds(object? node, IEvaluationScope scope)
    {
        if (node is not Dictionary<string, object?> { Count: 1 } map) return Intrinsics.Evaluate(node, scope) is true or "true";
        var (fn, arg) = map.First();
        var args = arg as List<object?> ?? [];
        List<string> Strings(object? n) => Intrinsics.Evaluate(n, scope) switch
        {
            List<object?> l => l.Select(x => Convert.ToString(x, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToList(),
            string text => [.. text.Split(',')],
            var other => [Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture) ?? ""],
        };
        string Text(object? n) => Convert.ToString(Intrinsics.Evaluate(n, scope), System.Globalization.CultureInfo.InvariantCulture) ?? "";
        return fn switch
        {
            "Fn::And" => args.All(a => RuleHolds(a, scope)),
            "Fn::Or" => args.Any(a => RuleHolds(a, scope)),
            "Fn::Not" when args.Count == 1 => !RuleHolds(args[0], scope),
            "Fn::Equals" when args.Count == 2 => Text(args[0]) == Text(args[1]),
            "Fn::Contains" when args.Count == 2 => Strings(args[0]).Contains(Text(args[1])),
            "Fn::EachMemberEquals" when args.Count == 2 => Strings(args[0]).All(x => x == Text(args[1])),
            "Fn::EachMemberIn" when args.Count == 2 => Strings(args[0]).All(Strings(args[1]).Contains),
            "Fn::RefAll" or "Fn::ValueOf" or "Fn::ValueOfAll" => true,
            "Condition" => scope.Condition(arg as string ?? ""),
            _ => Intrinsics.Evaluate(node, scope) is true or "true",
        };
    }

    /// <summary>Parameters, pseudo parameters and conditions; no resources (conditions cannot read them).</summary>
    private sealed class ConditionScope(TemplateDocument template, IReadOnlyDictionary<string, string> parameters, string region, string stackName)
        : TemplateScope(template, region, stackName)
    {
        /// <summary>Whether list parameters read as lists (rules compare members) rather than the comma-joined text.</summary>
        public bool ListsAsLists { get; init; }

        public override bool TryGetParameter(string name, out object? value)
        {
            value = PseudoParameter(name);
            if (value is not null) return true;
            var declared = Template.Section("Parameters").GetValueOrDefault(name) as Dictionary<string, object?>;
            if (parameters.TryGetValue(name, out var v)) value = v;
            else if (declared?.GetValueOrDefault("Default") is string d) value = d;
            else return false;
            if (ListsAsLists && declared?.GetValueOrDefault("Type") is "CommaDelimitedList" or "List<String>")
                value = ((string)value).Split(',').Select(x => (object?)x.Trim()).ToList();
            return true;
        }

        public override string? ResourceRef(string logicalId) => null;

        public override string? ResourceAttribute(string logicalId, string attribute) => null;

        public override bool IsResource(string logicalId) => false;
    }
}
