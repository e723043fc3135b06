using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Language;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Ui;

namespace MetaflowAws.Cmdlets;

/// <summary>
/// Completes -CertificateArn with the region's issued ACM certificates (those covering -UiDomainName when it is given),
/// and -UiDomainName with the names those certificates cover (of -CertificateArn when it is given). Cached briefly
/// per region and profile; a failed lookup offers nothing.
/// </summary>
public sealed class UiCertificateCompleter : IArgumentCompleter
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(3);
    // Only framework types in the class's shape: PowerShell reflects over the exported types before the module's
    // resolver can find the engine's assembly.
    private static readonly ConcurrentDictionary<string, (DateTime At, object Certificates)> Cache = new();

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IReadOnlyList<CertificateInfo> certificates;
        try
        {
            var options = Completion.SessionOptions(fakeBoundParameters);
            var session = AwsSession.Resolve(options);
            var key = Completion.CacheKey(options, session.EndpointFor("ACM")) + "|" + session.Region;
            if (Cache.TryGetValue(key, out var hit) && DateTime.UtcNow - hit.At < Lifetime) certificates = (IReadOnlyList<CertificateInfo>)hit.Certificates;
            else
            {
                using var cts = new CancellationTokenSource(Patience);
                certificates = UiAws.Create(session).ListCertificatesAsync(cts.Token).GetAwaiter().GetResult();
                Cache[key] = (DateTime.UtcNow, certificates);
            }
        }
        catch (Exception)
        {
            return []; // completion never throws at the prompt
        }
        var word = wordToComplete ?? "";
        if (string.Equals(parameterName, "CertificateArn", StringComparison.OrdinalIgnoreCase))
        {
            var domain = fakeBoundParameters["UiDomainName"] as string;
            return certificates
                .Where(c => string.IsNullOrEmpty(domain) || UiRules.Covers(c, UiRules.NormalizeDomain(domain)))
                .Where(c => c.Arn.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                .Select(c => new CompletionResult(c.Arn, c.Arn, CompletionResultType.ParameterValue, string.Join(", ", c.Names)));
        }
        var arn = fakeBoundParameters["CertificateArn"] as string;
        return Completion.Complete(certificates.Where(c => string.IsNullOrEmpty(arn) || c.Arn == arn)
            .SelectMany(c => c.Names).Where(n => !n.StartsWith('*')).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal), word);
    }
}
