using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace MetaflowAws.Cmdlets;

/// <summary>
/// Loads the module's views (MetaflowAws.format.ps1xml) the first time one of its cmdlets runs in
/// a runspace, not at import: formatting data costs more to load than the rest of the module, and
/// importing must stay within 10% of a bare pwsh start. Nothing is formatted before a cmdlet runs.
/// </summary>
internal static class Formats
{
    private static readonly ConcurrentDictionary<Guid, bool> Loaded = new();
    private static readonly string FormatFile =
        Path.Combine(Path.GetDirectoryName(typeof(Formats).Assembly.Location)!, "MetaflowAws.format.ps1xml");

    public static void Ensure(PSCmdlet cmdlet)
    {
        var runspace = Runspace.DefaultRunspace?.InstanceId ?? Guid.Empty;
        if (!File.Exists(FormatFile) || !Loaded.TryAdd(runspace, true)) return;
        cmdlet.InvokeCommand.InvokeScript("param($path) Update-FormatData -PrependPath $path", true, PipelineResultTypes.None, null, FormatFile);
    }
}
