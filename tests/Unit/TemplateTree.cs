using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Tests;

/// <summary>Short ways for tests to reach into and break a parsed template.</summary>
internal static class TemplateTree
{
    /// <summary>A broken copy must produce exactly one finding: this check, at this path, with a message.</summary>
    public static void AssertSingleFinding(IEnumerable<TemplateFinding> findings, string check, string path)
    {
        var finding = Assert.Single(findings);
        Assert.Equal(check, finding.Check);
        Assert.Equal(path, finding.Path);
        Assert.False(string.IsNullOrWhiteSpace(finding.Message));
    }

    public static Dictionary<string, object?> Resource(this TemplateDocument t, string id)
        => (Dictionary<string, object?>)t.Section("Resources")[id]!;

    public static Dictionary<string, object?> Properties(this TemplateDocument t, string id)
        => (Dictionary<string, object?>)t.Resource(id)["Properties"]!;

    public static Dictionary<string, object?> Output(this TemplateDocument t, string name)
        => (Dictionary<string, object?>)t.Section("Outputs")[name]!;

    public static Dictionary<string, object?> Map(this object? value) => (Dictionary<string, object?>)value!;

    public static List<object?> List(this object? value) => (List<object?>)value!;

    public static Dictionary<string, object?> Ref(string target) => new() { ["Ref"] = target };

    public static Dictionary<string, object?> Fn(string function, object? argument) => new() { [function] = argument };

    public static Dictionary<string, object?> If(string condition, object? whenTrue, object? whenFalse)
        => Fn("Fn::If", new List<object?> { condition, whenTrue, whenFalse });

    public static Dictionary<string, object?> Obj(params (string Key, object? Value)[] members)
        => members.ToDictionary(m => m.Key, m => m.Value);

    public static List<object?> Arr(params object?[] items) => [.. items];

    /// <summary>Adds a resource to the template (and a section for it when the template has none).</summary>
    public static void AddResource(this TemplateDocument t, string id, string type, Dictionary<string, object?>? properties = null)
    {
        var resource = Obj(("Type", type));
        if (properties is not null) resource["Properties"] = properties;
        t.Section("Resources")[id] = resource;
    }
}
