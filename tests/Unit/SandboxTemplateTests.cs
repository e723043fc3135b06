using MetaflowAws.Sandbox.CloudFormation;
using MetaflowAws.Sandbox.CloudFormation.Templates;

namespace MetaflowAws.Tests;

/// <summary>What the sandbox's own template reading refuses where the engine has no opinion to compare with.</summary>
public sealed class SandboxTemplateTests
{
    private const string Topic = "Resources:\n  T: { Type: AWS::SNS::Topic }\n";

    [Fact]
    public void AnUnknownParameterTypeIsATemplateFormatError()
    {
        var ex = Assert.Throws<TemplateError>(() => Template.Read("Parameters:\n  P: { Type: Strin }\n" + Topic));
        Assert.Equal("Template format error: Unrecognized parameter type: Strin", ex.Message);
        Assert.Throws<TemplateError>(() => Template.Read("Parameters:\n  P: { Default: x }\n" + Topic));
    }

    [Fact]
    public void AwsSpecificValuesMustBeIdsOfTheirKind()
    {
        var template = Template.Read("Parameters:\n  Vpc: { Type: 'AWS::EC2::VPC::Id' }\n  Subnets: { Type: 'List<AWS::EC2::Subnet::Id>' }\n" + Topic);
        var bad = ParameterBinding.Bind(template, new Dictionary<string, string> { ["Vpc"] = "main", ["Subnets"] = "subnet-0a1b" });
        Assert.Equal("Parameter validation failed: parameter value main for parameter name Vpc does not exist.", bad.Error);
        var good = ParameterBinding.Bind(template, new Dictionary<string, string> { ["Vpc"] = "vpc-0a1b2c", ["Subnets"] = "subnet-01, subnet-02" });
        Assert.Null(good.Error);
        Assert.Equal(new List<object?> { "subnet-01", "subnet-02" }, ParameterBinding.RefValue(template, "Subnets", good.Values["Subnets"]));
    }

    [Fact]
    public void SystemsManagerParametersCannotBeFetchedInTheSandbox()
    {
        var template = Template.Read("Parameters:\n  Ami: { Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>', Default: /aws/ami }\n" + Topic);
        Assert.Equal("Unable to fetch parameters [/aws/ami] from parameter store for this account.", ParameterBinding.Bind(template, new Dictionary<string, string>()).Error);
    }

    [Fact]
    public void ConditionsThatDependOnThemselvesOrOnResourcesAreRefused()
    {
        var context = new StackContext("s", "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1", "us-east-1", "123456789012", "aws");
        var circular = Template.Read("Conditions:\n  A: !Not [!Condition B]\n  B: !Not [!Condition A]\n" + Topic);
        Assert.StartsWith("Template format error: Circular dependency between conditions", Assert.Throws<TemplateError>(() => Conditions.Evaluate(circular, context, new Dictionary<string, string>())).Message);
        var onResource = Template.Read("Conditions:\n  A: !Equals [!Ref T, x]\n" + Topic);
        Assert.Equal("Template format error: Unresolved dependencies [T]. Cannot reference resources in the Conditions block of the template",
            Assert.Throws<TemplateError>(() => Conditions.Evaluate(onResource, context, new Dictionary<string, string>())).Message);
    }

    [Fact]
    public void FunctionsThatNeedATransformAreRefusedWhenTheTemplateIsRead()
    {
        var ex = Assert.Throws<TemplateError>(() => Template.Read("Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      N: { 'Fn::Length': [a] }\n"));
        Assert.StartsWith("Template format error: Encountered unsupported function: Fn::Length", ex.Message);
    }
}
