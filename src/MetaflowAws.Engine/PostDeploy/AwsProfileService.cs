using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.SecurityToken.Model;
using MetaflowAws.Engine.Aws;

namespace MetaflowAws.Engine.PostDeploy;

/// <summary>A role-assuming AWS profile as written, and who it proved to be.</summary>
public sealed record MetaflowAwsProfile(
    string ProfileName, string RoleArn, string? SourceProfile, string? CredentialSource, string? Region, bool HasExternalId,
    string ConfigPath, string? BackupPath, string? VerifiedArn)
{
    public string? MfaSerial { get; init; }
}

public sealed record AwsProfileRequest(
    string ProfileName, string RoleArn, string? SourceProfile, string? CredentialSource, string? Region, string? ExternalId, string? RoleSessionName)
{
    /// <summary>The MFA device the profile asks a code of (mfa_serial), for a role that trusts only sessions with MFA.</summary>
    public string? MfaSerial { get; init; }
}

/// <summary>A profile worked out before the file is touched: the request, the file, the settings to write.</summary>
public sealed record AwsProfilePlan(AwsProfileRequest Request, string ConfigPath, bool Force, IReadOnlyList<(string Key, string Value)> Settings)
{
    public string Action => $"Write profile '{Request.ProfileName}': {string.Join(", ", Settings.Select(s => $"{s.Key} = {s.Value}"))}";
}

/// <summary>Writes a profile that assumes a role and proves it works (STS AssumeRole, then GetCallerIdentity as the role).</summary>
public sealed class AwsProfileService(AwsSession session)
{
    public static readonly IReadOnlyList<string> CredentialSources = ["Environment", "Ec2InstanceMetadata", "EcsContainer"];

    public static (string Text, IReadOnlyList<(string, string)> Settings) Render(string currentText, AwsProfileRequest r)
    {
        var settings = new List<(string, string)> { ("role_arn", r.RoleArn) };
        if (r.SourceProfile is not null) settings.Add(("source_profile", r.SourceProfile));
        if (r.CredentialSource is not null) settings.Add(("credential_source", r.CredentialSource));
        if (r.Region is not null) settings.Add(("region", r.Region));
        if (r.ExternalId is not null) settings.Add(("external_id", r.ExternalId));
        if (r.RoleSessionName is not null) settings.Add(("role_session_name", r.RoleSessionName));
        if (r.MfaSerial is not null) settings.Add(("mfa_serial", r.MfaSerial));
        // A profile takes its credentials from exactly one place: drop the other kind if it was set before.
        var remove = new[] { "source_profile", "credential_source", "external_id", "role_session_name", "mfa_serial" }
            .Where(k => settings.All(s => s.Item1 != k));
        return (AwsConfigFile.SetProfile(currentText, r.ProfileName, settings, remove), settings);
    }

    /// <summary>
    /// New-MetaflowAwsProfile's plan: the names checked, where credentials come from (a source profile, a credential
    /// source, else the caller's own profile or the environment), and the file refused when it has the profile unless forced.
    /// </summary>
    public AwsProfilePlan Plan(string name, string roleArn, string? sourceProfile, string? credentialSource, string? externalId, string? roleSessionName, bool force,
        string? mfaSerial = null)
    {
        AwsConfigFile.ValidateProfileName(name);
        ValidateAssumeRole(roleArn, externalId, roleSessionName);
        ValidateMfa(mfaSerial, null);
        // botocore matches credential_source exactly (Environment, Ec2InstanceMetadata, EcsContainer): written as AWS spells it.
        credentialSource = credentialSource is null ? null
            : CredentialSources.FirstOrDefault(c => c.Equals(credentialSource, StringComparison.OrdinalIgnoreCase))
              ?? throw new MetaflowException(ErrorIds.InvalidParameter,
                  $"-CredentialSource '{credentialSource}' is not one the AWS SDKs read: {string.Join(", ", CredentialSources)}.", ErrorKind.InvalidArgument, credentialSource);
        if (sourceProfile is not null && credentialSource is not null)
            throw new MetaflowException(ErrorIds.InvalidParameter, "Give -SourceProfile or -CredentialSource, not both: a profile takes its credentials from one place.",
                ErrorKind.InvalidArgument, sourceProfile);
        if (sourceProfile is not null) AwsConfigFile.ValidateProfileName(sourceProfile);
        var request = new AwsProfileRequest(name, roleArn,
            credentialSource is null ? sourceProfile ?? session.ProfileName : null,
            credentialSource ?? (sourceProfile is null && session.ProfileName is null ? "Environment" : null),
            session.Region, externalId, roleSessionName) { MfaSerial = mfaSerial };
        var path = AwsConfigFile.DefaultPath();
        var current = File.Exists(path) ? File.ReadAllText(path) : "";
        if (AwsConfigFile.HasProfile(current, name) && !force)
            throw new MetaflowException(ErrorIds.ProfileExists,
                $"The AWS config file {path} already has a profile '{name}'. Pass -Force to replace its settings (the file is backed up first), or choose another -Name.",
                ErrorKind.ResourceExists, name);
        return new AwsProfilePlan(request, path, force, Render(current, request).Settings);
    }

    private static readonly System.Text.RegularExpressions.Regex RoleArnPattern =
        new(@"^arn:aws(-cn|-us-gov)?:iam::\d{12}:role/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$", System.Text.RegularExpressions.RegexOptions.Compiled);
    private static readonly System.Text.RegularExpressions.Regex ExternalIdPattern = new(@"^[\w+=,.@:/-]{2,1224}$", System.Text.RegularExpressions.RegexOptions.Compiled);
    private static readonly System.Text.RegularExpressions.Regex MfaSerialPattern = new(@"^[\w+=/:,.@-]{9,256}$", System.Text.RegularExpressions.RegexOptions.Compiled);
    private static readonly System.Text.RegularExpressions.Regex TokenCodePattern = new(@"^\d{6}$", System.Text.RegularExpressions.RegexOptions.Compiled);
    private static readonly System.Text.RegularExpressions.Regex SessionNamePattern = new(@"^[\w+=,.@-]{2,64}$", System.Text.RegularExpressions.RegexOptions.Compiled);

    /// <summary>
    /// What STS AssumeRole takes, checked before the profile is written (botocore sts: RoleArn an IAM role's ARN of 20-2048
    /// characters, ExternalId 2-1224 of [\w+=,.@:/-], RoleSessionName 2-64 of [\w+=,.@-]); the patterns also keep a value
    /// from breaking the config file's lines.
    /// </summary>
    public static void ValidateAssumeRole(string roleArn, string? externalId, string? roleSessionName)
    {
        if (roleArn.Length > 2048 || !RoleArnPattern.IsMatch(roleArn))
            throw new MetaflowException(ErrorIds.InvalidParameter,
                $"-RoleArn '{roleArn}' is not the ARN of an IAM role: a profile assumes a role, arn:<partition>:iam::<12-digit account>:role/<path/name> (a user, an account or its root cannot be assumed).",
                ErrorKind.InvalidArgument, roleArn);
        if (externalId is not null && !ExternalIdPattern.IsMatch(externalId))
            throw new MetaflowException(ErrorIds.InvalidParameter,
                $"-ExternalId is not valid: STS takes 2 to 1224 characters of letters, digits and + = , . @ : / - _ (it is {externalId.Length} characters long).",
                ErrorKind.InvalidArgument, "ExternalId");
        if (roleSessionName is not null && !SessionNamePattern.IsMatch(roleSessionName))
            throw new MetaflowException(ErrorIds.InvalidParameter,
                $"-RoleSessionName '{roleSessionName}' is not valid: STS takes 2 to 64 characters of letters, digits and + = , . @ - _.",
                ErrorKind.InvalidArgument, roleSessionName);
    }

    /// <summary>
    /// STS AssumeRole's SerialNumber (9-256 of [\w+=/:,.@-]: an MFA device's ARN or a hardware token's serial) and
    /// TokenCode (six digits), and a code only with a device.
    /// </summary>
    public static void ValidateMfa(string? mfaSerial, string? tokenCode)
    {
        if (mfaSerial is not null && !MfaSerialPattern.IsMatch(mfaSerial))
            throw new MetaflowException(ErrorIds.InvalidParameter,
                $"-MfaSerial '{mfaSerial}' is not an MFA device STS takes: its ARN (arn:aws:iam::<account>:mfa/<name>) or a hardware token's serial, 9 to 256 characters of letters, digits and + = / : , . @ - _.",
                ErrorKind.InvalidArgument, mfaSerial);
        if (tokenCode is null) return;
        if (mfaSerial is null)
            throw new MetaflowException(ErrorIds.InvalidParameter, "-MfaTokenCode needs -MfaSerial, the device the code comes from.", ErrorKind.InvalidArgument, "MfaTokenCode");
        if (!TokenCodePattern.IsMatch(tokenCode))
            throw new MetaflowException(ErrorIds.InvalidParameter, "-MfaTokenCode is not valid: STS takes the six digits the MFA device shows now.", ErrorKind.InvalidArgument, "MfaTokenCode");
    }

    /// <summary>Writes the confirmed plan (atomically, with a backup); the backup's path.</summary>
    public static string? Write(AwsProfilePlan plan)
    {
        var name = plan.Request.ProfileName;
        // Rendered again from the file as it is under the writer lock: another process may have changed it meanwhile.
        return AwsConfigFile.Update(plan.ConfigPath, latest =>
        {
            if (!plan.Force && AwsConfigFile.HasProfile(latest, name))
                throw new MetaflowException(ErrorIds.ProfileExists,
                    $"Another process added a profile '{name}' to {plan.ConfigPath} just now. Pass -Force to replace its settings, or choose another -Name.",
                    ErrorKind.ResourceExists, name);
            return Render(latest, plan.Request).Text;
        });
    }

    /// <summary>Assumes the role with the source credentials and asks STS who that is.</summary>
    public async Task<string> VerifyAsync(AwsProfileRequest r, CancellationToken ct, string? mfaTokenCode = null)
    {
        AWSCredentials source;
        if (r.SourceProfile is not null && r.SourceProfile != session.ProfileName)
        {
            if (!new CredentialProfileStoreChain().TryGetAWSCredentials(r.SourceProfile, out source!))
                throw new MetaflowException(ErrorIds.ProfileNotFound,
                    $"-SourceProfile '{r.SourceProfile}' was not found in the shared config/credentials files, so the new profile cannot work. Give an existing profile, or -CredentialSource Environment.",
                    ErrorKind.ObjectNotFound, r.SourceProfile);
        }
        else source = session.Credentials;

        try
        {
            using var sts = AwsClients.Sts(session, source);
            var assumed = await sts.AssumeRoleAsync(new AssumeRoleRequest
            {
                RoleArn = r.RoleArn,
                RoleSessionName = r.RoleSessionName ?? "metaflowaws-profile-check",
                ExternalId = r.ExternalId,
                SerialNumber = mfaTokenCode is null ? null : r.MfaSerial,
                TokenCode = mfaTokenCode,
                DurationSeconds = 900,
            }, ct).ConfigureAwait(false);
            var c = assumed.Credentials;
            using var asRole = AwsClients.Sts(session, new SessionAWSCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken));
            var who = await asRole.GetCallerIdentityAsync(new GetCallerIdentityRequest(), ct).ConfigureAwait(false);
            return who.Arn;
        }
        catch (AmazonServiceException ex)
        {
            throw new MetaflowException(ErrorIds.ProfileCheckFailed,
                $"The profile was written, but assuming {r.RoleArn} failed ({ex.ErrorCode}: {ex.Message}). " +
                "If the role does not trust these credentials yet, run Grant-MetaflowUserRole with their user or role ARN, then check again with New-MetaflowAwsProfile -Force. " +
                (r.MfaSerial is null ? "A stack's user role trusts people of its own account only with MFA (UserRoleRequireMfa): give -MfaSerial and -MfaTokenCode." : ""),
                ErrorKind.PermissionDenied, r.RoleArn, ex) { AwsErrorCode = ex.ErrorCode, RequestId = ex.RequestId };
        }
    }
}
