using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace MetaflowAws.Engine.Templates;

/// <summary>A template error CloudFormation reports as ValidationError "Template format error: ...".</summary>
public sealed class TemplateError(string message) : Exception(message);

/// <summary>What intrinsic functions read: parameter values, conditions, resources' ids and attributes.</summary>
public interface IEvaluationScope
{
    bool TryGetParameter(string name, out object? value);
    bool Condition(string name);
    /// <summary>A Mappings value: a string or a list of strings (the Mappings reference allows both), or null when absent.</summary>
    object? Mapping(string map, string top, string second);
    IReadOnlyList<string> AvailabilityZones(string region);
    string Region { get; }
    /// <summary>The Ref value of a resource, or null when it does not exist (yet).</summary>
    string? ResourceRef(string logicalId);
    string? ResourceAttribute(string logicalId, string attribute);
    bool IsResource(string logicalId);
}

/// <summary>Marker for AWS::NoValue: the property is removed.</summary>
public sealed class NoValue
{
    public static readonly NoValue Instance = new();
    private NoValue() { }
}

/// <summary>
/// Evaluates Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::Split, Fn::If, Fn::Equals,
/// Fn::Not, Fn::And, Fn::Or, Fn::FindInMap, Fn::GetAZs, Fn::Base64 and Condition over a template tree.
/// </summary>
public static class Intrinsics
{
    private static readonly Regex SubVariable = new(@"\$\{(!?)([^}]*)\}", RegexOptions.Compiled);

    public static object? Evaluate(object? node, IEvaluationScope scope, IReadOnlyDictionary<string, object?>? subVariables = null)
    {
        switch (node)
        {
            case Dictionary<string, object?> map when map.Count == 1 && IsFunction(map.Keys.First()):
                var (fn, arg) = map.First();
                return Call(fn, arg, scope);
            case Dictionary<string, object?> map:
                var result = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (k, v) in map)
                {
                    var value = Evaluate(v, scope);
                    if (value is not NoValue) result[k] = value;
                }
                return result;
            case List<object?> list:
                return list.Select(v => Evaluate(v, scope)).Where(v => v is not NoValue).ToList();
            default:
                return node;
        }
    }

    public static bool IsFunction(string key) => key == "Ref" || key == "Condition" || key.StartsWith("Fn::", StringComparison.Ordinal);

    public static bool EvaluateCondition(object? node, IEvaluationScope scope)
    {
        var v = Evaluate(node, scope);
        return v switch
        {
            bool b => b,
            string s when bool.TryParse(s, out var b) => b,
            _ => throw new TemplateError("Template format error: Conditions can only be boolean operations on parameters and other conditions"),
        };
    }

    private static object? Call(string fn, object? arg, IEvaluationScope scope)
    {
        switch (fn)
        {
            case "Ref":
                return Ref(AsString(arg, "Ref"), scope);
            case "Condition":
                return scope.Condition(AsString(arg, "Condition"));
            case "Fn::GetAtt":
            {
                var (id, attr) = GetAttTarget(arg, scope);
                return scope.ResourceAttribute(id, attr)
                    ?? throw new TemplateError($"Template error: resource {id} does not support attribute type {attr} in Fn::GetAtt");
            }
            case "Fn::Sub":
                return Sub(arg, scope);
            case "Fn::Join":
            {
                var args = Args(arg, fn, 2);
                var sep = AsString(Evaluate(args[0], scope), fn);
                var items = Evaluate(args[1], scope) as List<object?> ?? throw new TemplateError("Template error: every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.");
                return string.Join(sep, items.Select(i => Scalar(i, fn)));
            }
            case "Fn::Select":
            {
                var args = Args(arg, fn, 2);
                var index = int.Parse(Scalar(Evaluate(args[0], scope), fn), CultureInfo.InvariantCulture);
                var items = Evaluate(args[1], scope) as List<object?> ?? throw new TemplateError("Template error: Fn::Select requires a list argument");
                if (index < 0 || index >= items.Count) throw new TemplateError("Template error: Fn::Select cannot select nonexistent value at index " + index);
                return items[index];
            }
            case "Fn::Split":
            {
                var args = Args(arg, fn, 2);
                var sep = AsString(Evaluate(args[0], scope), fn);
                var source = Scalar(Evaluate(args[1], scope), fn);
                return source.Split(sep).Cast<object?>().ToList();
            }
            case "Fn::If":
            {
                var args = Args(arg, fn, 3);
                var taken = scope.Condition(AsString(args[0], fn)) ? args[1] : args[2];
                return Evaluate(taken, scope);
            }
            case "Fn::Equals":
            {
                var args = Args(arg, fn, 2);
                return Scalar(Evaluate(args[0], scope), fn) == Scalar(Evaluate(args[1], scope), fn);
            }
            case "Fn::Not":
                return !EvaluateCondition(Args(arg, fn, 1)[0], scope);
            case "Fn::And":
                return Conditions(arg, fn).All(c => EvaluateCondition(c, scope));
            case "Fn::Or":
                return Conditions(arg, fn).Any(c => EvaluateCondition(c, scope));
            case "Fn::FindInMap":
            {
                var args = Args(arg, fn, 3);
                var names = args.Select(a => Scalar(Evaluate(a, scope), fn)).ToArray();
                return scope.Mapping(names[0], names[1], names[2])
                    ?? throw new TemplateError($"Template error: Unable to get mapping for {names[0]}::{names[1]}::{names[2]}");
            }
            case "Fn::GetAZs":
            {
                var region = Scalar(Evaluate(arg, scope) ?? "", fn);
                return scope.AvailabilityZones(region.Length == 0 ? scope.Region : region).Cast<object?>().ToList();
            }
            case "Fn::Base64":
                return Convert.ToBase64String(Encoding.UTF8.GetBytes(Scalar(Evaluate(arg, scope), fn)));
            default:
                throw new TemplateError($"Template format error: Unrecognized function '{fn}'");
        }
    }

    public static object? Ref(string name, IEvaluationScope scope)
    {
        if (name == "AWS::NoValue") return NoValue.Instance;
        if (scope.TryGetParameter(name, out var value)) return value;
        if (scope.IsResource(name))
            return scope.ResourceRef(name) ?? throw new TemplateError($"Template error: resource {name} is not yet available");
        throw new TemplateError($"Template format error: Unresolved resource dependencies [{name}] in the Resources block of the template");
    }

    public static (string Id, string Attribute) GetAttTarget(object? arg, IEvaluationScope scope)
    {
        var args = arg as List<object?> ?? throw new TemplateError("Template error: every Fn::GetAtt object requires two non-empty parameters");
        if (args.Count != 2) throw new TemplateError("Template error: every Fn::GetAtt object requires two non-empty parameters");
        return (Scalar(args[0], "Fn::GetAtt"), Scalar(Evaluate(args[1], scope), "Fn::GetAtt"));
    }

    private static string Sub(object? arg, IEvaluationScope scope)
    {
        string text;
        var vars = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (arg is List<object?> list && list.Count == 2)
        {
            text = AsString(list[0], "Fn::Sub");
            if (list[1] is Dictionary<string, object?> map)
                foreach (var (k, v) in map) vars[k] = Evaluate(v, scope);
        }
        else text = AsString(arg, "Fn::Sub");

        return SubVariable.Replace(text, m =>
        {
            if (m.Groups[1].Value == "!") return "${" + m.Groups[2].Value + "}";
            var name = m.Groups[2].Value.Trim();
            if (vars.TryGetValue(name, out var v)) return Scalar(v, "Fn::Sub");
            var dot = name.IndexOf('.');
            if (dot > 0 && !name.StartsWith("AWS::", StringComparison.Ordinal))
            {
                var id = name[..dot];
                var attr = name[(dot + 1)..];
                return scope.ResourceAttribute(id, attr)
                    ?? throw new TemplateError($"Template error: resource {id} does not support attribute type {attr} in Fn::Sub");
            }
            return Scalar(Ref(name, scope), "Fn::Sub");
        });
    }

    /// <summary>The names a node refers to (Ref, GetAtt, Sub variables), skipping Fn::If branches not taken.</summary>
    public static void CollectReferences(object? node, Func<string, bool> condition, ISet<string> into)
    {
        switch (node)
        {
            case Dictionary<string, object?> map when map.Count == 1 && IsFunction(map.Keys.First()):
                var (fn, arg) = map.First();
                switch (fn)
                {
                    case "Ref" when arg is string s:
                        into.Add(s);
                        return;
                    case "Fn::GetAtt" when arg is List<object?> { Count: > 0 } l && l[0] is string id:
                        into.Add(id);
                        return;
                    case "Fn::Sub":
                        var text = arg is List<object?> { Count: > 0 } sl ? sl[0] as string : arg as string;
                        var local = arg is List<object?> { Count: 2 } sl2 && sl2[1] is Dictionary<string, object?> vm ? vm : null;
                        if (text is not null)
                            foreach (Match m in SubVariable.Matches(text))
                            {
                                if (m.Groups[1].Value == "!") continue;
                                var name = m.Groups[2].Value.Trim();
                                if (local?.ContainsKey(name) == true) continue;
                                var dot = name.IndexOf('.');
                                into.Add(dot > 0 ? name[..dot] : name);
                            }
                        if (local is not null) CollectReferences(local, condition, into);
                        return;
                    case "Fn::If" when arg is List<object?> { Count: 3 } il && il[0] is string c:
                        CollectReferences(condition(c) ? il[1] : il[2], condition, into);
                        return;
                    default:
                        CollectReferences(arg, condition, into);
                        return;
                }
            case Dictionary<string, object?> map:
                foreach (var v in map.Values) CollectReferences(v, condition, into);
                return;
            case List<object?> list:
                foreach (var v in list) CollectReferences(v, condition, into);
                return;
        }
    }

    public static string Scalar(object? value, string fn) => value switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        null => "",
        _ => throw new TemplateError($"Template error: {fn} expects a string value"),
    };

    private static string AsString(object? value, string fn)
        => value as string ?? throw new TemplateError($"Template error: {fn} requires a string argument");

    /// <summary>The conditions of Fn::And / Fn::Or: at least 2 and at most 10, as the condition functions reference says.</summary>
    private static List<object?> Conditions(object? arg, string fn)
        => arg is List<object?> { Count: >= 2 and <= 10 } list ? list
            : throw new TemplateError($"Template error: {fn} requires a list of 2 to 10 conditions");

    private static List<object?> Args(object? arg, string fn, int count)
    {
        if (arg is List<object?> list && list.Count == count) return list;
        throw new TemplateError($"Template error: {fn} requires {count} arguments");
    }
}
