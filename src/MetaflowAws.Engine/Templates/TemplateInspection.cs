namespace MetaflowAws.Engine.Templates;

/// <summary>
/// Every check the module has for a template, in one run: the CloudFormation resource specification,
/// the security promises, what keeps a deployment working, and the dated facts about AWS (as of
/// <paramref name="Today"/>). What Test-MetaflowTemplate returns and New-MetaflowStack -TemplatePath runs first.
/// </summary>
public sealed record TemplateInspection(string TemplatePath, DateOnly Today, IReadOnlyList<TemplateFinding> Findings)
{
    /// <summary>The file name of the resource specification shipped beside the engine.</summary>
    public const string ShippedSpecificationName = "cfn-resource-spec.json.gz";

    public bool HasErrors => Findings.Any(f => f.Severity == FindingSeverity.Error);

    public static TemplateInspection Run(string templatePath, DateOnly? today = null, AwsFacts? facts = null, ResourceSpecification? specification = null)
    {
        var template = Stacks.DeploymentPlan.LoadTemplate(templatePath, out _);
        var day = today ?? DateOnly.FromDateTime(DateTime.UtcNow);
        facts ??= File.Exists(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(templatePath))!, AwsFacts.FileName))
            ? AwsFacts.LoadBeside(templatePath)
            : AwsFacts.LoadDefault();
        specification ??= LoadSpecification();
        var findings = new List<TemplateFinding>();
        findings.AddRange(TemplateValidator.Validate(template, specification));
        // The security promises are the bundled template's (its tests allow no finding); in a template of the
        // user's they are advice, not a reason to refuse a deploy.
        findings.AddRange(SecurityChecks.Check(template).Select(f => f with { Severity = FindingSeverity.Warning, Message = "Weakens security, the deploy works: " + f.Message }));
        findings.AddRange(OperationalChecks.Check(template));
        findings.AddRange(AwsFactChecks.Check(template, facts, day));
        return new TemplateInspection(Path.GetFullPath(templatePath), day, findings);
    }

    private static ResourceSpecification? _specification;

    /// <summary>The specification shipped beside the engine, or in a checkout the one npm installed; read once per process.</summary>
    public static ResourceSpecification LoadSpecification()
    {
        if (_specification is { } cached) return cached;
        var dir = Path.GetDirectoryName(typeof(TemplateInspection).Assembly.Location)!;
        var shipped = Path.Combine(dir, ShippedSpecificationName);
        return _specification = File.Exists(shipped) ? ResourceSpecification.Load(shipped) : ResourceSpecification.LoadDefault(dir);
    }
}
