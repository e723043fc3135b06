namespace MetaflowAws.Engine.Stacks;

/// <summary>
/// How long CloudFormation typically keeps a resource type in progress on AWS, in seconds: what the waiter
/// expects before it has measured anything. Minutes for a database, a notebook, a load balancer or an ECS
/// service waiting for its tasks; seconds for roles, buckets and tables (AWS's documentation of each service's
/// provisioning, and CloudFormation event timelines of the template's stacks).
/// </summary>
public static class ResourceTimings
{
    private static readonly Dictionary<string, double> Typical = new(StringComparer.Ordinal)
    {
        ["AWS::RDS::DBInstance"] = 600,
        ["AWS::SageMaker::NotebookInstance"] = 360,
        ["AWS::ECS::Service"] = 180,
        ["AWS::ElasticLoadBalancingV2::LoadBalancer"] = 180,
        ["AWS::ApiGateway::VpcLink"] = 200,
        ["AWS::EC2::NatGateway"] = 100,
        ["AWS::IAM::InstanceProfile"] = 120,
        ["AWS::Batch::ComputeEnvironment"] = 60,
        ["AWS::Lambda::Function"] = 45,
        ["AWS::IAM::Role"] = 15,
        ["AWS::IAM::ManagedPolicy"] = 10,
        ["AWS::EC2::VPC"] = 15,
        ["AWS::S3::Bucket"] = 20,
        ["AWS::DynamoDB::Table"] = 15,
    };

    public static double Seconds(string resourceType) => Typical.GetValueOrDefault(resourceType, 5);
}
