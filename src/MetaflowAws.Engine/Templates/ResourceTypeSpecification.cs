namespace MetaflowAws.Engine.Templates;

/// <summary>
/// One resource type of the CloudFormation resource specification: its top-level properties and the
/// attribute names Fn::GetAtt accepts (nested ones as written in templates, e.g. "Endpoint.Address").
/// </summary>
public sealed class ResourceTypeSpecification(
    string typeName,
    IReadOnlyDictionary<string, PropertySpecification> properties,
    IReadOnlySet<string> attributes,
    string? requiredTransform)
{
    public string TypeName { get; } = typeName;

    /// <summary>Property name (case-sensitive, as CloudFormation matches it) to its specification.</summary>
    public IReadOnlyDictionary<string, PropertySpecification> Properties { get; } = properties;

    public IReadOnlySet<string> Attributes { get; } = attributes;

    /// <summary>The transform a template must declare to use this type (the SAM types), or null.</summary>
    public string? RequiredTransform { get; } = requiredTransform;

    public IEnumerable<PropertySpecification> RequiredProperties => Properties.Values.Where(p => p.Required);

    public override string ToString() => TypeName;
}
