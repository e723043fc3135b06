using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace MetaflowAws.Sandbox.CloudFormation.Templates;

/// <summary>
/// A template CloudFormation rejects: the message is what AWS answers (a ValidationError on the call,
/// or the reason of a failed resource).
/// </summary>
public sealed class TemplateError(string message) : Exception(message);

/// <summary>
/// The sandbox's own reading of a stack template (YAML or JSON), kept apart from the engine's so that
/// the sandbox stays a second opinion. The tree is plain data: mappings are insertion-ordered
/// <see cref="Dictionary{TKey,TValue}"/>s, sequences <see cref="List{T}"/>s, scalars strings (CloudFormation
/// passes "5" and 5 alike to a resource). The YAML short forms (!Ref, !GetAtt a.b, !Sub ...) are read as
/// their JSON long forms, as the template format documentation defines them.
/// </summary>
public sealed class Template
{
    private Template(Dictionary<string, object?> root) => Root = root;

    public Dictionary<string, object?> Root { get; }

    public string? Description => Root.GetValueOrDefault("Description") as string;

    public Dictionary<string, object?> Parameters => Section("Parameters");
    public Dictionary<string, object?> Mappings => Section("Mappings");
    public Dictionary<string, object?> Conditions => Section("Conditions");
    public Dictionary<string, object?> Resources => Section("Resources");
    public Dictionary<string, object?> Outputs => Section("Outputs");

    public Dictionary<string, object?> Section(string name)
        => Root.GetValueOrDefault(name) as Dictionary<string, object?> ?? new Dictionary<string, object?>(StringComparer.Ordinal);

    /// <summary>The declaration of a parameter (Type, Default, constraints), or null when the template has none by that name.</summary>
    public Dictionary<string, object?>? Parameter(string name)
        => Parameters.TryGetValue(name, out var p) ? p as Dictionary<string, object?> ?? new Dictionary<string, object?>() : null;

    /// <summary>Reads a template body; a body CloudFormation would refuse throws a "Template format error".</summary>
    public static Template Read(string body)
    {
        object? document;
        try
        {
            var parser = new Parser(new StringReader(body));
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _)) throw new TemplateError("Template format error: At least one Resources member must be defined.");
            parser.Consume<DocumentStart>();
            document = new Reader(parser).Node();
        }
        catch (YamlException ex)
        {
            throw new TemplateError($"Template format error: YAML not well-formed. (line {ex.Start.Line}, column {ex.Start.Column})");
        }
        if (document is not Dictionary<string, object?> root)
            throw new TemplateError("Template format error: JSON not well-formed. The template must be an object.");
        if (root.GetValueOrDefault("Resources") is not Dictionary<string, object?> { Count: > 0 })
            throw new TemplateError("Template format error: At least one Resources member must be defined.");
        foreach (var (name, resource) in (Dictionary<string, object?>)root["Resources"]!)
            if (resource is not Dictionary<string, object?> r || r.GetValueOrDefault("Type") is not string)
                throw new TemplateError($"Template format error: [/Resources/{name}] Every Resources object must contain a Type member.");
        var template = new Template(root);
        ParameterTypes.CheckDeclarations(template);
        Functions.CheckNames(root);
        return template;
    }

    /// <summary>The size CloudFormation's template limits count: UTF-8 bytes.</summary>
    public static int Size(string body) => Encoding.UTF8.GetByteCount(body);

    /// <summary>Builds the tree from YamlDotNet's event stream (anchors and aliases resolved).</summary>
    private sealed class Reader(IParser parser)
    {
        private readonly Dictionary<string, object?> _anchors = new(StringComparer.Ordinal);

        public object? Node()
        {
            if (parser.TryConsume<AnchorAlias>(out var alias))
                return _anchors.TryGetValue(alias.Value.Value, out var target) ? target
                    : throw new TemplateError($"Template format error: YAML not well-formed. Unknown alias *{alias.Value.Value}.");
            object? value;
            NodeEvent start;
            if (parser.TryConsume<Scalar>(out var scalar))
            {
                start = scalar;
                // YAML's null (an unquoted null or ~) is the only non-text scalar; 5, true and 2010-09-09 stay text.
                value = scalar.Style == ScalarStyle.Plain && scalar.Value is "null" or "Null" or "NULL" or "~" ? null : scalar.Value;
            }
            else if (parser.TryConsume<SequenceStart>(out var sequence))
            {
                start = sequence;
                var list = new List<object?>();
                while (!parser.TryConsume<SequenceEnd>(out _)) list.Add(Node());
                value = list;
            }
            else
            {
                var mapping = parser.Consume<MappingStart>();
                start = mapping;
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    if (Node() is not string key) throw new TemplateError("Template format error: YAML not well-formed. A key is not a string.");
                    map[key] = Node();
                }
                value = map;
            }
            value = ShortForm(start.Tag, value);
            if (!start.Anchor.IsEmpty) _anchors[start.Anchor.Value] = value;
            return value;
        }

        /// <summary>!Name value is { "Fn::Name": value }, except !Ref and !Condition (no prefix) and !GetAtt "a.b" (a two-item list).</summary>
        private static object? ShortForm(TagName tag, object? value)
        {
            if (tag.IsEmpty || tag.IsNonSpecific || !tag.Value.StartsWith('!') || tag.Value.Length < 2) return value;
            var name = tag.Value[1..];
            if (name == "GetAtt" && value is string dotted)
            {
                // The logical id ends at the first dot: !GetAtt Db.Endpoint.Address reads attribute Endpoint.Address.
                var dot = dotted.IndexOf('.');
                value = dot < 0 ? new List<object?> { dotted } : new List<object?> { dotted[..dot], dotted[(dot + 1)..] };
            }
            var key = name is "Ref" or "Condition" ? name : "Fn::" + name;
            return new Dictionary<string, object?>(StringComparer.Ordinal) { [key] = value };
        }
    }
}
