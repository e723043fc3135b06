namespace MetaflowAws.Engine.Templates;

/// <summary>What changing a property does to the physical resource, as the resource specification says.</summary>
public enum ReplacementOnChange
{
    /// <summary>The property is updated in place (the specification does not mark it).</summary>
    None,

    /// <summary>The specification says "maybe": replacement depends on the new value or on other properties.</summary>
    Conditional,

    /// <summary>The specification says "yes": a new value creates a new resource and deletes the old one.</summary>
    Always,
}

/// <summary>One top-level property of a resource type.</summary>
public sealed record PropertySpecification(string Name, bool Required, ReplacementOnChange Replacement);
