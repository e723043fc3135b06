using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace MetaflowAws.Engine.Templates;

/// <summary>
/// One fact about AWS that the template depends on and that changes with time: a Lambda runtime and
/// its deprecation date, a notebook platform and its end of support, a PostgreSQL major and its end
/// of standard support on RDS, the lowest safe metadata service image. Each has its source and the
/// day somebody last checked it.
/// </summary>
/// <param name="Kind">What the value is: LambdaRuntime, NotebookPlatform, PostgresMajor, BatchImageType, MetadataServiceImage, UIStaticImage.</param>
/// <param name="Value">The runtime, platform, major version, image type, or minimum image version.</param>
/// <param name="Until">The last day the value may be used (deprecation, end of support); null while AWS has announced none.</param>
/// <param name="Note">Why the fact matters, in a sentence the check repeats.</param>
/// <param name="Source">Where AWS (or the project) says so.</param>
/// <param name="Checked">When the fact was last compared with its source.</param>
public sealed record AwsFact(string Kind, string Value, DateOnly? Until, string Note, string Source, DateOnly Checked)
{
    /// <summary>Other named values of the fact (PostgresMajor: lowestMinor, forcesSsl).</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();

    public bool IsPast(DateOnly today) => Until is { } until && today > until;
}

/// <summary>The dated facts table (template/aws-facts.yml).</summary>
public sealed class AwsFacts
{
    public const string FileName = "aws-facts.yml";
    public const string LambdaRuntime = nameof(LambdaRuntime);
    public const string NotebookPlatform = nameof(NotebookPlatform);
    public const string PostgresMajor = nameof(PostgresMajor);
    public const string BatchImageType = nameof(BatchImageType);
    public const string MetadataServiceImage = nameof(MetadataServiceImage);
    public const string UIStaticImage = nameof(UIStaticImage);

    private static readonly string[] Known = [LambdaRuntime, NotebookPlatform, PostgresMajor, BatchImageType, MetadataServiceImage, UIStaticImage];

    public AwsFacts(IReadOnlyList<AwsFact> facts, string source)
    {
        Facts = facts;
        Source = source;
    }

    public IReadOnlyList<AwsFact> Facts { get; }

    /// <summary>The file the table was read from.</summary>
    public string Source { get; }

    public IEnumerable<AwsFact> OfKind(string kind) => Facts.Where(f => f.Kind == kind);

    public AwsFact? Find(string kind, string value) => Facts.FirstOrDefault(f => f.Kind == kind && f.Value == value);

    /// <summary>
    /// For a PostgreSQL version pinned to a minor (16.3) that RDS no longer creates: the fact of its major and the
    /// lowest minor RDS still offers; null for a bare major, an unknown major, or a minor still offered.
    /// </summary>
    public (AwsFact Major, string LowestMinor)? RetiredPostgresMinor(string version)
    {
        if (!version.Contains('.')) return null;
        var fact = Find(PostgresMajor, version.Split('.')[0]);
        return fact?.Extra.GetValueOrDefault("lowestMinor") is { } lowest
               && Version.TryParse(version, out var pinned) && Version.TryParse(lowest, out var min) && pinned < min
            ? (fact, lowest) : null;
    }

    private static readonly System.Text.RegularExpressions.Regex VersionTag = new(@":v?(\d+\.\d+\.\d+)$", System.Text.RegularExpressions.RegexOptions.Compiled);

    /// <summary>
    /// For an image of a repository the table has a floor for (kind MetadataServiceImage or UIStaticImage): that fact and
    /// the image's version when it is below the floor; null for another repository, a tag without a version, or one at or above.
    /// </summary>
    public (AwsFact Floor, Version Found)? BelowFloor(string kind, string image)
    {
        foreach (var fact in OfKind(kind))
        {
            var repository = fact.Extra.GetValueOrDefault("repository") ?? "";
            if (!image.StartsWith(repository + ":", StringComparison.Ordinal)) continue;
            var match = VersionTag.Match(image);
            if (match.Success && Version.Parse(match.Groups[1].Value) is var found && found < Version.Parse(fact.Value)) return (fact, found);
        }
        return null;
    }

    /// <summary>The table beside a template (the bundled one ships with it).</summary>
    public static AwsFacts LoadBeside(string templatePath)
        => Load(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(templatePath))!, FileName));

    /// <summary>The table shipped with the bundled template.</summary>
    public static AwsFacts LoadDefault()
        => LoadBeside(Stacks.DeploymentPlan.DefaultTemplatePath());

    public static AwsFacts Load(string path)
    {
        if (!File.Exists(path))
            throw new MetaflowException(ErrorIds.TemplateNotFound,
                $"The dated facts table {path} is missing; it ships with the module next to template/metaflow.yml. Reinstall the module.",
                ErrorKind.ObjectNotFound, path);
        return Parse(File.ReadAllText(path), path);
    }

    public static AwsFacts Parse(string yaml, string source)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("facts"), out var list) || list is not YamlSequenceNode items)
            throw new InvalidDataException($"{source}: expected a mapping with a 'facts' list.");
        var facts = new List<AwsFact>();
        foreach (var item in items.Children.OfType<YamlMappingNode>())
        {
            var fields = item.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => (c.Value as YamlScalarNode)?.Value ?? "", StringComparer.Ordinal);
            string Need(string key) => fields.TryGetValue(key, out var v) && v.Length > 0
                ? v : throw new InvalidDataException($"{source}: a fact ({string.Join(", ", fields.Values.Take(2))}) has no '{key}'.");
            var kind = Need("kind");
            if (!Known.Contains(kind))
                throw new InvalidDataException($"{source}: unknown kind '{kind}'; known kinds are {string.Join(", ", Known)}.");
            var until = fields.TryGetValue("until", out var u) && u.Length > 0 ? DateOnly.ParseExact(u, "yyyy-MM-dd", CultureInfo.InvariantCulture) : (DateOnly?)null;
            var extra = fields.Where(f => f.Key is not ("kind" or "value" or "until" or "note" or "source" or "checked"))
                .ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
            facts.Add(new AwsFact(kind, Need("value"), until, Need("note"), Need("source"),
                DateOnly.ParseExact(Need("checked"), "yyyy-MM-dd", CultureInfo.InvariantCulture)) { Extra = extra });
        }
        return new AwsFacts(facts, source);
    }
}
