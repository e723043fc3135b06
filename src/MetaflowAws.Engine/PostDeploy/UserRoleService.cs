using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Iam;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Engine.PostDeploy;

/// <summary>What granting would do to the custom role's trust policy.</summary>
public sealed record UserRoleGrant(string StackName, string RoleName, string RoleArn, string CurrentPolicy, string NewPolicy, IReadOnlyList<string> Added, IReadOnlyList<string> AlreadyTrusted)
{
    public bool ChangesPolicy => Added.Count > 0;
}

/// <summary>The result of Grant-MetaflowUserRole, as -PassThru returns it.</summary>
public sealed record MetaflowUserRole(string StackName, string RoleArn, IReadOnlyList<string> Added, IReadOnlyList<string> AlreadyTrusted);

/// <summary>Opens the stack's restricted user role (CustomRole) to more principals.</summary>
public sealed class UserRoleService(IIam iam, AwsSession session)
{
    public const string RoleOutput = "MetaflowUserRoleArn";

    public static string RoleArnOf(MetaflowStack stack)
        => stack.Outputs.FirstOrDefault(o => o.OutputKey == RoleOutput)?.OutputValue
           ?? throw new MetaflowException(ErrorIds.FeatureNotDeployed,
               $"Stack '{stack.StackName}' has no restricted user role (output {RoleOutput}): it was deployed without CustomRole. " +
               $"Add it with 'Update-MetaflowStack -StackName {stack.StackName} -EnableCustomRole', then grant.",
               ErrorKind.InvalidOperation, stack.StackName);

    public async Task<UserRoleGrant> PlanAsync(MetaflowStack stack, IEnumerable<string> principals, int lengthQuota, CancellationToken ct)
    {
        var roleArn = RoleArnOf(stack);
        var partition = roleArn.Split(':')[1];
        var normalized = principals.Select(p => TrustPolicy.Normalize(p, partition)).ToList();
        var roleName = roleArn[(roleArn.LastIndexOf('/') + 1)..];
        GetRoleResponse role;
        try
        {
            role = await AwsErrors.Call(() => iam.GetRoleAsync(new GetRoleRequest { RoleName = roleName }, ct), "iam:GetRole", stack.StackName, session).ConfigureAwait(false);
        }
        catch (MetaflowException ex) when (ex.AwsErrorCode == "NoSuchEntity")
        {
            throw new MetaflowException(ErrorIds.RoleNotFound,
                $"The role {roleArn} named by stack '{stack.StackName}' does not exist (was it deleted outside CloudFormation?). Update the stack to recreate it.",
                ErrorKind.ObjectNotFound, roleArn, ex);
        }
        var (policy, added) = TrustPolicy.AddPrincipals(role.AssumeRolePolicyDocument, normalized);
        if (added.Count > 0 && TrustPolicy.QuotaLength(policy) > lengthQuota)
            throw new MetaflowException(ErrorIds.InvalidPrincipal,
                $"With {added.Count} more principal(s) the trust policy of {roleArn} would be {TrustPolicy.QuotaLength(policy):N0} characters (whitespace not counted); " +
                $"IAM takes {lengthQuota:N0} (-TrustPolicyQuota; the account's quota 'Role trust policy length' in Service Quotas). Nothing was changed. " +
                "Grant whole accounts rather than single roles or users, or raise the quota and give -TrustPolicyQuota.",
                ErrorKind.InvalidArgument, stack.StackName);
        return new UserRoleGrant(stack.StackName, role.RoleName, role.Arn, role.AssumeRolePolicyDocument, policy, added,
            normalized.Except(added).ToList());
    }

    public Task ApplyAsync(UserRoleGrant grant, CancellationToken ct)
        => AwsErrors.Call(() => iam.UpdateAssumeRolePolicyAsync(new UpdateAssumeRolePolicyRequest { RoleName = grant.RoleName, PolicyDocument = grant.NewPolicy }, ct),
            "iam:UpdateAssumeRolePolicy", grant.StackName, session);
}
