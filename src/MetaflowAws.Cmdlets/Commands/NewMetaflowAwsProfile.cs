using System.Management.Automation;
using MetaflowAws.Engine;
using MetaflowAws.Engine.PostDeploy;
using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Cmdlets.Commands;

/// <summary>
/// Writes an AWS profile that assumes the stack's restricted Metaflow user role into the AWS config
/// file (AWS_CONFIG_FILE honoured), keeping every other profile and comment, then proves it works.
/// </summary>
[Cmdlet(VerbsCommon.New, "MetaflowAwsProfile", SupportsShouldProcess = true, DefaultParameterSetName = FromStackSet)]
[OutputType("MetaflowAws.Engine.PostDeploy.MetaflowAwsProfile")]
public sealed class NewMetaflowAwsProfile : MetaflowCmdlet
{
    private const string FromStackSet = "FromStack";
    private const string FromRoleSet = "FromRole";

    /// <summary>Gets or sets the stack whose MetaflowUserRoleArn output the profile assumes.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = FromStackSet)]
    [ArgumentCompleter(typeof(StackNameCompleter))]
    public string StackName { get; set; } = "";

    /// <summary>Gets or sets the ARN of the role to assume, instead of taking it from a stack.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FromRoleSet)]
    public string RoleArn { get; set; } = "";

    /// <summary>Gets or sets the name of the profile to write.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    public string Name { get; set; } = "";

    /// <summary>Gets or sets the profile whose credentials assume the role (source_profile). Defaults to the profile this command runs with.</summary>
    [Parameter]
    public string? SourceProfile { get; set; }

    /// <summary>Gets or sets where the credentials come from instead of a profile (credential_source): Environment, Ec2InstanceMetadata or EcsContainer.</summary>
    [Parameter]
    [ValidateSet("Environment", "Ec2InstanceMetadata", "EcsContainer")]
    public string? CredentialSource { get; set; }

    /// <summary>Gets or sets the external id the role's trust policy requires (external_id).</summary>
    [Parameter]
    public string? ExternalId { get; set; }

    /// <summary>Gets or sets the session name the profile uses (role_session_name).</summary>
    [Parameter]
    public string? RoleSessionName { get; set; }

    /// <summary>
    /// Gets or sets the MFA device whose code the profile asks for (mfa_serial): its ARN, or a hardware token's serial.
    /// A stack's user role trusts people of its own account only with MFA unless deployed with -UserRoleWithoutMfa.
    /// </summary>
    [Parameter]
    public string? MfaSerial { get; set; }

    /// <summary>Gets or sets the code the MFA device shows now, used once for the check that the profile works (never written).</summary>
    [Parameter]
    public string? MfaTokenCode { get; set; }

    /// <summary>Gets or sets whether to replace a profile of the same name.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Gets or sets whether to skip the STS check that the profile works.</summary>
    [Parameter]
    public SwitchParameter SkipCheck { get; set; }

    protected override void ProcessRecord() => Guard(() =>
    {
        if (ParameterSetName == FromRoleSet) AwsProfileService.ValidateAssumeRole(RoleArn, ExternalId, RoleSessionName);
        AwsProfileService.ValidateMfa(MfaSerial, MfaTokenCode);
        var session = ResolveSession();
        var roleArn = ParameterSetName == FromRoleSet ? RoleArn
            : UserRoleService.RoleArnOf(Run(ct => StackService.Create(session).GetMetaflowAsync(StackName, "New-MetaflowAwsProfile", ct)));
        var profiles = new AwsProfileService(session);
        var plan = profiles.Plan(Name, roleArn, SourceProfile, CredentialSource, ExternalId, RoleSessionName, Force, MfaSerial);
        if (!ShouldProcess(plan.ConfigPath, plan.Action)) return;
        var backup = AwsProfileService.Write(plan);
        // A device's code is good once and only for a moment: without one the profile cannot be proved here.
        var check = !SkipCheck && (MfaSerial is null || MfaTokenCode is not null);
        if (!SkipCheck && !check)
            WriteWarning($"Profile '{Name}' was written but not checked: it needs a code from {MfaSerial}. Check it with -MfaTokenCode, or with 'aws sts get-caller-identity --profile {Name}', which asks for one.");
        var verified = check ? Run(ct => profiles.VerifyAsync(plan.Request, ct, MfaTokenCode)) : null;
        if (verified is not null) WriteVerbose($"Profile '{Name}' works: it is {verified}.");
        var r = plan.Request;
        WriteObject(new MetaflowAwsProfile(Name, roleArn, r.SourceProfile, r.CredentialSource, r.Region, ExternalId is not null, plan.ConfigPath, backup, verified) { MfaSerial = r.MfaSerial });
    });
}
