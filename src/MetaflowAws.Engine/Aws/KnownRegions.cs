using Amazon;
using Amazon.Runtime.CredentialManagement;

namespace MetaflowAws.Engine.Aws;

/// <summary>Names for tab completion: regions from the SDK, profiles from the shared files.</summary>
public static class KnownRegions
{
    public static IEnumerable<string> Names() => RegionEndpoint.EnumerableAllRegions.Select(r => r.SystemName).OrderBy(n => n);

    /// <summary>The partition a region belongs to (the China and GovCloud regions have their own).</summary>
    public static string PartitionOf(string region)
        => region.StartsWith("cn-", StringComparison.Ordinal) ? "aws-cn" : region.StartsWith("us-gov-", StringComparison.Ordinal) ? "aws-us-gov" : "aws";

    public static IEnumerable<string> ProfileNames()
    {
        try { return new CredentialProfileStoreChain().ListProfiles().Select(p => p.Name).Distinct().OrderBy(n => n).ToList(); }
        catch (Exception) { return []; }
    }
}
