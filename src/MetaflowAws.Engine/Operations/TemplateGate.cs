using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Stacks;
using MetaflowAws.Engine.Staging;
using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Engine.Operations;

/// <summary>What every deploy does with a template before and while sending it: the user's template checked, staging described and done.</summary>
internal static class TemplateGate
{
    /// <summary>
    /// Test-MetaflowTemplate's checks on a template of the user's, before anything is sent: warnings come back to be shown;
    /// errors refuse the deploy unless forced (then they come back as warnings).
    /// </summary>
    public static IReadOnlyList<string> Check(string path, bool force)
    {
        var inspection = TemplateInspection.Run(path);
        var errors = inspection.Findings.Where(f => f.Severity == FindingSeverity.Error).ToList();
        if (errors.Count > 0 && !force)
            throw new MetaflowException(ErrorIds.TemplateCheckFailed,
                $"-TemplatePath '{path}' fails {errors.Count} template check(s), so nothing was sent:{Environment.NewLine}" +
                string.Join(Environment.NewLine, errors.Select(f => $"  {f.Rule} ({f.Resource}): {f.Message}")) + Environment.NewLine +
                "Fix the template (Test-MetaflowTemplate lists the findings as objects), or deploy it anyway with -Force.",
                ErrorKind.InvalidData, path);
        return inspection.Findings.Select(f => $"{f.Rule} ({f.Resource}): {f.Message}").ToList();
    }

    /// <summary>What the confirmation says about staging (under -WhatIf the account is not asked for, so the default bucket shows as &lt;account&gt;).</summary>
    public static string StagingText(string region, string stackName, bool needed, string body, int size, string? bucket)
    {
        if (!needed) return "";
        var name = bucket ?? TemplateStaging.DefaultBucketDisplayName(region);
        return $"Upload the template ({size:N0} bytes, over CloudFormation's {DeploymentPlan.TemplateBodyLimit:N0}-byte inline limit) " +
               $"to s3://{name}/{TemplateStaging.KeyFor(stackName, body)}{(bucket is null ? " (the bucket is created if missing)" : "")}, then ";
    }

    /// <summary>Uploads a template over CloudFormation's body limit to the staging bucket; its URL, or null when the body goes inline.</summary>
    public static async Task<string?> StageAsync(AwsSession session, string stackName, bool needed, string body, string? bucket, IOperationLog log, CancellationToken ct)
    {
        if (!needed) return null;
        var staged = await TemplateStaging.Create(session).StageAsync(stackName, body, bucket, log.Verbose, ct).ConfigureAwait(false);
        log.Verbose($"Template staged at {staged.S3Uri}; CloudFormation reads it from {staged.TemplateUrl}.");
        return staged.TemplateUrl;
    }
}
