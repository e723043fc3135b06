using System.Management.Automation;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Stacks;
using MetaflowAws.Engine.Ui;

namespace MetaflowAws.Cmdlets.Capabilities;

/// <summary>
/// The Metaflow UI's DNS record after a deploy (New, Update, Publish): created with -CreateDnsRecord when the domain
/// is in a public Route 53 hosted zone of the account; otherwise the exact record to create is written as a warning.
/// </summary>
internal sealed class UiDns
{
    /// <summary>
    /// Gets or sets whether to create the UI's DNS record (an alias A record to its load balancer) when the domain
    /// (-UiDomainName) is in a public Route 53 hosted zone of this account. Without it, or without such a zone, the
    /// record to create is written as a warning. A different record of that name is never changed.
    /// </summary>
    [Parameter]
    public SwitchParameter CreateDnsRecord { get; set; }

    /// <summary>Before anything is sent: -CreateDnsRecord needs the UI the deploy's values turn on.</summary>
    public void Check(IReadOnlyDictionary<string, string> values)
    {
        if (Engine.Stacks.IneffectiveSwitches.CheckOptions(false, false, CreateDnsRecord, values) is { } refusal) throw refusal;
    }

    /// <summary>After a deploy that completed: the record for a stack with the UI; the old one removed when the UI went away.</summary>
    public void After(MetaflowCmdlet cmdlet, AwsSession session, MetaflowStack? before, MetaflowStack after)
    {
        if (after.Status is not ("CREATE_COMPLETE" or "UPDATE_COMPLETE"))
        {
            if (CreateDnsRecord && after.Status.EndsWith("_IN_PROGRESS", StringComparison.Ordinal))
                cmdlet.WriteWarning($"No DNS record was made: the deploy was not waited for (-NoWait). Once it completes, run 'Update-MetaflowStack -StackName {after.StackName} -CreateDnsRecord'.");
            return;
        }
        var service = new UiService(UiAws.Create(session));
        if (UiService.RecordOf(after) is { } record)
        {
            // An update that leaves the UI as it was says nothing of DNS unless asked to create the record.
            var previous = before is null ? null : UiService.RecordOf(before);
            var isNew = previous != record;
            if (!isNew && !CreateDnsRecord) return;
            var outcome = cmdlet.Run(ct => service.DnsAsync(record, CreateDnsRecord, ct, previous));
            switch (outcome.Outcome)
            {
                case UiDnsOutcome.Created:
                    cmdlet.WriteInformation(new HostInformationMessage { Message = outcome.Message }, ["PSHOST"]);
                    break;
                case UiDnsOutcome.AlreadyThere:
                    cmdlet.WriteVerbose(outcome.Message);
                    break;
                default:
                    cmdlet.WriteWarning(outcome.Message);
                    break;
            }
            if (isNew && after.Outputs.FirstOrDefault(o => o.OutputKey == UiService.UrlOutput)?.OutputValue is { } url)
                cmdlet.WriteInformation(new HostInformationMessage
                {
                    Message = $"The Metaflow UI is at {url}; invite its users with 'Add-MetaflowUiUser -StackName {after.StackName} -Email <address>'.",
                }, ["PSHOST"]);
        }
        else if (before is not null && UiService.RecordOf(before) is { } old)
            Remove(cmdlet, service, old);
    }

    /// <summary>Alias records of the UI's domain that point at a load balancer that is gone: removed, or a warning why not.</summary>
    public static void Remove(MetaflowCmdlet cmdlet, UiService service, UiDnsRecord record)
    {
        try
        {
            foreach (var removed in cmdlet.Run(ct => service.RemoveDnsAsync(record, ct)))
                cmdlet.WriteInformation(new HostInformationMessage { Message = $"Removed the DNS record {removed}: its load balancer is gone." }, ["PSHOST"]);
        }
        catch (Exception e) when (e is Engine.MetaflowException)
        {
            cmdlet.WriteWarning($"The UI's load balancer is gone; check that no DNS record of {record.Name} still points at {record.LoadBalancerDnsName} ({e.Message}).");
        }
    }
}
