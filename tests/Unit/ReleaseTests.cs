using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace MetaflowAws.Tests;

/// <summary>One version source (Directory.Build.props), semantic versioning, and a CHANGELOG entry for it on top.</summary>
public sealed class ReleaseTests
{
    private static string Version => XDocument.Load(Path.Combine(RepositoryFiles.RepoRoot, "Directory.Build.props"))
        .Descendants("MetaflowAwsVersion").Single().Value;

    [Fact]
    public void The_version_is_semantic()
        => Assert.Matches(@"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$", Version);

    [Fact]
    public void The_newest_CHANGELOG_entry_is_the_version_and_says_something()
    {
        var changelog = File.ReadAllText(Path.Combine(RepositoryFiles.RepoRoot, "CHANGELOG.md"));
        var entries = Regex.Matches(changelog, @"^## (\S+)[ \t]*\r?$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(entries);
        Assert.Equal(Version, entries[0]);
        Assert.Equal(entries.Count, entries.Distinct().Count());
        var body = Regex.Match(changelog, $@"^## {Regex.Escape(Version)}[ \t]*\r?\n(.*?)(?=^## |\z)", RegexOptions.Multiline | RegexOptions.Singleline).Groups[1].Value;
        Assert.True(body.Trim().Length > 20, "the entry of " + Version + " is empty");
    }

    [Fact]
    public void Every_older_entry_is_an_older_version()
    {
        var changelog = File.ReadAllText(Path.Combine(RepositoryFiles.RepoRoot, "CHANGELOG.md"));
        var versions = Regex.Matches(changelog, @"^## (\d+)\.(\d+)\.(\d+)", RegexOptions.Multiline)
            .Select(m => new System.Version(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value))).ToList();
        Assert.Equal(versions.OrderDescending(), versions);
    }
}
