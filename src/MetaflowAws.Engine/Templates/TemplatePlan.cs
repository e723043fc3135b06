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

    /// <summary>Parameters, pseudo parameters and conditions; no resources (conditions cannot read them).</summary>
    private sealed class ConditionScope(TemplateDocument template, IReadOnlyDictionary<string, string> parameters, string region, string stackName)
        : TemplateScope(template, region, stackName)
    {
        public override bool TryGetParameter(string name, out object? value)
        {
            value = PseudoParameter(name);
            if (value is not null) return true;
            if (parameters.TryGetValue(name, out var v)) { value = v; return true; }
            if ((Template.Section("Parameters").GetValueOrDefault(name) as Dictionary<string, object?>)?.GetValueOrDefault("Default") is string d) { value = d; return true; }
            return false;
        }

        public override string? ResourceRef(string logicalId) => null;

        public override string? ResourceAttribute(string logicalId, string attribute) => null;

        public override bool IsResource(string logicalId) => false;
    }
}
