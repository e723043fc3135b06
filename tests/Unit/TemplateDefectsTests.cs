using MetaflowAws.Engine.Templates;
using static MetaflowAws.Tests.TemplateTree;

namespace MetaflowAws.Tests;

/// <summary>
/// The defects issue 11 found in version 0.1.0's template that no generic rule covers, each asserted on the
/// old template (tests/Fixtures/metaflow-0.1.0.yml, where it must show) and on the current one (where it must not).
/// </summary>
public sealed class TemplateDefectsTests
{
    public static TheoryData<string, bool> Templates() => new() { { "old", true }, { "current", false } };

    private static TemplateDocument Load(string which) => which == "old" ? RepositoryFiles.OldTemplate() : RepositoryFiles.Template();

    [Theory]
    [MemberData(nameof(Templates))]
    public void PublicDbRouteRunsTheMigration(string which, bool defective)
    {
        // 0.1.0: GET /api/db invoked the migration function, which PATCHed /upgrade: a schema upgrade for anyone holding the key.
        var t = Load(which);
        var integration = t.Properties("DbMethod")["Integration"].Map();
        var invokesLambda = integration["Type"] as string == "AWS_PROXY";
        var apiGatewayMayInvoke = t.Section("Resources").Values.Any(r => r.Map()["Type"] as string == "AWS::Lambda::Permission"
            && r.Map()["Properties"].Map()["Principal"] as string == "apigateway.amazonaws.com");

        Assert.Equal(defective, invokesLambda || apiGatewayMayInvoke);
        if (!defective)
        {
            Assert.Equal("GET", integration["IntegrationHttpMethod"]);
            Assert.EndsWith(":8082/db_schema_status", (string)integration["Uri"].Map()["Fn::Sub"]!);
            Assert.True(t.Section("Outputs").ContainsKey("MigrationFunctionName"));
        }
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void MigrationFunctionMayReachTheDatabase(string which, bool defective)
    {
        // The function talks HTTP to the migration service; it never needs PostgreSQL's port.
        var ingress = Load(which).Properties("DatabaseSecurityGroup")["SecurityGroupIngress"].List();

        Assert.Equal(defective, ingress.Any(r => r.Map()["SourceSecurityGroupId"].Map()["Ref"] as string == "MigrationFunctionSecurityGroup"));
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void UserRoleReachesEveryStateMachineAndRule(string which, bool defective)
    {
        var statements = Load(which).Properties("UserPolicy")["PolicyDocument"].Map()["Statement"].List();
        var resources = statements.Select(s => s.Map()).Where(s => s.ContainsKey("Sid") && s["Sid"] is "StateMachines" or "Executions" or "Schedules")
            .SelectMany(s => s["Resource"] is List<object?> l ? l : [s["Resource"]])
            .Select(r => (string)r.Map()["Fn::Sub"]!).ToList();

        Assert.True(resources.Count >= 3, "expected the state machine, execution and rule statements");
        Assert.Equal(defective, resources.Any(r => r.EndsWith("stateMachine:*") || r.EndsWith("execution:*") || r.EndsWith("rule/*")));
        if (!defective) Assert.All(resources, r => Assert.Contains("${AWS::StackName}", r));
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void ApiKeyToggleLeavesTheStageOnOldMethods(string which, bool defective)
    {
        // Flipping APIBasicAuth must create a new deployment: the stage's deployment id differs between the two settings.
        var stage = Load(which).Properties("ApiStage")["DeploymentId"];
        var targets = TemplateValuesProbe.RefTargets(stage);

        Assert.Equal(defective, targets.Count < 2);
    }

    /// <summary>
    /// The bundled template is over CloudFormation's 51,200-byte TemplateBody limit since the UI (issue 15), so every
    /// deploy stages it in S3 (TemplateURL: up to 1 MB, CloudFormation User Guide "Quotas"). The budget keeps growth
    /// deliberate; template/README.md states the size.
    /// </summary>
    [Fact]
    public void CurrentTemplateStaysWithinItsByteBudgetAndTheReadmeStatesItsSize()
    {
        var size = new FileInfo(RepositoryFiles.TemplatePath).Length;
        // 120,000 since the hardening of 0.4.0 (API policy, WAF, launch template, scoped roles, 12 policies' broad-policy rule):
        // well under CloudFormation's 1 MB from S3, and the module always stages it (51,200 bytes is the inline limit).
        Assert.True(size <= 120_000, $"template/metaflow.yml is {size:N0} bytes, over its 120,000-byte budget.");
        Assert.True(size > 51_200, "Under 51,200 bytes the template could go inline again: update this test and the staging notes.");
        var readme = File.ReadAllText(Path.Combine(Path.GetDirectoryName(RepositoryFiles.TemplatePath)!, "README.md"));
        Assert.Contains($"**{size.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} bytes**", readme);
    }

    [Fact]
    public void InspectionOfTheBundledTemplateFindsNothingAndOfTheOldOneTheIssue11Defects()
    {
        var spec = RepositoryFiles.Specification;
        var facts = RepositoryFiles.Facts();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);

        var current = TemplateInspection.Run(RepositoryFiles.TemplatePath, today, facts, spec);
        var old = TemplateInspection.Run(RepositoryFiles.OldTemplatePath, new DateOnly(2026, 12, 1), facts, spec);

        Assert.True(current.Findings.Count == 0, "bundled template:\n" + string.Join("\n", current.Findings));
        Assert.True(old.HasErrors);
        // What makes its deploy or update fail is an error; what only weakens it (an image with a known flaw, no circuit breaker) a warning.
        foreach (var rule in new[] { AwsFactChecks.DatabaseTlsConfigured, AwsFactChecks.NotebookPlatformSupported, TemplateValidator.UnknownAttribute,
                     OperationalChecks.ApiDeploymentFollowsMethods, OperationalChecks.MajorVersionUpgradeAllowed })
            Assert.Contains(old.Findings, f => f.Rule == rule && f.Severity == FindingSeverity.Error);
        foreach (var rule in new[] { AwsFactChecks.MetadataServiceImageCurrent, OperationalChecks.EcsCircuitBreaker })
            Assert.Contains(old.Findings, f => f.Rule == rule && f.Severity == FindingSeverity.Warning);
    }
}

internal static class TemplateValuesProbe
{
    /// <summary>The distinct Ref targets a value can take through Fn::If branches.</summary>
    public static List<string> RefTargets(object? value)
    {
        if (value is Dictionary<string, object?> m && m.TryGetValue("Fn::If", out var arg) && arg is List<object?> l && l.Count == 3)
            return RefTargets(l[1]).Concat(RefTargets(l[2])).Distinct().ToList();
        return value is Dictionary<string, object?> r && r.TryGetValue("Ref", out var t) && t is string s ? [s] : [];
    }
}
