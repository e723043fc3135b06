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

    public static IIam Iam(AwsSession session)
    {
        var config = session.Configure(new IamConfig(), "IAM");
        if (session.EndpointFor("IAM") is null)
        {
            // IAM is global per partition, signed for the partition's home region.
            var (url, signing) = session.Region switch
            {
                var r when r.StartsWith("cn-", StringComparison.Ordinal) => ("https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1"),
                var r when r.StartsWith("us-gov-", StringComparison.Ordinal) => ("https://iam.us-gov.amazonaws.com", "us-gov-west-1"),
                _ => ("https://iam.amazonaws.com", "us-east-1"),
            };
            config.ServiceURL = url;
            config.AuthenticationRegion = signing;
        }
        return new IamClient(session.Credentials, config);
    }

    public static ILambda Lambda(AwsSession session) => new LambdaClient(session.Credentials, session.Configure(new LambdaConfig(), "Lambda"));

    public static AmazonS3Client S3(AwsSession session) => new(session.Credentials, session.Configure(new AmazonS3Config(), "S3"));

    public static BatchClient Batch(AwsSession session) => new(session.Credentials, session.Configure(new BatchConfig(), "Batch"));

    public static DynamoDbClient DynamoDb(AwsSession session) => new(session.Credentials, session.Configure(new DynamoDbConfig(), "DynamoDB"));

    public static AmazonSecurityTokenServiceClient Sts(AwsSession session, Amazon.Runtime.AWSCredentials? credentials = null)
        => new(credentials ?? session.Credentials, session.Configure(new AmazonSecurityTokenServiceConfig(), "STS"));
}
