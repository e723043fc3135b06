using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Amazon.Runtime;

namespace MetaflowAws.Engine.Aws;

/// <summary>Turns what AWS (or the network) answered into errors a user can act on, with stable ids.</summary>
public static class AwsErrors
{
    /// <summary>Runs one AWS call; failures become <see cref="MetaflowException"/>.</summary>
    public static async Task<T> Call<T>(Func<Task<T>> call, string operation, string? stackName, AwsSession session)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex, operation, stackName, session) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>Runs one AWS call that returns nothing; failures become <see cref="MetaflowException"/>.</summary>
    public static Task Call(Func<Task> call, string operation, string? stackName, AwsSession session)
        => Call(async () => { await call().ConfigureAwait(false); return true; }, operation, stackName, session);

    public static MetaflowException? Translate(Exception ex, string operation, string? stackName, AwsSession session)
    {
        var where = $"in {session.Region}" + (session.ProfileName is null ? "" : $" (profile '{session.ProfileName}')");
        switch (ex)
        {
            case MetaflowException:
                return null;
            // An HTTP timeout is a TaskCanceledException around a TimeoutException: not the user's Ctrl+C.
            case TaskCanceledException { InnerException: TimeoutException } or TimeoutException:
                return new MetaflowException(ErrorIds.RequestTimedOut,
                    $"AWS did not answer {operation} {where} in time" + (session.ExplicitEndpointUrl is { } te ? $" at {te}" : "") +
                    $" ({ex.GetBaseException().Message}). Check the network and -EndpointUrl, then run the command again.",
                    ErrorKind.OperationTimeout, stackName, ex);
            case OperationCanceledException:
                return null;
            case AmazonServiceException s:
            {
                var code = s.ErrorCode ?? "";
                var message = s.Message;
                var (id, kind, text) = code switch
                {
                    "ValidationError" when message.Contains("does not exist", StringComparison.Ordinal) =>
                        (ErrorIds.StackNotFound, ErrorKind.ObjectNotFound,
                         $"Stack '{stackName}' was not found {where}. Check -StackName and -Region; Get-MetaflowStack lists the Metaflow stacks in a region."),
                    "AlreadyExistsException" =>
                        (ErrorIds.StackAlreadyExists, ErrorKind.ResourceExists,
                         $"A stack named '{stackName}' already exists {where}. Change it with Update-MetaflowStack, or remove it with Remove-MetaflowStack first."),
                    "SignatureDoesNotMatch" or "InvalidClientTokenId" or "UnrecognizedClientException" or "IncompleteSignature" or "MissingAuthenticationToken" =>
                        (ErrorIds.InvalidCredentials, ErrorKind.Authentication,
                         $"AWS rejected the credentials for {operation} ({code}: {message}). Check the access key and secret" +
                         (session.ProfileName is null ? "" : $" of profile '{session.ProfileName}'") + ", or pass -ProfileName / -AccessKey with valid ones."),
                    "ExpiredToken" or "ExpiredTokenException" or "RequestExpired" =>
                        (ErrorIds.InvalidCredentials, ErrorKind.Authentication,
                         $"The AWS session has expired ({code}). Refresh it" + (session.ProfileName is null ? "" : $" (for an SSO profile: aws sso login --profile {session.ProfileName})") + " and run the command again."),
                    "AccessDenied" or "AccessDeniedException" or "UnauthorizedOperation" =>
                        (ErrorIds.AccessDenied, ErrorKind.PermissionDenied,
                         $"Permission denied for {operation} {where}: {message} Ask for the permission, or use a profile that has it."),
                    "NoSuchBucket" =>
                        (ErrorIds.TemplateBucketNotFound, ErrorKind.ObjectNotFound,
                         $"The S3 bucket for {operation} does not exist {where} ({message}). If you gave -TemplateBucket, check its name; omit it to use the module's own staging bucket."),
                    "BucketAlreadyExists" =>
                        (ErrorIds.StagingBucketNotOwned, ErrorKind.PermissionDenied,
                         $"The S3 bucket name for {operation} is taken by another AWS account ({message}). Pass -TemplateBucket with a bucket your account owns."),
                    "InvalidBucketName" =>
                        (ErrorIds.InvalidTemplateBucket, ErrorKind.InvalidArgument,
                         $"S3 rejected the bucket name for {operation}: {message} Check -TemplateBucket."),
                    "PermanentRedirect" or "AuthorizationHeaderMalformed" or "IllegalLocationConstraintException" =>
                        (ErrorIds.AwsError, ErrorKind.InvalidArgument,
                         $"{operation} failed {where}: {code}: {message} The S3 bucket is in another region than -Region; use a bucket in {session.Region} for -TemplateBucket, or pass the bucket's region as -Region."),
                    "Throttling" or "SlowDown" or "ThrottlingException" or "TooManyRequestsException" or "RequestLimitExceeded" =>
                        (ErrorIds.Throttled, ErrorKind.ResourceUnavailable,
                         $"AWS kept throttling {operation} {where} after retries ({message}). Wait a minute and run the command again."),
                    _ =>
                        (ErrorIds.AwsError, s.ErrorType == ErrorType.Sender ? ErrorKind.InvalidArgument : ErrorKind.ResourceUnavailable,
                         $"{operation} failed {where}: {code}: {message}"),
                };
                return new MetaflowException(id, text, kind, stackName, ex) { AwsErrorCode = code, RequestId = s.RequestId };
            }
            case HttpRequestException or SocketException or WebException:
                return new MetaflowException(ErrorIds.EndpointUnreachable,
                    $"Could not reach AWS for {operation} {where}" + (session.ExplicitEndpointUrl is { } e ? $" at {e}" : "") +
                    $": {ex.GetBaseException().Message}. Check the network, -Region and -EndpointUrl.",
                    ErrorKind.ConnectionError, stackName, ex);
            case AmazonClientException c:
                return new MetaflowException(ErrorIds.AwsError, $"{operation} failed {where}: {c.Message}", ErrorKind.ResourceUnavailable, stackName, ex);
            default:
                return null;
        }
    }

    /// <summary>Errors worth retrying in a long wait (the SDK has already retried each call).</summary>
    public static bool IsTransient(MetaflowException ex)
        => ex.ErrorId is ErrorIds.Throttled or ErrorIds.EndpointUnreachable
           || (ex.ErrorId == ErrorIds.AwsError && ex.InnerException is AmazonServiceException { StatusCode: >= HttpStatusCode.InternalServerError });
}
