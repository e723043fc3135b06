using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Engine.Stacks;

/// <summary>
/// Whether the region's CloudFormation offers every resource type a deploy will create (<see cref="RegionOfferings"/>):
/// checked before any call, so a region without a type is a refusal in a second rather than a rollback minutes in.
/// </summary>
public static class RegionFit
{
    /// <summary>
    /// The switches whose resources some regions lack: the template parameter and value that turn them on, their types,
    /// what they are in the user's words, and how to do without them. The bundled template leaves these resources out
    /// where the region lacks them (conditions on AWS::Region) and its Rules refuse the switch there; this says so first.
    /// </summary>
    private static readonly (string Parameter, string On, string[] Types, string What, string Without)[] Features =
    [
        ("EnableSagemaker", "true", ["AWS::SageMaker::NotebookInstance", "AWS::SageMaker::NotebookInstanceLifecycleConfig"],
            "the SageMaker notebook", "leave the notebook out with -NoSagemaker (EnableSagemaker=false)"),
        (MetaflowParameters.UiParameter, "true", ["AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolDomain"],
            "the Metaflow UI's login (Amazon Cognito)", "leave the UI off (no -EnableUI)"),
    ];

    /// <summary>
    /// The refusal for a deploy in the region: the resources it creates (logical ids) and the switches it turns on
    /// (template values), or null when the region offers every type they need.
    /// </summary>
    public static MetaflowException? Check(TemplateDocument template, IEnumerable<string> activeIds, IReadOnlyDictionary<string, string> values,
        string region, RegionOfferings offerings)
    {
        if (!offerings.IsKnown(region)) return null; // a region the table does not list: no opinion (the region check speaks for it)
        var resources = template.Section("Resources");
        var declared = template.Section("Parameters");
        var needs = activeIds
            .Select(id => (What: id, Type: (resources.GetValueOrDefault(id) as Dictionary<string, object?>)?.GetValueOrDefault("Type") as string))
            .Where(r => r.Type is not null)
            .Select(r => (r.What, Type: r.Type!))
            .ToList();
        var switched = Features.Where(f => declared.ContainsKey(f.Parameter) && Value(f.Parameter, values, declared) == f.On).ToList();
        needs.AddRange(switched.SelectMany(f => f.Types.Select(t => ($"{f.Parameter}={f.On}", t))));
        var missing = needs.Where(n => !offerings.Offers(region, n.Type)).ToList();
        if (missing.Count == 0) return null;

        var types = missing.Select(m => m.Type).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var partition = Aws.KnownRegions.PartitionOf(region);
        var elsewhere = offerings.RegionsOffering(types, partition).ToList();
        var features = Features.Where(f => f.Types.Any(types.Contains)).ToList();
        var what = features.Count > 0 ? string.Join(" and ", features.Select(f => f.What)) : "this template";
        var options = features.Select(f => f.Without).ToList();
        options.Add(elsewhere.Count == 0
            ? $"use another partition: no region of {partition} offers {(types.Count == 1 ? "it" : "them")}"
            : $"deploy to a region of {partition} that offers {(types.Count == 1 ? "it" : "them")}: {string.Join(", ", elsewhere.Take(8))}{(elsewhere.Count > 8 ? ", ..." : "")}");
        return new MetaflowException(ErrorIds.ResourceTypeNotInRegion,
            $"CloudFormation in {region} does not offer {string.Join(", ", types)}, which {what} needs " +
            $"({string.Join(", ", missing.Select(m => m.What).Distinct(StringComparer.Ordinal))}); nothing was sent. " +
            $"Either {string.Join("; or ", options)}. (CloudFormation's registry per region, as {Path.GetFileName(offerings.Source)} records it.)",
            ErrorKind.InvalidArgument, region);
    }

    private static string? Value(string parameter, IReadOnlyDictionary<string, string> values, Dictionary<string, object?> declared)
        => values.TryGetValue(parameter, out var v) ? v : (declared.GetValueOrDefault(parameter) as Dictionary<string, object?>)?.GetValueOrDefault("Default") as string;
}
