using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Reflection;

namespace MetaflowAws.Cmdlets.Capabilities;

/// <summary>
/// Parameters by composition: a capability (waiting, template values, config location) is a small class whose
/// [Parameter] properties a cmdlet takes on by listing it. PowerShell binds them as the cmdlet's dynamic
/// parameters (same attributes, validation, completion and help); <see cref="Bind"/> copies the values back.
/// </summary>
internal static class ParameterComposition
{
    /// <summary>The parameters of the parts, as PowerShell's dynamic parameters; positions can be set per cmdlet.</summary>
    public static RuntimeDefinedParameterDictionary Parameters(IEnumerable<object> parts, IReadOnlyDictionary<string, int>? positions = null)
    {
        var dictionary = new RuntimeDefinedParameterDictionary();
        foreach (var property in parts.SelectMany(ParameterProperties))
        {
            // Fresh attribute instances per cmdlet instance: PowerShell may keep them with the command's metadata.
            var attributes = new Collection<Attribute>(property.GetCustomAttributes(true).Cast<Attribute>().ToList());
            if (positions?.TryGetValue(property.Name, out var position) == true)
                foreach (var p in attributes.OfType<ParameterAttribute>()) p.Position = position;
            dictionary.Add(property.Name, new RuntimeDefinedParameter(property.Name, property.PropertyType, attributes));
        }
        return dictionary;
    }

    /// <summary>Copies what PowerShell bound into the parts' properties (those not given keep their defaults).</summary>
    public static void Bind(RuntimeDefinedParameterDictionary? dictionary, IEnumerable<object> parts)
    {
        if (dictionary is null) return;
        foreach (var part in parts)
            foreach (var property in ParameterProperties(part))
                if (dictionary.TryGetValue(property.Name, out var bound) && bound.IsSet)
                    property.SetValue(part, bound.Value);
    }

    private static IEnumerable<PropertyInfo> ParameterProperties(object part)
        => part.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.IsDefined(typeof(ParameterAttribute), inherit: true));
}
