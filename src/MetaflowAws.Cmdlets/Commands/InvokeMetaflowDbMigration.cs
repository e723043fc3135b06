using System.Management.Automation;
using MetaflowAws.Engine.PostDeploy;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>
/// Upgrades the metadata database's schema to what the deployed metadata service image expects, through
/// the stack's migration function (IAM-authorised; the public API only reads the schema status).
/// -StatusOnly reports the schema without changing it. Update-MetaflowStack runs the upgrade itself when
/// an update changes MetadataServiceImage.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "MetaflowDbMigration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(DbMigrationResult))]
public sealed class InvokeMetaflowDbMigration : MetaflowCmdlet
{
    /// <summary>Gets or sets the stack name or id.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string StackName { get; set; } = "";

    /// <summary>Gets or sets whether to only read the schema status (no migration runs).</summary>
    [Parameter]
    public SwitchParameter StatusOnly { get; set; }

    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var session = ResolveSession();
            var stack = Run(ct => StackService.Create(session).GetMetaflowAsync(StackName, "Invoke-MetaflowDbMigration", ct));
            var function = SchemaMigrationService.FunctionOf(stack);
            if (!StatusOnly && !ShouldProcess(stack.StackName, $"Upgrade the metadata database schema through Lambda function {function}"))
                return;
            var service = new SchemaMigrationService(AwsClients.Lambda(session), session);
            var result = Run(ct => service.RunAsync(stack, upgrade: !StatusOnly, ct));
            WriteVerbose($"Schema of stack {stack.StackName}: before {result.Before}" + (result.After is null ? "" : $", after {result.After}") + ".");
            WriteObject(result);
        });
    }
}
