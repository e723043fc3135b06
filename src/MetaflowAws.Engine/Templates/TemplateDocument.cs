using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MetaflowAws.Engine.Templates;

/// <summary>
/// A CloudFormation template (YAML or JSON) as a plain tree: mappings are
/// <see cref="Dictionary{TKey,TValue}"/> (insertion-ordered), sequences are
/// <see cref="List{T}"/>, scalars are strings. Short-form tags (!Ref, !GetAtt, !Sub ...)
/// become their long form ({"Ref": ...}, {"Fn::GetAtt": [...]}), as CloudFormation reads them.
/// </summary>
public sealed class TemplateDocument
{
    private TemplateDocument(Dictionary<string, object?> root, int byteSize)
    {
        Root = root;
        ByteSize = byteSize;
    }

    public Dictionary<string, object?> Root { get; }

    /// <summary>The size of the template body in UTF-8 bytes (what CloudFormation's limits count).</summary>
    public int ByteSize { get; }

    public Dictionary<string, object?> Section(string name)
        => Root.TryGetValue(name, out var v) && v is Dictionary<string, object?> d ? d : new Dictionary<string, object?>();

    public string? Description => Root.TryGetValue("Description", out var v) ? v as string : null;

    public static TemplateDocument Parse(string body)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(body));
        }
        catch (YamlException ex)
        {
            throw new TemplateFormatException($"The template is not valid YAML or JSON (line {ex.Start.Line}, column {ex.Start.Column}): {ex.InnerException?.Message ?? ex.Message}");
        }
        if (stream.Documents.Count == 0 || Convert(stream.Documents[0].RootNode) is not Dictionary<string, object?> root)
            throw new TemplateFormatException("The template must be a YAML or JSON object with a Resources section.");
        if (!root.ContainsKey("Resources"))
            throw new TemplateFormatException("Template format error: At least one Resources member must be defined.");
        return new TemplateDocument(root, Encoding.UTF8.GetByteCount(body));
    }

    private static object? Convert(YamlNode node)
    {
        var tag = node.Tag.IsEmpty ? null : node.Tag.Value;
        object? value = node switch
        {
            YamlMappingNode map => ConvertMap(map),
            YamlSequenceNode seq => seq.Children.Select(Convert).ToList(),
            YamlScalarNode scalar => ScalarValue(scalar),
            _ => null,
        };
        if (tag is null || !tag.StartsWith('!') || tag.StartsWith("tag:", StringComparison.Ordinal)) return value;
        var name = tag[1..];
        return name switch
        {
            "Ref" => Single("Ref", value),
            "Condition" => Single("Condition", value),
            "GetAtt" when value is string s => Single("Fn::GetAtt", SplitGetAtt(s)),
            _ => Single("Fn::" + name, value),
        };
    }

    private static object? ScalarValue(YamlScalarNode scalar)
    {
        // An unquoted null/~ is null; everything else stays text, as CloudFormation treats it.
        if (scalar.Style == ScalarStyle.Plain && (scalar.Value is "null" or "~" or "Null" or "NULL")) return null;
        return scalar.Value ?? "";
    }

    private static Dictionary<string, object?> ConvertMap(YamlMappingNode map)
    {
        var d = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (k, v) in map.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? throw new TemplateFormatException("Template keys must be scalars.");
            d[key] = Convert(v);
        }
        return d;
    }

    private static List<object?> SplitGetAtt(string s)
    {
        var dot = s.IndexOf('.');
        return dot < 0 ? [s] : [s[..dot], s[(dot + 1)..]];
    }

    private static Dictionary<string, object?> Single(string key, object? value) => new() { [key] = value };
}

public sealed class TemplateFormatException(string message) : Exception(message);
