using System.Management.Automation;
using MetaflowAws.Engine;
using MetaflowAws.Engine.Stacks;
using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>
/// Checks a template before anything is sent: the CloudFormation resource specification, the security
/// promises, what keeps a deployment working, and the dated facts about AWS. Returns the findings.
/// Reads local files only: it takes no AWS parameters and calls nothing.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "MetaflowTemplate")]
[OutputType(typeof(TemplateFinding))]
public sealed class TestMetaflowTemplate : PSCmdlet
{
    /// <summary>Gets or sets the template to check; defaults to the bundled Metaflow template.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "Path")]
    public string? TemplatePath { get; set; }

    /// <summary>Gets or sets the day the dated facts are judged on; defaults to today (UTC). A later day shows what will stop working.</summary>
    [Parameter]
    public DateTime? Date { get; set; }

    /// <summary>Gets or sets the dated facts table to use; defaults to aws-facts.yml beside the template, else the bundled one.</summary>
    [Parameter]
    public string? FactsPath { get; set; }

    protected override void BeginProcessing() => Formats.Ensure(this);

    protected override void ProcessRecord()
    {
        try
        {
            var path = TemplatePath is null ? DeploymentPlan.DefaultTemplatePath() : SessionState.Path.GetUnresolvedProviderPathFromPSPath(TemplatePath);
            var facts = FactsPath is null ? null : AwsFacts.Load(SessionState.Path.GetUnresolvedProviderPathFromPSPath(FactsPath));
            var result = TemplateInspection.Run(path, Date is { } d ? DateOnly.FromDateTime(d) : null, facts);
            WriteVerbose($"{result.TemplatePath}: {result.Findings.Count} finding(s) as of {result.Today:yyyy-MM-dd}.");
            foreach (var finding in result.Findings) WriteObject(finding);
        }
        catch (MetaflowException ex)
        {
            WriteError(MetaflowCmdlet.ToErrorRecord(ex));
        }
        catch (InvalidDataException ex)
        {
            WriteError(new ErrorRecord(ex, ErrorIds.TemplateInvalid, ErrorCategory.InvalidData, FactsPath ?? TemplatePath));
        }
    }
}
