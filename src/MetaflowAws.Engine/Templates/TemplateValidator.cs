using static MetaflowAws.Engine.Templates.TemplateValues;

namespace MetaflowAws.Engine.Templates;

/// <summary>
/// Checks a template against the CloudFormation resource specification and against itself, before
/// anything is sent: what CloudFormation would otherwise reject minutes into a stack operation.
/// </summary>
public static class TemplateValidator
{
    /// <summary>A resource's Type is not in the specification (or is a SAM type without its Transform).</summary>
    public const string UnknownResourceType = nameof(UnknownResourceType);
    /// <summary>A top-level property its resource type does not have.</summary>
    public const string UnknownProperty = nameof(UnknownProperty);
    /// <summary>A property the specification requires is absent (or removed by AWS::NoValue).</summary>
    public const string MissingRequiredProperty = nameof(MissingRequiredProperty);
    /// <summary>Fn::GetAtt or ${Resource.Attribute} names an attribute the resource type does not return.</summary>
    public const string UnknownAttribute = nameof(UnknownAttribute);
    /// <summary>Ref or Fn::GetAtt names no parameter, pseudo parameter or resource of the template.</summary>
    public const string UnresolvedReference = nameof(UnresolvedReference);
    /// <summary>A ${Name} in Fn::Sub that is no parameter, pseudo parameter, resource or local variable.</summary>
    public const string UnknownSubVariable = nameof(UnknownSubVariable);
    /// <summary>A condition name used by a resource, an output, Fn::If or another condition is not declared.</summary>
    public const string UnknownCondition = nameof(UnknownCondition);
    /// <summary>Fn::FindInMap names a map that Mappings does not declare.</summary>
    public const string UnknownMapping = nameof(UnknownMapping);
    /// <summary>Fn::FindInMap with a literal key the map does not have.</summary>
    public const string UnknownMappingKey = nameof(UnknownMappingKey);
    /// <summary>DependsOn names no resource of the template.</summary>
    public const string UnknownDependency = nameof(UnknownDependency);

    /// <summary>Every check id this class reports.</summary>
    public static IReadOnlyList<string> Checks { get; } =
    [
        UnknownResourceType, UnknownProperty, MissingRequiredProperty, UnknownAttribute, UnresolvedReference,
        UnknownSubVariable, UnknownCondition, UnknownMapping, UnknownMappingKey, UnknownDependency,
    ];

    /// <summary>The pseudo parameters Ref and Fn::Sub accept besides the template's own names.</summary>
    public static IReadOnlySet<string> PseudoParameters { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition", "AWS::Region",
        "AWS::StackId", "AWS::StackName", "AWS::URLSuffix",
    };

    public static IReadOnlyList<TemplateFinding> Validate(TemplateDocument template, ResourceSpecification specification)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(specification);
        return new Run(template, specification).Findings;
    }

    /// <summary>One validation: the template's names, looked up while walking every value.</summary>
    private sealed class Run
    {
        private const string CustomResourceType = "AWS::CloudFormation::CustomResource";

        private readonly ResourceSpecification _spec;
        private readonly Dictionary<string, object?> _parameters;
        private readonly Dictionary<string, object?> _conditions;
        private readonly Dictionary<string, object?> _mappings;
        private readonly Dictionary<string, object?> _resources;
        private readonly HashSet<string> _transforms;

        public List<TemplateFinding> Findings { get; } = [];

        public Run(TemplateDocument template, ResourceSpecification spec)
        {
            _spec = spec;
            _parameters = template.Section("Parameters");
            _conditions = template.Section("Conditions");
            _mappings = template.Section("Mappings");
            _resources = template.Section("Resources");
            _transforms = Alternatives(Get(template.Root, "Transform"))
                .SelectMany(t => t switch { string s => [s], List<object?> l => l.OfType<string>(), _ => [] })
                .ToHashSet(StringComparer.Ordinal);

            foreach (var (name, body) in _conditions)
                Walk(body, $"Conditions/{name}", inConditions: true);
            foreach (var (id, value) in _resources)
                CheckResource(id, value);
            foreach (var (name, value) in template.Section("Outputs"))
            {
                var path = $"Outputs/{name}";
                if (Get(value, "Condition") is { } condition) CheckConditionName(condition, $"{path}/Condition");
                Walk(Get(value, "Value"), $"{path}/Value");
                Walk(Get(value, "Export"), $"{path}/Export");
            }
        }

        private void Add(string check, string path, string message) => Findings.Add(new TemplateFinding(check, path, message));

        // ------------------------------------------------------------------ resources

        private void CheckResource(string id, object? value)
        {
            var path = $"Resources/{id}";
            if (value is not Dictionary<string, object?> resource || Get(resource, "Type") is not string type)
            {
                Add(UnknownResourceType, $"{path}/Type", $"Resource {id} has no Type; give it one such as AWS::S3::Bucket.");
                return;
            }
            if (Get(resource, "Condition") is { } condition) CheckConditionName(condition, $"{path}/Condition");
            CheckDependsOn(id, Get(resource, "DependsOn"), $"{path}/DependsOn");
            foreach (var section in (string[])["Properties", "Metadata", "CreationPolicy", "UpdatePolicy"])
                Walk(Get(resource, section), $"{path}/{section}");

            var properties = Get(resource, "Properties");
            var isCustom = type.StartsWith("Custom::", StringComparison.Ordinal) || type == CustomResourceType;
            var spec = _spec.Find(isCustom ? CustomResourceType : type);
            if (spec is null)
            {
                Add(UnknownResourceType, $"{path}/Type",
                    $"Resource {id} has type {type}, which the CloudFormation resource specification does not have." +
                    DidYouMean(type, _spec.ResourceTypes.Keys));
                return;
            }
            if (spec.RequiredTransform is { } transform && !_transforms.Contains(transform))
            {
                Add(UnknownResourceType, $"{path}/Type",
                    $"Resource {id} has type {type}, which exists only with the {transform} transform; add 'Transform: {transform}' to the template or use the plain CloudFormation types.");
                return;
            }

            var props = Map(properties);
            // A custom resource takes any properties its provider understands; only ServiceToken is fixed.
            if (props is not null && !isCustom)
            {
                foreach (var name in props.Keys)
                {
                    if (name == "Fn::Transform" || spec.Properties.ContainsKey(name)) continue;
                    Add(UnknownProperty, $"{path}/Properties/{name}",
                        $"{type} has no property {name}." + DidYouMean(name, spec.Properties.Keys) +
                        " Property names are case-sensitive.");
                }
            }
            foreach (var required in spec.RequiredProperties)
            {
                var propertyPath = $"{path}/Properties/{required.Name}";
                if (props is null || !props.TryGetValue(required.Name, out var v))
                    Add(MissingRequiredProperty, propertyPath, $"{type} requires {required.Name}; set it under {path}/Properties.");
                else if (Alternatives(v).Any(a => a is null))
                    Add(MissingRequiredProperty, propertyPath,
                        $"{type} requires {required.Name}, but it is AWS::NoValue (in at least one Fn::If branch); give every branch a value.");
            }
        }

        private void CheckDependsOn(string id, object? dependsOn, string path)
        {
            var targets = dependsOn switch
            {
                string s => [s],
                List<object?> list => list,
                null => [],
                _ => [dependsOn],
            };
            foreach (var target in targets)
            {
                var name = target as string;
                if (name is not null && name != id && _resources.ContainsKey(name)) continue;
                var why = name == id ? "a resource cannot depend on itself" : "there is no resource by that name";
                Add(UnknownDependency, path, $"{id} depends on {name ?? "(not a name)"}, but {why}."
                    + (name is null || name == id ? "" : DidYouMean(name, _resources.Keys)));
            }
        }

        // ------------------------------------------------------------------ values

        /// <summary>Checks every intrinsic function in a value. Inside Conditions, {"Condition": name} refers to another condition.</summary>
        private void Walk(object? value, string path, bool inConditions = false)
        {
            switch (value)
            {
                case Dictionary<string, object?> map when IsIntrinsic(map, out var fn, out var arg):
                    WalkIntrinsic(fn, arg, path, inConditions);
                    break;
                case Dictionary<string, object?> { Count: 1 } map when inConditions && map.TryGetValue("Condition", out var name):
                    CheckConditionName(name, path);
                    break;
                case Dictionary<string, object?> map:
                    foreach (var (k, v) in map) Walk(v, $"{path}/{k}", inConditions);
                    break;
                case List<object?> list:
                    for (var i = 0; i < list.Count; i++) Walk(list[i], $"{path}/{i}", inConditions);
                    break;
            }
        }

        private void WalkIntrinsic(string fn, object? arg, string path, bool inConditions)
        {
            switch (fn)
            {
                case "Ref" when arg is string target:
                    if (!_parameters.ContainsKey(target) && !_resources.ContainsKey(target) && !PseudoParameters.Contains(target))
                        Add(UnresolvedReference, path,
                            $"Ref {target}: there is no parameter, resource or pseudo parameter named {target}." +
                            DidYouMean(target, _parameters.Keys.Concat(_resources.Keys).Concat(PseudoParameters)));
                    return;
                case "Fn::GetAtt":
                    CheckGetAtt(arg, path, inConditions);
                    return;
                case "Fn::Sub":
                    CheckSub(arg, path, inConditions);
                    return;
                case "Fn::If" when arg is List<object?> { Count: 3 } args:
                    CheckConditionName(args[0], path);
                    Walk(args[1], $"{path}/Fn::If/1", inConditions);
                    Walk(args[2], $"{path}/Fn::If/2", inConditions);
                    return;
                case "Fn::FindInMap" when arg is List<object?> args:
                    CheckFindInMap(args, path);
                    for (var i = 0; i < args.Count; i++) Walk(args[i], $"{path}/Fn::FindInMap/{i}", inConditions);
                    return;
                default:
                    Walk(arg, $"{path}/{fn}", inConditions);
                    return;
            }
        }

        private void CheckGetAtt(object? arg, string path, bool inConditions)
        {
            // Long form [Resource, Attribute] (the attribute may itself be a Ref); JSON also allows "Resource.Attribute".
            (object? resource, object? attribute) = arg switch
            {
                List<object?> { Count: 2 } l => (l[0], l[1]),
                string s when s.IndexOf('.') is var dot and > 0 => (s[..dot], s[(dot + 1)..]),
                _ => (arg, null),
            };
            if (resource is not string id)
            {
                Walk(arg, $"{path}/Fn::GetAtt", inConditions);
                return;
            }
            if (!_resources.ContainsKey(id))
            {
                var what = _parameters.ContainsKey(id) ? $"{id} is a parameter, and Fn::GetAtt reads resources only" : $"there is no resource named {id}";
                Add(UnresolvedReference, path, $"Fn::GetAtt {id}: {what}." + DidYouMean(id, _resources.Keys));
                return;
            }
            if (attribute is string name) CheckAttribute(id, name, path, "Fn::GetAtt");
            else Walk(attribute, $"{path}/Fn::GetAtt/1", inConditions);
        }

        private void CheckAttribute(string id, string attribute, string path, string how)
        {
            if (Get(_resources[id], "Type") is not string type) return;
            // Custom resources return whatever their provider sends back; nested stacks return Outputs.<Name>.
            if (type.StartsWith("Custom::", StringComparison.Ordinal) || type == CustomResourceType) return;
            if (type == "AWS::CloudFormation::Stack" && attribute.StartsWith("Outputs.", StringComparison.Ordinal)) return;
            var spec = _spec.Find(type);
            if (spec is null || spec.RequiredTransform is not null) return; // reported as UnknownResourceType, or expanded by SAM
            if (spec.Attributes.Contains(attribute)) return;
            if (ResourceSpecification.Corrections.FirstOrDefault(c => c.Type == type && c.Attribute == attribute) is { } corrected)
            {
                Add(UnknownAttribute, path,
                    $"{how} {id}.{attribute}: CloudFormation refuses this attribute of {type}, though the resource specification lists it " +
                    $"({corrected.Evidence}). Use {corrected.Instead}.");
                return;
            }
            var known = spec.Attributes.Count == 0
                ? "it has no attributes (Ref gives its id)"
                : "it has " + string.Join(", ", spec.Attributes.Where(a => !a.Contains('.')).Order(StringComparer.Ordinal).Take(12));
            Add(UnknownAttribute, path,
                $"{how} {id}.{attribute}: {type} has no attribute {attribute}; {known}." + DidYouMean(attribute, spec.Attributes));
        }

        private void CheckSub(object? arg, string path, bool inConditions)
        {
            string? text;
            Dictionary<string, object?>? locals = null;
            switch (arg)
            {
                case string s:
                    text = s;
                    break;
                case List<object?> { Count: 2 } l:
                    text = l[0] as string;
                    locals = Map(l[1]);
                    Walk(l[1], $"{path}/Fn::Sub/1", inConditions);
                    if (text is null) Walk(l[0], $"{path}/Fn::Sub/0", inConditions);
                    break;
                default:
                    Walk(arg, $"{path}/Fn::Sub", inConditions);
                    return;
            }
            if (text is null) return;

            foreach (var variable in SubVariables(text))
            {
                if (locals?.ContainsKey(variable) == true) continue;
                if (_parameters.ContainsKey(variable) || _resources.ContainsKey(variable) || PseudoParameters.Contains(variable)) continue;
                var dot = variable.IndexOf('.');
                if (dot > 0 && _resources.ContainsKey(variable[..dot]))
                {
                    CheckAttribute(variable[..dot], variable[(dot + 1)..], path, "Fn::Sub ${...}");
                    continue;
                }
                var candidates = _parameters.Keys.Concat(_resources.Keys).Concat(PseudoParameters).Concat(locals?.Keys ?? Enumerable.Empty<string>());
                Add(UnknownSubVariable, path,
                    $"Fn::Sub uses ${{{variable}}}, but there is no parameter, resource, pseudo parameter or Fn::Sub variable named {(dot > 0 ? variable[..dot] : variable)}." +
                    DidYouMean(dot > 0 ? variable[..dot] : variable, candidates) +
                    " Write ${!" + variable + "} for a literal ${" + variable + "}.");
            }
        }

        /// <summary>The ${Name} variables of an Fn::Sub string; ${!Text} is a literal and is skipped.</summary>
        private static IEnumerable<string> SubVariables(string text)
        {
            var i = 0;
            while ((i = text.IndexOf("${", i, StringComparison.Ordinal)) >= 0)
            {
                var end = text.IndexOf('}', i + 2);
                if (end < 0) yield break;
                if (text[i + 2] != '!') yield return text[(i + 2)..end];
                i = end + 1;
            }
        }

        private void CheckConditionName(object? name, string path)
        {
            if (name is not string s)
            {
                Add(UnknownCondition, path, "A condition must be named by a string (the name of an entry in Conditions).");
                return;
            }
            if (!_conditions.ContainsKey(s))
                Add(UnknownCondition, path, $"Condition {s} is not declared in the Conditions section." + DidYouMean(s, _conditions.Keys));
        }

        private void CheckFindInMap(List<object?> args, string path)
        {
            if (args.Count < 3 || args[0] is not string mapName) return;
            if (!_mappings.TryGetValue(mapName, out var map))
            {
                Add(UnknownMapping, path, $"Fn::FindInMap reads map {mapName}, which the Mappings section does not declare." + DidYouMean(mapName, _mappings.Keys));
                return;
            }
            // With a DefaultValue (AWS::LanguageExtensions) a missing key is not an error.
            if (args.Count > 3) return;
            if (args[1] is not string topKey || Map(map) is not { } top) return;
            if (!top.TryGetValue(topKey, out var second))
            {
                Add(UnknownMappingKey, path, $"Fn::FindInMap: map {mapName} has no key {topKey}." + DidYouMean(topKey, top.Keys));
                return;
            }
            if (args[2] is string secondKey && Map(second) is { } inner && !inner.ContainsKey(secondKey))
                Add(UnknownMappingKey, path, $"Fn::FindInMap: {mapName}/{topKey} has no key {secondKey}." + DidYouMean(secondKey, inner.Keys));
        }
    }
}
