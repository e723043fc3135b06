using System.Management.Automation;

namespace HelloModule;

/// <summary>Writes one string; exists only to be imported by the import-time benchmark.</summary>
[Cmdlet(VerbsCommon.Get, "Hello")]
[OutputType(typeof(string))]
public sealed class GetHello : PSCmdlet
{
    protected override void ProcessRecord() => WriteObject("hello");
}
