using System.Text.RegularExpressions;
using MetaflowAws.Engine.CloudFormation;
using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Engine.Stacks;

/// <summary>What New-MetaflowStack was asked to deploy.</summary>
public sealed record DeploymentRequest
{
    public required string StackName { get; init; }
    /// <summary>Path of the template; null for the bundled Metaflow template.</summary>
    public string? TemplatePath { get; init; }
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    public bool DisableRollback { get; init; }
    public int? TimeoutInMinutes { get; init; }
}

/// <summary>
/// A deployment checked end to end before anything is sent: stack name, template, every
/// parameter against the template's constraints and across parameters, capabilities.
/// </summary>
public sealed class DeploymentPlan
{
    public const int CloudFormationMaxStackName = 128;
    public const int TemplateBodyLimit = 51_200;
    private static readonly Regex StackNamePattern = new("^[a-zA-Z][-a-zA-Z0-9]*$", RegexOptions.Compiled);

    private DeploymentPlan(DeploymentRequest request, string templatePath, string body, TemplateDocument template,
        Dictionary<string, string> values, IReadOnlyList<string> capabilities, int expectedResources)
    {
        Request = request;
        TemplatePath = templatePath;
        TemplateBody = body;
        Template = template;
        ParameterValues = values;
        Capabilities = capabilities;
        ExpectedResources = expectedResources;
    }

    public DeploymentRequest Request { get; }
    public string TemplatePath { get; }
    public string TemplateBody { get; }
    public TemplateDocument Template { get; }
    public IReadOnlyDictionary<string, string> ParameterValues { get; }
    public IReadOnlyList<string> Capabilities { get; }
    public int ExpectedResources { get; }
    public bool NeedsStagingUpload => Template.ByteSize > TemplateBodyLimit;

    /// <summary>The bundled template: next to the module (template/metaflow.yml), or in the repository.</summary>
    public static string DefaultTemplatePath()
    {
        var dir = Path.GetDirectoryName(typeof(DeploymentPlan).Assembly.Location)!;
        foreach (var candidate in new[] { Path.Combine(dir, "..", "template", "metaflow.yml"), Path.Combine(dir, "template", "metaflow.yml") })
            if (File.Exists(candidate)) return Path.GetFullPath(candidate);
        for (var d = new DirectoryInfo(dir); d is not null; d = d.Parent)
        {
            var p = Path.Combine(d.FullName, "template", "metaflow.yml");
            if (File.Exists(p)) return p;
        }
        throw new MetaflowException(ErrorIds.TemplateNotFound,
            $"The bundled Metaflow template was not found next to the module ({dir}). Reinstall the module or pass -TemplatePath.",
            ErrorKind.ObjectNotFound, dir);
    }

    public static TemplateDocument LoadTemplate(string path, out string body)
    {
        if (!File.Exists(path))
            throw new MetaflowException(ErrorIds.TemplateNotFound,
                $"-TemplatePath '{path}' does not exist. Give the path of a CloudFormation template (.yml, .yaml or .json), or omit -TemplatePath to deploy the bundled Metaflow template.",
                ErrorKind.ObjectNotFound, path);
        try
        {
            body = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MetaflowException(ErrorIds.TemplateNotFound, $"-TemplatePath '{path}' cannot be read: {ex.Message}", ErrorKind.ReadError, path, ex);
        }
        try
        {
            return TemplateDocument.Parse(body);
        }
        catch (TemplateFormatException ex)
        {
            throw new MetaflowException(ErrorIds.TemplateInvalid, $"-TemplatePath '{path}' is not a valid CloudFormation template: {ex.Message}", ErrorKind.InvalidData, path, ex);
        }
    }

    public static int MaxStackNameLength(TemplateDocument template)
        => template.Root.GetValueOrDefault("Metadata") is Dictionary<string, object?> md
           && md.GetValueOrDefault("MetaflowAws") is Dictionary<string, object?> mf
           && int.TryParse(mf.GetValueOrDefault("MaxStackNameLength") as string, out var n) ? n : CloudFormationMaxStackName;

    public static void ValidateStackName(string name, int maxLength)
    {
        if (string.IsNullOrEmpty(name) || !StackNamePattern.IsMatch(name))
            throw new MetaflowException(ErrorIds.InvalidStackName,
                $"-StackName '{name}' is not a valid stack name: it must start with a letter and contain only letters, digits and hyphens (pattern [a-zA-Z][-a-zA-Z0-9]*), e.g. metaflow or mf-prod.",
                ErrorKind.InvalidArgument, name);
        if (name.Length > maxLength)
            throw new MetaflowException(ErrorIds.InvalidStackName,
                $"-StackName '{name}' is {name.Length} characters long; at most {maxLength} are allowed" +
                (maxLength < CloudFormationMaxStackName ? " so that the names derived from it (SageMaker notebook, IAM role) stay within their service limits." : "."),
                ErrorKind.InvalidArgument, name);
    }

    public static DeploymentPlan Create(DeploymentRequest request, string region)
    {
        var path = request.TemplatePath ?? DefaultTemplatePath();
        var template = LoadTemplate(path, out var body);
        ValidateStackName(request.StackName, MaxStackNameLength(template));
        DocumentedLimits.CheckTemplate(template, $"'{path}'");
        DocumentedLimits.CheckParameterValues(request.Parameters);
        DocumentedLimits.CheckTags(request.Tags, reserved: 1);

        // The ARNs the template builds take the region's partition unless the user named one (then it must match).
        if (template.Section("Parameters").ContainsKey(MetaflowParameters.PartitionParameter) && !request.Parameters.ContainsKey(MetaflowParameters.PartitionParameter))
            request = request with { Parameters = new Dictionary<string, string>(request.Parameters) { [MetaflowParameters.PartitionParameter] = Aws.KnownRegions.PartitionOf(region) } };
        if (Ui.UiRules.Checks(request.Parameters, region).FirstOrDefault() is { } ui) throw ui;
        var (values, violations) = ParameterRules.Bind(template, request.Parameters);
        var declared = template.Section("Parameters");
        if (violations.FirstOrDefault() is { } first)
            throw MetaflowParameters.Error(first, declared.GetValueOrDefault(first.Parameter) as Dictionary<string, object?> ?? new());
        if (IneffectiveSwitches.Check(request.Parameters, values, template) is { } ineffective) throw ineffective;
        if (MetaflowParameters.CrossChecks(values).FirstOrDefault() is { } cross) throw cross;
        if (MetaflowParameters.PartitionCheck(values, region) is { } partition) throw partition;
        if (values.ContainsKey("DBEngineVersion")
            && MetaflowParameters.DatabaseVersionChecks(values, null, AwsFacts.LoadDefault()).FirstOrDefault() is { } dbVersion) throw dbVersion;
        if (MetaflowParameters.ImageChecks(request.Parameters, AwsFacts.LoadDefault()).FirstOrDefault() is { } image) throw image;

        IReadOnlyList<string> active;
        try
        {
            active = TemplatePlan.ActiveResources(template, values, region, request.StackName);
        }
        catch (TemplateError ex)
        {
            throw new MetaflowException(ErrorIds.TemplateInvalid, $"The template '{path}' cannot be evaluated: {ex.Message}", ErrorKind.InvalidData, path, ex);
        }
        if (RegionFit.Check(template, active, values, region, RegionOfferings.LoadDefault()) is { } misfit) throw misfit;
        return new DeploymentPlan(request, path, body, template, values, CapabilitiesFor(template), active.Count);
    }

    /// <summary>The IAM capabilities the template needs: NAMED_IAM when it names an IAM resource.</summary>
    public static IReadOnlyList<string> CapabilitiesFor(TemplateDocument template)
    {
        var resources = template.Section("Resources").Values.OfType<Dictionary<string, object?>>().ToList();
        var iam = resources.Where(r => (r.GetValueOrDefault("Type") as string ?? "").StartsWith("AWS::IAM::", StringComparison.Ordinal)).ToList();
        if (iam.Count == 0) return [];
        var named = iam.Any(r => r.GetValueOrDefault("Properties") is Dictionary<string, object?> p
            && p.Keys.Any(k => k is "RoleName" or "ManagedPolicyName" or "InstanceProfileName" or "UserName" or "GroupName"));
        return named ? ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"] : ["CAPABILITY_IAM"];
    }

    public CreateStackRequest ToCreateRequest(string? templateUrl) => new()
    {
        StackName = Request.StackName,
        TemplateBody = templateUrl is null ? TemplateBody : null,
        TemplateURL = templateUrl,
        Parameters = Request.Parameters.Select(p => new StackParameter(p.Key, p.Value)).ToList(),
        Capabilities = Capabilities,
        Tags = Request.Tags.Select(t => new StackTag(t.Key, t.Value))
            .Append(new StackTag(DocumentedLimits.TemplateTag, DocumentedLimits.TemplateTagValue(TemplatePath))).ToList(),
        OnFailure = Request.DisableRollback ? "DO_NOTHING" : "ROLLBACK",
        TimeoutInMinutes = Request.TimeoutInMinutes,
        ClientRequestToken = "metaflowaws-" + Guid.NewGuid().ToString("N"),
    };
}
