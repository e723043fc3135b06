using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MetaflowAws.Sandbox.CloudFormation.Templates;

/// <summary>What a template's functions read from the stack they are evaluated for.</summary>
public interface IStackValues
{
    Template Template { get; }

    /// <summary>The stack's name, id, region, account and partition: the pseudo parameters.</summary>
    StackContext Context { get; }

    /// <summary>Bound parameter values as given (list types still comma-separated).</summary>
    IReadOnlyDictionary<string, string> ParameterValues { get; }

    bool Condition(string name);

    /// <summary>What Ref gives for a resource of the template, or null when it does not exist (yet).</summary>
    string? ResourceRef(string logicalId);

    /// <summary>What Fn::GetAtt gives, or null when the resource has no such attribute.</summary>
    string? ResourceAttribute(string logicalId, string attribute);
}

/// <summary>Ref AWS::NoValue: the property (or list member) it stands for is removed.</summary>
public sealed class NoValue
{
    public static readonly NoValue Instance = new();
    private NoValue() { }
}

/// <summary>
/// The intrinsic functions of CloudFormation's "Intrinsic function reference", as the sandbox reads it:
/// Ref (parameters, pseudo parameters, resources), Fn::GetAtt, Fn::Sub (${Name}, ${Resource.Attribute},
/// ${!Literal}, and the variable map), Fn::Join, Fn::Select, Fn::Split, Fn::If, Fn::FindInMap (string or list
/// values), Fn::GetAZs, Fn::Base64, Fn::Cidr, and the condition functions.
/// </summary>
public static class Functions
{
    /// <summary>The functions a template may use without a transform; any other Fn:: is refused when the template is read.</summary>
    private static readonly string[] Supported =
    [
        "Fn::And", "Fn::Base64", "Fn::Cidr", "Fn::Equals", "Fn::FindInMap", "Fn::GetAZs", "Fn::GetAtt", "Fn::If",
        "Fn::ImportValue", "Fn::Join", "Fn::Not", "Fn::Or", "Fn::Select", "Fn::Split", "Fn::Sub", "Fn::Transform",
    ];

    private static readonly Regex Variable = new(@"\$\{([^}]*)\}", RegexOptions.CultureInvariant);

    /// <summary>The sandbox's availability zones: three per region, a to c.</summary>
    public static IReadOnlyList<string> AvailabilityZones(string region) => [region + "a", region + "b", region + "c"];

    /// <summary>The value of a template fragment: functions called, AWS::NoValue members and properties dropped.</summary>
    public static object? Evaluate(object? node, IStackValues stack)
    {
        if (AsFunction(node) is var (name, argument) && name != "Condition") return Call(name, argument, stack);
        switch (node)
        {
            case Dictionary<string, object?> map:
            {
                var result = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (key, value) in map)
                    if (Evaluate(value, stack) is var v && v is not NoValue) result[key] = v;
                return result;
            }
            case List<object?> list:
                return list.Select(item => Evaluate(item, stack)).Where(v => v is not NoValue).ToList();
            default:
                return node;
        }
    }

    /// <summary>The truth of a condition: Fn::Equals, Fn::And, Fn::Or, Fn::Not, or {"Condition": name}.</summary>
    public static bool Truth(object? node, IStackValues stack)
    {
        switch (AsFunction(node))
        {
            case ("Condition", string name):
                return stack.Condition(name);
            case ("Fn::Equals", List<object?> { Count: 2 } pair):
                return Same(Evaluate(pair[0], stack), Evaluate(pair[1], stack));
            case ("Fn::Equals", _):
                throw new TemplateError("Template error: every Fn::Equals object requires a list of 2 string parameters.");
            case ("Fn::And", List<object?> { Count: >= 2 and <= 10 } all):
                return all.All(c => Truth(c, stack));
            case ("Fn::Or", List<object?> { Count: >= 2 and <= 10 } any):
                return any.Any(c => Truth(c, stack));
            case var (fn, _) when fn is "Fn::And" or "Fn::Or":
                throw new TemplateError($"Template error: every {fn} object requires a list of at least 2 and at most 10 conditions.");
            case ("Fn::Not", List<object?> { Count: 1 } one):
                return !Truth(one[0], stack);
            case ("Fn::Not", _):
                throw new TemplateError("Template error: every Fn::Not object requires a list of 1 condition.");
            default:
                throw new TemplateError("Template format error: Conditions can only be boolean operations on parameters and other conditions");
        }
    }

    /// <summary>The one function a node is ({"Ref": x}, {"Fn::Join": [...]}, {"Condition": c}), or null for plain data.</summary>
    public static (string Name, object? Argument)? AsFunction(object? node)
    {
        if (node is not Dictionary<string, object?> { Count: 1 } map) return null;
        var (key, value) = map.First();
        return key is "Ref" or "Condition" || key.StartsWith("Fn::", StringComparison.Ordinal) ? (key, value) : null;
    }

    /// <summary>Refuses Fn:: names CloudFormation does not know, anywhere in the sections that evaluate functions.</summary>
    internal static void CheckNames(Dictionary<string, object?> root)
    {
        void Walk(object? node)
        {
            if (AsFunction(node) is var (name, _) && name.StartsWith("Fn::", StringComparison.Ordinal) && !Supported.Contains(name))
                throw new TemplateError($"Template format error: Encountered unsupported function: {name} Supported functions are: [{string.Join(", ", Supported)}]");
            if (node is Dictionary<string, object?> map) foreach (var v in map.Values) Walk(v);
            else if (node is List<object?> list) foreach (var v in list) Walk(v);
        }
        foreach (var section in new[] { "Conditions", "Resources", "Outputs" }) Walk(root.GetValueOrDefault(section));
    }

    private static object? Call(string name, object? argument, IStackValues stack)
    {
        switch (name)
        {
            case "Ref":
                return argument is string target ? Ref(target, stack) : throw new TemplateError("Template format error: Every Ref object must have a single String value.");
            case "Fn::GetAtt":
            {
                if (argument is not List<object?> { Count: 2 } pair || pair[0] is not string id)
                    throw new TemplateError("Template error: every Fn::GetAtt object requires two non-empty parameters");
                var attribute = Text(Evaluate(pair[1], stack), "Fn::GetAtt");
                return Attribute(id, attribute, "Fn::GetAtt", stack);
            }
            case "Fn::Sub":
                return Sub(argument, stack);
            case "Fn::Join":
            {
                var (delimiter, values) = Two(argument, name);
                var items = Evaluate(values, stack) as List<object?>
                    ?? throw new TemplateError("Template error: every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.");
                return string.Join(Text(Evaluate(delimiter, stack), name), items.Select(i => Text(i, name)));
            }
            case "Fn::Select":
            {
                var (index, values) = Two(argument, name);
                var indexText = Text(Evaluate(index, stack), name);
                var items = Evaluate(values, stack) as List<object?> ?? throw new TemplateError("Template error: Fn::Select requires a list as its second parameter");
                if (!int.TryParse(indexText, NumberStyles.None, CultureInfo.InvariantCulture, out var i) || i >= items.Count)
                    throw new TemplateError($"Template error: Fn::Select cannot select nonexistent value at index {indexText}");
                return items[i];
            }
            case "Fn::Split":
            {
                var (delimiter, source) = Two(argument, name);
                var separator = Text(Evaluate(delimiter, stack), name);
                return Text(Evaluate(source, stack), name).Split(separator).Cast<object?>().ToList();
            }
            case "Fn::If":
            {
                if (argument is not List<object?> { Count: 3 } branches || branches[0] is not string condition)
                    throw new TemplateError("Template error: Fn::If requires a list argument with three elements");
                return Evaluate(stack.Condition(condition) ? branches[1] : branches[2], stack);
            }
            case "Fn::Equals" or "Fn::And" or "Fn::Or" or "Fn::Not":
                return Truth(new Dictionary<string, object?> { [name] = argument }, stack);
            case "Fn::FindInMap":
            {
                if (argument is not List<object?> { Count: 3 } keys) throw new TemplateError("Template error: every Fn::FindInMap object requires three parameters, the map name, map key and the attribute for return value");
                var (map, top, second) = (Text(Evaluate(keys[0], stack), name), Text(Evaluate(keys[1], stack), name), Text(Evaluate(keys[2], stack), name));
                var value = (stack.Template.Mappings.GetValueOrDefault(map) as Dictionary<string, object?>)?.GetValueOrDefault(top) is Dictionary<string, object?> level
                    ? level.GetValueOrDefault(second) : null;
                return value switch
                {
                    string s => s,
                    List<object?> list => list.ToList(),
                    _ => throw new TemplateError($"Template error: Unable to get mapping for {map}::{top}::{second}"),
                };
            }
            case "Fn::GetAZs":
            {
                var region = Evaluate(argument, stack) is string r && r.Length > 0 ? r : stack.Context.Region;
                return AvailabilityZones(region).Cast<object?>().ToList();
            }
            case "Fn::Base64":
                return Convert.ToBase64String(Encoding.UTF8.GetBytes(Text(Evaluate(argument, stack), name)));
            case "Fn::Cidr":
                return Cidr(argument, stack);
            case "Fn::ImportValue":
                throw new TemplateError("Template error: the sandbox does not model cross-stack exports (Fn::ImportValue)");
            default:
                throw new TemplateError($"Template format error: Encountered unsupported function: {name}");
        }
    }

    private static object? Ref(string name, IStackValues stack)
    {
        var context = stack.Context;
        switch (name)
        {
            case "AWS::NoValue": return NoValue.Instance;
            case "AWS::AccountId": return context.AccountId;
            case "AWS::Region": return context.Region;
            case "AWS::StackName": return context.StackName;
            case "AWS::StackId": return context.StackId;
            case "AWS::Partition": return context.Partition;
            case "AWS::URLSuffix": return context.Partition == "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
            case "AWS::NotificationARNs": return new List<object?>();
        }
        if (stack.Template.Parameters.ContainsKey(name))
            return stack.ParameterValues.TryGetValue(name, out var value) ? ParameterBinding.RefValue(stack.Template, name, value)
                : throw new TemplateError($"Parameters: [{name}] must have values");
        if (stack.Template.Resources.ContainsKey(name)) return stack.ResourceRef(name) ?? throw Unresolved(name);
        throw Unresolved(name);
    }

    private static string Attribute(string id, string attribute, string function, IStackValues stack)
    {
        if (!stack.Template.Resources.ContainsKey(id)) throw Unresolved(id);
        return stack.ResourceAttribute(id, attribute)
            ?? throw new TemplateError($"Template error: resource {id} does not support attribute type {attribute} in {function}");
    }

    private static TemplateError Unresolved(string name)
        => new($"Template format error: Unresolved resource dependencies [{name}] in the Resources block of the template");

    private static string Sub(object? argument, IStackValues stack)
    {
        string text;
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal);
        switch (argument)
        {
            case string s:
                text = s;
                break;
            case List<object?> { Count: 2 } pair when pair[0] is string s && pair[1] is Dictionary<string, object?> map:
                text = s;
                foreach (var (key, value) in map) variables[key] = Evaluate(value, stack);
                break;
            default:
                throw new TemplateError("Template error: One or more Fn::Sub intrinsic functions don't specify expected arguments. Specify a string as first argument, and an optional second argument to specify a mapping of values to replace in the string");
        }
        return Variable.Replace(text, m =>
        {
            var inside = m.Groups[1].Value;
            if (inside.StartsWith('!')) return "${" + inside[1..] + "}";
            object? value;
            if (variables.TryGetValue(inside, out var given)) value = given;
            else if (inside.IndexOf('.') is var dot and > 0) value = Attribute(inside[..dot], inside[(dot + 1)..], "Fn::Sub", stack);
            else value = Ref(inside, stack);
            return value as string ?? throw new TemplateError($"Template error: variable {inside} in Fn::Sub expression does not resolve to a string");
        });
    }

    /// <summary>Fn::Cidr [ipBlock, count, cidrBits]: count consecutive IPv4 blocks of 2^cidrBits addresses from the start of ipBlock.</summary>
    private static List<object?> Cidr(object? argument, IStackValues stack)
    {
        if (argument is not List<object?> { Count: 3 } args) throw new TemplateError("Template error: Fn::Cidr requires a list of 3 parameters: ipBlock, count, cidrBits");
        var block = Text(Evaluate(args[0], stack), "Fn::Cidr");
        var slash = block.IndexOf('/');
        if (slash < 0 || !IPAddress.TryParse(block[..slash], out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || !int.TryParse(block[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix > 32)
            throw new TemplateError($"Template error: Fn::Cidr: {block} is not an IPv4 CIDR block");
        if (!int.TryParse(Text(Evaluate(args[1], stack), "Fn::Cidr"), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count is < 1 or > 256
            || !int.TryParse(Text(Evaluate(args[2], stack), "Fn::Cidr"), NumberStyles.None, CultureInfo.InvariantCulture, out var bits) || bits < 1 || bits > 32 - prefix)
            throw new TemplateError("Template error: Fn::Cidr: count must be 1 to 256 and cidrBits 1 to the free bits of ipBlock");
        var bytes = ip.GetAddressBytes();
        var start = ((ulong)bytes[0] << 24 | (ulong)bytes[1] << 16 | (ulong)bytes[2] << 8 | bytes[3]) & (prefix == 0 ? 0 : ~0UL << (32 - prefix)) & 0xFFFFFFFF;
        var size = 1UL << bits;
        if ((ulong)count * size > 1UL << (32 - prefix))
            throw new TemplateError($"Template error: Fn::Cidr: {block} has no room for {count} blocks of {size} addresses");
        return Enumerable.Range(0, count).Select(i =>
        {
            var a = start + (ulong)i * size;
            return (object?)$"{a >> 24 & 255}.{a >> 16 & 255}.{a >> 8 & 255}.{a & 255}/{32 - bits}";
        }).ToList();
    }

    private static (object? First, object? Second) Two(object? argument, string function)
        => argument is List<object?> { Count: 2 } pair ? (pair[0], pair[1])
            : throw new TemplateError($"Template error: every {function} object requires two parameters");

    /// <summary>A value where text is expected: a string, else the template is wrong.</summary>
    public static string Text(object? value, string function) => value switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        _ => throw new TemplateError($"Template error: {function} expects a string where it got {(value is null ? "null" : value is List<object?> ? "a list" : "an object")}"),
    };

    private static bool Same(object? a, object? b)
        => a is string x && b is string y ? x == y : JsonSerializer.Serialize(a) == JsonSerializer.Serialize(b);
}
