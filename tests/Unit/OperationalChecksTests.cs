using MetaflowAws.Engine.Templates;
using static MetaflowAws.Tests.TemplateTree;

namespace MetaflowAws.Tests;

public sealed class OperationalChecksTests
{
    /// <summary>A broken copy, the one finding it draws, and whether it says the deploy or update fails (Error) or only degrades (Warning).</summary>
    private sealed record Case(Action<TemplateDocument> Break, string Check, string Path, FindingSeverity Severity = FindingSeverity.Warning);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["service without a circuit breaker"] = new(
            t => t.Properties("MetadataService").Remove("DeploymentConfiguration"),
            OperationalChecks.EcsCircuitBreaker, "Resources/MetadataService/Properties/DeploymentConfiguration"),
        ["circuit breaker that does not roll back"] = new(
            t => t.Properties("MetadataService")["DeploymentConfiguration"].Map()["DeploymentCircuitBreaker"] = Obj(("Enable", "true"), ("Rollback", "false")),
            OperationalChecks.EcsCircuitBreaker, "Resources/MetadataService/Properties/DeploymentConfiguration"),
        ["one deployment for both API key settings"] = new(
            t => t.Properties("ApiStage")["DeploymentId"] = Ref("ApiDeploymentWithKey"),
            OperationalChecks.ApiDeploymentFollowsMethods, "Resources/ApiStage/Properties/DeploymentId", FindingSeverity.Error),
        ["major version upgrades not allowed"] = new(
            t => t.Properties("RDSMasterInstance").Remove("AllowMajorVersionUpgrade"),
            OperationalChecks.MajorVersionUpgradeAllowed, "Resources/RDSMasterInstance/Properties", FindingSeverity.Error),
        ["function logs kept forever"] = new(
            t => t.Properties("MigrationFunction").Remove("LoggingConfig"),
            OperationalChecks.FunctionLogRetention, "Resources/MigrationFunction/Properties"),
        ["function log group without retention"] = new(
            t => t.Properties("MigrationLogGroup").Remove("RetentionInDays"),
            OperationalChecks.FunctionLogRetention, "Resources/MigrationFunction/Properties"),
        ["console link of the aws partition only"] = new(
            t => t.Output("SageMakerNoteBookURL")["Value"] = Fn("Fn::Sub", "https://${AWS::Region}.console.aws.amazon.com/sagemaker/home"),
            OperationalChecks.LinksFollowPartition, "Outputs/SageMakerNoteBookURL/Value"),
    };

    public static TheoryData<string> CaseNames() => [.. Cases.Keys];

    [Fact]
    public void RealTemplatePassesEveryCheck()
    {
        var findings = OperationalChecks.Check(RepositoryFiles.Template());

        Assert.True(findings.Count == 0, "template/metaflow.yml should have no findings:\n" + string.Join("\n", findings));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void BrokenTemplateFailsExactlyThatCheck(string caseName)
    {
        var (breakIt, check, path, severity) = Cases[caseName];
        var template = RepositoryFiles.Template();
        breakIt(template);

        var findings = OperationalChecks.Check(template);
        AssertSingleFinding(findings, check, path);
        Assert.Equal(severity, findings[0].Severity);
    }

    [Fact]
    public void EveryCheckHasAFailingCase()
        => Assert.Equal(OperationalChecks.Checks.Order(), Cases.Values.Select(c => c.Check).Distinct().Order());

    [Fact]
    public void OldTemplateFailsEveryCheck()
    {
        // Version 0.1.0's template: no breaker, one deployment, no major upgrades, logs kept forever, an aws-only console link.
        var checks = OperationalChecks.Check(RepositoryFiles.OldTemplate()).Select(f => f.Check).Distinct().Order();

        Assert.Equal(OperationalChecks.Checks.Order(), checks);
    }
}
