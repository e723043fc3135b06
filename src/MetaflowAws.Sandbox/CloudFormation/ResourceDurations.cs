namespace MetaflowAws.Sandbox.CloudFormation;

/// <summary>
/// How long CloudFormation typically keeps a resource of each type in CREATE_IN_PROGRESS, in seconds of real time,
/// so a stack here takes the shape of a real one (minutes for a database, seconds for a role) at a chosen scale.
/// Sources: the services' documentation where it says so (RDS "Creating a DB instance ... can take several
/// minutes", the default ECS service stabilisation, SageMaker notebook "Pending" for several minutes, NAT gateway
/// "pending" until available, ALB provisioning) and the typical event timelines of the CloudFormation console.
/// The sandbox's own table: the module's waiter keeps a separate opinion, so a mismatch is part of what the
/// benchmark measures.
/// </summary>
public static class ResourceDurations
{
    private static readonly Dictionary<string, double> Typical = new(StringComparer.Ordinal)
    {
        ["AWS::RDS::DBInstance"] = 540,
        ["AWS::SageMaker::NotebookInstance"] = 330,
        ["AWS::ECS::Service"] = 150,
        ["AWS::ElasticLoadBalancingV2::LoadBalancer"] = 170,
        ["AWS::EC2::NatGateway"] = 95,
        ["AWS::IAM::InstanceProfile"] = 120,
        ["AWS::Batch::ComputeEnvironment"] = 45,
        ["AWS::Lambda::Function"] = 40,
        ["AWS::ApiGateway::VpcLink"] = 180,
        ["AWS::IAM::Role"] = 12,
        ["AWS::IAM::ManagedPolicy"] = 10,
        ["AWS::EC2::VPC"] = 12,
        ["AWS::EC2::Subnet"] = 6,
        ["AWS::EC2::InternetGateway"] = 15,
        ["AWS::EC2::EIP"] = 5,
        ["AWS::S3::Bucket"] = 22,
        ["AWS::DynamoDB::Table"] = 12,
        ["AWS::SecretsManager::Secret"] = 3,
        ["AWS::Batch::JobQueue"] = 8,
        ["AWS::ECS::Cluster"] = 8,
        ["AWS::Logs::LogGroup"] = 2,
    };

    private const double Default = 4;

    /// <summary>The resource's time in progress at <paramref name="scale"/> (0.001 = a second becomes a millisecond),
    /// spread ±20% by a hash of stack, resource and generation, so a run can be repeated.</summary>
    public static TimeSpan For(string stackName, string logicalId, string type, int generation, double scale)
    {
        var typical = Typical.GetValueOrDefault(type, Default);
        var h = Convert.ToUInt32(ResourceModel.Hash(stackName + "/" + logicalId + "/" + generation, 8), 16);
        var jitter = 0.8 + (h % 4001) / 10000.0;
        return TimeSpan.FromMilliseconds(typical * jitter * scale * 1000);
    }
}
