using Amazon.Runtime;
using Amazon.Runtime.Internal.Transform;
using MetaflowAws.Engine.Aws;

namespace MetaflowAws.Engine.CloudFormation;

/// <summary>The CloudFormation operations the module calls, as a seam for unit tests.</summary>
public interface ICloudFormation
{
    Task<CreateStackResponse> CreateStackAsync(CreateStackRequest request, CancellationToken cancellationToken = default);
    Task<DescribeStacksResponse> DescribeStacksAsync(DescribeStacksRequest request, CancellationToken cancellationToken = default);
    Task<DescribeStackEventsResponse> DescribeStackEventsAsync(DescribeStackEventsRequest request, CancellationToken cancellationToken = default);
    Task<DescribeStackResourcesResponse> DescribeStackResourcesAsync(DescribeStackResourcesRequest request, CancellationToken cancellationToken = default);
    Task<DeleteStackResponse> DeleteStackAsync(DeleteStackRequest request, CancellationToken cancellationToken = default);
    Task<ValidateTemplateResponse> ValidateTemplateAsync(ValidateTemplateRequest request, CancellationToken cancellationToken = default);
    Task<GetTemplateResponse> GetTemplateAsync(GetTemplateRequest request, CancellationToken cancellationToken = default);
    Task<CreateChangeSetResponse> CreateChangeSetAsync(CreateChangeSetRequest request, CancellationToken cancellationToken = default);
    Task<DescribeChangeSetResponse> DescribeChangeSetAsync(DescribeChangeSetRequest request, CancellationToken cancellationToken = default);
    Task ExecuteChangeSetAsync(ExecuteChangeSetRequest request, CancellationToken cancellationToken = default);
    Task DeleteChangeSetAsync(DeleteChangeSetRequest request, CancellationToken cancellationToken = default);
    Task ContinueUpdateRollbackAsync(ContinueUpdateRollbackRequest request, CancellationToken cancellationToken = default);
}

public sealed class CloudFormationConfig : OwnServiceConfig
{
    public const string Version = "2010-05-15";

    public CloudFormationConfig() : base("CloudFormation", "cloudformation", "cloudformation", Version) { }
}

/// <summary>CloudFormation over the Query protocol, on AWSSDK.Core's pipeline.</summary>
public sealed class CloudFormationClient : OwnServiceClient, ICloudFormation
{
    private static readonly QueryRequestMarshaller Marshaller = new("AmazonCloudFormation", CloudFormationConfig.Version);

    public CloudFormationClient(AWSCredentials credentials, CloudFormationConfig config) : base(credentials, config) { }

    private Task<T> Call<T>(QueryRequest request, Func<System.Xml.Linq.XElement, T> parse, CancellationToken ct)
        where T : AmazonWebServiceResponse, new()
        => SendAsync<T>(request, Marshaller, new XmlDocumentUnmarshaller<T>("CloudFormation", parse), ct);

    public Task<CreateStackResponse> CreateStackAsync(CreateStackRequest request, CancellationToken cancellationToken = default)
        => Call(request, CreateStackResponse.Parse, cancellationToken);

    public Task<DescribeStacksResponse> DescribeStacksAsync(DescribeStacksRequest request, CancellationToken cancellationToken = default)
        => Call(request, DescribeStacksResponse.Parse, cancellationToken);

    public Task<DescribeStackEventsResponse> DescribeStackEventsAsync(DescribeStackEventsRequest request, CancellationToken cancellationToken = default)
        => Call(request, DescribeStackEventsResponse.Parse, cancellationToken);

    public Task<DescribeStackResourcesResponse> DescribeStackResourcesAsync(DescribeStackResourcesRequest request, CancellationToken cancellationToken = default)
        => Call(request, DescribeStackResourcesResponse.Parse, cancellationToken);

    public Task<DeleteStackResponse> DeleteStackAsync(DeleteStackRequest request, CancellationToken cancellationToken = default)
        => Call(request, _ => new DeleteStackResponse(), cancellationToken);


    public Task<ValidateTemplateResponse> ValidateTemplateAsync(ValidateTemplateRequest request, CancellationToken cancellationToken = default)
        => Call(request, ValidateTemplateResponse.Parse, cancellationToken);

    public Task<GetTemplateResponse> GetTemplateAsync(GetTemplateRequest request, CancellationToken cancellationToken = default)
        => Call(request, GetTemplateResponse.Parse, cancellationToken);

    public Task<CreateChangeSetResponse> CreateChangeSetAsync(CreateChangeSetRequest request, CancellationToken cancellationToken = default)
        => Call(request, CreateChangeSetResponse.Parse, cancellationToken);

    public Task<DescribeChangeSetResponse> DescribeChangeSetAsync(DescribeChangeSetRequest request, CancellationToken cancellationToken = default)
        => Call(request, DescribeChangeSetResponse.Parse, cancellationToken);

    public Task ExecuteChangeSetAsync(ExecuteChangeSetRequest request, CancellationToken cancellationToken = default)
        => Call(request, _ => new EmptyResponse(), cancellationToken);

    public Task DeleteChangeSetAsync(DeleteChangeSetRequest request, CancellationToken cancellationToken = default)
        => Call(request, _ => new EmptyResponse(), cancellationToken);

    public Task ContinueUpdateRollbackAsync(ContinueUpdateRollbackRequest request, CancellationToken cancellationToken = default)
        => Call(request, _ => new EmptyResponse(), cancellationToken);
}
