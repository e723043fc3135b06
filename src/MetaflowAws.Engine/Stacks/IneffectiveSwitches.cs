namespace MetaflowAws.Engine.Stacks;

/// <summary>
/// Values that do nothing without another value: given anyway, they are refused before any call, naming both, so that
/// nobody believes a setting took effect that the template drops. Read from the template's conditions: the notebook's
/// type only matters with the notebook (CreateNotebook), the EC2 sizes only with EC2 capacity (IsFargate drops MinvCpus,
/// DesiredvCpus and InstanceTypes), the UI's domain, certificate and image only with the UI (UseUI).
/// </summary>
public static class IneffectiveSwitches
{
    private static readonly (string Given, string Switch, Func<string?, bool> Off, string Why)[] Rules =
    [
        ("SagemakerInstance", "EnableSagemaker", v => v == "false", "without the notebook there is no notebook instance to size"),
        ("MinVCPUBatch", "BatchType", v => v == "fargate", "Fargate capacity has no minimum vCPUs (only -MaxVCpu applies to it)"),
        ("DesiredVCPUBatch", "BatchType", v => v == "fargate", "Fargate capacity has no desired vCPUs (only -MaxVCpu applies to it)"),
        ("ComputeEnvInstanceTypes", "BatchType", v => v == "fargate", "Fargate capacity has no instance types"),
        (MetaflowParameters.UiDomainParameter, MetaflowParameters.UiParameter, v => v != "true", "the domain is the UI's, which is off"),
        (MetaflowParameters.UiCertificateParameter, MetaflowParameters.UiParameter, v => v != "true", "the certificate is the UI's, which is off"),
        ("UIStaticImage", MetaflowParameters.UiParameter, v => v != "true", "the image is the UI's, which is off"),
        ("UIThreatProtection", MetaflowParameters.UiParameter, v => v != "true", "threat protection guards the UI's sign-ins, and the UI is off"),
        ("WafRateLimit", "EnableWaf", v => v != "true", "the rate limit is the web ACL's, which is off"),
        ("BatchVolumeSizeGiB", "BatchType", v => v == "fargate", "Fargate jobs have no instance volume to size"),
    ];

    /// <summary>
    /// The refusal of a value the user gave (<paramref name="given"/>) that the deploy's values as a whole
    /// (<paramref name="values"/>, with the template's defaults) leave unused; null when every given value takes effect.
    /// </summary>
    public static MetaflowException? Check(IReadOnlyDictionary<string, string> given, IReadOnlyDictionary<string, string> values, Templates.TemplateDocument template)
    {
        var declared = template.Section("Parameters");
        string? Value(string name) => values.TryGetValue(name, out var v) ? v
            : (declared.GetValueOrDefault(name) as Dictionary<string, object?>)?.GetValueOrDefault("Default") as string;
        foreach (var (name, @switch, off, why) in Rules)
        {
            if (!given.ContainsKey(name) || !declared.ContainsKey(@switch) || !off(Value(@switch))) continue;
            return new MetaflowException(ErrorIds.InvalidParameter,
                $"{MetaflowParameters.Display(name)} has no effect with {MetaflowParameters.Display(@switch)} '{Value(@switch)}': {why}. Nothing was sent; leave one of them out.",
                ErrorKind.InvalidArgument, name);
        }
        return null;
    }

    /// <summary>The cmdlet's own switches that need another: a wait's settings without a wait, -CreateDnsRecord without the UI.</summary>
    public static MetaflowException? CheckOptions(bool noWait, bool waitSettings, bool createDnsRecord, IReadOnlyDictionary<string, string>? values)
    {
        if (noWait && waitSettings)
            return new MetaflowException(ErrorIds.InvalidParameter,
                "-TimeoutSec and -ShowEvents set how the wait goes, and -NoWait skips the wait: give one or the other.", ErrorKind.InvalidArgument, "NoWait");
        if (createDnsRecord && values is not null && values.GetValueOrDefault(MetaflowParameters.UiParameter) != "true")
            return new MetaflowException(ErrorIds.InvalidParameter,
                "-CreateDnsRecord makes the Metaflow UI's DNS record, and this stack has no UI: add -EnableUI (with -UiDomainName and -CertificateArn), or leave -CreateDnsRecord out.",
                ErrorKind.InvalidArgument, "CreateDnsRecord");
        return null;
    }
}
