using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Tests;

/// <summary>
/// What each role of the template can and cannot do, as IAM would judge it (<see cref="RolePolicies"/>), side by side with
/// the 0.3.0 template (before the hardening of issue 23): every escalation path the security review found is closed now and
/// open in 0.3.0, and what Metaflow needs stays allowed in both. A stack named "mf" in account 123456789012, us-east-1, with
/// the user role and the UI on; "otherteam" is another stack's state machine, rule, queue, table, bucket or role.
/// </summary>
public sealed class PolicyMatrixTests
{
    private const string Account = "123456789012";
    private const string P = "arn:aws";

    private static readonly Dictionary<string, string> Values = new()
    {
        ["CustomRole"] = "true",
        ["EnableUI"] = "true",
        ["PublicDomainName"] = "metaflow.example.com",
        ["CertificateArn"] = $"{P}:acm:us-east-1:{Account}:certificate/00000000-0000-0000-0000-000000000000",
    };

    private static readonly Lazy<RolePolicies> Current = new(() => RolePolicies.Of(RepositoryFiles.Template(), Values));

    private static readonly Lazy<RolePolicies> Old = new(() => RolePolicies.Of(
        TemplateDocument.Parse(File.ReadAllText(Path.Combine(RepositoryFiles.RepoRoot, "tests/Fixtures/metaflow-0.3.0.yml"))), Values));

    private static string Arn(string service, string rest) => $"{P}:{service}:us-east-1:{Account}:{rest}";

    private static Dictionary<string, string> Ctx(params (string Key, string Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    /// <summary>Escalation paths of the review: allowed by the 0.3.0 template, denied now.</summary>
    public static TheoryData<string, string, string, string, string> Closed => new()
    {
        { "state machine role starts another stack's state machine", "StepFunctionsRole", "states:StartExecution", Arn("states", "stateMachine:otherteam_flow"), "" },
        { "state machine role stops another stack's execution", "StepFunctionsRole", "states:StopExecution", Arn("states", "execution:otherteam_flow:run-1"), "" },
        { "state machine role edits the account's log resource policies", "StepFunctionsRole", "logs:PutResourcePolicy", "*", "" },
        { "schedule role starts any state machine", "EventBridgeRole", "states:StartExecution", Arn("states", "stateMachine:otherteam_flow"), "" },
        { "user role passes the job role to Lambda", "UserRole", "iam:PassRole", $"{P}:iam::{Account}:role/mf-BatchS3TaskRole-0A1B2C3D4E5F", "iam:PassedToService=lambda.amazonaws.com" },
        { "user role passes the state machine role to Lambda", "UserRole", "iam:PassRole", $"{P}:iam::{Account}:role/mf-StepFunctionsRole-0A1B2C3D4E5F", "iam:PassedToService=lambda.amazonaws.com" },
        { "user role registers a privileged job definition", "UserRole", "batch:RegisterJobDefinition", Arn("batch", "job-definition/metaflow_x"), "batch:Privileged=true" },
        { "notebook registers a privileged job definition", "NotebookRole", "batch:RegisterJobDefinition", Arn("batch", "job-definition/metaflow_x"), "batch:Privileged=true" },
        { "execution role pulls from another account's repository", "FargateExecutionRole", "ecr:BatchGetImage", $"{P}:ecr:eu-west-1:999999999999:repository/x", "" },
    };

    /// <summary>What Metaflow does with each role: allowed before and now.</summary>
    public static TheoryData<string, string, string, string, string> Kept => new()
    {
        { "state machine role submits to the stack's queue", "StepFunctionsRole", "batch:SubmitJob", Arn("batch", "job-queue/mf-JobQueue-0A1B2C3D4E5F"), "" },
        { "state machine role submits a metaflow job definition", "StepFunctionsRole", "batch:SubmitJob", Arn("batch", "job-definition/metaflow_abc:1"), "" },
        { "state machine role keeps foreach state", "StepFunctionsRole", "dynamodb:PutItem", Arn("dynamodb", "table/mf-StepFunctionsStateDDB-0A1B2C3D4E5F"), "" },
        { "schedule role starts the stack's state machines", "EventBridgeRole", "states:StartExecution", Arn("states", "stateMachine:mf_HelloFlow"), "" },
        { "user role creates the stack's state machines", "UserRole", "states:CreateStateMachine", Arn("states", "stateMachine:mf_HelloFlow"), "" },
        { "user role starts the stack's state machines", "UserRole", "states:StartExecution", Arn("states", "stateMachine:mf_HelloFlow"), "" },
        { "user role passes the job role to ECS tasks", "UserRole", "iam:PassRole", $"{P}:iam::{Account}:role/mf-BatchS3TaskRole-0A1B2C3D4E5F", "iam:PassedToService=ecs-tasks.amazonaws.com" },
        { "user role registers an unprivileged job definition", "UserRole", "batch:RegisterJobDefinition", Arn("batch", "job-definition/metaflow_x"), "batch:Privileged=false" },
        { "job role reads the data bucket", "BatchS3TaskRole", "s3:GetObject", $"{P}:s3:::mf-metaflows3bucket-0a1b2c3d4e5f/data/x", "" },
    };

    /// <summary>What no role may do, before or now.</summary>
    public static TheoryData<string, string, string, string, string> NeverAllowed => new()
    {
        { "user role reads another stack's bucket", "UserRole", "s3:GetObject", $"{P}:s3:::otherteam-bucket/x", "" },
        { "user role submits to another queue", "UserRole", "batch:SubmitJob", Arn("batch", "job-queue/otherteam-queue"), "" },
        { "job role creates IAM users", "BatchS3TaskRole", "iam:CreateUser", $"{P}:iam::{Account}:user/x", "" },
    };

    [Theory]
    [MemberData(nameof(Closed))]
    public void The_escalation_path_is_closed_now_and_was_open_in_0_3_0(string path, string role, string action, string resource, string context)
    {
        var request = Request(action, resource, context);
        Assert.True(Old.Value.Allows(role, request), $"0.3.0 should have allowed it ({path}): {request}");
        Assert.False(Current.Value.Allows(role, request), $"the template still allows it ({path}): {request}");
    }

    [Theory]
    [MemberData(nameof(Kept))]
    public void What_Metaflow_needs_is_still_allowed(string what, string role, string action, string resource, string context)
    {
        var request = Request(action, resource, context);
        Assert.True(Current.Value.Allows(role, request), $"the template no longer allows what Metaflow needs ({what}): {request}");
        Assert.True(Old.Value.Allows(role, request), $"0.3.0 did not allow it either ({what}): {request}");
    }

    [Theory]
    [MemberData(nameof(NeverAllowed))]
    public void What_no_role_may_do(string what, string role, string action, string resource, string context)
    {
        var request = Request(action, resource, context);
        Assert.False(Current.Value.Allows(role, request), $"{what}: {request}");
        Assert.False(Old.Value.Allows(role, request), $"0.3.0 allowed it ({what}): {request}");
    }

    /// <summary>Service trust tied to this account and stack: the confused deputy is refused now, was trusted in 0.3.0.</summary>
    [Theory]
    [InlineData("StepFunctionsRole", "states.amazonaws.com", "999999999999", $"{P}:states:us-east-1:999999999999:stateMachine:x")]
    [InlineData("StepFunctionsRole", "states.amazonaws.com", Account, $"{P}:states:us-east-1:{Account}:stateMachine:otherteam_flow")]
    [InlineData("EventBridgeRole", "events.amazonaws.com", Account, $"{P}:events:us-east-1:{Account}:rule/otherteam_flow")]
    [InlineData("BatchServiceRole", "batch.amazonaws.com", "999999999999", $"{P}:batch:us-east-1:999999999999:compute-environment/x")]
    [InlineData("BatchS3TaskRole", "ecs-tasks.amazonaws.com", "999999999999", $"{P}:ecs:us-east-1:999999999999:task/x")]
    public void A_service_acting_for_someone_else_cannot_assume_the_role(string role, string service, string sourceAccount, string sourceArn)
    {
        var context = Ctx(("aws:SourceAccount", sourceAccount), ("aws:SourceArn", sourceArn));
        Assert.True(Old.Value.Trusts(role, service, context), "0.3.0 trusted it");
        Assert.False(Current.Value.Trusts(role, service, context), $"{role} still trusts {service} acting for {sourceArn}");
    }

    [Theory]
    [InlineData("StepFunctionsRole", "states.amazonaws.com", $"{P}:states:us-east-1:{Account}:stateMachine:mf_HelloFlow")]
    [InlineData("EventBridgeRole", "events.amazonaws.com", $"{P}:events:us-east-1:{Account}:rule/mf_HelloFlow")]
    [InlineData("BatchS3TaskRole", "ecs-tasks.amazonaws.com", $"{P}:ecs:us-east-1:{Account}:task/metaflow/0123")]
    public void The_service_acting_for_this_stack_still_assumes_the_role(string role, string service, string sourceArn)
        => Assert.True(Current.Value.Trusts(role, service, Ctx(("aws:SourceAccount", Account), ("aws:SourceArn", sourceArn))));

    [Fact]
    public void The_account_assumes_the_user_role_only_with_MFA_now()
    {
        var root = $"{P}:iam::{Account}:root";
        Assert.True(Old.Value.Trusts("UserRole", root, Ctx()), "0.3.0 trusted the account without MFA");
        Assert.False(Current.Value.Trusts("UserRole", root, Ctx(("aws:MultiFactorAuthPresent", "false"))));
        Assert.False(Current.Value.Trusts("UserRole", root, Ctx()));
        Assert.True(Current.Value.Trusts("UserRole", root, Ctx(("aws:MultiFactorAuthPresent", "true"))));
    }

    [Fact]
    public void Images_outside_the_allowed_prefixes_are_refused_when_prefixes_are_given()
    {
        var prefixed = RolePolicies.Of(RepositoryFiles.Template(), new Dictionary<string, string>(Values)
        {
            ["JobImagePrefixes"] = $"{Account}.dkr.ecr.us-east-1.amazonaws.com/metaflow/,public.ecr.aws/outerbounds/",
        });
        var definition = Arn("batch", "job-definition/metaflow_x");
        IamRequest With(string image) => new("batch:RegisterJobDefinition", definition, Ctx(("batch:Privileged", "false"), ("batch:Image", image)));
        foreach (var role in new[] { "UserRole", "NotebookRole" })
        {
            Assert.True(prefixed.Allows(role, With($"{Account}.dkr.ecr.us-east-1.amazonaws.com/metaflow/train:3")), role);
            Assert.True(prefixed.Allows(role, With("public.ecr.aws/outerbounds/metaflow:2.12")), role);
            Assert.False(prefixed.Allows(role, With("docker.io/someone/miner:latest")), role);
            // Without prefixes, any unprivileged image goes (the default: Metaflow's own images come from many registries).
            Assert.True(Current.Value.Allows(role, With("docker.io/someone/miner:latest")), role);
        }
    }

    /// <summary>Batch's TerminateJob takes no narrower resource than job/* (Service Authorization Reference, AWS Batch): said in the README, pinned here.</summary>
    [Fact]
    public void TerminateJob_reaches_every_job_of_the_account_as_documented()
        => Assert.True(Current.Value.Allows("StepFunctionsRole", new IamRequest("batch:TerminateJob", Arn("batch", "job/otherteam-job-id"))));

    private static IamRequest Request(string action, string resource, string context)
        => new(action, resource, context.Length == 0 ? null : context.Split(';').Select(kv => kv.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]));
}
