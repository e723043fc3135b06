using Amazon.S3;
using Amazon.SecurityToken;
using MetaflowAws.Engine.Checks;
using MetaflowAws.Engine.ApiGateway;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.Iam;
using MetaflowAws.Engine.Lambda;

namespace MetaflowAws.Engine.PostDeploy;

/// <summary>Clients for the services the post-deploy steps call, configured from one session.</summary>
public static class AwsClients
{
    public static IApiGateway ApiGateway(AwsSession session)
        => new ApiGatewayClient(session.Credentials, session.Configure(new ApiGatewayConfig(), "API Gateway"));

    // IAM is global per partition, signed for the partition's home region.
    public static IIam Iam(AwsSession session) => new IamClient(session.Credentials, Global(session, new IamConfig(), "IAM",
        ("https://iam.amazonaws.com", "us-east-1"), ("https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1"), ("https://iam.us-gov.amazonaws.com", "us-gov-west-1")));

    /// <summary>
    /// A global service's configuration: its endpoint in the session's partition and the region it is signed for,
    /// unless an endpoint override (-EndpointUrl, AWS_ENDPOINT_URL[_SERVICE]) points elsewhere.
    /// </summary>
    public static T Global<T>(AwsSession session, T config, string serviceName, (string Url, string Region) aws, (string Url, string Region) cn, (string Url, string Region) gov)
        where T : Amazon.Runtime.ClientConfig
    {
        session.Configure(config, serviceName);
        if (session.EndpointFor(serviceName) is not null) return config;
        var (url, signing) = KnownRegions.PartitionOf(session.Region) switch { "aws-cn" => cn, "aws-us-gov" => gov, _ => aws };
        config.ServiceURL = url;
        config.AuthenticationRegion = signing;
        return config;
    }

    public static ILambda Lambda(AwsSession session) => new LambdaClient(session.Credentials, session.Configure(new LambdaConfig(), "Lambda"));

    public static AmazonS3Client S3(AwsSession session) => new(session.Credentials, session.Configure(new AmazonS3Config(), "S3"));

    public static BatchClient Batch(AwsSession session) => new(session.Credentials, session.Configure(new BatchConfig(), "Batch"));

    public static DynamoDbClient DynamoDb(AwsSession session) => new(session.Credentials, session.Configure(new DynamoDbConfig(), "DynamoDB"));

    public static AmazonSecurityTokenServiceClient Sts(AwsSession session, Amazon.Runtime.AWSCredentials? credentials = null)
        => new(credentials ?? session.Credentials, session.Configure(new AmazonSecurityTokenServiceConfig(), "STS"));
}
