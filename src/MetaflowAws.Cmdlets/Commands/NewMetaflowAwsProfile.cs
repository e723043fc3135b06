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

    /// <summary>Gets or sets whether to replace a profile of the same name.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Gets or sets whether to skip the STS check that the profile works.</summary>
    [Parameter]
    public SwitchParameter SkipCheck { get; set; }

    protected override void ProcessRecord()
    {
        Guard(() =>
        {
            AwsConfigFile.ValidateProfileName(Name);
            if (SourceProfile is not null && CredentialSource is not null)
                throw new MetaflowException(ErrorIds.InvalidParameter, "Give -SourceProfile or -CredentialSource, not both: a profile takes its credentials from one place.",
                    ErrorKind.InvalidArgument, SourceProfile);
            if (SourceProfile is not null) AwsConfigFile.ValidateProfileName(SourceProfile);
            if (ParameterSetName == FromRoleSet) TrustPolicy.Normalize(RoleArn, RoleArn.Split(':') is { Length: > 1 } a ? a[1] : "aws");

            var session = ResolveSession();
            var roleArn = ParameterSetName == FromRoleSet ? RoleArn
                : UserRoleService.RoleArnOf(Run(ct => StackService.Create(session).GetAsync(StackName, ct)));
            var request = new AwsProfileRequest(Name, roleArn,
                CredentialSource is null ? SourceProfile ?? session.ProfileName : null,
                CredentialSource ?? (SourceProfile is null && session.ProfileName is null ? "Environment" : null),
                session.Region, ExternalId, RoleSessionName);

            var path = AwsConfigFile.DefaultPath();
            var current = File.Exists(path) ? File.ReadAllText(path) : "";
            if (AwsConfigFile.HasProfile(current, Name) && !Force)
                throw new MetaflowException(ErrorIds.ProfileExists,
                    $"The AWS config file {path} already has a profile '{Name}'. Pass -Force to replace its settings (the file is backed up first), or choose another -Name.",
                    ErrorKind.ResourceExists, Name);
            var (_, settings) = AwsProfileService.Render(current, request);
            if (!ShouldProcess(path, $"Write profile '{Name}': {string.Join(", ", settings.Select(s => $"{s.Item1} = {s.Item2}"))}")) return;
            // Rendered again from the file as it is under the writer lock: another process may have changed it meanwhile.
            var backup = AwsConfigFile.Update(path, latest =>
            {
                if (!Force && AwsConfigFile.HasProfile(latest, Name))
                    throw new MetaflowException(ErrorIds.ProfileExists,
                        $"Another process added a profile '{Name}' to {path} just now. Pass -Force to replace its settings, or choose another -Name.",
                        ErrorKind.ResourceExists, Name);
                return AwsProfileService.Render(latest, request).Text;
            });

            string? verified = null;
            if (!SkipCheck)
            {
                verified = Run(ct => new AwsProfileService(session).VerifyAsync(request, ct));
                WriteVerbose($"Profile '{Name}' works: it is {verified}.");
            }
            WriteObject(new MetaflowAwsProfile(Name, roleArn, request.SourceProfile, request.CredentialSource, request.Region,
                ExternalId is not null, path, backup, verified));
        });
    }
}
