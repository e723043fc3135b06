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
[OutputType(typeof(MetaflowUiUser))]
public sealed class AddMetaflowUiUser : MetaflowCmdlet
{
    private MetaflowStack? _stack;
    private UiService? _service;

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
        if (_stack is null || !string.Equals(_stack.StackName, StackName, StringComparison.Ordinal) && _stack.StackId != StackName)
        {
            _stack = Run(ct => StackService.Create(session).GetAsync(StackName, ct));
            _service = new UiService(UiAws.Create(session));
        }
        var stack = _stack;
        var pool = UiService.UserPoolOf(stack);
        foreach (var email in emails)
        {
            var existing = Run(ct => _service!.AddUserAsync(stack, email, create: false, ct));
            if (existing is not null)
            {
                WriteVerbose($"{email} is already a user of the Metaflow UI of '{stack.StackName}' ({existing.Status}); left as is.");
                WriteObject(existing);
                continue;
            }
            if (!ShouldProcess($"{email} in user pool {pool} of '{stack.StackName}'", "Invite to the Metaflow UI: Cognito emails a temporary password")) continue;
            var user = Run(ct => _service!.AddUserAsync(stack, email, create: true, ct))!;
            WriteObject(user);
        }
    });
}
