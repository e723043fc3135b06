using System.Text.RegularExpressions;

namespace MetaflowAws.Sandbox.CloudFormation.Templates;

/// <summary>
/// The names a template fragment refers to, which set the order resources are created in: Ref targets,
/// Fn::GetAtt resources, and Fn::Sub variables (${Name}, the resource of ${Resource.Attribute}; not ${!Literal}
/// nor the names of its own variable map). A branch of Fn::If whose condition does not hold refers to nothing.
/// </summary>
public static class References
{
    private static readonly Regex Variable = new(@"\$\{([^}]*)\}", RegexOptions.CultureInvariant);

    public static HashSet<string> Of(object? node, Func<string, bool> condition)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        Collect(node, condition, names);
        return names;
    }

    private static void Collect(object? node, Func<string, bool> condition, HashSet<string> names)
    {
        switch (Functions.AsFunction(node))
        {
            case ("Ref", string name):
                names.Add(name);
                return;
            case ("Fn::GetAtt", List<object?> { Count: > 0 } target) when target[0] is string id:
                names.Add(id);
                Collect(target.Skip(1).ToList(), condition, names);
                return;
            case ("Fn::Sub", var argument):
            {
                var (text, variables) = argument switch
                {
                    string s => (s, null),
                    List<object?> { Count: 2 } pair when pair[0] is string s => (s, pair[1] as Dictionary<string, object?>),
                    _ => ((string?)null, (Dictionary<string, object?>?)null),
                };
                foreach (Match m in Variable.Matches(text ?? ""))
                {
                    var inside = m.Groups[1].Value;
                    if (inside.StartsWith('!') || variables?.ContainsKey(inside) == true) continue;
                    var dot = inside.IndexOf('.');
                    names.Add(dot > 0 ? inside[..dot] : inside);
                }
                if (variables is not null) Collect(variables, condition, names);
                return;
            }
            case ("Fn::If", List<object?> { Count: 3 } branches) when branches[0] is string c:
                Collect(condition(c) ? branches[1] : branches[2], condition, names);
                return;
            case var (_, argument):
                Collect(argument, condition, names);
                return;
        }
        if (node is Dictionary<string, object?> map) foreach (var v in map.Values) Collect(v, condition, names);
        else if (node is List<object?> list) foreach (var v in list) Collect(v, condition, names);
    }

    /// <summary>Every (resource, attribute) a fragment reads with Fn::GetAtt or ${Resource.Attribute} in Fn::Sub (literal names only).</summary>
    public static List<(string Id, string Attribute)> AttributesOf(object? node, Func<string, bool> condition)
    {
        var found = new List<(string, string)>();
        CollectAttributes(node, condition, found);
        return found;
    }

    private static void CollectAttributes(object? node, Func<string, bool> condition, List<(string, string)> found)
    {
        switch (Functions.AsFunction(node))
        {
            case ("Fn::GetAtt", List<object?> { Count: 2 } target) when target[0] is string id:
                if (target[1] is string attribute) found.Add((id, attribute));
                else CollectAttributes(target[1], condition, found);
                return;
            case ("Fn::Sub", var argument):
            {
                var (text, variables) = argument switch
                {
                    string s => (s, null),
                    List<object?> { Count: 2 } pair when pair[0] is string s => (s, pair[1] as Dictionary<string, object?>),
                    _ => ((string?)null, (Dictionary<string, object?>?)null),
                };
                foreach (Match m in Variable.Matches(text ?? ""))
                {
                    var inside = m.Groups[1].Value;
                    var dot = inside.IndexOf('.');
                    if (inside.StartsWith('!') || dot <= 0 || variables?.ContainsKey(inside) == true) continue;
                    found.Add((inside[..dot], inside[(dot + 1)..]));
                }
                if (variables is not null) CollectAttributes(variables, condition, found);
                return;
            }
            case ("Fn::If", List<object?> { Count: 3 } branches) when branches[0] is string c:
                CollectAttributes(condition(c) ? branches[1] : branches[2], condition, found);
                return;
            case var (_, argument):
                CollectAttributes(argument, condition, found);
                return;
        }
        if (node is Dictionary<string, object?> map) foreach (var v in map.Values) CollectAttributes(v, condition, found);
        else if (node is List<object?> list) foreach (var v in list) CollectAttributes(v, condition, found);
    }
}
