using System.Collections.Concurrent;
using System.Management.Automation;
using MetaflowAws.Engine;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Operations;
using MetaflowAws.Cmdlets.Capabilities;

namespace MetaflowAws.Cmdlets;

/// <summary>
/// Base of every MetaflowAws cmdlet that reaches AWS: the AWS.Tools common parameters, Ctrl+C as a cancellation
/// token, engine errors as ErrorRecords with stable ids, and a pump that lets engine callbacks
/// (progress, events) write to the pipeline from the cmdlet's own thread. Everything else a cmdlet can do
/// (wait on a stack, take template values, name a Metaflow config) it takes on by composition: it lists those
/// capabilities in <see cref="Capabilities"/> and their parameters become its own.
/// </summary>
public abstract class MetaflowCmdlet : PSCmdlet, IDynamicParameters
{
    private readonly CancellationTokenSource _cancel = new();
    private BlockingCollection<Action>? _pump;
    private RuntimeDefinedParameterDictionary? _composed;

    /// <summary>The capabilities whose parameters this cmdlet takes (the same instances on every call).</summary>
    private protected virtual IReadOnlyList<object> Capabilities => [];

    /// <summary>The capabilities' parameters, bound by PowerShell like the cmdlet's own.</summary>
    public object GetDynamicParameters() => _composed ??= ParameterComposition.Parameters(Capabilities);

    /// <summary>Copies the bound values into the capabilities; before any work (begin and every record).</summary>
    private void BindCapabilities() => ParameterComposition.Bind(_composed, Capabilities);

    /// <summary>Verbose, warning and information messages of engine work, written from the cmdlet's thread.</summary>
    internal IOperationLog Log => _log ??= new CmdletLog(this);

    private IOperationLog? _log;

    /// <summary>Gets or sets the AWS region, e.g. us-east-1. Defaults to AWS_REGION, AWS_DEFAULT_REGION or the profile's region.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RegionCompleter))]
    public string? Region { get; set; }

    /// <summary>Gets or sets the name of the AWS profile (shared config/credentials files; SSO and assume-role profiles work). Defaults to AWS_PROFILE.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Profile", "StoredCredentials")]
    [ArgumentCompleter(typeof(ProfileNameCompleter))]
    public string? ProfileName { get; set; }

    /// <summary>Gets or sets the path of the shared credentials file to read profiles from.</summary>
    [Parameter]
    [Alias("AWSProfilesLocation", "ProfilesLocation")]
    public string? ProfileLocation { get; set; }

    /// <summary>Gets or sets the AWS access key id, used with -SecretKey.</summary>
    [Parameter]
    public string? AccessKey { get; set; }

    /// <summary>Gets or sets the AWS secret access key, used with -AccessKey.</summary>
    [Parameter]
    public string? SecretKey { get; set; }

    /// <summary>Gets or sets the session token of temporary credentials.</summary>
    [Parameter]
    public string? SessionToken { get; set; }

    /// <summary>Gets or sets the endpoint to call instead of AWS's (e.g. the local sandbox). Defaults to AWS_ENDPOINT_URL_&lt;SERVICE&gt; / AWS_ENDPOINT_URL.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? EndpointUrl { get; set; }

    protected CancellationToken Cancellation => _cancel.Token;

    protected override void StopProcessing()
    {
        // The hint first: cancelling can run the wait's continuation on this thread, ending the wait (and with it
        // what the hint is about) before the next line.
        try
        {
            foreach (var watch in Capabilities.OfType<StackWatch>()) watch.OnStopping(Host);
        }
        finally
        {
            _cancel.Cancel(); // whatever the host does with the hint
        }
    }

    protected override void BeginProcessing()
    {
        Formats.Ensure(this);
        BindCapabilities();
    }

    /// <summary>Credentials, region and endpoint from the parameters, environment and profile files.</summary>
    internal AwsSession ResolveSession() => AwsSession.Resolve(new AwsSessionOptions
    {
        Region = Region,
        ProfileName = ProfileName,
        ProfileLocation = ProfileLocation is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(ProfileLocation),
        AccessKey = AccessKey,
        SecretKey = SecretKey,
        SessionToken = SessionToken,
        EndpointUrl = EndpointUrl,
    });

    /// <summary>Runs engine work to its end while writing what its callbacks post, on this thread.</summary>
    internal T Run<T>(Func<CancellationToken, Task<T>> work)
    {
        using var pump = new BlockingCollection<Action>();
        _pump = pump;
        var task = Task.Run(async () =>
        {
            try { return await work(_cancel.Token).ConfigureAwait(false); }
            finally { pump.CompleteAdding(); }
        });
        try
        {
            foreach (var action in pump.GetConsumingEnumerable()) action();
        }
        finally
        {
            _pump = null;
        }
        return task.GetAwaiter().GetResult();
    }

    internal void Run(Func<CancellationToken, Task> work) => Run(async ct => { await work(ct).ConfigureAwait(false); return true; });

    /// <summary>From an engine callback: do this on the cmdlet's thread (where Write* is allowed).</summary>
    internal void Post(Action action)
    {
        var pump = _pump;
        if (pump is null) { action(); return; }
        try { pump.Add(action); } catch (InvalidOperationException) { /* the run has ended */ }
    }

    /// <summary>Runs one unit of work; engine errors become ErrorRecords (terminating when asked).</summary>
    internal void Guard(Action body, bool terminating = false)
    {
        try
        {
            BindCapabilities();
            body();
        }
        catch (MetaflowException ex)
        {
            var record = ToErrorRecord(ex);
            if (terminating) ThrowTerminatingError(record);
            else WriteError(record);
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
            // Ctrl+C: PowerShell stops the pipeline; nothing to report here.
        }
        catch (Exception ex) when (ex is not (PipelineStoppedException or ActionPreferenceStopException or HaltCommandException or OperationCanceledException))
        {
            // Not an error the module knows: a defect of ours. A stable id, the original inside, what to do.
            var wrapped = new MetaflowException(ErrorIds.UnexpectedError,
                $"{MyInvocation.MyCommand.Name} failed unexpectedly: {ex.GetType().Name}: {ex.Message} This is a defect of MetaflowAws: " +
                "report it with $Error[0].Exception.InnerException (the original exception and its stack trace).", ErrorKind.InvalidOperation, null, ex);
            var record = ToErrorRecord(wrapped);
            if (terminating) ThrowTerminatingError(record);
            else WriteError(record);
        }
    }

    private sealed class CmdletLog(MetaflowCmdlet cmdlet) : IOperationLog
    {
        public void Verbose(string message) => cmdlet.Post(() => cmdlet.WriteVerbose(message));

        public void Warning(string message) => cmdlet.Post(() => cmdlet.WriteWarning(message));

        public void Information(string message) => cmdlet.Post(() => cmdlet.WriteInformation(new HostInformationMessage { Message = message }, ["PSHOST"]));
    }

    internal static ErrorRecord ToErrorRecord(MetaflowException ex)
    {
        var record = new ErrorRecord(ex, ex.ErrorId, Category(ex.Kind), ex.Target);
        // What AWS said, for a support case: in the details' message; RecommendedAction stays for advice (the
        // message already says what to do).
        if (ex.RequestId is not null || ex.AwsErrorCode is not null)
            record.ErrorDetails = new ErrorDetails($"{ex.Message} (AWS error code {ex.AwsErrorCode ?? "none"}, request id {ex.RequestId ?? "none"})");
        return record;
    }

    private static ErrorCategory Category(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        ErrorKind.InvalidData => ErrorCategory.InvalidData,
        ErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        ErrorKind.ResourceExists => ErrorCategory.ResourceExists,
        ErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
        ErrorKind.Authentication => ErrorCategory.AuthenticationError,
        ErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        ErrorKind.OperationStopped => ErrorCategory.OperationStopped,
        ErrorKind.OperationTimeout => ErrorCategory.OperationTimeout,
        ErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        ErrorKind.ConnectionError => ErrorCategory.ConnectionError,
        ErrorKind.NotImplemented => ErrorCategory.NotImplemented,
        ErrorKind.WriteError => ErrorCategory.WriteError,
        ErrorKind.ReadError => ErrorCategory.ReadError,
        _ => ErrorCategory.NotSpecified,
    };
}
