namespace MetaflowAws.Engine.Templates;

/// <summary>Small readers over <see cref="TemplateDocument"/>'s plain tree, shared by the template checks.</summary>
internal static class TemplateValues
{
    /// <summary>The function name and argument when <paramref name="value"/> is an intrinsic ({"Fn::If": [...]}, {"Ref": x}).</summary>
    public static bool IsIntrinsic(object? value, out string function, out object? argument)
    {
        if (value is Dictionary<string, object?> { Count: 1 } map)
        {
            var (key, arg) = map.First();
            if (key == "Ref" || key.StartsWith("Fn::", StringComparison.Ordinal))
            {
                function = key;
                argument = arg;
                return true;
            }
        }
        function = "";
        argument = null;
        return false;
    }

    public static bool IsNoValue(object? value)
        => IsIntrinsic(value, out var fn, out var arg) && fn == "Ref" && arg is "AWS::NoValue";

    /// <summary>
    /// The values <paramref name="value"/> can take: both branches of every Fn::If (nested ones too), or the
    /// value itself. A branch that is AWS::NoValue comes out as null, i.e. "not set".
    /// </summary>
    public static IEnumerable<object?> Alternatives(object? value)
    {
        if (IsIntrinsic(value, out var fn, out var arg) && fn == "Fn::If" && arg is List<object?> { Count: 3 } branches)
        {
            foreach (var v in Alternatives(branches[1])) yield return v;
            foreach (var v in Alternatives(branches[2])) yield return v;
        }
        else yield return IsNoValue(value) ? null : value;
    }

    /// <summary>The items of a list value, each with its index, expanding Fn::If on the list and on its items.</summary>
    public static IEnumerable<(object? Item, string Path, bool Conditional)> Items(object? value, string path)
    {
        var conditionalList = IsIntrinsic(value, out var fn, out _) && fn == "Fn::If";
        foreach (var list in Alternatives(value))
        {
            if (list is not List<object?> items)
            {
                // A single value where a list is allowed (Statement: {...}) counts as a list of one.
                if (list is not null) yield return (list, path, conditionalList);
                continue;
            }
            for (var i = 0; i < items.Count; i++)
            {
                var conditionalItem = IsIntrinsic(items[i], out var itemFn, out _) && itemFn == "Fn::If";
                foreach (var item in Alternatives(items[i]))
                    if (item is not null) yield return (item, $"{path}/{i}", conditionalList || conditionalItem);
            }
        }
    }

    public static Dictionary<string, object?>? Map(object? value) => value as Dictionary<string, object?>;

    public static object? Get(object? map, string key)
        => map is Dictionary<string, object?> d && d.TryGetValue(key, out var v) ? v : null;

    /// <summary>True when every value it can take is the literal true ("true" in YAML/JSON, any case).</summary>
    public static bool IsAlwaysTrue(object? value) => Alternatives(value).All(v => v is string s && s.Equals("true", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// True when the value is always true, or is an Fn::If on a condition of the form Fn::Equals [Ref Parameter, value]
    /// that the parameter's Default makes take a branch that is true: secure unless the user turns it off on purpose.
    /// </summary>
    public static bool IsTrueByDefault(TemplateDocument template, object? value)
    {
        if (IsAlwaysTrue(value)) return true;
        if (!IsIntrinsic(value, out var fn, out var arg) || fn != "Fn::If" || arg is not List<object?> { Count: 3 } branches || branches[0] is not string condition)
            return false;
        if (!IsIntrinsic(template.Section("Conditions").GetValueOrDefault(condition), out var test, out var operands)
            || test != "Fn::Equals" || operands is not List<object?> { Count: 2 } pair)
            return false;
        string? parameter = null, literal = null;
        foreach (var side in pair)
        {
            if (IsIntrinsic(side, out var f, out var a) && f == "Ref" && a is string p) parameter = p;
            else if (side is string s) literal = s;
        }
        if (parameter is null || literal is null) return false;
        // A switch of its own: the parameter decides this condition only, and the condition this value only (tied to
        // another feature, turning that feature off would silently turn this off too).
        if (CountUses(template.Section("Resources"), condition, parameter) != (1, 0) || CountUses(template.Section("Outputs"), condition, parameter) != (0, 0)
            || template.Section("Conditions").Count(c => c.Key != condition && CountUses(c.Value, condition, parameter) != (0, 0)) > 0)
            return false;
        var defaultValue = Get(template.Section("Parameters").GetValueOrDefault(parameter), "Default")?.ToString();
        if (defaultValue is null) return false;
        return IsAlwaysTrue(string.Equals(defaultValue, literal, StringComparison.Ordinal) ? branches[1] : branches[2]);
    }

    /// <summary>How often a node names a condition (Fn::If, Condition) and refers to a parameter (Ref).</summary>
    private static (int Condition, int Parameter) CountUses(object? node, string condition, string parameter)
    {
        switch (node)
        {
            case Dictionary<string, object?> map:
                var total = (0, 0);
                foreach (var (key, value) in map)
                {
                    if (key == "Ref" && value as string == parameter) total.Item2++;
                    if (key == "Condition" && value as string == condition) total.Item1++;
                    if (key == "Fn::If" && value is List<object?> { Count: > 0 } l && l[0] as string == condition) total.Item1++;
                    var (c, p) = CountUses(value, condition, parameter);
                    total = (total.Item1 + c, total.Item2 + p);
                }
                return total;
            case List<object?> list:
                return list.Select(v => CountUses(v, condition, parameter)).Aggregate((0, 0), (a, b) => (a.Item1 + b.Item1, a.Item2 + b.Item2));
            default:
                return (0, 0);
        }
    }

    public static bool IsAlwaysFalse(object? value) => Alternatives(value).All(v => v is string s && s.Equals("false", StringComparison.OrdinalIgnoreCase));

    /// <summary>The resources of the template, each with its type ("" when it has none) and its Properties map.</summary>
    public static IEnumerable<TemplateResource> Resources(TemplateDocument template)
    {
        foreach (var (id, value) in template.Section("Resources"))
        {
            if (value is not Dictionary<string, object?> resource) continue;
            var type = Get(resource, "Type") as string ?? "";
            yield return new(id, type, resource, Map(Get(resource, "Properties")) ?? new Dictionary<string, object?>());
        }
    }

    /// <summary>The closest candidate to a misspelt name (same letters in another case, or up to two edits), or null.</summary>
    public static string? Suggest(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            if (candidate.Equals(name, StringComparison.OrdinalIgnoreCase)) return candidate;
            if (Math.Abs(candidate.Length - name.Length) > 2) continue;
            var d = EditDistance(candidate, name);
            if (d < bestDistance)
            {
                best = candidate;
                bestDistance = d;
            }
        }
        return bestDistance <= 2 ? best : null;
    }

    public static string DidYouMean(string name, IEnumerable<string> candidates)
        => Suggest(name, candidates) is { } s ? $" Did you mean {s}?" : "";

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}

/// <summary>One entry of the Resources section: its logical id, Type, whole body and Properties (empty when absent).</summary>
internal readonly record struct TemplateResource(
    string LogicalId, string Type, Dictionary<string, object?> Body, Dictionary<string, object?> Properties);
