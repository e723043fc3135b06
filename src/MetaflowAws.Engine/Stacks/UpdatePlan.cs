using MetaflowAws.Engine.CloudFormation;
using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Engine.Stacks;

/// <summary>What Update-MetaflowStack was asked to change.</summary>
public sealed record UpdateRequest
{
    public required MetaflowStack Current { get; init; }
    /// <summary>The body of the template to update to; null keeps the stack's current template.</summary>
    public string? TemplateBody { get; init; }
    public string? TemplatePath { get; init; }
    /// <summary>The stack's current template, to validate parameters against when it is kept.</summary>
    public required string CurrentTemplateBody { get; init; }
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
}

/// <summary>
/// An update checked before anything changes: parameters not given keep their current values
/// (UsePreviousValue), and the merged set passes the same checks as a new deployment.
/// </summary>
public sealed class UpdatePlan
{
    private UpdatePlan(UpdateRequest request, TemplateDocument template, string body, IReadOnlyList<StackParameter> parameters,
        IReadOnlyDictionary<string, string> merged, IReadOnlyList<string> capabilities, int expected)
    {
        Request = request;
        Template = template;
        Body = body;
        Parameters = parameters;
        MergedValues = merged;
        Capabilities = capabilities;
        ExpectedResources = expected;
    }

    /// <summary>What the plan changed on its own, to tell the user (kept values a new template no longer takes).</summary>
    public IReadOnlyList<string> Notes { get; private init; } = [];

    public UpdateRequest Request { get; }
    public TemplateDocument Template { get; }
    public string Body { get; }
    public IReadOnlyList<StackParameter> Parameters { get; }
    public IReadOnlyDictionary<string, string> MergedValues { get; }
    public IReadOnlyList<string> Capabilities { get; }
    public int ExpectedResources { get; }
    public bool KeepsTemplate => Request.TemplateBody is null;
    public bool NeedsStagingUpload => !KeepsTemplate && Template.ByteSize > DeploymentPlan.TemplateBodyLimit;

    public static UpdatePlan Create(UpdateRequest request)
    {
        var body = request.TemplateBody ?? request.CurrentTemplateBody;
        TemplateDocument template;
        try
        {
            template = TemplateDocument.Parse(body);
        }
        catch (TemplateFormatException ex)
        {
            throw new MetaflowException(ErrorIds.TemplateInvalid, $"The template{(request.TemplatePath is null ? "" : $" '{request.TemplatePath}'")} is not a valid CloudFormation template: {ex.Message}",
                ErrorKind.InvalidData, request.TemplatePath ?? request.Current.StackName, ex);
        }

        if (request.TemplateBody is not null) DocumentedLimits.CheckTemplate(template, request.TemplatePath is null ? "" : $"'{request.TemplatePath}'");
        DocumentedLimits.CheckParameterValues(request.Parameters);
        if (request.Tags is { Count: 0 })
            throw new MetaflowException(ErrorIds.InvalidParameter,
                "-Tag @{} cannot clear the stack's tags: an update that names no tags keeps them (CloudFormation CreateChangeSet Tags). Give the tags the stack should have.",
                ErrorKind.InvalidArgument, "Tag");
        if (request.Tags is { } tags) DocumentedLimits.CheckTags(tags, reserved: request.Current.Tags.ContainsKey(DocumentedLimits.TemplateTag) ? 1 : 0);
        var declared = template.Section("Parameters");
        var previous = request.Current.Parameters;
        var keep = declared.Keys.Where(k => !request.Parameters.ContainsKey(k) && previous.ContainsKey(k)).ToHashSet();
        var merged = new Dictionary<string, string>(request.Parameters, StringComparer.Ordinal);
        foreach (var k in keep) merged[k] = previous[k];
        // The UI's settings as the update leaves them (given, or kept): checked with their own error ids first.
        if (Ui.UiRules.Checks(merged, request.Current.Region).FirstOrDefault() is { } ui)
            throw (ui.ErrorId == ErrorIds.InvalidUiDomain && keep.Contains(MetaflowParameters.UiDomainParameter))
                  || (ui.ErrorId == ErrorIds.InvalidCertificateArn && keep.Contains(MetaflowParameters.UiCertificateParameter))
                ? new MetaflowException(ui.ErrorId, ui.Message + " That is the stack's current value (the template it was made from took it): give the parameter to replace it.", ui.Kind, ui.Target)
                : ui;

        var (values, violations) = ParameterRules.Bind(template, merged);
        // Moving to another template (an upstream stack to ours, an older version to this one): a kept value the new
        // template does not take (e.g. a notebook type it no longer offers) gives way to its default, said out loud;
        // values the user gave are never changed.
        var notes = new List<string>();
        if (request.TemplateBody is not null)
            foreach (var v in violations.Where(v => keep.Contains(v.Parameter)).ToList())
            {
                keep.Remove(v.Parameter);
                merged.Remove(v.Parameter);
                var def = (declared.GetValueOrDefault(v.Parameter) as Dictionary<string, object?>)?.GetValueOrDefault("Default");
                notes.Add($"{MetaflowParameters.Display(v.Parameter)} was '{previous[v.Parameter]}', which the new template does not take ({v.Constraint}); " +
                          $"it becomes the template's default{(def is null ? "" : $" '{def}'")}. Give a value to choose another.");
            }
        if (notes.Count > 0) (values, violations) = ParameterRules.Bind(template, merged);
        if (violations.FirstOrDefault() is { } first)
            throw MetaflowParameters.Error(first, declared.GetValueOrDefault(first.Parameter) as Dictionary<string, object?> ?? new());
        if (IneffectiveSwitches.Check(request.Parameters, values, template) is { } ineffective) throw ineffective;
        if (MetaflowParameters.CrossChecks(values).FirstOrDefault() is { } cross) throw cross;
        if (MetaflowParameters.PartitionCheck(values, request.Current.Region) is { } partition) throw partition;
        if (values.ContainsKey("DBEngineVersion")
            && MetaflowParameters.DatabaseVersionChecks(values, previous, AwsFacts.LoadDefault()).FirstOrDefault() is { } dbVersion) throw dbVersion;
        if (MetaflowParameters.ImageChecks(request.Parameters, AwsFacts.LoadDefault()).FirstOrDefault() is { } image) throw image;

        var parameters = declared.Keys.Where(k => request.Parameters.ContainsKey(k) || keep.Contains(k))
            .Select(k => keep.Contains(k) ? new StackParameter(k, null, UsePreviousValue: true) : new StackParameter(k, request.Parameters[k]))
            .ToList();
        IReadOnlyList<string> active;
        try { active = TemplatePlan.ActiveResources(template, values, request.Current.Region, request.Current.StackName); }
        catch (TemplateError) { active = []; }
        if (RegionFit.Check(template, active, values, request.Current.Region, RegionOfferings.LoadDefault()) is { } misfit) throw misfit;
        return new UpdatePlan(request, template, body, parameters, values, DeploymentPlan.CapabilitiesFor(template), active.Count) { Notes = notes };
    }

    /// <summary>
    /// What the update would change, worked out locally (<see cref="ChangePreview"/>): the plan a confirmation
    /// and -WhatIf show, with no call to AWS. CloudFormation's own change set is made only once confirmed.
    /// </summary>
    public StackChangePlan Preview(ResourceSpecification? specification)
    {
        var current = Request.Current;
        TemplateDocument before;
        try { before = TemplateDocument.Parse(Request.CurrentTemplateBody); }
        catch (TemplateFormatException) { before = Template; }
        IReadOnlyList<MetaflowStackChange> changes;
        try
        {
            changes = ChangePreview.Compute(current.StackName, current.Region, before, current.Parameters, Template, MergedValues, specification);
        }
        catch (TemplateError ex)
        {
            throw new MetaflowException(ErrorIds.TemplateInvalid, $"The template cannot be evaluated for the update of '{current.StackName}': {ex.Message}",
                ErrorKind.InvalidData, Request.TemplatePath ?? current.StackName, ex);
        }
        return new StackChangePlan(current.StackName, current.StackId, "", "(preview)", changes);
    }

    public CreateChangeSetRequest ToChangeSetRequest(string? templateUrl) => new()
    {
        StackName = Request.Current.StackId,
        ChangeSetName = "metaflowaws-" + DateTime.UtcNow.ToString("yyyyMMddHHmmss") + "-" + Guid.NewGuid().ToString("N")[..6],
        TemplateBody = KeepsTemplate || templateUrl is not null ? null : Body,
        TemplateURL = templateUrl,
        UsePreviousTemplate = KeepsTemplate,
        Parameters = Parameters,
        Capabilities = Capabilities,
        // Tags given replace the stack's: the module's own tag (how it knows its stacks) goes along with them.
        Tags = Request.Tags?.Select(t => new StackTag(t.Key, t.Value))
            .Concat(Request.Current.Tags.TryGetValue(DocumentedLimits.TemplateTag, out var own) ? [new StackTag(DocumentedLimits.TemplateTag, own)] : [])
            .ToList(),
        Description = "Update-MetaflowStack",
        ClientToken = "metaflowaws-" + Guid.NewGuid().ToString("N"),
    };
}
