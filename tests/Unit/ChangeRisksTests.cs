using MetaflowAws.Engine.Stacks;
using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Tests;

/// <summary>What each kind of change puts at risk, on the bundled template's config outputs.</summary>
public sealed class ChangeRisksTests
{
    private static readonly IReadOnlySet<string> Referenced =
        ChangeRisks.ConfigReferenced(RepositoryFiles.Template()).Union(ChangeRisks.DnsTargets(RepositoryFiles.Template())).ToHashSet();

    private static MetaflowStackChange Change(string action, string id, string type, string? replacement = null, string[]? changed = null, string[]? causes = null) => new()
    {
        StackName = "s", Action = action, LogicalResourceId = id, ResourceType = type, Replacement = replacement,
        ChangedProperties = changed ?? [], ReplacementCause = causes ?? [], CausingEntities = [],
    };

    public static TheoryData<string, MetaflowStackChange> Cases => new()
    {
        { ChangeRisks.Data, Change("Modify", "MyRDSSecret", "AWS::SecretsManager::Secret", "False", ["GenerateSecretString"]) },
        { ChangeRisks.None, Change("Modify", "MyRDSSecret", "AWS::SecretsManager::Secret", "False", ["Description"]) },
        { ChangeRisks.None, Change("Modify", "RDSMasterInstance", "AWS::RDS::DBInstance", "Conditional", ["BackupRetentionPeriod", "EngineVersion"], ["BackupRetentionPeriod"]) },
        { ChangeRisks.Data, Change("Modify", "RDSMasterInstance", "AWS::RDS::DBInstance", "Conditional", ["DBName"], ["DBName"]) },
        { ChangeRisks.Data, Change("Remove", "StepFunctionsStateDDB", "AWS::DynamoDB::Table") },
        { ChangeRisks.Identity, Change("Modify", "StepFunctionsRole", "AWS::IAM::Role", "True", ["Path"], ["Path"]) },
        { ChangeRisks.Identity, Change("Modify", "Api", "AWS::ApiGateway::RestApi", "True", ["Name"], ["Name"]) },
        { ChangeRisks.Identity, Change("Modify", "JobQueue", "AWS::Batch::JobQueue", "True", ["JobQueueName"], ["JobQueueName"]) },
        { ChangeRisks.None, Change("Remove", "ApiKey", "AWS::ApiGateway::ApiKey") },
        { ChangeRisks.None, Change("Modify", "NotebookRole", "AWS::IAM::Role", "True", ["Path"], ["Path"]) },
        // The UI turned off: its users (and their passwords) go with the pool; the DNS record points at the load balancer.
        { ChangeRisks.Data, Change("Remove", "UserPoolUI", "AWS::Cognito::UserPool") },
        { ChangeRisks.Identity, Change("Remove", "LoadBalancerUI", "AWS::ElasticLoadBalancingV2::LoadBalancer") },
        { ChangeRisks.None, Change("Remove", "ECSFargateServiceUIStatic", "AWS::ECS::Service") },
        { ChangeRisks.None, Change("Modify", "UserPoolClientUI", "AWS::Cognito::UserPoolClient", "True", ["GenerateSecret"], ["GenerateSecret"]) },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_change_puts_at_risk(string risk, MetaflowStackChange change) => Assert.Equal(risk, ChangeRisks.Of(change, Referenced));
}
