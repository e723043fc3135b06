using MetaflowAws.Engine;
using MetaflowAws.Engine.CloudFormation;
using MetaflowAws.Engine.Stacks;
using MetaflowAws.Engine.Ui;

namespace MetaflowAws.Tests;

/// <summary>The Metaflow UI's settings, refused before any call with their own error ids; the certificate's coverage.</summary>
public sealed class UiRulesTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private const string Arn = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

    private static Dictionary<string, string> Ui(string? domain = "metaflow.example.com", string? certificate = Arn, string enabled = "true")
    {
        var values = new Dictionary<string, string> { [MetaflowParameters.UiParameter] = enabled };
        if (domain is not null) values[MetaflowParameters.UiDomainParameter] = domain;
        if (certificate is not null) values[MetaflowParameters.UiCertificateParameter] = certificate;
        return values;
    }

    public static TheoryData<string, string?, string?, string> Refused => new()
    {
        { "no domain", null, Arn, ErrorIds.UiSettingsIncomplete },
        { "no certificate", "metaflow.example.com", null, ErrorIds.UiSettingsIncomplete },
        { "neither", "", "", ErrorIds.UiSettingsIncomplete },
        { "one label", "localhost", Arn, ErrorIds.InvalidUiDomain },
        { "wildcard", "*.example.com", Arn, ErrorIds.InvalidUiDomain },
        { "underscore", "meta_flow.example.com", Arn, ErrorIds.InvalidUiDomain },
        { "label of 64", new string('a', 64) + ".example.com", Arn, ErrorIds.InvalidUiDomain },
        { "a URL", "https://metaflow.example.com/", Arn, ErrorIds.InvalidUiDomain },
        { "certificate of another region", "metaflow.example.com", Arn.Replace("us-east-1", "eu-west-1"), ErrorIds.InvalidCertificateArn },
        { "certificate of another partition", "metaflow.example.com", Arn.Replace("arn:aws:", "arn:aws-cn:"), ErrorIds.InvalidCertificateArn },
        { "an IAM server certificate", "metaflow.example.com", "arn:aws:iam::123456789012:server-certificate/ui", ErrorIds.InvalidCertificateArn },
        { "a truncated ARN", "metaflow.example.com", Arn[..^4], ErrorIds.InvalidCertificateArn },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Bad_settings_are_refused_naming_the_parameter_the_value_and_what_is_valid(string why, string? domain, string? certificate, string errorId)
    {
        _ = why;
        var error = UiRules.Checks(Ui(domain, certificate), "us-east-1").First();

        Assert.Equal(errorId, error.ErrorId);
        Assert.Contains(errorId == ErrorIds.InvalidCertificateArn ? "-CertificateArn" : errorId == ErrorIds.InvalidUiDomain ? "-UiDomainName" : "-EnableUI", error.Message);
        if (errorId != ErrorIds.UiSettingsIncomplete) Assert.Contains(errorId == ErrorIds.InvalidUiDomain ? domain! : certificate!, error.Message);
    }

    [Fact]
    public void Good_settings_pass_and_the_UI_off_needs_nothing()
    {
        Assert.Empty(UiRules.Checks(Ui(), "us-east-1"));
        Assert.Empty(UiRules.Checks(Ui("ui.ml.example.co.uk", Arn.Replace("us-east-1", "eu-west-2")), "eu-west-2"));
        Assert.Empty(UiRules.Checks(Ui("ui.example.cn", "arn:aws-cn:acm:cn-north-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"), "cn-north-1"));
        Assert.Empty(UiRules.Checks(Ui(null, null, enabled: "false"), "us-east-1"));
        Assert.Null(UiRules.From(Ui(enabled: "false")));
    }

    [Fact]
    public void The_typed_domain_is_written_lowercase_without_the_roots_dot()
    {
        var values = MetaflowParameters.ToTemplateValues(new Dictionary<string, object?> { ["UiDomainName"] = " Metaflow.Example.COM. ", ["EnableUI"] = true }, new Dictionary<string, string>());

        Assert.Equal("metaflow.example.com", values[MetaflowParameters.UiDomainParameter]);
        Assert.Equal("true", values[MetaflowParameters.UiParameter]);
    }

    [Theory]
    [InlineData("metaflow.example.com", new string[0], "metaflow.example.com", true)]
    [InlineData("example.com", new[] { "example.com", "metaflow.example.com" }, "metaflow.example.com", true)]
    [InlineData("*.example.com", new[] { "*.example.com" }, "metaflow.example.com", true)]
    [InlineData("*.example.com", new[] { "*.example.com" }, "ui.metaflow.example.com", false)]
    [InlineData("*.example.com", new[] { "*.example.com" }, "example.com", false)]
    [InlineData("other.example.com", new[] { "other.example.com" }, "metaflow.example.com", false)]
    public void A_certificate_covers_its_names_and_one_level_under_a_wildcard(string name, string[] alternatives, string domain, bool covers)
        => Assert.Equal(covers, UiRules.Covers(new CertificateInfo(Arn, name, alternatives, "ISSUED"), domain));

    [Fact]
    public void A_new_stack_with_the_UI_but_no_domain_is_refused_before_any_call()
    {
        var e = Assert.Throws<MetaflowException>(() => DeploymentPlan.Create(new DeploymentRequest
        {
            StackName = "ui-refused", Parameters = new Dictionary<string, string> { ["EnableUI"] = "true", ["CertificateArn"] = Arn },
            Tags = new Dictionary<string, string>(),
        }, "us-east-1"));

        Assert.Equal(ErrorIds.UiSettingsIncomplete, e.ErrorId);
    }

    /// <summary>The template's own Rules: CloudFormation (the sandbox's) refuses the same values sent past the module.</summary>
    [Fact]
    public async Task CloudFormation_refuses_the_UI_without_a_domain_by_the_templates_rule()
    {
        var body = File.ReadAllText(RepositoryFiles.TemplatePath);
        var staged = await MetaflowAws.Engine.Staging.TemplateStaging.Create(sandbox.Session()).StageAsync("ui-rule", body, null, null, CancellationToken.None);

        var e = await Assert.ThrowsAsync<MetaflowAws.Engine.Aws.AwsServiceException>(() => sandbox.CloudFormation().CreateStackAsync(new CreateStackRequest
        {
            StackName = "ui-rule", TemplateURL = staged.TemplateUrl, Capabilities = DeploymentPlan.CapabilitiesFor(RepositoryFiles.Template()),
            Parameters = [new StackParameter("EnableUI", "true"), new StackParameter("CertificateArn", Arn)],
        }));

        Assert.Equal("ValidationError", e.ErrorCode);
        Assert.Contains("EnableUI needs PublicDomainName", e.Message);
    }
}

/// <summary>The sandbox's CloudFormation evaluates a template's Rules with the rule functions before anything is made.</summary>
public sealed class SandboxRulesTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private const string Template = """
        Parameters:
          Stage: { Type: String, Default: dev }
          Zones: { Type: CommaDelimitedList, Default: 'us-east-1a,us-east-1b' }
        Rules:
          KnownStage:
            Assertions:
              - Assert: !Contains [[dev, prod], !Ref Stage]
                AssertDescription: Stage must be dev or prod.
          ZonesOfTheRegion:
            RuleCondition: !Equals [!Ref Stage, prod]
            Assertions:
              - Assert: !EachMemberIn [!Ref Zones, [us-east-1a, us-east-1b, us-east-1c]]
                AssertDescription: Zones must be zones of us-east-1.
        Resources:
          Handle: { Type: AWS::CloudFormation::WaitConditionHandle }
        """;

    [Theory]
    [InlineData("qa", "us-east-1a", "Stage must be dev or prod.")]
    [InlineData("prod", "us-east-1a,eu-west-1a", "Zones must be zones of us-east-1.")]
    [InlineData("dev", "eu-west-1a", null)]
    [InlineData("prod", "us-east-1c", null)]
    public async Task A_failed_assertion_refuses_the_stack_with_its_description(string stage, string zones, string? refusal)
    {
        var name = "rules-" + Guid.NewGuid().ToString("N")[..8];
        Task Create() => sandbox.CloudFormation().CreateStackAsync(new CreateStackRequest
        {
            StackName = name, TemplateBody = Template, Parameters = [new StackParameter("Stage", stage), new StackParameter("Zones", zones)],
        });
        if (refusal is null)
        {
            await Create();
            return;
        }
        var e = await Assert.ThrowsAsync<MetaflowAws.Engine.Aws.AwsServiceException>(Create);
        Assert.Equal(("ValidationError", refusal), (e.ErrorCode, e.Message));
    }
}
