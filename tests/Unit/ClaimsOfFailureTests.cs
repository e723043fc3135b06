using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.CloudFormation;
using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Tests;

/// <summary>
/// A template check that says "this deploy fails" must be true: for every rule that reports an error, a template that
/// breaks it is deployed to the sandbox (whose CloudFormation and services judge it by their own tables, never the
/// engine's) and fails there: refused when the template is read, or the resource fails and the stack rolls back. The
/// rules that only weaken security or cost more are warnings (AwsFactChecksTests, OperationalChecksTests) and say the
/// deploy works. Two errors are proven in Pester on real parts instead, named in <see cref="ProvenInPester"/>.
/// </summary>
public sealed class ClaimsOfFailureTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    /// <summary>How the sandbox refuses: when the template is read (ValidationError), or when the resource is made or updated.</summary>
    public enum Refusal { OnRead, OnCreate, OnUpdate }

    private sealed record Claim(string Rule, string Template, Refusal When, string Says, Dictionary<string, string>? Update = null);

    private const string Role = """
          Role:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: Allow, Principal: { Service: lambda.amazonaws.com }, Action: sts:AssumeRole }] }
        """;

    private static readonly Dictionary<string, Claim> Claims = new()
    {
        ["a type CloudFormation does not have"] = new(TemplateValidator.UnknownResourceType,
            "Resources:\n  B: { Type: AWS::S3::Buckit }\n", Refusal.OnRead, "Unrecognized resource types: [AWS::S3::Buckit]"),
        ["a property its type does not have"] = new(TemplateValidator.UnknownProperty,
            "Resources:\n  B: { Type: AWS::S3::Bucket, Properties: { BucketNam: mine } }\n", Refusal.OnCreate, "extraneous key [BucketNam] is not permitted"),
        ["a required property missing"] = new(TemplateValidator.MissingRequiredProperty,
            "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties: { AttributeDefinitions: [{ AttributeName: id, AttributeType: S }], BillingMode: PAY_PER_REQUEST }\n",
            Refusal.OnCreate, "required key [KeySchema] not found"),
        ["an attribute its type does not return"] = new(TemplateValidator.UnknownAttribute,
            "Resources:\n  B: { Type: AWS::S3::Bucket }\nOutputs:\n  O: { Value: !GetAtt B.Website }\n", Refusal.OnRead, "resource B does not support attribute type Website in Fn::GetAtt"),
        ["a Ref to nothing"] = new(TemplateValidator.UnresolvedReference,
            "Resources:\n  B: { Type: AWS::S3::Bucket }\nOutputs:\n  O: { Value: !Ref Missing }\n", Refusal.OnRead, "Unresolved resource dependencies [Missing]"),
        ["a Sub variable that is nothing"] = new(TemplateValidator.UnknownSubVariable,
            "Resources:\n  B: { Type: AWS::S3::Bucket, Properties: { Tags: [{ Key: k, Value: !Sub '${Missing}-x' }] } }\n", Refusal.OnRead, "Unresolved resource dependencies [Missing]"),
        ["a condition that is not declared"] = new(TemplateValidator.UnknownCondition,
            "Resources:\n  B: { Type: AWS::S3::Bucket, Condition: Nope }\n", Refusal.OnRead, "Unresolved dependencies [Nope]"),
        ["a mapping that is not declared"] = new(TemplateValidator.UnknownMapping,
            "Resources:\n  B: { Type: AWS::S3::Bucket, Properties: { BucketName: !FindInMap [Nope, a, b] } }\n", Refusal.OnCreate, "Unable to get mapping for Nope::a::b"),
        ["a mapping key that is not there"] = new(TemplateValidator.UnknownMappingKey,
            "Mappings:\n  M: { a: { b: x } }\nResources:\n  B: { Type: AWS::S3::Bucket, Properties: { BucketName: !FindInMap [M, z, b] } }\n", Refusal.OnCreate, "Unable to get mapping for M::z::b"),
        ["a DependsOn on nothing"] = new(TemplateValidator.UnknownDependency,
            "Resources:\n  B: { Type: AWS::S3::Bucket, DependsOn: Nope }\n", Refusal.OnRead, "Unresolved resource dependencies [Nope]"),
        ["a database whose major version cannot move"] = new(OperationalChecks.MajorVersionUpgradeAllowed,
            "Parameters:\n  Version: { Type: String, Default: '15' }\nResources:\n  Db:\n    Type: AWS::RDS::DBInstance\n" +
            "    Properties: { Engine: postgres, EngineVersion: !Ref Version, DBInstanceClass: db.t3.small, AllocatedStorage: '20', MasterUsername: metaflow, MasterUserPassword: a-long-password-1 }\n",
            Refusal.OnUpdate, "The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version", new() { ["Version"] = "16" }),
        ["a Lambda runtime Lambda no longer creates"] = new(AwsFactChecks.LambdaRuntimeSupported,
            "Resources:\n" + Role + "\n  Fn:\n    Type: AWS::Lambda::Function\n" +
            "    Properties: { Runtime: python3.9, Handler: index.handler, Role: !GetAtt Role.Arn, Code: { ZipFile: 'def handler(e, c): return 1' } }\n",
            Refusal.OnCreate, "The runtime parameter of python3.9 is no longer supported for creating or updating AWS Lambda functions"),
        ["a notebook on Amazon Linux 2"] = new(AwsFactChecks.NotebookPlatformSupported,
            "Resources:\n" + Role + "\n  Nb:\n    Type: AWS::SageMaker::NotebookInstance\n" +
            "    Properties: { InstanceType: ml.t3.medium, RoleArn: !GetAtt Role.Arn, PlatformIdentifier: notebook-al2-v3 }\n",
            Refusal.OnCreate, "Platform identifier notebook-al2-v3 is no longer supported"),
        ["a PostgreSQL minor RDS retired"] = new(AwsFactChecks.DatabaseVersionSupported,
            "Resources:\n  Db:\n    Type: AWS::RDS::DBInstance\n" +
            "    Properties: { Engine: postgres, EngineVersion: '16.3', DBInstanceClass: db.t3.small, AllocatedStorage: '20', MasterUsername: metaflow, MasterUserPassword: a-long-password-1 }\n",
            Refusal.OnCreate, "Cannot find version 16.3 for postgres"),
        ["a Batch compute environment on the Amazon Linux 2 AMI"] = new(AwsFactChecks.BatchImageTypeSupported,
            "Resources:\n  Ce:\n    Type: AWS::Batch::ComputeEnvironment\n    Properties:\n      Type: MANAGED\n" +
            "      ComputeResources: { Type: EC2, MaxvCpus: 4, Subnets: [subnet-0abc], InstanceTypes: [c5.large], Ec2Configuration: [{ ImageType: ECS_AL2 }] }\n",
            Refusal.OnCreate, "ImageType ECS_AL2 is no longer supported"),
    };

    /// <summary>Errors proven by a Pester test on real parts (PostgreSQL, API Gateway's stage) rather than here.</summary>
    public static readonly IReadOnlyDictionary<string, string> ProvenInPester = new Dictionary<string, string>
    {
        [AwsFactChecks.DatabaseTlsConfigured] = "Database.Tests.ps1: without MF_METADATA_DB_SSL_MODE PostgreSQL 16 refuses the metadata container and the 0.1.0 stack rolls back",
        [OperationalChecks.ApiDeploymentFollowsMethods] = "ApiKeyToggle.Tests.ps1: the 0.1.0 template's one deployment keeps the key required after -DisableApiKey",
    };

    public static TheoryData<string> ClaimNames() => [.. Claims.Keys];

    /// <summary>Every rule that can report an error: the template validator's, and the dated and operational rules that say a deploy fails.</summary>
    private static readonly string[] ErrorRules =
    [
        .. TemplateValidator.Checks,
        OperationalChecks.ApiDeploymentFollowsMethods, OperationalChecks.MajorVersionUpgradeAllowed,
        AwsFactChecks.LambdaRuntimeSupported, AwsFactChecks.NotebookPlatformSupported, AwsFactChecks.DatabaseVersionSupported,
        AwsFactChecks.BatchImageTypeSupported, AwsFactChecks.DatabaseTlsConfigured,
    ];

    [Fact]
    public void Every_rule_that_reports_an_error_is_proven_by_a_failure()
        => Assert.Equal(ErrorRules.Order(), Claims.Values.Select(c => c.Rule).Concat(ProvenInPester.Keys).Distinct().Order());

    [Fact]
    public void No_other_rule_reports_an_error_on_the_templates_users_run()
    {
        foreach (var path in new[] { RepositoryFiles.OldTemplatePath, Path.Combine(RepositoryFiles.RepoRoot, "tests/Fixtures/upstream-interface.yml") })
        {
            var errors = TemplateInspection.Run(path, new DateOnly(2026, 12, 8)).Findings.Where(f => f.Severity == FindingSeverity.Error).Select(f => f.Rule).Distinct();
            Assert.All(errors, rule => Assert.Contains(rule, ErrorRules));
        }
    }

    [Theory]
    [MemberData(nameof(ClaimNames))]
    public async Task The_check_says_it_fails_and_the_deploy_does(string claimName)
    {
        var claim = Claims[claimName];
        var file = Path.Combine(Path.GetTempPath(), $"claim-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(file, claim.Template);
        try
        {
            var finding = Assert.Single(TemplateInspection.Run(file, new DateOnly(2026, 12, 8)).Findings, f => f.Rule == claim.Rule);
            Assert.Equal(FindingSeverity.Error, finding.Severity);
        }
        finally { File.Delete(file); }

        var cfn = sandbox.CloudFormation();
        var name = "claim-" + Guid.NewGuid().ToString("N")[..8];
        var create = new CreateStackRequest { StackName = name, TemplateBody = claim.Template, Capabilities = ["CAPABILITY_IAM"] };
        if (claim.When == Refusal.OnRead)
        {
            var e = await Assert.ThrowsAsync<AwsServiceException>(() => cfn.CreateStackAsync(create));
            Assert.Equal("ValidationError", e.ErrorCode);
            Assert.Contains(claim.Says, e.Message);
            return;
        }
        await cfn.CreateStackAsync(create);
        var created = await SettledAsync(cfn, name);
        if (claim.When == Refusal.OnUpdate)
        {
            Assert.Equal("CREATE_COMPLETE", created);
            await cfn.UpdateStackForTestAsync(name, claim.Update!);
            Assert.Equal("UPDATE_ROLLBACK_COMPLETE", await SettledAsync(cfn, name));
        }
        else Assert.Equal("ROLLBACK_COMPLETE", created);
        var events = await cfn.DescribeStackEventsAsync(new DescribeStackEventsRequest { StackName = name });
        Assert.Contains(events.StackEvents, e => e.ResourceStatus.EndsWith("_FAILED", StringComparison.Ordinal) && (e.ResourceStatusReason ?? "").Contains(claim.Says, StringComparison.Ordinal));
    }

    private static async Task<string> SettledAsync(CloudFormationClient cfn, string name)
        => (await Bounded.UntilAsync(async () => (await cfn.DescribeStacksAsync(new DescribeStacksRequest { StackName = name })).Stacks.Single().StackStatus,
            s => !s.EndsWith("_IN_PROGRESS", StringComparison.Ordinal), $"stack {name} to settle"));
}

/// <summary>An update through a change set, as Update-MetaflowStack sends it: new values for some parameters, the template kept.</summary>
internal static class ChangeSetUpdates
{
    public static async Task UpdateStackForTestAsync(this CloudFormationClient cfn, string stackName, IReadOnlyDictionary<string, string> values)
    {
        var changeSet = await cfn.CreateChangeSetAsync(new CreateChangeSetRequest
        {
            StackName = stackName, ChangeSetName = "claim-" + Guid.NewGuid().ToString("N")[..8], UsePreviousTemplate = true,
            Parameters = values.Select(v => new StackParameter(v.Key, v.Value)).ToList(), Capabilities = ["CAPABILITY_IAM"],
        });
        await Bounded.UntilAsync(async () => (await cfn.DescribeChangeSetAsync(new DescribeChangeSetRequest { ChangeSetName = changeSet.Id, StackName = stackName })).Status,
            s => s is "CREATE_COMPLETE" or "FAILED", "the change set");
        await cfn.ExecuteChangeSetAsync(new ExecuteChangeSetRequest { ChangeSetName = changeSet.Id, StackName = stackName });
    }
}
