using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.CloudFormation;
using MetaflowAws.Engine.Stacks;
using MetaflowAws.Engine.Staging;
using MetaflowAws.Engine.Templates;
using MetaflowAws.Sandbox.CloudFormation;

namespace MetaflowAws.Tests;

/// <summary>
/// Where the resource specification (npm @aws-cdk/aws-service-spec) and CloudFormation's registry schemas (what
/// cfn-lint checks with) disagree: each correction is pinned. The package still lists the name (when it stops, the
/// correction goes), the corrected specification does not, the validator flags the line that used it, and the
/// sandbox, from its own table, refuses the template as CloudFormation does.
/// </summary>
public sealed class SpecificationCorrectionsTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private const string OldLine = "!GetAtt Notebook.NotebookInstanceArn";
    private const string NewLine = "!Ref Notebook";

    public static TheoryData<string, string> Corrections()
    {
        var data = new TheoryData<string, string>();
        foreach (var c in ResourceSpecification.Corrections) data.Add(c.Type, c.Attribute);
        return data;
    }

    [Theory]
    [MemberData(nameof(Corrections))]
    public void The_package_lists_the_attribute_and_the_corrected_specification_does_not(string type, string attribute)
    {
        var path = ResourceSpecification.FindDefault(RepositoryFiles.RepoRoot)!;
        Assert.Contains(attribute, ResourceSpecification.Load(path, corrected: false).Find(type)!.Attributes);
        Assert.DoesNotContain(attribute, RepositoryFiles.Specification.Find(type)!.Attributes);
        Assert.False(ResourceAttributes.Supports(type, attribute), "the sandbox's own table agrees with CloudFormation");
    }

    [Fact]
    public void The_validator_flags_the_old_line_and_accepts_the_bundled_template()
    {
        var text = File.ReadAllText(RepositoryFiles.TemplatePath);
        Assert.Contains(NewLine, text);
        Assert.DoesNotContain(OldLine, text);
        Assert.DoesNotContain(TemplateValidator.Validate(RepositoryFiles.Template(), RepositoryFiles.Specification), f => f.Check == TemplateValidator.UnknownAttribute);

        var old = TemplateDocument.Parse(text.Replace("Resource: " + NewLine, "Resource: " + OldLine, StringComparison.Ordinal));
        var finding = Assert.Single(TemplateValidator.Validate(old, RepositoryFiles.Specification), f => f.Check == TemplateValidator.UnknownAttribute);
        Assert.StartsWith("Resources/UserPolicy/Properties/PolicyDocument", finding.Path);
        Assert.Contains("CloudFormation refuses this attribute", finding.Message);
        Assert.Contains("!Ref of the notebook instance", finding.Message);

        // The 0.1.0 template shipped the line: Test-MetaflowTemplate says so.
        Assert.Contains(TemplateValidator.Validate(RepositoryFiles.OldTemplate(), RepositoryFiles.Specification),
            f => f.Check == TemplateValidator.UnknownAttribute && f.Message.Contains("NotebookInstanceArn", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true, true, true)]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    public async Task The_sandbox_refuses_the_old_line_where_the_stack_would_create_it(bool customRole, bool notebook, bool refused)
    {
        var body = File.ReadAllText(RepositoryFiles.TemplatePath).Replace("Resource: " + NewLine, "Resource: " + OldLine, StringComparison.Ordinal);
        var name = "corr-" + Guid.NewGuid().ToString("N")[..8];
        var staged = await TemplateStaging.Create(sandbox.Session()).StageAsync(name, body, null, null, CancellationToken.None);
        Task Create() => sandbox.CloudFormation().CreateStackAsync(new CreateStackRequest
        {
            StackName = name, TemplateURL = staged.TemplateUrl, Capabilities = DeploymentPlan.CapabilitiesFor(TemplateDocument.Parse(body)),
            Parameters = [new StackParameter("CustomRole", customRole ? "true" : "false"), new StackParameter("EnableSagemaker", notebook ? "true" : "false")],
        });
        if (!refused)
        {
            await Create();
            return;
        }
        var e = await Assert.ThrowsAsync<AwsServiceException>(Create);
        Assert.Equal(("ValidationError", "Template error: resource Notebook does not support attribute type NotebookInstanceArn in Fn::GetAtt"), (e.ErrorCode, e.Message));
    }

    [Fact]
    public void The_sandbox_model_gives_only_attributes_its_table_has()
    {
        var context = new StackContext("s", "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1", "us-east-1", "123456789012", "aws");
        var checkedTypes = 0;
        foreach (var type in new[]
                 {
                     "AWS::S3::Bucket", "AWS::IAM::Role", "AWS::IAM::InstanceProfile", "AWS::IAM::ManagedPolicy", "AWS::EC2::VPC", "AWS::EC2::Subnet",
                     "AWS::EC2::InternetGateway", "AWS::EC2::RouteTable", "AWS::EC2::SecurityGroup", "AWS::EC2::NatGateway", "AWS::EC2::EIP",
                     "AWS::EC2::LaunchTemplate", "AWS::Batch::ComputeEnvironment", "AWS::Batch::JobQueue", "AWS::DynamoDB::Table",
                     "AWS::SageMaker::NotebookInstance", "AWS::SageMaker::NotebookInstanceLifecycleConfig", "AWS::ECS::Cluster",
                     "AWS::ECS::TaskDefinition", "AWS::ECS::Service", "AWS::Logs::LogGroup", "AWS::ElasticLoadBalancingV2::LoadBalancer",
                     "AWS::ElasticLoadBalancingV2::TargetGroup", "AWS::ElasticLoadBalancingV2::Listener", "AWS::ElasticLoadBalancingV2::ListenerRule",
                     "AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolDomain", "AWS::RDS::DBInstance",
                     "AWS::SecretsManager::Secret", "AWS::Lambda::Function", "AWS::ApiGateway::RestApi", "AWS::ApiGateway::ApiKey",
                     "AWS::Events::Rule", "AWS::StepFunctions::StateMachine",
                 })
        {
            var identity = ResourceModel.Create(context, "R", type, new Dictionary<string, object?>());
            var table = ResourceAttributes.Of(type);
            Assert.True(table is not null, $"{type} has no attribute table");
            foreach (var attribute in identity.Attributes.Keys) Assert.True(table!.Contains(attribute), $"{type} gives {attribute}, which its schema does not have");
            checkedTypes++;
        }
        Assert.Equal(35, checkedTypes);
    }
}
