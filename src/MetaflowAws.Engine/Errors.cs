namespace MetaflowAws.Engine;

/// <summary>What kind of failure an error is; the cmdlets map it to an ErrorCategory.</summary>
public enum ErrorKind
{
    InvalidArgument,
    InvalidData,
    ObjectNotFound,
    ResourceExists,
    InvalidOperation,
    Authentication,
    PermissionDenied,
    OperationStopped,
    OperationTimeout,
    ResourceUnavailable,
    ConnectionError,
    NotImplemented,
    WriteError,
    ReadError,
}

/// <summary>Stable error ids: scripts and Pester tests match on these.</summary>
public static class ErrorIds
{
    public const string IncompleteCredentials = "IncompleteCredentials";
    public const string ProfileNotFound = "ProfileNotFound";
    public const string NoCredentials = "NoCredentials";
    public const string NoRegion = "NoRegion";
    public const string InvalidRegion = "InvalidRegion";
    public const string InvalidEndpoint = "InvalidEndpoint";
    public const string InvalidStackName = "InvalidStackName";
    public const string InvalidParameter = "InvalidParameter";
    public const string TemplateNotFound = "TemplateNotFound";
    public const string TemplateInvalid = "TemplateInvalid";
    public const string TemplateCheckFailed = "TemplateCheckFailed";
    public const string MigrationFailed = "MigrationFailed";
    public const string StackNotFound = "StackNotFound";
    public const string StackAlreadyExists = "StackAlreadyExists";
    public const string StackOperationFailed = "StackOperationFailed";
    public const string StackRolledBack = "StackRolledBack";
    public const string StackBusy = "StackBusy";
    public const string WaitTimedOut = "WaitTimedOut";
    public const string AccessDenied = "AccessDenied";
    public const string Throttled = "Throttled";
    public const string AwsError = "AwsError";
    public const string EndpointUnreachable = "EndpointUnreachable";
    public const string RequestTimedOut = "RequestTimedOut";
    /// <summary>A defect of ours: an exception the module did not expect, kept as the inner exception.</summary>
    public const string UnexpectedError = "UnexpectedError";
    public const string InvalidCredentials = "InvalidCredentials";
    public const string NotAMetaflowStack = "NotAMetaflowStack";
    public const string ChangeSetFailed = "ChangeSetFailed";
    public const string StackNotUpdatable = "StackNotUpdatable";
    public const string DataReplacementRefused = "DataReplacementRefused";
    public const string InvalidPrincipal = "InvalidPrincipal";
    public const string FeatureNotDeployed = "FeatureNotDeployed";
    public const string RoleNotFound = "RoleNotFound";
    public const string ProfileExists = "ProfileExists";
    public const string ProfileCheckFailed = "ProfileCheckFailed";
    public const string AwsConfigWriteFailed = "AwsConfigWriteFailed";

    // Metaflow's config file (Export-MetaflowConfig, Get-MetaflowConfig, Set-MetaflowApiKey).
    public const string InvalidMetaflowProfile = "InvalidMetaflowProfile";
    public const string ConfigNotFound = "ConfigNotFound";
    public const string ConfigFileCorrupt = "ConfigFileCorrupt";
    public const string ConfigReadFailed = "ConfigReadFailed";
    public const string ConfigWriteFailed = "ConfigWriteFailed";
    public const string MultipleStacks = "MultipleStacks";
    public const string InvalidTemplateBucket = "InvalidTemplateBucket";
    public const string TemplateBucketNotFound = "TemplateBucketNotFound";
    public const string StagingBucketNotOwned = "StagingBucketNotOwned";
    public const string UiSettingsIncomplete = "UiSettingsIncomplete";
    public const string InvalidUiDomain = "InvalidUiDomain";
    public const string InvalidCertificateArn = "InvalidCertificateArn";
    public const string CertificateNotUsable = "CertificateNotUsable";
    public const string InvalidEmail = "InvalidEmail";
    public const string DnsRecordConflict = "DnsRecordConflict";
    /// <summary>The region's CloudFormation does not offer a resource type the deploy would create.</summary>
    public const string ResourceTypeNotInRegion = "ResourceTypeNotInRegion";
}

/// <summary>An error the module reports to the user: a stable id, a kind, the target, a message that says what to do.</summary>
public class MetaflowException : Exception
{
    public MetaflowException(string errorId, string message, ErrorKind kind, object? target, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    public string ErrorId { get; }

    public ErrorKind Kind { get; }

    public object? Target { get; }

    /// <summary>The AWS request id when the error came from AWS.</summary>
    public string? RequestId { get; init; }

    /// <summary>The AWS error code when the error came from AWS.</summary>
    public string? AwsErrorCode { get; init; }
}
