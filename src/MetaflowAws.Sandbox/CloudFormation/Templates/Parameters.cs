using System.Globalization;
using System.Text.RegularExpressions;

namespace MetaflowAws.Sandbox.CloudFormation.Templates;

/// <summary>A parameter value CloudFormation refuses, with the message it answers.</summary>
public sealed record ParameterProblem(string Parameter, string Message);

/// <summary>The values a stack gets for its parameters (given, else the Default), and what is wrong with them.</summary>
public sealed record BoundParameters(Dictionary<string, string> Values, HashSet<string> NoEcho, IReadOnlyList<ParameterProblem> Problems)
{
    /// <summary>
    /// The ValidationError CreateStack / UpdateStack answer, or null: undeclared names first, then those without
    /// a value, each group in one message; otherwise the first constraint a value breaks.
    /// </summary>
    public string? Error
    {
        get
        {
            var unknown = Problems.Where(p => p.Message == UnknownMessage).Select(p => p.Parameter).ToList();
            if (unknown.Count > 0) return $"Parameters: [{string.Join(", ", unknown)}] do not exist in the template";
            var missing = Problems.Where(p => p.Message == MissingMessage).Select(p => p.Parameter).ToList();
            if (missing.Count > 0) return $"Parameters: [{string.Join(", ", missing)}] must have values";
            return Problems.FirstOrDefault()?.Message;
        }
    }

    internal const string UnknownMessage = "not in the template";
    internal const string MissingMessage = "no value";
}

/// <summary>
/// The parameter types of the CloudFormation "Parameters" section: String, Number, List&lt;Number&gt;,
/// CommaDelimitedList, the AWS-specific types (and lists of them), and the Systems Manager types.
/// </summary>
public static class ParameterTypes
{
    /// <summary>AWS-specific types, each with the shape of the ids AWS gives (ami-..., vpc-...); null: any text.</summary>
    private static readonly Dictionary<string, Regex?> AwsSpecific = new(StringComparer.Ordinal)
    {
        ["AWS::EC2::AvailabilityZone::Name"] = new(@"\A[a-z]{2}(-[a-z]+)+-[0-9][a-z]\z"),
        ["AWS::EC2::Image::Id"] = new(@"\Aami-[0-9a-f]+\z"),
        ["AWS::EC2::Instance::Id"] = new(@"\Ai-[0-9a-f]+\z"),
        ["AWS::EC2::KeyPair::KeyName"] = null,
        ["AWS::EC2::SecurityGroup::GroupName"] = null,
        ["AWS::EC2::SecurityGroup::Id"] = new(@"\Asg-[0-9a-f]+\z"),
        ["AWS::EC2::Subnet::Id"] = new(@"\Asubnet-[0-9a-f]+\z"),
        ["AWS::EC2::Volume::Id"] = new(@"\Avol-[0-9a-f]+\z"),
        ["AWS::EC2::VPC::Id"] = new(@"\Avpc-[0-9a-f]+\z"),
        ["AWS::Route53::HostedZone::Id"] = new(@"\AZ[0-9A-Z]+\z"),
    };

    private const string SsmValue = "AWS::SSM::Parameter::Value<";

    public static bool IsKnown(string type)
    {
        if (type is "String" or "Number" or "List<Number>" or "CommaDelimitedList" or "AWS::SSM::Parameter::Name") return true;
        if (AwsSpecific.ContainsKey(type)) return true;
        if (type.StartsWith("List<", StringComparison.Ordinal) && type.EndsWith('>')) return AwsSpecific.ContainsKey(type[5..^1]);
        if (type.StartsWith(SsmValue, StringComparison.Ordinal) && type.EndsWith('>'))
        {
            var inner = type[SsmValue.Length..^1];
            return inner is "String" or "List<String>" or "CommaDelimitedList" || (inner != "Number" && IsKnown(inner) && !IsSsm(inner));
        }
        return false;
    }

    public static bool IsSsm(string type) => type.StartsWith("AWS::SSM::Parameter::", StringComparison.Ordinal);

    /// <summary>A list type: Ref gives a list, and constraints apply to each member.</summary>
    public static bool IsList(string type)
        => type == "CommaDelimitedList" || type.StartsWith("List<", StringComparison.Ordinal)
           || type is "AWS::SSM::Parameter::Value<List<String>>" or "AWS::SSM::Parameter::Value<CommaDelimitedList>"
           || type.StartsWith(SsmValue + "List<", StringComparison.Ordinal);

    public static bool IsNumber(string type) => type is "Number" or "List<Number>";

    /// <summary>The AWS-specific type of a value or of each member of a list value, or null.</summary>
    internal static string? AwsSpecificType(string type)
    {
        var element = type.StartsWith("List<", StringComparison.Ordinal) && type.EndsWith('>') ? type[5..^1] : type;
        return AwsSpecific.ContainsKey(element) ? element : null;
    }

    internal static Regex? IdShape(string awsSpecificType) => AwsSpecific[awsSpecificType];

    /// <summary>Rejects what the Parameters section may not declare: names that are not alphanumeric, a missing or unknown Type.</summary>
    public static void CheckDeclarations(Template template)
    {
        foreach (var (name, declaration) in template.Parameters)
        {
            if (name.Length == 0 || !name.All(char.IsAsciiLetterOrDigit))
                throw new TemplateError($"Template format error: Parameter name {name} is non alphanumeric.");
            if (declaration is not Dictionary<string, object?> d || d.GetValueOrDefault("Type") is not string type)
                throw new TemplateError("Template format error: Every Parameters object must contain a Type member.");
            if (!IsKnown(type))
                throw new TemplateError($"Template format error: Unrecognized parameter type: {type}");
        }
    }
}

/// <summary>
/// Binds given values and Defaults to a template's parameters and checks them as CloudFormation documents:
/// AllowedValues (each member of a list), AllowedPattern on String and CommaDelimitedList (the whole value, or
/// each member, must match), MinLength/MaxLength on String, MinValue/MaxValue on Number (each member of
/// List&lt;Number&gt;), Number values being numbers, AWS-specific values being ids of their kind, and
/// ConstraintDescription replacing the message of a broken constraint.
/// </summary>
public static class ParameterBinding
{
    private static readonly Regex NumberText = new(@"\A[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\z", RegexOptions.CultureInvariant);

    public static BoundParameters Bind(Template template, IReadOnlyDictionary<string, string> given)
    {
        var problems = new List<ParameterProblem>();
        var declared = template.Parameters;
        foreach (var name in given.Keys.Where(k => !declared.ContainsKey(k)))
            problems.Add(new ParameterProblem(name, BoundParameters.UnknownMessage));

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var noEcho = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in declared.Keys)
        {
            var declaration = template.Parameter(name)!;
            if (declaration.GetValueOrDefault("NoEcho") is string echo && echo.Equals("true", StringComparison.OrdinalIgnoreCase)) noEcho.Add(name);
            var value = given.TryGetValue(name, out var g) ? g : declaration.GetValueOrDefault("Default") as string;
            if (value is null)
            {
                problems.Add(new ParameterProblem(name, BoundParameters.MissingMessage));
                continue;
            }
            values[name] = value;
            if (Problem(name, value, declaration) is { } message) problems.Add(new ParameterProblem(name, message));
        }
        return new BoundParameters(values, noEcho, problems);
    }

    /// <summary>What Ref gives for a parameter's value: the text, or for a list type its comma-separated members, space-trimmed.</summary>
    public static object RefValue(Template template, string name, string value)
    {
        var type = template.Parameter(name)?.GetValueOrDefault("Type") as string ?? "String";
        return ParameterTypes.IsList(type) ? Members(value).Cast<object?>().ToList() : value;
    }

    private static string[] Members(string value) => value.Split(',').Select(m => m.Trim()).ToArray();

    /// <summary>The message for the first rule the value breaks, or null.</summary>
    private static string? Problem(string name, string value, Dictionary<string, object?> declaration)
    {
        string? Text(string key) => declaration.GetValueOrDefault(key) as string;
        var type = Text("Type") ?? "String";
        var constraint = Text("ConstraintDescription");
        string Broken(string message) => constraint is null ? message : $"Parameter '{name}' failed to satisfy constraint: {constraint}";
        var members = ParameterTypes.IsList(type) ? Members(value) : [value];

        if (ParameterTypes.IsSsm(type))
            return $"Unable to fetch parameters [{value}] from parameter store for this account.";
        if (ParameterTypes.IsNumber(type) && members.Any(m => !NumberText.IsMatch(m)))
            return $"Parameter '{name}' must be a number.";
        if (ParameterTypes.AwsSpecificType(type) is { } awsType && ParameterTypes.IdShape(awsType) is { } shape
            && members.FirstOrDefault(m => !shape.IsMatch(m)) is { } missing)
            return $"Parameter validation failed: parameter value {missing} for parameter name {name} does not exist.";

        if (declaration.GetValueOrDefault("AllowedValues") is List<object?> allowed)
        {
            var set = allowed.Select(a => a as string).ToHashSet();
            if (members.Any(m => !set.Contains(m))) return Broken($"Parameter '{name}' must be one of AllowedValues");
        }
        if (type is "String" or "CommaDelimitedList" && Text("AllowedPattern") is { } pattern)
        {
            Regex whole;
            try { whole = new Regex(@"\A(?:" + pattern + @")\z", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
            catch (ArgumentException) { throw new TemplateError($"Template format error: AllowedPattern of parameter {name} is not a valid regular expression."); }
            if (members.Any(m => !whole.IsMatch(m))) return Broken($"Parameter '{name}' must match pattern {pattern}");
        }
        if (type is "String" or "CommaDelimitedList")
        {
            if (Integer(Text("MinLength")) is { } min && value.Length < min) return Broken($"Parameter '{name}' must contain at least {min} characters");
            if (Integer(Text("MaxLength")) is { } max && value.Length > max) return Broken($"Parameter '{name}' must contain at most {max} characters");
        }
        if (ParameterTypes.IsNumber(type))
        {
            foreach (var m in members)
            {
                var n = double.Parse(m, CultureInfo.InvariantCulture);
                if (Text("MinValue") is { } min && n < double.Parse(min, CultureInfo.InvariantCulture)) return Broken($"Parameter '{name}' must be a number not less than {min}");
                if (Text("MaxValue") is { } max && n > double.Parse(max, CultureInfo.InvariantCulture)) return Broken($"Parameter '{name}' must be a number not greater than {max}");
            }
        }
        return null;
    }

    private static int? Integer(string? text) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
}
