using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using MetaflowAws.Engine.Templates;
using Xunit.Abstractions;

namespace MetaflowAws.Tests;

public sealed class ResourceSpecificationTests(ITestOutputHelper output)
{
    [Fact]
    public void LoadsEveryResourceTypeWithPropertiesAndAttributes()
    {
        var stopwatch = Stopwatch.StartNew();
        var spec = ResourceSpecification.LoadDefault(RepositoryFiles.RepoRoot);
        output.WriteLine($"Loaded {spec.ResourceTypes.Count} resource types from {spec.Source} in {stopwatch.ElapsedMilliseconds} ms");

        Assert.True(spec.ResourceTypes.Count > 1500, $"only {spec.ResourceTypes.Count} resource types");
        var bucket = spec.Find("AWS::S3::Bucket")!;
        Assert.Contains("Arn", bucket.Attributes);
        Assert.Equal(ReplacementOnChange.Always, bucket.Properties["BucketName"].Replacement);
        Assert.Equal(ReplacementOnChange.None, bucket.Properties["VersioningConfiguration"].Replacement);

        var database = spec.Find("AWS::RDS::DBInstance")!;
        Assert.Contains("Endpoint.Address", database.Attributes);
        Assert.Contains(database.Properties.Values, p => p.Replacement == ReplacementOnChange.Conditional);

        Assert.Equal(["GroupDescription"], spec.Find("AWS::EC2::SecurityGroup")!.RequiredProperties.Select(p => p.Name));
        Assert.Equal("AWS::Serverless-2016-10-31", spec.Find("AWS::Serverless::Function")!.RequiredTransform);
        Assert.Null(spec.Find("AWS::S3::Buckets"));
    }

    [Fact]
    public void FindDefaultWalksUpFromTheStartFolder()
    {
        var nested = Path.Combine(RepositoryFiles.RepoRoot, "src", "MetaflowAws.Engine", "Templates");

        Assert.Equal(
            Path.Combine(RepositoryFiles.RepoRoot, ResourceSpecification.PackageRelativePath),
            ResourceSpecification.FindDefault(nested));
    }

    [Fact]
    public void MissingSpecificationSaysToRunNpmCi()
    {
        var empty = Directory.CreateTempSubdirectory("mfaws-nospec-");
        try
        {
            var error = Assert.Throws<FileNotFoundException>(() => ResourceSpecification.LoadDefault(empty.FullName));
            Assert.Contains("npm ci", error.Message);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    [Fact]
    public void ReadsAcrossBufferBoundariesAndStopsAfterTheResources()
    {
        // A documentation string far longer than the read buffer, and a tail that is not even JSON:
        // the reader must refill mid-token and never look past the resource entities.
        var longText = new string('x', 600_000);
        var json = $$"""
            {"idCtr":1,"schema":{"resource":{"type":"entities","entities":[
              {"documentation":"{{longText}}","properties":{"Name":{"type":{"type":"string"},"required":true,"causesReplacement":"yes" },
               "Size":{"causesReplacement":"maybe","documentation":"{{longText}}" } },"cloudFormationType":"Test::Long::Thing",
               "attributes":{"Endpoint.Address":{"type":{"type":"string"} } } }
            ]},"region":{ this is not json
            """;
        using var gz = new MemoryStream();
        using (var zip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
            zip.Write(Encoding.UTF8.GetBytes(json));
        gz.Position = 0;

        var type = Assert.Single(ResourceSpecification.Load(gz, "test").ResourceTypes.Values);

        Assert.Equal("Test::Long::Thing", type.TypeName);
        Assert.Equal(new PropertySpecification("Name", true, ReplacementOnChange.Always), type.Properties["Name"]);
        Assert.Equal(new PropertySpecification("Size", false, ReplacementOnChange.Conditional), type.Properties["Size"]);
        Assert.Equal(["Endpoint.Address"], type.Attributes);
    }
}
