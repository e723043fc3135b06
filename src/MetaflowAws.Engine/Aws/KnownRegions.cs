using Amazon;
using Amazon.Runtime.CredentialManagement;

namespace MetaflowAws.Engine.Aws;

/// <summary>Names for tab completion: regions from the SDK, profiles from the shared files.</summary>
public static class KnownRegions
{
    public static IEnumerable<string> Names() => RegionEndpoint.EnumerableAllRegions.Select(r => r.SystemName).OrderBy(n => n);

    public static IEnumerable<string> ProfileNames()
    {
        try { return new CredentialProfileStoreChain().ListProfiles().Select(p => p.Name).Distinct().OrderBy(n => n).ToList(); }
        catch (Exception) { return []; }
    }
}
