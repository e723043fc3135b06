using System.Text.RegularExpressions;
using static MetaflowAws.Engine.Templates.TemplateValues;

namespace MetaflowAws.Engine.Templates;

/// <summary>
/// The template against the dated facts table (<see cref="AwsFacts"/>), on a given day: a value that was
/// fine when the template was written can be past its date next year with no change of ours.
/// </summary>
public static class AwsFactChecks
{
    /// <summary>Every Lambda function's runtime is in the table and not past its deprecation date.</summary>
    public const string LambdaRuntimeSupported = nameof(LambdaRuntimeSupported);
    /// <summary>Every SageMaker notebook names a platform that is in the table and still supported.</summary>
    public const string NotebookPlatformSupported = nameof(NotebookPlatformSupported);
    /// <summary>Every PostgreSQL version the template can deploy is a major RDS offers today, with a minor it still has.</summary>
    public const string DatabaseVersionSupported = nameof(DatabaseVersionSupported);
    /// <summary>The metadata service connects to the database with TLS when any allowed major forces it (rds.force_ssl).</summary>
    public const string DatabaseTlsConfigured = nameof(DatabaseTlsConfigured);
    /// <summary>The metadata service image is at least the minimum version in the table.</summary>
    public const string MetadataServiceImageCurrent = nameof(MetadataServiceImageCurrent);
    /// <summary>The Metaflow UI's static image is at least the version in the table.</summary>
    public const string UIStaticImageCurrent = nameof(UIStaticImageCurrent);
    /// <summary>Every EC2 Batch compute environment names its AMI type, one in the table and still supported.</summary>
    public const string BatchImageTypeSupported = nameof(BatchImageTypeSupported);
    /// <summary>A fact not compared with its source for over a year (a warning).</summary>
    public const string FactsRechecked = nameof(FactsRechecked);

    /// <summary>Every check id this class reports.</summary>
    public static IReadOnlyList<string> Checks { get; } =
    [
        LambdaRuntimeSupported, NotebookPlatformSupported, DatabaseVersionSupported, DatabaseTlsConfigured,
        MetadataServiceImageCurrent, UIStaticImageCurrent, BatchImageTypeSupported, FactsRechecked,
    ];

    /// <summary>How long before a date a value is reported as a warning.</summary>
    public const int WarningDays = 180;

    /// <summary>The environment variable metaflow-service reads its database host from; marks its containers.</summary>
    public const string MetadataDbHostVariable = "MF_METADATA_DB_HOST";
    public const string MetadataDbSslModeVariable = "MF_METADATA_DB_SSL_MODE";

    /// <summary>
    /// The SSL modes metaflow-service passes on to libpq (services/utils/__init__.py: any other value,
    /// or none, becomes sslmode=disable). Of those, only these refuse to fall back to plain text.
    /// </summary>
    public static IReadOnlySet<string> EncryptingSslModes { get; } = new HashSet<string>(StringComparer.Ordinal) { "require", "verify-ca", "verify-full" };
    public static IReadOnlySet<string> ServiceSslModes { get; } = new HashSet<string>(StringComparer.Ordinal) { "allow", "prefer", "require", "verify-ca", "verify-full" };

    public static IReadOnlyList<TemplateFinding> Check(TemplateDocument template, AwsFacts facts, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(facts);
        var findings = new List<TemplateFinding>();
        var parameters = template.Section("Parameters");
        var majors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in Resources(template))
        {
            var path = $"Resources/{r.LogicalId}/Properties";
            switch (r.Type)
            {
                case "AWS::Lambda::Function":
                    foreach (var runtime in Strings(Get(r.Properties, "Runtime"), parameters))
                        Dated(facts, AwsFacts.LambdaRuntime, runtime, today, LambdaRuntimeSupported, $"{path}/Runtime", "Lambda runtime", findings, PastDate.RefusedFromBlocked);
                    break;
                case "AWS::SageMaker::NotebookInstance":
                    var platforms = Strings(Get(r.Properties, "PlatformIdentifier"), parameters).ToList();
                    if (platforms.Count == 0)
                        findings.Add(new(NotebookPlatformSupported, path,
                            $"Notebook {r.LogicalId} names no PlatformIdentifier, so SageMaker picks one (the deploy works, with a platform nobody chose). " +
                            $"Name a supported platform: {Supported(facts, AwsFacts.NotebookPlatform, today)}.", FindingSeverity.Warning));
                    foreach (var platform in platforms)
                        Dated(facts, AwsFacts.NotebookPlatform, platform, today, NotebookPlatformSupported, $"{path}/PlatformIdentifier", "notebook platform", findings, PastDate.Refused);
                    break;
                case "AWS::RDS::DBInstance" when Strings(Get(r.Properties, "Engine"), parameters).Any(e => e == "postgres"):
                    foreach (var version in EngineVersions(Get(r.Properties, "EngineVersion"), parameters))
                    {
                        majors.Add(version.Split('.')[0]);
                        CheckPostgresVersion(facts, version, today, $"{path}/EngineVersion", findings);
                    }
                    break;
                case "AWS::Batch::ComputeEnvironment":
                    CheckBatchImageType(r, facts, today, path, findings);
                    break;
            }
        }
        var forcesSsl = majors.Where(m => facts.Find(AwsFacts.PostgresMajor, m)?.Extra.GetValueOrDefault("forcesSsl") == "true").Order().ToList();
        foreach (var r in Resources(template).Where(r => r.Type == "AWS::ECS::TaskDefinition"))
            foreach (var (container, containerPath, _) in Items(Get(r.Properties, "ContainerDefinitions"), $"Resources/{r.LogicalId}/Properties/ContainerDefinitions"))
            {
                CheckImage(container, containerPath, facts, parameters, findings);
                var env = Environment(container);
                if (!env.ContainsKey(MetadataDbHostVariable) || forcesSsl.Count == 0) continue;
                var modes = env.TryGetValue(MetadataDbSslModeVariable, out var m) ? Strings(m, parameters).ToList() : [];
                var effective = modes.Count == 0 ? ["disable"] : modes.Select(x => ServiceSslModes.Contains(x) ? x : "disable").Distinct().ToList();
                if (effective.Contains("disable"))
                    findings.Add(new(DatabaseTlsConfigured, $"{containerPath}/Environment",
                        $"The metadata service container connects to PostgreSQL with sslmode={string.Join("/", effective)} " +
                        $"(metaflow-service uses {MetadataDbSslModeVariable}, and disable when it is unset or not one of {string.Join(", ", ServiceSslModes)}), " +
                        $"but RDS for PostgreSQL {string.Join(", ", forcesSsl)} refuses unencrypted connections by default (rds.force_ssl=1), so the service cannot connect and the deploy fails. " +
                        $"Set {MetadataDbSslModeVariable} to require (or verify-full with the RDS CA bundle in the image)."));
                else if (effective.FirstOrDefault(x => !EncryptingSslModes.Contains(x)) is { } weak)
                    findings.Add(new(DatabaseTlsConfigured, $"{containerPath}/Environment",
                        $"Weakens security, the deploy works: the metadata service container connects to PostgreSQL with sslmode={weak}. libpq then uses TLS with " +
                        $"RDS for PostgreSQL {string.Join(", ", forcesSsl)} (it forces TLS), but it would also take a connection without TLS, so nothing stops a downgrade. " +
                        $"Set {MetadataDbSslModeVariable} to require (or verify-full with the RDS CA bundle in the image).", FindingSeverity.Warning));
            }
        foreach (var fact in facts.Facts.Where(f => f.Checked.AddDays(365) < today))
            findings.Add(new(FactsRechecked, $"Facts/{fact.Kind}/{fact.Value}",
                $"The fact '{fact.Kind} {fact.Value}' was last checked on {fact.Checked:yyyy-MM-dd}; compare it with {fact.Source} and update {AwsFacts.FileName}.",
                FindingSeverity.Warning));
        return findings;
    }

    /// <summary>What a value past its date means: AWS refuses to create it (an error), from the date or from its 'blocked' date, or it only costs or goes unpatched (a warning).</summary>
    private enum PastDate { Refused, RefusedFromBlocked, Degraded }

    private static void Dated(AwsFacts facts, string kind, string value, DateOnly today, string check, string path, string what, List<TemplateFinding> findings, PastDate past)
    {
        var fact = facts.Find(kind, value);
        if (fact is null)
        {
            findings.Add(new(check, path,
                $"The {what} '{value}' is not in the dated facts table ({AwsFacts.FileName}), so nobody has checked that AWS still supports it (the deploy may work). " +
                $"Use one that is: {Supported(facts, kind, today)}.", FindingSeverity.Warning));
            return;
        }
        var blocked = fact.Extra.GetValueOrDefault("blocked") is { Length: > 0 } b ? DateOnly.ParseExact(b, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : (DateOnly?)null;
        if (past == PastDate.RefusedFromBlocked && blocked is { } from && today >= from)
            findings.Add(new(check, path,
                $"The {what} '{value}' cannot be created since {from:yyyy-MM-dd} (end of support {fact.Until:yyyy-MM-dd}): {fact.Note} ({fact.Source}), so the deploy fails. Use one that is supported: {Supported(facts, kind, today)}."));
        else if (fact.IsPast(today) && past == PastDate.Refused)
            findings.Add(new(check, path,
                $"The {what} '{value}' reached its end of support on {fact.Until:yyyy-MM-dd}: {fact.Note} ({fact.Source}), so the deploy fails. Use one that is supported: {Supported(facts, kind, today)}."));
        else if (fact.IsPast(today))
            findings.Add(new(check, path,
                $"The {what} '{value}' reached its end of support on {fact.Until:yyyy-MM-dd}: {fact.Note} ({fact.Source}). The deploy works" +
                (blocked is { } until2 ? $" until {until2:yyyy-MM-dd}" : "") + $"; move to one that is supported: {Supported(facts, kind, today)}.", FindingSeverity.Warning));
        else if (fact.Until is { } until && today.AddDays(WarningDays) >= until)
            findings.Add(new(check, path,
                $"The {what} '{value}' reaches its end of support on {until:yyyy-MM-dd}: {fact.Note} ({fact.Source}). The deploy works until then; plan the move to one of: {Supported(facts, kind, today, beyond: until)}.",
                FindingSeverity.Warning));
    }

    /// <summary>The values of a kind that are supported today (and, with <paramref name="beyond"/>, after that day).</summary>
    public static string Supported(AwsFacts facts, string kind, DateOnly today, DateOnly? beyond = null)
    {
        var ok = facts.OfKind(kind).Where(f => !f.IsPast(today) && (beyond is null || f.Until is null || f.Until > beyond))
            .Select(f => f.Until is { } u ? $"{f.Value} (until {u:yyyy-MM-dd})" : f.Value).ToList();
        return ok.Count == 0 ? "none in the table" : string.Join(", ", ok);
    }

    private static void CheckPostgresVersion(AwsFacts facts, string version, DateOnly today, string path, List<TemplateFinding> findings)
    {
        var major = version.Split('.')[0];
        Dated(facts, AwsFacts.PostgresMajor, major, today, DatabaseVersionSupported, path, "RDS PostgreSQL major version", findings, PastDate.Degraded);
        if (facts.RetiredPostgresMinor(version) is { LowestMinor: var lowest })
            findings.Add(new(DatabaseVersionSupported, path,
                $"PostgreSQL {version} is a minor version RDS no longer creates (the lowest {major}.x it creates is {lowest}), so the deploy fails. Give {major} alone to let RDS pick its default minor, or {lowest} or later."));
    }

    private static void CheckBatchImageType(TemplateResource r, AwsFacts facts, DateOnly today, string path, List<TemplateFinding> findings)
    {
        var resources = Get(r.Properties, "ComputeResources");
        if (!Alternatives(Get(resources, "Type")).Any(t => t is "EC2" or "SPOT")) return;
        var configs = Items(Get(resources, "Ec2Configuration"), $"{path}/ComputeResources/Ec2Configuration").ToList();
        var types = configs.SelectMany(c => Alternatives(Get(c.Item, "ImageType")).OfType<string>()).ToList();
        if (types.Count == 0)
        {
            findings.Add(new(BatchImageTypeSupported, $"{path}/ComputeResources",
                $"EC2 compute environment {r.LogicalId} does not name its AMI type, so AWS Batch picks its default (the deploy works, on an image nobody chose). " +
                $"Set Ec2Configuration ImageType to one of: {Supported(facts, AwsFacts.BatchImageType, today)}.", FindingSeverity.Warning));
            return;
        }
        foreach (var type in types.Distinct())
            Dated(facts, AwsFacts.BatchImageType, type, today, BatchImageTypeSupported, $"{path}/ComputeResources/Ec2Configuration", "Batch AMI type", findings, PastDate.Refused);
    }

    private static void CheckImage(object? container, string path, AwsFacts facts, Dictionary<string, object?> parameters, List<TemplateFinding> findings)
    {
        foreach (var (kind, check, what) in ((string, string, string)[])
                 [(AwsFacts.MetadataServiceImage, MetadataServiceImageCurrent, "metadata service image"), (AwsFacts.UIStaticImage, UIStaticImageCurrent, "Metaflow UI image")])
            foreach (var image in Strings(Get(container, "Image"), parameters))
                if (facts.BelowFloor(kind, image) is var (floor, _))
                    findings.Add(new(check, $"{path}/Image",
                        $"The {what} {image} is older than {floor.Value}: {floor.Note} ({floor.Source}). The deploy works; use {floor.Extra.GetValueOrDefault("repository")}:v{floor.Value} or later.",
                        FindingSeverity.Warning));
    }

    /// <summary>The container's environment: Name → Value node.</summary>
    private static Dictionary<string, object?> Environment(object? container)
    {
        var env = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (item, _, _) in Items(Get(container, "Environment"), ""))
            if (Get(item, "Name") is string name) env[name] = Get(item, "Value");
        return env;
    }

    /// <summary>The literal strings a value can be: itself, both Fn::If branches, or a referenced parameter's default.</summary>
    internal static IEnumerable<string> Strings(object? value, Dictionary<string, object?> parameters)
    {
        foreach (var v in Alternatives(value))
        {
            if (v is string s) yield return s;
            else if (IsIntrinsic(v, out var fn, out var arg) && fn == "Ref" && arg is string name && Get(parameters.GetValueOrDefault(name), "Default") is string d)
                yield return d;
        }
    }

    /// <summary>
    /// Every engine version the property can deploy: a literal, or for a parameter its default and every
    /// major (9 to 40) that its AllowedValues or AllowedPattern admits.
    /// </summary>
    internal static IEnumerable<string> EngineVersions(object? value, Dictionary<string, object?> parameters)
    {
        var result = new List<string>();
        foreach (var v in Alternatives(value))
        {
            if (v is string s) result.Add(s);
            else if (IsIntrinsic(v, out var fn, out var arg) && fn == "Ref" && arg is string name && parameters.GetValueOrDefault(name) is Dictionary<string, object?> def)
            {
                if (Get(def, "Default") is string d) result.Add(d);
                if (Get(def, "AllowedValues") is List<object?> allowed) result.AddRange(allowed.OfType<string>());
                else if (Get(def, "AllowedPattern") is string pattern)
                    for (var major = 9; major <= 40; major++)
                        if (Regex.IsMatch(major.ToString(System.Globalization.CultureInfo.InvariantCulture), $"^(?:{pattern})$")) result.Add(major.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return result.Distinct();
    }
}
