using System.Text.RegularExpressions;
using MetaflowAws.Engine;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.CloudFormation;
using MetaflowAws.Engine.Stacks;
using MetaflowAws.Engine.Staging;
using MetaflowAws.Engine.Templates;
using MetaflowAws.Sandbox.CloudFormation;

namespace MetaflowAws.Tests;

/// <summary>
/// Region fit: template/regions.yml (held to cfn-lint's registry schemas by the build), the template's own region
/// conditions and Rules, the sandbox's copy, and the refusal before any call when a switch needs a type the region lacks.
/// </summary>
public sealed class RegionFitTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private static readonly RegionOfferings Offerings = RegionOfferings.Load(Path.Combine(RepositoryFiles.RepoRoot, "template", RegionOfferings.FileName));

    private static IEnumerable<string> Absent(params string[] types)
        => Offerings.Regions.Where(r => types.Any(t => !Offerings.Offers(r, t))).Order(StringComparer.Ordinal);

    private static readonly string[] NotebookTypes = ["AWS::SageMaker::NotebookInstance", "AWS::SageMaker::NotebookInstanceLifecycleConfig"];
    private static readonly string[] CognitoTypes = ["AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolDomain"];

    private static List<string> RegionsIn(string text) => Regex.Matches(text, @"\b(?:[a-z]{2}(?:-gov)?-[a-z]+-\d)\b").Select(m => m.Value).Distinct().Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void The_templates_conditions_and_rules_name_the_regions_the_table_lacks()
    {
        var template = RepositoryFiles.Template();
        var conditions = template.Section("Conditions");
        var rules = template.Section("Rules");
        string Yaml(object? node) => System.Text.Json.JsonSerializer.Serialize(node);

        Assert.Equal(Absent(NotebookTypes), RegionsIn(Yaml(conditions["NotebookNotOffered"])));
        Assert.Equal(Absent(NotebookTypes), RegionsIn(Yaml(rules["NotebookOfferedInRegion"])));
        Assert.Equal(Absent(CognitoTypes), RegionsIn(Yaml(conditions["CognitoNotOffered"])));
        Assert.Equal(Absent(CognitoTypes), RegionsIn(Yaml(rules["UIOfferedInRegion"])));
        Assert.Equal(["aws", "aws-cn", "aws-us-gov"], Offerings.Partitions.Keys.Order(StringComparer.Ordinal));
        Assert.All(Offerings.Partitions, p => Assert.All(p.Value, r => Assert.Equal(p.Key, KnownRegions.PartitionOf(r))));
    }

    [Fact]
    public void The_sandboxs_own_table_agrees_with_the_regions_file()
    {
        foreach (var region in Offerings.Regions)
            foreach (var type in NotebookTypes.Concat(CognitoTypes))
                Assert.True(Offerings.Offers(region, type) == RegionalTypes.Offered(type, region), $"{type} in {region}");
        Assert.Equal(RegionalTypes.All.Keys.Order(StringComparer.Ordinal), NotebookTypes.Concat(CognitoTypes).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("cn-north-1", "EnableUI", "the Metaflow UI's login (Amazon Cognito)", "leave the UI off")]
    [InlineData("ap-south-2", null, "the SageMaker notebook", "-NoSagemaker")]
    [InlineData("us-gov-east-1", null, "the SageMaker notebook", "us-gov-west-1")]
    [InlineData("ap-southeast-3", null, "AWS::SageMaker::NotebookInstanceLifecycleConfig", "-NoSagemaker")]
    public void A_switch_the_region_cannot_serve_is_refused_with_what_to_do(string region, string? ui, string what, string advice)
    {
        var values = new Dictionary<string, string>();
        if (ui is not null) { values["EnableUI"] = "true"; values["PublicDomainName"] = "metaflow.example.com"; values["CertificateArn"] = $"arn:aws-cn:acm:{region}:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"; }
        var template = RepositoryFiles.Template();
        var active = TemplatePlan.ActiveResources(template, values, region, "mf");
        var refusal = RegionFit.Check(template, active, values, region, Offerings);
        Assert.NotNull(refusal);
        Assert.Equal(ErrorIds.ResourceTypeNotInRegion, refusal.ErrorId);
        Assert.Contains($"CloudFormation in {region} does not offer", refusal.Message);
        Assert.Contains(what, refusal.Message);
        Assert.Contains(advice, refusal.Message);
        Assert.Contains("nothing was sent", refusal.Message);
    }

    [Theory]
    [InlineData("us-east-1", true, true)]
    [InlineData("cn-north-1", false, true)]
    [InlineData("ap-south-2", true, false)]
    [InlineData("us-gov-west-1", true, true)]
    [InlineData("eu-west-9", true, true)] // not in the table: no opinion here; the region check refuses an unknown name
    public void What_the_region_offers_passes(string region, bool ui, bool notebook)
    {
        var values = new Dictionary<string, string> { ["EnableSagemaker"] = notebook ? "true" : "false" };
        if (ui) { values["EnableUI"] = "true"; values["PublicDomainName"] = "metaflow.example.com"; values["CertificateArn"] = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"; }
        if (region == "cn-north-1") values["EnableUI"] = "false";
        var template = RepositoryFiles.Template();
        Assert.Null(RegionFit.Check(template, TemplatePlan.ActiveResources(template, values, region, "mf"), values, region, Offerings));
    }

    [Fact]
    public void The_deploy_plan_refuses_before_anything_is_sent()
    {
        var e = Assert.Throws<MetaflowException>(() => DeploymentPlan.Create(new DeploymentRequest { StackName = "mf" }, "ap-south-2"));
        Assert.Equal(ErrorIds.ResourceTypeNotInRegion, e.ErrorId);
        DeploymentPlan.Create(new DeploymentRequest { StackName = "mf", Parameters = new Dictionary<string, string> { ["EnableSagemaker"] = "false" } }, "ap-south-2");
    }

    // The claim is true: a template that creates what the region lacks is refused by CloudFormation (the sandbox, from its
    // own table), and the bundled template's Rule refuses the switch there with its own words.
    [Theory]
    [InlineData(false, "Template format error: Unrecognized resource types: [AWS::Cognito::UserPool, AWS::Cognito::UserPoolClient, AWS::Cognito::UserPoolDomain]")]
    [InlineData(true, "The UI's login needs Amazon Cognito, which CloudFormation does not offer in the China regions; set EnableUI to 'false'.")]
    public async Task CloudFormation_in_China_refuses_the_UI(bool asShipped, string refusal)
    {
        var body = File.ReadAllText(RepositoryFiles.TemplatePath);
        if (!asShipped)
        {
            // A weakened copy: no region condition, no Rule.
            body = body.Replace(", !Not [!Condition CognitoNotOffered]]", "]", StringComparison.Ordinal);
            body = Regex.Replace(body, @"  UIOfferedInRegion:\n(    .*\n)+?(?=  [#A-Za-z])", "");
            Assert.DoesNotContain("UIOfferedInRegion", body);
        }
        var name = "cn-" + Guid.NewGuid().ToString("N")[..8];
        var staged = await TemplateStaging.Create(sandbox.Session()).StageAsync(name, body, null, null, CancellationToken.None);
        var china = AwsSession.Resolve(new AwsSessionOptions
        {
            AccessKey = MetaflowAws.Sandbox.Http.Credentials.AccessKeyId, SecretKey = MetaflowAws.Sandbox.Http.Credentials.SecretAccessKey,
            Region = "cn-north-1", EndpointUrl = sandbox.Url,
        }, new SandboxFixture.EmptyEnvironment());
        var cfn = new CloudFormationClient(china.Credentials, china.Configure(new CloudFormationConfig(), "CloudFormation"));
        var e = await Assert.ThrowsAsync<AwsServiceException>(() => cfn.CreateStackAsync(new CreateStackRequest
        {
            StackName = name, TemplateURL = staged.TemplateUrl, Capabilities = DeploymentPlan.CapabilitiesFor(TemplateDocument.Parse(body)),
            Parameters =
            [
                new StackParameter("EnableUI", "true"), new StackParameter("PublicDomainName", "metaflow.example.cn"),
                new StackParameter("CertificateArn", "arn:aws-cn:acm:cn-north-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"),
            ],
        }));
        Assert.Equal(("ValidationError", refusal), (e.ErrorCode, e.Message));
    }
}
