using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Tests;

/// <summary>The repository's own files the tests read: the real template and the pinned resource specification.</summary>
internal static class RepositoryFiles
{
    private const string TemplateRelativePath = "template/metaflow.yml";

    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, TemplateRelativePath))) return dir.FullName;
        throw new InvalidOperationException($"No {TemplateRelativePath} in {AppContext.BaseDirectory} or any folder above it.");
    });

    private static readonly Lazy<string> TemplateText = new(() => File.ReadAllText(Path.Combine(RepoRoot, TemplateRelativePath)));

    // Loaded once for all tests; a missing file fails every test that needs it with the "run npm ci" message.
    private static readonly Lazy<ResourceSpecification> Spec = new(() => ResourceSpecification.LoadDefault(RepoRoot));

    public static string RepoRoot => Root.Value;

    public static ResourceSpecification Specification => Spec.Value;

    /// <summary>A fresh parse of template/metaflow.yml, so a test can break its copy freely.</summary>
    public static TemplateDocument Template() => TemplateDocument.Parse(TemplateText.Value);

    /// <summary>The template as version 0.1.0 shipped it (tests/Fixtures): what the checks must catch.</summary>
    public static string OldTemplatePath => Path.Combine(RepoRoot, "tests/Fixtures/metaflow-0.1.0.yml");

    public static TemplateDocument OldTemplate() => TemplateDocument.Parse(File.ReadAllText(OldTemplatePath));

    public static string TemplatePath => Path.Combine(RepoRoot, TemplateRelativePath);

    /// <summary>template/aws-facts.yml, the dated facts table.</summary>
    public static AwsFacts Facts() => AwsFacts.Load(Path.Combine(RepoRoot, "template", AwsFacts.FileName));
}
