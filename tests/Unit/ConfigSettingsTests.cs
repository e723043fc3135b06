using MetaflowAws.Engine;
using MetaflowAws.Engine.Config;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Tests;

public sealed class ConfigSettingsTests
{
    private static MetaflowStackOutput Output(string key, string value) => new()
    {
        StackName = "mf", Region = "us-east-1", OutputKey = key, OutputValue = value, ConfigKey = ConfigKeys.For(key, null),
    };

    private static readonly MetaflowStackOutput[] Outputs =
    [
        Output("MetaflowDataStoreS3Url", "s3://b/metaflow"),
        Output("MetaflowDataToolsS3Url", "s3://b/data"),
        Output("ServiceUrl", "https://api/"),
        Output("ECSFargateExecutionRoleArn", "arn:aws:iam::1:role/exec"),
        Output("ApiKeyId", "abc123"),
        Output("VPCId", "vpc-1"),
    ];

    private static MetaflowStack Stack(string batchType, string status = "CREATE_COMPLETE", IReadOnlyList<MetaflowStackOutput>? outputs = null) => new()
    {
        StackName = "mf", StackId = "arn:aws:cloudformation:us-east-1:1:stack/mf/1", Region = "us-east-1", Status = status,
        Parameters = new Dictionary<string, string> { ["BatchType"] = batchType }, Outputs = outputs ?? Outputs,
    };

    [Fact]
    public void AFargateStackSetsTheExecutionRoleAndAnEc2StackDoesNot()
    {
        Assert.Equal("arn:aws:iam::1:role/exec", ConfigSettings.FromStack(Stack("fargate"))["METAFLOW_ECS_FARGATE_EXECUTION_ROLE"]);
        var ec2 = ConfigSettings.FromStack(Stack("ec2"));
        Assert.False(ec2.ContainsKey("METAFLOW_ECS_FARGATE_EXECUTION_ROLE"));
        Assert.Equal("s3", ec2["METAFLOW_DEFAULT_DATASTORE"]);
        Assert.Equal("service", ec2["METAFLOW_DEFAULT_METADATA"]);
        Assert.False(ec2.ContainsKey("METAFLOW_SERVICE_AUTH_KEY")); // the output is the key's id
        Assert.All(ec2.Keys, k => Assert.StartsWith("METAFLOW_", k));
    }

    [Fact]
    public void AStackStillInProgressIsBusy()
    {
        var ex = Assert.Throws<MetaflowException>(() => ConfigSettings.FromStack(Stack("ec2", "UPDATE_IN_PROGRESS")));
        Assert.Equal(ErrorIds.StackBusy, ex.ErrorId);
        Assert.Contains("Wait-MetaflowStack -StackName mf", ex.Message);
    }

    [Fact]
    public void AStackWithoutMetaflowOutputsIsNotAMetaflowStack()
    {
        var ex = Assert.Throws<MetaflowException>(() => ConfigSettings.FromStack(Stack("ec2", "ROLLBACK_COMPLETE", [])));
        Assert.Equal(ErrorIds.NotAMetaflowStack, ex.ErrorId);
        Assert.Contains("ROLLBACK_COMPLETE", ex.Message);
    }

    [Fact]
    public void PickedOutputsGiveExactlyTheirSettings()
    {
        var s3Only = ConfigSettings.FromOutputs(Outputs.Where(o => o.OutputKey.Contains("S3")));
        Assert.Equal(["METAFLOW_DATASTORE_SYSROOT_S3", "METAFLOW_DATATOOLS_S3ROOT", "METAFLOW_DEFAULT_DATASTORE"], s3Only.Keys);

        var service = ConfigSettings.FromOutputs(Outputs.Where(o => o.OutputKey is "ServiceUrl" or "ApiKeyId"));
        Assert.Equal(["METAFLOW_DEFAULT_METADATA", "METAFLOW_SERVICE_URL"], service.Keys);
    }
}
