namespace MetaflowAws.Engine.Templates;

/// <summary>
/// What any evaluation of a template knows without a stack: pseudo parameters, the template's conditions
/// (each evaluated once) and mappings. Subclasses say how parameters and resources read.
/// </summary>
public abstract class TemplateScope(TemplateDocument template, string region, string stackName) : IEvaluationScope
{
    private readonly Dictionary<string, bool> _conditions = new(StringComparer.Ordinal);

    protected TemplateDocument Template => template;

    public string Region => region;

    /// <summary>AWS::Region, AWS::StackName, AWS::Partition, AWS::URLSuffix; null for any other name.</summary>
    protected string? PseudoParameter(string name) => name switch
    {
        "AWS::Region" => region,
        "AWS::StackName" => stackName,
        "AWS::Partition" => Aws.KnownRegions.PartitionOf(region),
        "AWS::URLSuffix" => region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com",
        _ => null,
    };

    public abstract bool TryGetParameter(string name, out object? value);

    public bool Condition(string name)
    {
        if (_conditions.TryGetValue(name, out var v)) return v;
        var node = template.Section("Conditions").GetValueOrDefault(name)
            ?? throw new TemplateError($"Condition '{name}' is not defined in the template's Conditions.");
        return _conditions[name] = Intrinsics.EvaluateCondition(node, this);
    }

    /// <summary>A mapping's value: a string or a list of strings (the Mappings section allows both).</summary>
    public object? Mapping(string map, string top, string second)
        => (template.Section("Mappings").GetValueOrDefault(map) as Dictionary<string, object?>)?.GetValueOrDefault(top) is Dictionary<string, object?> t
           && t.GetValueOrDefault(second) is (string or List<object?>) and var v ? v : null;

    public virtual IReadOnlyList<string> AvailabilityZones(string r) => [r + "a", r + "b"];

    public abstract string? ResourceRef(string logicalId);

    public abstract string? ResourceAttribute(string logicalId, string attribute);

    public abstract bool IsResource(string logicalId);
}
