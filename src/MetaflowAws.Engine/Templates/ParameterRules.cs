using System.Globalization;
using System.Text.RegularExpressions;

namespace MetaflowAws.Engine.Templates;

public enum ViolationKind
{
    Unknown,
    Missing,
    NotAllowedValue,
    NotANumber,
    BelowMin,
    AboveMax,
    PatternMismatch,
    TooShort,
    TooLong,
}

/// <summary>A parameter value the template's constraints reject; Constraint is the limit in the template's terms.</summary>
public sealed record ParameterViolation(string Parameter, string? Value, ViolationKind Kind, string Constraint, string? ConstraintDescription);

/// <summary>
/// Binds values and defaults to a template's Parameters and checks each against its declared
/// constraints (AllowedValues, AllowedPattern, MinValue/MaxValue, MinLength/MaxLength, Number type),
/// as CloudFormation does on CreateStack. The caller words the messages.
/// </summary>
public static class ParameterRules
{
    public static (Dictionary<string, string> Values, List<ParameterViolation> Violations) Bind(
        TemplateDocument template, IReadOnlyDictionary<string, string> given, ISet<string>? usePrevious = null)
    {
        var declared = template.Section("Parameters");
        var violations = given.Keys.Where(k => !declared.ContainsKey(k))
            .Select(k => new ParameterViolation(k, given[k], ViolationKind.Unknown, string.Join(", ", declared.Keys), null)).ToList();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, defObj) in declared)
        {
            var def = defObj as Dictionary<string, object?> ?? new();
            if (usePrevious?.Contains(name) == true) continue;
            var value = given.TryGetValue(name, out var g) ? g : def.GetValueOrDefault("Default") as string;
            if (value is null)
            {
                violations.Add(new ParameterViolation(name, null, ViolationKind.Missing, "a value", null));
                continue;
            }
            violations.AddRange(Check(name, value, def));
            values[name] = value;
        }
        return (values, violations);
    }

    public static IEnumerable<ParameterViolation> Check(string name, string value, Dictionary<string, object?> def)
    {
        string? S(string k) => def.GetValueOrDefault(k) as string;
        var type = S("Type") ?? "String";
        var cd = S("ConstraintDescription");
        ParameterViolation V(ViolationKind kind, string constraint) => new(name, value, kind, constraint, cd);
        var isList = type.StartsWith("List<", StringComparison.Ordinal) || type == "CommaDelimitedList";
        var items = isList ? value.Split(',').Select(v => v.Trim()).ToArray() : [value];

        if (def.GetValueOrDefault("AllowedValues") is List<object?> allowed)
        {
            var set = allowed.OfType<string>().ToList();
            if (items.Any(i => !set.Contains(i))) yield return V(ViolationKind.NotAllowedValue, string.Join(", ", set));
        }
        if (type is "Number" or "List<Number>")
        {
            foreach (var i in items)
            {
                if (!double.TryParse(i, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
                {
                    yield return V(ViolationKind.NotANumber, "a number");
                    yield break;
                }
                if (S("MinValue") is { } min && n < double.Parse(min, CultureInfo.InvariantCulture)) yield return V(ViolationKind.BelowMin, min);
                if (S("MaxValue") is { } max && n > double.Parse(max, CultureInfo.InvariantCulture)) yield return V(ViolationKind.AboveMax, max);
            }
        }
        // The whole value must match (CloudFormation's Parameters reference). \z, not $: $ also matches before a final line break.
        if (S("AllowedPattern") is { } pattern && items.Any(i => !Regex.IsMatch(i, @"\A(?:" + pattern + @")\z")))
            yield return V(ViolationKind.PatternMismatch, pattern);
        if (S("MinLength") is { } minLen && value.Length < int.Parse(minLen, CultureInfo.InvariantCulture)) yield return V(ViolationKind.TooShort, minLen);
        if (S("MaxLength") is { } maxLen && value.Length > int.Parse(maxLen, CultureInfo.InvariantCulture)) yield return V(ViolationKind.TooLong, maxLen);
    }
}
