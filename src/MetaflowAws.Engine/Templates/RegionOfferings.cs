using YamlDotNet.RepresentationModel;

namespace MetaflowAws.Engine.Templates;

/// <summary>
/// The regions of each partition the module deploys to, and the resource types of the template that CloudFormation
/// does not offer in some of them (template/regions.yml, from CloudFormation's registry schemas per region; the build
/// compares it with cfn-lint's). A deploy whose switches need a type its region lacks is refused before any call,
/// instead of failing minutes into the create.
/// </summary>
public sealed class RegionOfferings
{
    public const string FileName = "regions.yml";

    private readonly Dictionary<string, IReadOnlyList<string>> _partitions;
    private readonly Dictionary<string, HashSet<string>> _absent;

    private RegionOfferings(Dictionary<string, IReadOnlyList<string>> partitions, Dictionary<string, HashSet<string>> absent, string source)
    {
        _partitions = partitions;
        _absent = absent;
        Source = source;
    }

    public string Source { get; }

    /// <summary>Partition name → its regions.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Partitions => _partitions;

    public IEnumerable<string> Regions => _partitions.Values.SelectMany(r => r);

    public bool IsKnown(string region) => Regions.Contains(region, StringComparer.Ordinal);

    /// <summary>Whether CloudFormation in the region offers the type (a type the table does not list is offered everywhere).</summary>
    public bool Offers(string region, string type) => !(_absent.TryGetValue(type, out var regions) && regions.Contains(region));

    /// <summary>The regions of the region's partition that offer every one of the types.</summary>
    public IEnumerable<string> RegionsOffering(IReadOnlyCollection<string> types, string partition)
        => (_partitions.GetValueOrDefault(partition) ?? []).Where(r => types.All(t => Offers(r, t)));

    private static RegionOfferings? _default;

    /// <summary>The table shipped beside the bundled template.</summary>
    public static RegionOfferings LoadDefault()
        => _default ??= Load(Path.Combine(Path.GetDirectoryName(Stacks.DeploymentPlan.DefaultTemplatePath())!, FileName));

    public static RegionOfferings Load(string path)
    {
        if (!File.Exists(path))
            throw new MetaflowException(ErrorIds.TemplateNotFound,
                $"The region table {path} is missing; it ships with the module next to template/metaflow.yml. Reinstall the module.",
                ErrorKind.ObjectNotFound, path);
        return Parse(File.ReadAllText(path), path);
    }

    public static RegionOfferings Parse(string yaml, string source)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new InvalidDataException($"{source}: expected a mapping with 'partitions' and 'absent'.");
        Dictionary<string, List<string>> Lists(string key)
            => root.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlMappingNode map
                ? map.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!,
                    c => (c.Value as YamlSequenceNode)?.Children.OfType<YamlScalarNode>().Select(s => s.Value!).ToList() ?? [], StringComparer.Ordinal)
                : throw new InvalidDataException($"{source}: no '{key}' mapping.");
        var partitions = Lists("partitions").ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal);
        var absent = Lists("absent").ToDictionary(a => a.Key, a => a.Value.ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        return new RegionOfferings(partitions, absent, source);
    }
}
