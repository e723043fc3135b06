using MetaflowAws.Engine.Templates;
using static MetaflowAws.Tests.TemplateTree;

namespace MetaflowAws.Tests;

public sealed class TemplateValidatorTests
{
    private sealed record Case(Action<TemplateDocument> Break, string Check, string Path);

    /// <summary>
    /// Each entry breaks one thing in a copy of the real template. Together they make every check fail at
    /// least once (<see cref="EveryCheckHasAFailingCase"/>).
    /// </summary>
    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["resource type misspelt"] = new(
            t => t.Resource("MetaflowS3Bucket")["Type"] = "AWS::S3::Buckets",
            TemplateValidator.UnknownResourceType, "Resources/MetaflowS3Bucket/Type"),
        ["resource without a type"] = new(
            t => t.Resource("MetadataCluster").Remove("Type"),
            TemplateValidator.UnknownResourceType, "Resources/MetadataCluster/Type"),
        ["SAM type without its transform"] = new(
            t => t.AddResource("Handler", "AWS::Serverless::Function", Obj(("Runtime", "python3.12"))),
            TemplateValidator.UnknownResourceType, "Resources/Handler/Type"),
        ["property misspelt"] = new(
            t => Rename(t.Properties("MetaflowS3Bucket"), "VersioningConfiguration", "VersioningConfig"),
            TemplateValidator.UnknownProperty, "Resources/MetaflowS3Bucket/Properties/VersioningConfig"),
        ["property of another type"] = new(
            t => t.Properties("StepFunctionsStateDDB")["BucketName"] = "not-a-table-property",
            TemplateValidator.UnknownProperty, "Resources/StepFunctionsStateDDB/Properties/BucketName"),
        ["required property removed"] = new(
            t => t.Properties("BatchSecurityGroup").Remove("GroupDescription"),
            TemplateValidator.MissingRequiredProperty, "Resources/BatchSecurityGroup/Properties/GroupDescription"),
        ["required property with no Properties at all"] = new(
            t => t.AddResource("Queue", "AWS::Batch::JobQueue"),
            TemplateValidator.MissingRequiredProperty, "Resources/Queue/Properties/Priority"),
        ["required property AWS::NoValue in one branch"] = new(
            t => t.Properties("MigrationFunction")["Role"] = If("IsFargate", Ref("AWS::NoValue"), Fn("Fn::GetAtt", Arr("MigrationFunctionRole", "Arn"))),
            TemplateValidator.MissingRequiredProperty, "Resources/MigrationFunction/Properties/Role"),
        ["GetAtt attribute misspelt in an output"] = new(
            t => t.Output("ECSJobRoleForBatchJobs")["Value"] = Fn("Fn::GetAtt", Arr("BatchS3TaskRole", "Arnn")),
            TemplateValidator.UnknownAttribute, "Outputs/ECSJobRoleForBatchJobs/Value"),
        ["GetAtt nested attribute misspelt"] = new(
            t => t.Properties("MetadataTaskDefinition")["ContainerDefinitions"].List()[0].Map()["Environment"].List()[0].Map()["Value"]
                = Fn("Fn::GetAtt", Arr("RDSMasterInstance", "Endpoint.Addr")),
            TemplateValidator.UnknownAttribute, "Resources/MetadataTaskDefinition/Properties/ContainerDefinitions/0/Environment/0/Value"),
        ["GetAtt string form with a wrong attribute"] = new(
            t => t.Properties("Notebook")["RoleArn"] = Fn("Fn::GetAtt", "NotebookRole.ARN"),
            TemplateValidator.UnknownAttribute, "Resources/Notebook/Properties/RoleArn"),
        ["Sub resource attribute misspelt"] = new(
            t => t.Properties("MigrationFunction")["Environment"].Map()["Variables"].Map()["MIGRATION_BASE_URL"]
                = Fn("Fn::Sub", "http://${NLB.DnsName}:8082"),
            TemplateValidator.UnknownAttribute, "Resources/MigrationFunction/Properties/Environment/Variables/MIGRATION_BASE_URL"),
        ["Ref to a resource that does not exist"] = new(
            t => t.Properties("DBSubnetGroup")["SubnetIds"] = Arr(Ref("Subnet1"), Ref("Subnet3")),
            TemplateValidator.UnresolvedReference, "Resources/DBSubnetGroup/Properties/SubnetIds/1"),
        ["Ref to a misspelt pseudo parameter"] = new(
            t => t.Properties("MetadataLogGroup")["LogGroupName"] = Ref("AWS::Regoin"),
            TemplateValidator.UnresolvedReference, "Resources/MetadataLogGroup/Properties/LogGroupName"),
        ["GetAtt of a resource that does not exist"] = new(
            t => t.Properties("ComputeEnvironment")["ServiceRole"] = Fn("Fn::GetAtt", Arr("BatchServiceRol", "Arn")),
            TemplateValidator.UnresolvedReference, "Resources/ComputeEnvironment/Properties/ServiceRole"),
        ["GetAtt of a parameter"] = new(
            t => t.Properties("ComputeEnvironment")["ServiceRole"] = Fn("Fn::GetAtt", Arr("BatchType", "Arn")),
            TemplateValidator.UnresolvedReference, "Resources/ComputeEnvironment/Properties/ServiceRole"),
        ["Sub variable that names nothing"] = new(
            t => t.Properties("VpcLink")["Name"] = Fn("Fn::Sub", "${AWS::StackName}-${Stage}-vpclink"),
            TemplateValidator.UnknownSubVariable, "Resources/VpcLink/Properties/Name"),
        ["Sub attribute of a resource that does not exist"] = new(
            t => t.Properties("Api")["Description"] = Fn("Fn::Sub", "in front of ${LoadBalancer.DNSName}"),
            TemplateValidator.UnknownSubVariable, "Resources/Api/Properties/Description"),
        ["Sub variable not in the Sub's own variables"] = new(
            t => t.Properties("Api")["Description"] = Fn("Fn::Sub", Arr("port ${Port}", Obj(("Prt", "8080")))),
            TemplateValidator.UnknownSubVariable, "Resources/Api/Properties/Description"),
        ["resource condition misspelt"] = new(
            t => t.Resource("NotebookRole")["Condition"] = "CreateNotebooks",
            TemplateValidator.UnknownCondition, "Resources/NotebookRole/Condition"),
        ["output condition misspelt"] = new(
            t => t.Output("ApiKeyId")["Condition"] = "UseApiKeys",
            TemplateValidator.UnknownCondition, "Outputs/ApiKeyId/Condition"),
        ["Fn::If condition misspelt"] = new(
            t => t.Properties("ProxyMethod")["ApiKeyRequired"] = If("UseAPIKey", "true", "false"),
            TemplateValidator.UnknownCondition, "Resources/ProxyMethod/Properties/ApiKeyRequired"),
        ["condition referring to a missing condition"] = new(
            t => t.Section("Conditions")["IsEc2"] = Fn("Fn::Not", Arr(Obj(("Condition", "IsFargat")))),
            TemplateValidator.UnknownCondition, "Conditions/IsEc2/Fn::Not/0"),
        ["FindInMap without the map"] = new(
            t => t.Properties("MetadataTaskDefinition")["Cpu"] = Fn("Fn::FindInMap", Arr("ServiceSizes", "small", "Cpu")),
            TemplateValidator.UnknownMapping, "Resources/MetadataTaskDefinition/Properties/Cpu"),
        ["FindInMap top-level key missing"] = new(
            t => WithSizes(t, "large", "Cpu"),
            TemplateValidator.UnknownMappingKey, "Resources/MetadataTaskDefinition/Properties/Cpu"),
        ["FindInMap second-level key missing"] = new(
            t => WithSizes(t, "small", "Memory"),
            TemplateValidator.UnknownMappingKey, "Resources/MetadataTaskDefinition/Properties/Cpu"),
        ["DependsOn a resource that does not exist"] = new(
            t => t.Resource("ComputeEnvironment")["DependsOn"] = Arr("InternetRoute", "Subnet1Route"),
            TemplateValidator.UnknownDependency, "Resources/ComputeEnvironment/DependsOn"),
        ["DependsOn itself"] = new(
            t => t.Resource("ApiDeploymentOpen")["DependsOn"] = "ApiDeploymentOpen",
            TemplateValidator.UnknownDependency, "Resources/ApiDeploymentOpen/DependsOn"),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Fact]
    public void RealTemplatePassesEveryCheck()
    {
        var findings = TemplateValidator.Validate(RepositoryFiles.Template(), RepositoryFiles.Specification);

        Assert.True(findings.Count == 0, "template/metaflow.yml should have no findings:\n" + string.Join("\n", findings));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void BrokenTemplateFailsExactlyThatCheck(string caseName)
    {
        var (breakIt, check, path) = Cases[caseName];
        var template = RepositoryFiles.Template();
        breakIt(template);

        TemplateTree.AssertSingleFinding(TemplateValidator.Validate(template, RepositoryFiles.Specification), check, path);
    }

    [Fact]
    public void EveryCheckHasAFailingCase()
        => Assert.Equal(TemplateValidator.Checks.Order(), Cases.Values.Select(c => c.Check).Distinct().Order());

    [Fact]
    public void MessagesSuggestTheNameThatWasMeant()
    {
        var template = RepositoryFiles.Template();
        Rename(template.Properties("MetaflowS3Bucket"), "VersioningConfiguration", "versioningConfiguration");
        template.Output("ECSJobRoleForBatchJobs")["Value"] = Fn("Fn::GetAtt", Arr("BatchS3TaskRole", "Arnn"));

        var messages = TemplateValidator.Validate(template, RepositoryFiles.Specification).Select(f => f.Message).ToList();

        Assert.Contains(messages, m => m.Contains("Did you mean VersioningConfiguration?"));
        Assert.Contains(messages, m => m.Contains("Did you mean Arn?"));
    }

    [Fact]
    public void SubEscapesAndLocalVariablesAreNotReferences()
    {
        var template = RepositoryFiles.Template();
        template.Properties("Api")["Description"] =
            Fn("Fn::Sub", Arr("${!Literal} ${!Not.Attribute} on ${Port} of ${NLB.DNSName}", Obj(("Port", Ref("AWS::Region")))));

        Assert.Empty(TemplateValidator.Validate(template, RepositoryFiles.Specification));
    }

    [Fact]
    public void SubVariableMapValuesAreCheckedToo()
    {
        var template = RepositoryFiles.Template();
        template.Properties("Api")["Description"] = Fn("Fn::Sub", Arr("on ${Port}", Obj(("Port", Ref("ServicePort")))));

        var finding = Assert.Single(TemplateValidator.Validate(template, RepositoryFiles.Specification));
        Assert.Equal(TemplateValidator.UnresolvedReference, finding.Check);
        Assert.StartsWith("Resources/Api/Properties/Description", finding.Path);
    }

    [Fact]
    public void CustomResourcesTakeAnyPropertyAndAttribute()
    {
        var template = RepositoryFiles.Template();
        template.AddResource("Seed", "Custom::SeedDatabase", Obj(
            ("ServiceToken", Fn("Fn::GetAtt", Arr("MigrationFunction", "Arn"))),
            ("Anything", "goes")));
        template.Section("Outputs")["SeedResult"] = Obj(("Value", Fn("Fn::GetAtt", Arr("Seed", "RowsWritten"))));

        Assert.Empty(TemplateValidator.Validate(template, RepositoryFiles.Specification));
    }

    [Fact]
    public void FindInMapWithKnownKeysPasses()
    {
        var template = RepositoryFiles.Template();
        WithSizes(template, "small", "Cpu");

        Assert.Empty(TemplateValidator.Validate(template, RepositoryFiles.Specification));
    }

    [Fact]
    public void JsonTemplatesAreValidatedTheSameWay()
    {
        var template = TemplateDocument.Parse("""
            {
              "Resources": {
                "Bucket": { "Type": "AWS::S3::Bucket", "Properties": { "BucketNam": "x" } }
              },
              "Outputs": { "Arn": { "Value": { "Fn::GetAtt": "Bucket.Arn" } }, "Bad": { "Value": { "Fn::GetAtt": ["Bucket", "Nope"] } } }
            }
            """);

        var findings = TemplateValidator.Validate(template, RepositoryFiles.Specification);

        Assert.Equal(
            [(TemplateValidator.UnknownProperty, "Resources/Bucket/Properties/BucketNam"), (TemplateValidator.UnknownAttribute, "Outputs/Bad/Value")],
            findings.Select(f => (f.Check, f.Path)));
    }

    private static void Rename(Dictionary<string, object?> map, string from, string to)
    {
        map[to] = map[from];
        map.Remove(from);
    }

    private static void WithSizes(TemplateDocument t, string size, string key)
    {
        t.Section("Mappings")["ServiceSizes"] = Obj(("small", Obj(("Cpu", "512"))));
        t.Properties("MetadataTaskDefinition")["Cpu"] = Fn("Fn::FindInMap", Arr("ServiceSizes", size, key));
    }
}
