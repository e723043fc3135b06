using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.CloudFormation;

namespace MetaflowAws.Tests;

public sealed class CloudFormationClientTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private const string SmallTemplate = """
        Parameters:
          Env:
            Type: String
            Default: dev
            AllowedValues: [dev, prod]
        Conditions:
          IsProd: !Equals [!Ref Env, prod]
        Resources:
          Bucket:
            Type: AWS::S3::Bucket
          Table:
            Type: AWS::DynamoDB::Table
            Condition: IsProd
        Outputs:
          BucketArn:
            Value: !GetAtt Bucket.Arn
          Where:
            Value: !Sub "${AWS::Region}/${Bucket}"
          TableName:
            Condition: IsProd
            Value: !Ref Table
        """;

    [Fact]
    public async Task CreateDescribeAndDeleteRoundTripOverSignedHttp()
    {
        var cfn = sandbox.CloudFormation();
        var created = await cfn.CreateStackAsync(new CreateStackRequest { StackName = "roundtrip", TemplateBody = SmallTemplate });
        Assert.StartsWith("arn:aws:cloudformation:us-east-1:123456789012:stack/roundtrip/", created.StackId);

        StackSummaryInfo stack;
        do
        {
            await Task.Delay(20);
            stack = (await cfn.DescribeStacksAsync(new DescribeStacksRequest { StackName = "roundtrip" })).Stacks.Single();
        } while (stack.StackStatus == "CREATE_IN_PROGRESS");

        Assert.Equal("CREATE_COMPLETE", stack.StackStatus);
        Assert.Equal(["BucketArn", "Where"], stack.Outputs.Select(o => o.OutputKey));
        Assert.StartsWith("arn:aws:s3:::roundtrip-bucket-", stack.Outputs[0].OutputValue);
        Assert.StartsWith("us-east-1/roundtrip-bucket-", stack.Outputs[1].OutputValue);
        Assert.Equal("dev", stack.Parameters.Single(p => p.ParameterKey == "Env").ParameterValue);

        var events = await cfn.DescribeStackEventsAsync(new DescribeStackEventsRequest { StackName = "roundtrip" });
        Assert.Equal("CREATE_COMPLETE", events.StackEvents[0].ResourceStatus);
        Assert.Equal("AWS::CloudFormation::Stack", events.StackEvents[0].ResourceType);
        Assert.Contains(events.StackEvents, e => e.LogicalResourceId == "Bucket" && e.ResourceStatus == "CREATE_IN_PROGRESS");

        await cfn.DeleteStackAsync(new DeleteStackRequest { StackName = "roundtrip" });
        do
        {
            await Task.Delay(20);
            stack = (await cfn.DescribeStacksAsync(new DescribeStacksRequest { StackName = created.StackId })).Stacks.Single();
        } while (stack.StackStatus == "DELETE_IN_PROGRESS");
        Assert.Equal("DELETE_COMPLETE", stack.StackStatus);
    }

    [Fact]
    public async Task AwsErrorsCarryCodeAndRequestId()
    {
        var cfn = sandbox.CloudFormation();
        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => cfn.DescribeStacksAsync(new DescribeStacksRequest { StackName = "no-such-stack" }));
        Assert.Equal("ValidationError", ex.ErrorCode);
        Assert.Equal("Stack with id no-such-stack does not exist", ex.Message);
        Assert.False(string.IsNullOrEmpty(ex.RequestId));
    }

    [Fact]
    public async Task WrongSecretIsRejectedWithSignatureDoesNotMatch()
    {
        var cfn = sandbox.CloudFormation(secret: "not-the-secret");
        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => cfn.DescribeStacksAsync(new DescribeStacksRequest()));
        Assert.Equal("SignatureDoesNotMatch", ex.ErrorCode);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, ex.StatusCode);
    }

    [Fact]
    public async Task ParameterConstraintsGiveCloudFormationsMessages()
    {
        var cfn = sandbox.CloudFormation();
        var ex = await Assert.ThrowsAsync<AwsServiceException>(() => cfn.CreateStackAsync(new CreateStackRequest
        {
            StackName = "badparam",
            TemplateBody = SmallTemplate,
            Parameters = [new StackParameter("Env", "qa")],
        }));
        Assert.Equal("ValidationError", ex.ErrorCode);
        Assert.Equal("Parameter 'Env' must be one of AllowedValues", ex.Message);
    }
}
