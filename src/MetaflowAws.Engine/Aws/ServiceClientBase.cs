using Amazon.Runtime;
using Amazon.Runtime.Credentials.Internal;
using Amazon.Runtime.Endpoints;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Amazon.Runtime.Internal.Transform;

namespace MetaflowAws.Engine.Aws;

/// <summary>
/// Client configuration for a service whose official AWSSDK package is not available here.
/// Endpoints follow the AWS pattern (https://{prefix}.{region}.amazonaws.com) unless a
/// ServiceURL is set; signing is SigV4 with <see cref="ClientConfig.AuthenticationServiceName"/>.
/// </summary>
public class OwnServiceConfig : ClientConfig
{
    // The SDK's modes need at least one entry; ours: standard retries, SDK default timeouts.
    private static readonly IDefaultConfiguration[] Defaults =
    [
        new DefaultConfiguration { Name = DefaultConfigurationMode.Standard, RetryMode = RequestRetryMode.Standard },
    ];

    private readonly string _endpointPrefix;
    private readonly string _version;

    public OwnServiceConfig(string serviceId, string endpointPrefix, string signingName, string version)
        : base(new DefaultConfigurationProvider(Defaults))
    {
        base.ServiceId = serviceId;
        AuthenticationServiceName = signingName;
        _endpointPrefix = endpointPrefix;
        _version = version;
        EndpointProvider = new PatternEndpointProvider(this);
        RetryMode = RequestRetryMode.Standard;
        MaxErrorRetry = 8;
    }

    public override string RegionEndpointServiceName => _endpointPrefix;

    public override string ServiceVersion => _version;

    public override string UserAgent => "MetaflowAws/" + typeof(OwnServiceConfig).Assembly.GetName().Version;

    public override Endpoint DetermineServiceOperationEndpoint(ServiceOperationEndpointParameters parameters)
        => EndpointProvider.ResolveEndpoint(new EndpointParameters());

    internal string DefaultUrl()
    {
        var region = RegionEndpoint?.SystemName ?? "us-east-1";
        var suffix = region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
        return $"https://{_endpointPrefix}.{region}.{suffix}";
    }

    private sealed class PatternEndpointProvider(OwnServiceConfig config) : IEndpointProvider
    {
        public Endpoint ResolveEndpoint(EndpointParameters parameters)
            => new(string.IsNullOrEmpty(config.ServiceURL) ? config.DefaultUrl() : config.ServiceURL);
    }
}

/// <summary>
/// Base of our own service clients: the SDK's pipeline (credentials, SigV4, retries, errors)
/// with an endpoint resolver and an auth scheme handler of our own, as generated clients have.
/// </summary>
public abstract class OwnServiceClient : AmazonServiceClient
{
    protected OwnServiceClient(AWSCredentials credentials, OwnServiceConfig config) : base(credentials, config) { }

    protected override void CustomizeRuntimePipeline(RuntimePipeline pipeline)
    {
        pipeline.RemoveHandler<Amazon.Runtime.Internal.EndpointResolver>();
        pipeline.AddHandlerAfter<Marshaller>(new OwnEndpointResolver());
        pipeline.AddHandlerAfter<Marshaller>(new SigV4AuthHandler());
    }

    protected Task<TResponse> SendAsync<TResponse>(AmazonWebServiceRequest request,
        IMarshaller<IRequest, AmazonWebServiceRequest> marshaller, ResponseUnmarshaller unmarshaller, CancellationToken cancellationToken)
        where TResponse : AmazonWebServiceResponse, new()
    {
        var options = new InvokeOptions { RequestMarshaller = marshaller, ResponseUnmarshaller = unmarshaller };
        return InvokeAsync<TResponse>(request, options, cancellationToken);
    }

    private sealed class OwnEndpointResolver : BaseEndpointResolver
    {
        protected override EndpointParameters MapEndpointsParameters(IRequestContext requestContext) => new();

        public override Endpoint GetEndpoint(IExecutionContext executionContext)
            => executionContext.RequestContext.ClientConfig.EndpointProvider.ResolveEndpoint(new EndpointParameters());
    }

    private sealed class SigV4AuthHandler : BaseAuthResolverHandler
    {
        protected override List<IAuthSchemeOption> ResolveAuthOptions(IExecutionContext executionContext)
            => AuthSchemeOption.DEFAULT_SIGV4;
    }
}
