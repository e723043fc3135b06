using System.Globalization;
using System.Text.Json;

namespace MetaflowAws.Sandbox.CloudFormation;

/// <summary>
/// What CloudFormation and the services behind it refuse when a resource is created or updated, in the sandbox's own
/// words and tables (never the engine's): the registry's types and their properties (registry.json, CloudFormation's
/// registry in us-east-1 as cfn-lint ships it), and the dated refusals of Lambda, SageMaker, RDS and AWS Batch, each
/// with the AWS page that says so. Every check the module makes that claims "this deploy fails" is proven against these.
/// </summary>
public static class ServiceRules
{
    private sealed record Described(HashSet<string> Properties, string[] Required);

    private static readonly Lazy<(HashSet<string> Types, Dictionary<string, Described> Described)> Registry = new(Load);

    private static (HashSet<string>, Dictionary<string, Described>) Load()
    {
        using var stream = typeof(ServiceRules).Assembly.GetManifestResourceStream("MetaflowAws.Sandbox.registry.json")
            ?? throw new InvalidOperationException("The sandbox lacks its embedded registry.json.");
        using var doc = JsonDocument.Parse(stream);
        var types = doc.RootElement.GetProperty("types").EnumerateArray().Select(t => t.GetString()!).ToHashSet(StringComparer.Ordinal);
        var described = doc.RootElement.GetProperty("described").EnumerateObject().ToDictionary(p => p.Name,
            p => new Described(p.Value.GetProperty("properties").EnumerateArray().Select(x => x.GetString()!).ToHashSet(StringComparer.Ordinal),
                p.Value.GetProperty("required").EnumerateArray().Select(x => x.GetString()!).ToArray()), StringComparer.Ordinal);
        return (types, described);
    }

    /// <summary>
    /// Whether CloudFormation knows the type at all ("Template format error: Unrecognized resource types", the CloudFormation
    /// User Guide's template validation troubleshooting). Custom resources and the transforms' types are not judged here.
    /// </summary>
    public static bool IsKnownType(string type)
        => !type.StartsWith("AWS::", StringComparison.Ordinal) || type == "AWS::CloudFormation::CustomResource"
           || type.StartsWith("AWS::Serverless::", StringComparison.Ordinal) || Registry.Value.Types.Contains(type);

    /// <summary>
    /// A resource's properties against its registry schema: a property the type does not have, or a required one missing,
    /// fails the resource ("Properties validation failed for resource ... with message: #: extraneous key [X] is not
    /// permitted" / "required key [X] not found", the registry's JSON-schema validation). Types without a description pass.
    /// </summary>
    public static string? PropertyViolation(string logicalId, string type, IReadOnlyDictionary<string, object?> properties)
    {
        if (!Registry.Value.Described.TryGetValue(type, out var d)) return null;
        var problems = properties.Keys.Where(k => !d.Properties.Contains(k)).Order(StringComparer.Ordinal).Select(k => $"#: extraneous key [{k}] is not permitted")
            .Concat(d.Required.Where(r => !properties.ContainsKey(r)).Select(r => $"#: required key [{r}] not found"))
            .ToList();
        return problems.Count == 0 ? null : $"Properties validation failed for resource {logicalId} with message: [{string.Join(", ", problems)}]";
    }

    // Lambda: the day each Python runtime stops taking new functions ("block function create"; Lambda Developer Guide,
    // "Lambda runtimes", deprecated runtimes table; the same dates cfn-lint 1.51 carries in LmbdRuntimeLifecycle.json).
    private static readonly Dictionary<string, DateOnly> LambdaCreateBlocked = new(StringComparer.Ordinal)
    {
        ["python2.7"] = new(2021, 7, 15), ["python3.6"] = new(2022, 7, 18), ["python3.7"] = new(2024, 1, 9),
        ["python3.8"] = new(2026, 6, 1), ["python3.9"] = new(2026, 6, 1), ["python3.10"] = new(2026, 7, 31),
        ["python3.11"] = new(2026, 7, 31), ["python3.12"] = new(2028, 11, 30), ["python3.13"] = new(2029, 7, 31),
        ["python3.14"] = new(2029, 7, 31),
    };

    // SageMaker: Amazon Linux 2 notebook instances cannot be created from 2026-07-01 (SageMaker Developer Guide,
    // "Amazon Linux 2 notebook instances", end of support 2026-06-30).
    private static readonly string[] Al2NotebookPlatforms = ["notebook-al2-v1", "notebook-al2-v2", "notebook-al2-v3"];
    private static readonly DateOnly Al2NotebooksEnd = new(2026, 6, 30);

    // RDS for PostgreSQL: the lowest minor of each major RDS still creates (Amazon RDS for PostgreSQL release calendar:
    // the minors up to 14.17, 15.12, 16.8 and 17.4 reached the end of standard support on 2026-05-31).
    private static readonly Dictionary<int, Version> LowestPostgresMinor = new()
    {
        [14] = new(14, 18), [15] = new(15, 13), [16] = new(16, 9), [17] = new(17, 5),
    };
    private static readonly DateOnly PostgresMinorsRetired = new(2026, 5, 31);

    // AWS Batch: no compute environment on the Amazon Linux 2 ECS AMIs after 2026-06-30 (AWS Batch User Guide,
    // "Amazon Linux 2 AMI deprecation").
    private static readonly string[] Al2BatchImages = ["ECS_AL2", "ECS_AL2_NVIDIA"];
    private static readonly DateOnly Al2BatchEnd = new(2026, 6, 30);

    private static string Handler(string service, string code, string message)
        => $"Resource handler returned message: \"{message}\" (Service: {service}, Status Code: 400, Request ID: {Guid.NewGuid()}) (HandlerErrorCode: {code})";

    /// <summary>What a service refuses on the given day for a resource being created (or updated to these properties).</summary>
    public static string? DatedViolation(string type, IReadOnlyDictionary<string, object?> p, DateOnly today)
    {
        string? Text(string name) => p.GetValueOrDefault(name) is { } v ? Convert.ToString(v, CultureInfo.InvariantCulture) : null;
        switch (type)
        {
            case "AWS::Lambda::Function" when Text("Runtime") is { } runtime && LambdaCreateBlocked.TryGetValue(runtime, out var blocked) && today >= blocked:
                return Handler("Lambda", "InvalidRequest",
                    $"The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.");
            case "AWS::SageMaker::NotebookInstance" when Text("PlatformIdentifier") is { } platform && Al2NotebookPlatforms.Contains(platform) && today > Al2NotebooksEnd:
                return Handler("SageMaker", "InvalidRequest", $"Platform identifier {platform} is no longer supported for new notebook instances.");
            case "AWS::RDS::DBInstance" when today > PostgresMinorsRetired && (Text("Engine") ?? "").StartsWith("postgres", StringComparison.Ordinal)
                                             && Text("EngineVersion") is { } version && version.Contains('.') && Version.TryParse(version, out var v)
                                             && LowestPostgresMinor.TryGetValue(v.Major, out var lowest) && v < lowest:
                return Handler("Rds", "InvalidRequest", $"Cannot find version {version} for postgres");
            case "AWS::Batch::ComputeEnvironment" when today > Al2BatchEnd:
                var images = (p.GetValueOrDefault("ComputeResources") as Dictionary<string, object?>)?.GetValueOrDefault("Ec2Configuration") as List<object?> ?? [];
                if (images.OfType<Dictionary<string, object?>>().Select(c => c.GetValueOrDefault("ImageType") as string).FirstOrDefault(Al2BatchImages.Contains) is { } image)
                    return Handler("Batch", "InvalidRequest", $"Error executing request, Exception : ImageType {image} is no longer supported for new compute environments.");
                return null;
            default:
                return null;
        }
    }

    /// <summary>
    /// What a service refuses to delete: a database or a user pool with deletion protection on (RDS API reference,
    /// DeleteDBInstance: InvalidParameterCombination; Cognito API reference, DeleteUserPool: InvalidParameterException).
    /// </summary>
    public static string? DeleteViolation(string type, IReadOnlyDictionary<string, object?> p) => type switch
    {
        "AWS::RDS::DBInstance" when ResourceModel.IsTrue(p.GetValueOrDefault("DeletionProtection"))
            => Handler("Rds", "InvalidRequest", "Cannot delete protected DB Instance, please disable deletion protection and try again."),
        "AWS::Cognito::UserPool" when p.GetValueOrDefault("DeletionProtection") as string == "ACTIVE"
            => Handler("CognitoIdentityProvider", "InvalidRequest", "The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first."),
        _ => null,
    };

    /// <summary>
    /// What a service refuses in an update: RDS moves a database to another major version only when asked to
    /// (ModifyDBInstance AllowMajorVersionUpgrade; RDS User Guide, "Upgrading the PostgreSQL DB engine").
    /// </summary>
    public static string? UpdateViolation(string type, IReadOnlyDictionary<string, object?> before, IReadOnlyDictionary<string, object?> after)
    {
        if (type != "AWS::RDS::DBInstance") return null;
        static string Major(object? v) => (Convert.ToString(v, CultureInfo.InvariantCulture) ?? "").Split('.')[0];
        var from = Major(before.GetValueOrDefault("EngineVersion"));
        var to = Major(after.GetValueOrDefault("EngineVersion"));
        if (from.Length == 0 || to.Length == 0 || from == to || ResourceModel.IsTrue(after.GetValueOrDefault("AllowMajorVersionUpgrade"))) return null;
        return Handler("Rds", "InvalidRequest", "The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version.");
    }
}
