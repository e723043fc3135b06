using System.Management.Automation;
using MetaflowAws.Engine.Stacks;
using MetaflowAws.Engine.Ui;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>
/// Invites people to a stack's Metaflow UI: a user of its Cognito user pool, signing in with their email address.
/// Cognito emails each a temporary password (never seen by this module); they choose their own at the first sign-in.
/// A user who is already there is returned as is (Added = false), so the cmdlet can run again safely.
/// </summary>
[Cmdlet(VerbsCommon.Add, "MetaflowUiUser", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("MetaflowAws.Engine.Ui.MetaflowUiUser")]
public sealed class AddMetaflowUiUser : MetaflowCmdlet
{
    // A reference type: a value-type field of engine types would make PowerShell load the engine while it reflects
    // over the module's types, before the module's resolver is in place.
    private Target? _target;

    private sealed record Target(MetaflowStack Stack, string Pool, UiService Service);

    /// <summary>Gets or sets the stack (deployed with -EnableUI) whose UI the users may sign in to.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string StackName { get; set; } = "";

    /// <summary>Gets or sets the users' email addresses: their sign-in names, where Cognito sends the temporary password.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Email { get; set; } = [];

    protected override void ProcessRecord() => Guard(() =>
    {
        // Every address is checked before any call.
        var emails = Email.Select(UiService.NormalizeEmail).Distinct().ToList();
        var session = ResolveSession();
        if (_target is not { } target || target.Stack.StackName != StackName && target.Stack.StackId != StackName)
        {
            _target = target = Run(async ct =>
            {
                var stacks = StackService.Create(session);
                var stack = await stacks.GetMetaflowAsync(StackName, "Add-MetaflowUiUser", ct).ConfigureAwait(false);
                return new Target(stack, await UiService.UserPoolAsync(stack, stacks, ct).ConfigureAwait(false), new UiService(UiAws.Create(session)));
            });
        }
        var (stack, pool, service) = target;
        foreach (var email in emails)
        {
            if (Run(ct => service.UsersAsync(stack, pool, email, ct)).FirstOrDefault() is { } existing)
            {
                WriteVerbose($"{email} is already a user of the Metaflow UI of '{stack.StackName}' ({existing.Status}); left as is.");
                WriteObject(existing);
                continue;
            }
            if (!ShouldProcess($"{email} in user pool {pool} of '{stack.StackName}'", "Invite to the Metaflow UI: Cognito emails a temporary password")) continue;
            WriteObject(Run(ct => service.InviteAsync(stack, pool, email, ct)));
        }
    });
}
