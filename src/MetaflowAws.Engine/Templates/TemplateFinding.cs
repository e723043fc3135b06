namespace MetaflowAws.Engine.Templates;

/// <summary>How much a finding matters: an error stops a deploy (unless forced); a warning is shown.</summary>
public enum FindingSeverity
{
    Warning,
    Error,
}

/// <summary>
/// One problem found in a template.
/// </summary>
/// <param name="Check">Stable id of the check that failed (e.g. "UnknownProperty"); scripts and tests match on it.</param>
/// <param name="Path">Where in the template, section by section: "Resources/DataBucket/Properties/BucketEncryption".</param>
/// <param name="Message">What is wrong and what to do about it.</param>
/// <param name="Severity">Error unless the check says the template still works today.</param>
public sealed record TemplateFinding(string Check, string Path, string Message, FindingSeverity Severity = FindingSeverity.Error)
{
    /// <summary>The check's id under the name Test-MetaflowTemplate shows it.</summary>
    public string Rule => Check;

    /// <summary>The resource, output or parameter the finding is about: the second part of <see cref="Path"/>.</summary>
    public string Resource => Path.Split('/') is { Length: > 1 } parts ? parts[1] : Path;

    public override string ToString() => $"{Check} at {Path}: {Message}";
}
