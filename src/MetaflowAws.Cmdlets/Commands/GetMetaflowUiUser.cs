using System.Management.Automation;
using MetaflowAws.Engine.Stacks;
using MetaflowAws.Engine.Ui;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>Lists the users of a stack's Metaflow UI (its Cognito user pool), or the one with an email address.</summary>
[Cmdlet(VerbsCommon.Get, "MetaflowUiUser")]
[OutputType("MetaflowAws.Engine.Ui.MetaflowUiUser")]
public sealed class GetMetaflowUiUser : MetaflowCmdlet
{
    /// <summary>Gets or sets the stack (deployed with -EnableUI).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string StackName { get; set; } = "";

    /// <summary>Gets or sets an email address to look up; all users when omitted.</summary>
    [Parameter(Position = 1)]
    public string? Email { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        var email = Email is null ? null : UiService.NormalizeEmail(Email);
        var session = ResolveSession();
        var users = Run(async ct =>
        {
            var stacks = StackService.Create(session);
            var stack = await stacks.GetMetaflowAsync(StackName, "Get-MetaflowUiUser", ct).ConfigureAwait(false);
            var pool = await UiService.UserPoolAsync(stack, stacks, ct).ConfigureAwait(false);
            return await new UiService(UiAws.Create(session)).UsersAsync(stack, pool, email, ct).ConfigureAwait(false);
        });
        foreach (var u in users) WriteObject(u);
    });
}
