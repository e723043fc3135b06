using Amazon;
using Amazon.Runtime.CredentialManagement;

namespace MetaflowAws.Engine.Aws;

/// <summary>Names for tab completion: regions from the SDK, profiles from the shared files.</summary>
public static class KnownRegions
{
    private static readonly Lazy<HashSet<string>> All = new(() =>
    {
        var names = RegionEndpoint.EnumerableAllRegions.Select(r => r.SystemName).Where(n => !n.EndsWith("-regional", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        try { names.UnionWith(Templates.RegionOfferings.LoadDefault().Regions); }
        catch (MetaflowException) { /* no bundled template beside the engine: the SDK's list alone */ }
        return names;
    });

    /// <summary>Every region the AWS SDK's endpoints data or the module's region table (template/regions.yml) names.</summary>
    public static IEnumerable<string> Names() => All.Value.Order(StringComparer.Ordinal);

    public static bool IsKnown(string region) => All.Value.Contains(region);

    /// <summary>The known regions closest to a name that is not one (at most two edits away), for "did you mean".</summary>
    public static IEnumerable<string> Nearest(string name)
        => All.Value.Select(r => (Region: r, Distance: Distance(name, r))).Where(x => x.Distance <= 2)
            .OrderBy(x => x.Distance).ThenBy(x => x.Region, StringComparer.Ordinal).Take(3).Select(x => x.Region);

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }

    /// <summary>The partition a region belongs to (the China and GovCloud regions have their own).</summary>
    public static string PartitionOf(string region)
        => region.StartsWith("cn-", StringComparison.Ordinal) ? "aws-cn" : region.StartsWith("us-gov-", StringComparison.Ordinal) ? "aws-us-gov" : "aws";

    public static IEnumerable<string> ProfileNames()
    {
        try { return new CredentialProfileStoreChain().ListProfiles().Select(p => p.Name).Distinct().OrderBy(n => n).ToList(); }
        catch (Exception) { return []; }
    }
}
