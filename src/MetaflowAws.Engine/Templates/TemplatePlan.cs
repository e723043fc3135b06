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

    /// <summary>Parameters, pseudo parameters and conditions; no resources (conditions cannot read them).</summary>
    private sealed class ConditionScope(TemplateDocument template, IReadOnlyDictionary<string, string> parameters, string region, string stackName) : IEvaluationScope
    {
        private readonly Dictionary<string, bool> _conditions = new();

        public string Region => region;

        public bool TryGetParameter(string name, out object? value)
        {
            value = name switch
            {
                "AWS::Region" => region,
                "AWS::StackName" => stackName,
                "AWS::Partition" => region.StartsWith("cn-", StringComparison.Ordinal) ? "aws-cn" : region.StartsWith("us-gov-", StringComparison.Ordinal) ? "aws-us-gov" : "aws",
                "AWS::URLSuffix" => region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com",
                _ => null,
            };
            if (value is not null) return true;
            if (parameters.TryGetValue(name, out var v)) { value = v; return true; }
            if ((template.Section("Parameters").GetValueOrDefault(name) as Dictionary<string, object?>)?.GetValueOrDefault("Default") is string d) { value = d; return true; }
            return false;
        }

        public bool Condition(string name)
        {
            if (_conditions.TryGetValue(name, out var v)) return v;
            var node = template.Section("Conditions").GetValueOrDefault(name)
                ?? throw new TemplateError($"Condition '{name}' is not defined in the template's Conditions.");
            return _conditions[name] = Intrinsics.EvaluateCondition(node, this);
        }

        public object? Mapping(string map, string top, string second)
            => (template.Section("Mappings").GetValueOrDefault(map) as Dictionary<string, object?>)?.GetValueOrDefault(top) is Dictionary<string, object?> t
                && t.GetValueOrDefault(second) is (string or List<object?>) and var v ? v : null;

        public IReadOnlyList<string> AvailabilityZones(string r) => [r + "a", r + "b"];

        public string? ResourceRef(string logicalId) => null;

        public string? ResourceAttribute(string logicalId, string attribute) => null;

        public bool IsResource(string logicalId) => false;
    }
}
