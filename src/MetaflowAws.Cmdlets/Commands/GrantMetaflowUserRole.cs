using System.Management.Automation;
using MetaflowAws.Engine.PostDeploy;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>Lets more principals (accounts, users, roles) assume the stack's restricted Metaflow user role, keeping the trust policy's other statements.</summary>
[Cmdlet(VerbsSecurity.Grant, "MetaflowUserRole", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType("MetaflowAws.Engine.PostDeploy.MetaflowUserRole")]
public sealed class GrantMetaflowUserRole : MetaflowCmdlet
{
    /// <summary>Gets or sets the stack (deployed with CustomRole) whose user role to open.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string StackName { get; set; } = "";

    /// <summary>Gets or sets who may assume the role: 12-digit account ids, IAM user ARNs or IAM role ARNs.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string[] Principal { get; set; } = [];

    /// <summary>
    /// Gets or sets the longest trust policy the account's IAM takes, in characters without whitespace: 2,048 by default
    /// (IAM's quota "Role trust policy length"), more when the account's quota was raised through Service Quotas.
    /// </summary>
    [Parameter]
    [ValidateRange(2048, 8192)]
    public int TrustPolicyQuota { get; set; } = TrustPolicy.DefaultLengthQuota;

    /// <summary>Gets or sets whether to return the role and what was granted.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            var session = ResolveSession();
            var service = new UserRoleService(AwsClients.Iam(session), session);
            var stack = Run(ct => StackService.Create(session).GetMetaflowAsync(StackName, "Grant-MetaflowUserRole", ct));
            // Principals are checked before any call about the role.
            var partition = UserRoleService.RoleArnOf(stack).Split(':')[1];
            foreach (var p in Principal) TrustPolicy.Normalize(p, partition);
            var grant = Run(ct => service.PlanAsync(stack, Principal, TrustPolicyQuota, ct));

            if (!grant.ChangesPolicy)
                WriteVerbose($"Every principal is already trusted by {grant.RoleArn}; nothing to change.");
            else if (ShouldProcess(grant.RoleArn, $"Let {string.Join(", ", grant.Added)} assume the role; the trust policy becomes:\n{grant.NewPolicy}"))
                Run(ct => service.ApplyAsync(grant, ct));
            else
                return;
            if (PassThru) WriteObject(new MetaflowUserRole(grant.StackName, grant.RoleArn, grant.Added, grant.AlreadyTrusted));
        });
    }
}
