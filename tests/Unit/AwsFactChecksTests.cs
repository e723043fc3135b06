using MetaflowAws.Engine.Templates;
using static MetaflowAws.Tests.TemplateTree;

namespace MetaflowAws.Tests;

public sealed class AwsFactChecksTests
{
    /// <summary>The day the table was last checked: rules are proven on it, independent of when the suite runs.</summary>
    private static readonly DateOnly Checked = new(2026, 12, 1);

    /// <summary>A broken copy, the one finding it must draw, and whether that finding says the deploy fails (Error) or only degrades (Warning).</summary>
    private sealed record Case(Action<TemplateDocument> Break, string Check, string Path, DateOnly? On = null, FindingSeverity Severity = FindingSeverity.Error);

    private const FindingSeverity Warns = FindingSeverity.Warning;

    private const string MetadataEnv = "Resources/MetadataTaskDefinition/Properties/ContainerDefinitions/0/Environment";

    /// <summary>Each entry breaks one thing in a copy of the real template (or moves the clock); together they fail every rule.</summary>
    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["Lambda runtime Lambda no longer creates functions on"] = new(
            t =>
            {
                t.Properties("MigrationFunction")["Runtime"] = "python3.12";
                // On that day PostgreSQL 15 is past its standard support too (a warning): allow only later majors.
                t.Section("Parameters")["DBEngineVersion"].Map()["AllowedPattern"] = "^1[6-8](\\.[0-9]+)?$";
            },
            AwsFactChecks.LambdaRuntimeSupported, "Resources/MigrationFunction/Properties/Runtime", new DateOnly(2028, 12, 1)),
        ["Lambda runtime deprecated, functions still created"] = new(
            t =>
            {
                t.Properties("MigrationFunction")["Runtime"] = "python3.12";
                t.Section("Parameters")["DBEngineVersion"].Map()["AllowedPattern"] = "^1[6-8](\\.[0-9]+)?$";
            },
            AwsFactChecks.LambdaRuntimeSupported, "Resources/MigrationFunction/Properties/Runtime", new DateOnly(2028, 11, 1), Warns),
        ["Lambda runtime blocked since 2026-06-01"] = new(
            t => t.Properties("MigrationFunction")["Runtime"] = "python3.9",
            AwsFactChecks.LambdaRuntimeSupported, "Resources/MigrationFunction/Properties/Runtime"),
        ["Lambda runtime not in the table"] = new(
            t => t.Properties("MigrationFunction")["Runtime"] = "python3.15",
            AwsFactChecks.LambdaRuntimeSupported, "Resources/MigrationFunction/Properties/Runtime", Severity: Warns),
        ["notebook on Amazon Linux 2"] = new(
            t => t.Properties("Notebook")["PlatformIdentifier"] = "notebook-al2-v3",
            AwsFactChecks.NotebookPlatformSupported, "Resources/Notebook/Properties/PlatformIdentifier"),
        ["notebook without a platform"] = new(
            t => t.Properties("Notebook").Remove("PlatformIdentifier"),
            AwsFactChecks.NotebookPlatformSupported, "Resources/Notebook/Properties", Severity: Warns),
        ["PostgreSQL 13 allowed"] = new(
            t => t.Section("Parameters")["DBEngineVersion"].Map()["AllowedPattern"] = "^1[35-8](\\.[0-9]+)?$",
            AwsFactChecks.DatabaseVersionSupported, "Resources/RDSMasterInstance/Properties/EngineVersion", Severity: Warns),
        ["PostgreSQL 19 allowed before RDS has it"] = new(
            t => t.Section("Parameters")["DBEngineVersion"].Map()["AllowedPattern"] = "^1[5-9](\\.[0-9]+)?$",
            AwsFactChecks.DatabaseVersionSupported, "Resources/RDSMasterInstance/Properties/EngineVersion", Severity: Warns),
        ["default minor version RDS retired"] = new(
            t => t.Section("Parameters")["DBEngineVersion"].Map()["Default"] = "16.3",
            AwsFactChecks.DatabaseVersionSupported, "Resources/RDSMasterInstance/Properties/EngineVersion"),
        ["metadata service without the SSL mode"] = new(
            t => t.Properties("MetadataTaskDefinition")["ContainerDefinitions"].List()[0].Map()["Environment"].List()
                .RemoveAll(e => e.Map()["Name"] as string == "MF_METADATA_DB_SSL_MODE"),
            AwsFactChecks.DatabaseTlsConfigured, MetadataEnv),
        ["metadata service with an SSL mode metaflow-service ignores"] = new(
            t => ((Dictionary<string, object?>)t.Properties("MetadataTaskDefinition")["ContainerDefinitions"].List()[0].Map()["Environment"].List()
                .First(e => e.Map()["Name"] as string == "MF_METADATA_DB_SSL_MODE")!)["Value"] = "on",
            AwsFactChecks.DatabaseTlsConfigured, MetadataEnv),
        ["metadata service with sslmode=prefer: TLS first, a downgrade not refused"] = new(
            t => ((Dictionary<string, object?>)t.Properties("MetadataTaskDefinition")["ContainerDefinitions"].List()[0].Map()["Environment"].List()
                .First(e => e.Map()["Name"] as string == "MF_METADATA_DB_SSL_MODE")!)["Value"] = "prefer",
            AwsFactChecks.DatabaseTlsConfigured, MetadataEnv, Severity: Warns),
        ["metadata service image with the update_row injection"] = new(
            t => t.Properties("MetadataTaskDefinition")["ContainerDefinitions"].List()[0].Map()["Image"] = "netflixoss/metaflow_metadata_service:v2.4.13",
            AwsFactChecks.MetadataServiceImageCurrent, "Resources/MetadataTaskDefinition/Properties/ContainerDefinitions/0/Image", Severity: Warns),
        ["UI backend on an image with the update_row injection, by the parameter's default"] = new(
            t =>
            {
                t.Section("Parameters")["MetadataServiceImage"].Map()["Default"] = "netflixoss/metaflow_metadata_service:v2.4.13";
                t.Properties("MetadataTaskDefinition")["ContainerDefinitions"].List()[0].Map()["Image"] = "netflixoss/metaflow_metadata_service:v2.5.1";
            },
            AwsFactChecks.MetadataServiceImageCurrent, "Resources/TaskDefinitionUIService/Properties/ContainerDefinitions/0/Image", Severity: Warns),
        ["UI static image older than the table's"] = new(
            t => t.Section("Parameters")["UIStaticImage"].Map()["Default"] = "public.ecr.aws/outerbounds/metaflow_ui:v1.2.4",
            AwsFactChecks.UIStaticImageCurrent, "Resources/TaskDefinitionUIStatic/Properties/ContainerDefinitions/0/Image", Severity: Warns),
        ["Batch AMI type left to the default"] = new(
            t => t.Properties("ComputeEnvironment")["ComputeResources"].Map().Remove("Ec2Configuration"),
            AwsFactChecks.BatchImageTypeSupported, "Resources/ComputeEnvironment/Properties/ComputeResources", Severity: Warns),
        ["Batch on the Amazon Linux 2 AMI"] = new(
            t => t.Properties("ComputeEnvironment")["ComputeResources"].Map()["Ec2Configuration"] = If("IsFargate", Ref("AWS::NoValue"), Arr(Obj(("ImageType", "ECS_AL2")))),
            AwsFactChecks.BatchImageTypeSupported, "Resources/ComputeEnvironment/Properties/ComputeResources/Ec2Configuration"),
    };

    public static TheoryData<string> CaseNames() => [.. Cases.Keys];

    [Fact]
    public void RealTemplatePassesTodayAndOnTheDayTheTableWasChecked()
    {
        // Today's date on purpose: when a runtime or platform passes its date, this fails until the template moves on.
        var facts = RepositoryFiles.Facts();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        foreach (var day in new[] { today, Checked })
        {
            var findings = AwsFactChecks.Check(RepositoryFiles.Template(), facts, day).Where(f => f.Severity == FindingSeverity.Error).ToList();
            Assert.True(findings.Count == 0, $"template/metaflow.yml on {day:yyyy-MM-dd}:\n" + string.Join("\n", findings));
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void BrokenTemplateFailsExactlyThatRule(string caseName)
    {
        var (breakIt, check, path, on, severity) = Cases[caseName];
        var template = RepositoryFiles.Template();
        breakIt(template);

        var findings = AwsFactChecks.Check(template, RepositoryFiles.Facts(), on ?? Checked).ToList();
        var errors = findings.Where(f => f.Severity == FindingSeverity.Error).ToList();

        // An error says the deploy fails (ClaimsOfFailureTests proves each on the sandbox); a warning says it still works.
        if (severity == FindingSeverity.Error)
        {
            AssertSingleFinding(errors, check, path);
            Assert.Contains("fails", errors[0].Message);
        }
        else
        {
            Assert.Empty(errors);
            var warning = Assert.Single(findings, f => f.Check == check && f.Path == path);
            Assert.Equal(FindingSeverity.Warning, warning.Severity);
            Assert.Contains("work", warning.Message);
        }
    }

    [Fact]
    public void EveryRuleHasAFailingCase()
        => Assert.Equal(AwsFactChecks.Checks.Where(c => c != AwsFactChecks.FactsRechecked).Order(), Cases.Values.Select(c => c.Check).Distinct().Order());

    [Fact]
    public void TheTemplateFailsWhenTheCalendarMovesOnWithNoChangeOfOurs()
    {
        // 2031-03-01: Lambda no longer creates python3.13 functions (2029-07-31: an error), PostgreSQL 14-18 are past standard support
        // (billed Extended Support, still created: a warning), and the table is unchecked for years.
        var findings = AwsFactChecks.Check(RepositoryFiles.Template(), RepositoryFiles.Facts(), new DateOnly(2031, 3, 1));

        Assert.Contains(findings, f => f.Check == AwsFactChecks.LambdaRuntimeSupported && f.Severity == FindingSeverity.Error && f.Message.Contains("python3.13"));
        Assert.Contains(findings, f => f.Check == AwsFactChecks.DatabaseVersionSupported && f.Severity == FindingSeverity.Warning && f.Message.Contains("'16'"));
        Assert.Contains(findings, f => f.Check == AwsFactChecks.FactsRechecked && f.Severity == FindingSeverity.Warning);
    }

    [Fact]
    public void AnEndOfSupportWithinHalfAYearIsAWarning()
    {
        var findings = AwsFactChecks.Check(RepositoryFiles.Template(), RepositoryFiles.Facts(), new DateOnly(2029, 2, 1));

        var runtime = Assert.Single(findings, f => f.Check == AwsFactChecks.LambdaRuntimeSupported);
        Assert.Equal(FindingSeverity.Warning, runtime.Severity);
        Assert.Contains("2029-06-30", runtime.Message);
    }

    [Fact]
    public void OldTemplateHasTheDefectsIssue11Lists()
    {
        var checks = AwsFactChecks.Check(RepositoryFiles.OldTemplate(), RepositoryFiles.Facts(), Checked).Select(f => f.Check).ToHashSet();

        Assert.Contains(AwsFactChecks.DatabaseTlsConfigured, checks);
        Assert.Contains(AwsFactChecks.NotebookPlatformSupported, checks);
        Assert.Contains(AwsFactChecks.MetadataServiceImageCurrent, checks);
        Assert.Contains(AwsFactChecks.BatchImageTypeSupported, checks);
    }

    [Fact]
    public void EveryFactNamesItsSourceAndADateItWasChecked()
    {
        var facts = RepositoryFiles.Facts();

        Assert.NotEmpty(facts.Facts);
        Assert.All(facts.Facts, f =>
        {
            Assert.StartsWith("https://", f.Source);
            Assert.True(f.Checked <= DateOnly.FromDateTime(DateTime.UtcNow), $"{f.Kind} {f.Value} checked in the future");
        });
        // Every kind the checks use has at least one value that is supported on the day the table was checked.
        foreach (var kind in new[] { AwsFacts.LambdaRuntime, AwsFacts.NotebookPlatform, AwsFacts.PostgresMajor, AwsFacts.BatchImageType })
            Assert.Contains(facts.OfKind(kind), f => !f.IsPast(Checked));
    }

    [Fact]
    public void TheTableRejectsAFactWithoutASource()
    {
        var ex = Assert.Throws<InvalidDataException>(() => AwsFacts.Parse("facts:\n  - { kind: LambdaRuntime, value: python3.13, note: x, checked: 2026-12-01 }\n", "t.yml"));
        Assert.Contains("source", ex.Message);
    }
}
