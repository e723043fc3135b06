namespace MetaflowAws.Engine.Templates;

/// <summary>
/// One problem found in a template.
/// </summary>
/// <param name="Check">Stable id of the check that failed (e.g. "UnknownProperty"); scripts and tests match on it.</param>
/// <param name="Path">Where in the template, section by section: "Resources/DataBucket/Properties/BucketEncryption".</param>
/// <param name="Message">What is wrong and what to do about it.</param>
public sealed record TemplateFinding(string Check, string Path, string Message)
{
    public override string ToString() => $"{Check} at {Path}: {Message}";
}
