using MetaflowAws.Engine.Templates;
using static MetaflowAws.Tests.TemplateTree;

namespace MetaflowAws.Tests;

public sealed class SecurityChecksTests
{
    /// <summary>A weakened copy: the one finding of <paramref name="Check"/> it must cause, and the other checks it may trip as well (an admin statement also reaches other stacks).</summary>
    private sealed record Case(Action<TemplateDocument> Break, string Check, string Path, params string[] Also);

    private static readonly string[] Reach = [SecurityChecks.PassRoleToItsService, SecurityChecks.RolesStayInTheirStack, SecurityChecks.JobDefinitionsUnprivileged];

    private const string TlsStatement = "Resources/DataBucketPolicy/Properties/PolicyDocument";

    /// <summary>
    /// Each entry weakens one thing in a copy of the real template. Together they make every check fail at
    /// least once (<see cref="EveryCheckHasAFailingCase"/>).
    /// </summary>
    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["bucket without encryption"] = new(
            t => t.Properties("MetaflowS3Bucket").Remove("BucketEncryption"),
            SecurityChecks.BucketEncryption, "Resources/MetaflowS3Bucket/Properties/BucketEncryption"),
        ["bucket encryption rule without an algorithm"] = new(
            t => t.Properties("MetaflowS3Bucket")["BucketEncryption"] = Obj(("ServerSideEncryptionConfiguration", Arr(Obj(("BucketKeyEnabled", "true"))))),
            SecurityChecks.BucketEncryption, "Resources/MetaflowS3Bucket/Properties/BucketEncryption"),
        ["bucket without a public access block"] = new(
            t => t.Properties("MetaflowS3Bucket").Remove("PublicAccessBlockConfiguration"),
            SecurityChecks.BucketPublicAccessBlock, "Resources/MetaflowS3Bucket/Properties/PublicAccessBlockConfiguration"),
        ["bucket ignoring public ACLs turned off"] = new(
            t => t.Properties("MetaflowS3Bucket")["PublicAccessBlockConfiguration"].Map()["IgnorePublicAcls"] = "false",
            SecurityChecks.BucketPublicAccessBlock, "Resources/MetaflowS3Bucket/Properties/PublicAccessBlockConfiguration"),
        ["bucket public policy allowed in one branch"] = new(
            t => t.Properties("MetaflowS3Bucket")["PublicAccessBlockConfiguration"].Map()["RestrictPublicBuckets"] = If("CreateNotebook", "true", "false"),
            SecurityChecks.BucketPublicAccessBlock, "Resources/MetaflowS3Bucket/Properties/PublicAccessBlockConfiguration"),
        ["bucket without a policy"] = new(
            t => t.Section("Resources").Remove("DataBucketPolicy"),
            SecurityChecks.BucketTlsOnly, "Resources/MetaflowS3Bucket"),
        ["bucket policy without the SecureTransport condition"] = new(
            t => TlsDenyStatement(t).Remove("Condition"),
            SecurityChecks.BucketTlsOnly, TlsStatement),
        ["bucket policy denying only TLS requests"] = new(
            t => TlsDenyStatement(t)["Condition"] = Obj(("Bool", Obj(("aws:SecureTransport", "true")))),
            SecurityChecks.BucketTlsOnly, TlsStatement),
        ["bucket policy TLS statement only under a condition"] = new(
            t => t.Properties("DataBucketPolicy")["PolicyDocument"].Map()["Statement"].List()[0] =
                If("CreateNotebook", TlsDenyStatement(t), Ref("AWS::NoValue")),
            SecurityChecks.BucketTlsOnly, TlsStatement),
        ["bucket policy denying one action only"] = new(
            t => TlsDenyStatement(t)["Action"] = "s3:GetObject",
            SecurityChecks.BucketTlsOnly, TlsStatement),
        ["database storage not encrypted"] = new(
            t => t.Properties("RDSMasterInstance")["StorageEncrypted"] = "false",
            SecurityChecks.DatabaseEncrypted, "Resources/RDSMasterInstance/Properties/StorageEncrypted"),
        ["database encryption a parameter that defaults to off"] = new(
            t => t.Section("Parameters")["DBStorageEncrypted"].Map()["Default"] = "false",
            SecurityChecks.DatabaseEncrypted, "Resources/RDSMasterInstance/Properties/StorageEncrypted"),
        ["database encryption a condition on something else"] = new(
            t => t.Properties("RDSMasterInstance")["StorageEncrypted"] = If("CreateNotebook", "true", "false"),
            SecurityChecks.DatabaseEncrypted, "Resources/RDSMasterInstance/Properties/StorageEncrypted"),
        ["database encryption left to the default"] = new(
            t => t.Properties("RDSMasterInstance").Remove("StorageEncrypted"),
            SecurityChecks.DatabaseEncrypted, "Resources/RDSMasterInstance/Properties/StorageEncrypted"),
        ["database public"] = new(
            t => t.Properties("RDSMasterInstance")["PubliclyAccessible"] = "true",
            SecurityChecks.DatabaseNotPublic, "Resources/RDSMasterInstance/Properties/PubliclyAccessible"),
        ["database publicity left to the default"] = new(
            t => t.Properties("RDSMasterInstance").Remove("PubliclyAccessible"),
            SecurityChecks.DatabaseNotPublic, "Resources/RDSMasterInstance/Properties/PubliclyAccessible"),
        ["database public in one branch"] = new(
            t => t.Properties("RDSMasterInstance")["PubliclyAccessible"] = If("CreateNotebook", "false", "true"),
            SecurityChecks.DatabaseNotPublic, "Resources/RDSMasterInstance/Properties/PubliclyAccessible"),
        ["database deleted with the stack"] = new(
            t => t.Resource("RDSMasterInstance")["DeletionPolicy"] = "Delete",
            SecurityChecks.DatabaseSnapshotOnDelete, "Resources/RDSMasterInstance/DeletionPolicy"),
        ["database without a deletion policy"] = new(
            t => t.Resource("RDSMasterInstance").Remove("DeletionPolicy"),
            SecurityChecks.DatabaseSnapshotOnDelete, "Resources/RDSMasterInstance/DeletionPolicy"),
        ["managed policy allowing everything"] = new(
            t => Statement(t, "UserPolicy", "DescribeBatch")["Action"] = "*",
            SecurityChecks.NoWildcardAdmin, "Resources/UserPolicy/Properties/PolicyDocument/Statement/6", Reach),
        ["role inline policy with * among its actions"] = new(
            t => t.Properties("StepFunctionsRole")["Policies"].List()[0].Map()["PolicyDocument"].Map()["Statement"].List()[1].Map()["Action"]
                = Arr("batch:DescribeJobs", "*"),
            SecurityChecks.NoWildcardAdmin, "Resources/StepFunctionsRole/Properties/Policies/0/PolicyDocument/Statement/1", Reach),
        ["conditional statement allowing everything"] = new(
            t => ConditionalListNotebooks(t)["Action"] = Arr("*"),
            SecurityChecks.NoWildcardAdmin, "Resources/UserPolicy/Properties/PolicyDocument/Statement/19", Reach),
        ["IAM policy resource allowing everything"] = new(
            t => t.AddResource("AdminPolicy", "AWS::IAM::Policy", Obj(
                ("PolicyName", "admin"),
                ("Roles", Arr(Ref("BatchS3TaskRole"))),
                ("PolicyDocument", Obj(("Statement", Obj(("Effect", "Allow"), ("Action", "*"), ("Resource", "*"))))))),
            SecurityChecks.NoWildcardAdmin, "Resources/AdminPolicy/Properties/PolicyDocument/Statement", Reach),
        ["NotAction allow on every resource"] = new(
            t =>
            {
                var statement = Statement(t, "UserPolicy", "DescribeBatch");
                statement.Remove("Action");
                statement["NotAction"] = "iam:*";
            },
            SecurityChecks.NoWildcardAdmin, "Resources/UserPolicy/Properties/PolicyDocument/Statement/6", Reach),
        ["bucket policy allowing everything"] = new(
            t => t.Properties("DataBucketPolicy")["PolicyDocument"].Map()["Statement"].List().Add(
                Obj(("Effect", "Allow"), ("Principal", "*"), ("Action", "*"), ("Resource", "*"))),
            SecurityChecks.NoWildcardAdmin, "Resources/DataBucketPolicy/Properties/PolicyDocument/Statement/1", Reach),
        ["ingress from any IPv4 address"] = new(
            t => Ingress(t, "NLBSecurityGroup", 0)["CidrIp"] = "0.0.0.0/0",
            SecurityChecks.SecurityGroupIngressScoped, "Resources/NLBSecurityGroup/Properties/SecurityGroupIngress/0"),
        ["ingress from any IPv6 address"] = new(
            t =>
            {
                var rule = Ingress(t, "DatabaseSecurityGroup", 0);
                rule.Remove("SourceSecurityGroupId");
                rule["CidrIpv6"] = "::/0";
            },
            SecurityChecks.SecurityGroupIngressScoped, "Resources/DatabaseSecurityGroup/Properties/SecurityGroupIngress/0"),
        ["ingress from anywhere in one branch"] = new(
            t => Ingress(t, "NLBSecurityGroup", 0)["CidrIp"] = If("CreateNotebook", Ref("VPCCidr"), "0.0.0.0/0"),
            SecurityChecks.SecurityGroupIngressScoped, "Resources/NLBSecurityGroup/Properties/SecurityGroupIngress/0"),
        ["standalone ingress rule from anywhere"] = new(
            t => t.AddResource("OpenSsh", "AWS::EC2::SecurityGroupIngress", Obj(
                ("GroupId", Ref("BatchSecurityGroup")), ("IpProtocol", "tcp"), ("FromPort", "22"), ("ToPort", "22"), ("CidrIp", "0.0.0.0/0"))),
            SecurityChecks.SecurityGroupIngressScoped, "Resources/OpenSsh/Properties"),
        ["UI load balancer open to the internet on another port"] = new(
            t => Ingress(t, "LoadBalancerSecurityGroupUI", 1)["FromPort"] = Ingress(t, "LoadBalancerSecurityGroupUI", 1)["ToPort"] = "8080",
            SecurityChecks.SecurityGroupIngressScoped, "Resources/LoadBalancerSecurityGroupUI/Properties/SecurityGroupIngress/1"),
        ["UI load balancer open to the internet on a port range"] = new(
            t => Ingress(t, "LoadBalancerSecurityGroupUI", 0)["ToPort"] = "444",
            SecurityChecks.SecurityGroupIngressScoped, "Resources/LoadBalancerSecurityGroupUI/Properties/SecurityGroupIngress/0"),
        ["UI tasks given the load balancer's internet-facing group"] = new(
            t =>
            {
                Ingress(t, "LoadBalancerSecurityGroupUI", 0)["CidrIp"] = Ref("VPCCidr");
                t.Properties("ECSFargateServiceUIStatic")["NetworkConfiguration"].Map()["AwsvpcConfiguration"].Map()["SecurityGroups"] = Arr(Ref("LoadBalancerSecurityGroupUI"));
            },
            SecurityChecks.SecurityGroupIngressScoped, "Resources/LoadBalancerSecurityGroupUI/Properties/SecurityGroupIngress/1", SecurityChecks.TaskIngressFromGroups),
        ["internal UI load balancer open to the internet"] = new(
            t =>
            {
                Ingress(t, "LoadBalancerSecurityGroupUI", 1)["CidrIp"] = Ref("VPCCidr");
                t.Properties("LoadBalancerUI")["Scheme"] = "internal";
            },
            SecurityChecks.SecurityGroupIngressScoped, "Resources/LoadBalancerSecurityGroupUI/Properties/SecurityGroupIngress/0"),
        ["HTTPS listener on CloudFormation's default TLS policy"] = new(
            t => t.Properties("ListenerUI").Remove("SslPolicy"),
            SecurityChecks.LoadBalancerTlsOnly, "Resources/ListenerUI/Properties/SslPolicy"),
        ["HTTPS listener allowing TLS 1.0"] = new(
            t => t.Properties("ListenerUI")["SslPolicy"] = "ELBSecurityPolicy-2016-08",
            SecurityChecks.LoadBalancerTlsOnly, "Resources/ListenerUI/Properties/SslPolicy"),
        ["HTTP listener forwarding instead of redirecting"] = new(
            t => t.Properties("ListenerUIRedirect")["DefaultActions"] = Arr(Obj(("Type", "forward"), ("TargetGroupArn", Ref("ALBTargetGroupUIStatic")))),
            SecurityChecks.LoadBalancerTlsOnly, "Resources/ListenerUIRedirect/Properties/DefaultActions"),
        ["HTTPS listener forwarding before it authenticates"] = new(
            t => t.Properties("ListenerUI")["DefaultActions"].List()[1].Map()["Order"] = "0",
            SecurityChecks.LoadBalancerAuthenticates, "Resources/ListenerUI/Properties/DefaultActions"),
        ["API rule without the login"] = new(
            t => t.Properties("ListenerRuleUIService")["Actions"].List().RemoveAt(0),
            SecurityChecks.LoadBalancerAuthenticates, "Resources/ListenerRuleUIService/Properties/Actions"),
        ["HTTPS listener logging in only in one branch"] = new(
            t => t.Properties("ListenerUI")["DefaultActions"].List()[0].Map()["Type"] = If("CreateNotebook", "authenticate-cognito", "fixed-response"),
            SecurityChecks.LoadBalancerAuthenticates, "Resources/ListenerUI/Properties/DefaultActions"),
        ["login that lets anonymous requests through"] = new(
            t => t.Properties("ListenerUI")["DefaultActions"].List()[0].Map()["AuthenticateCognitoConfig"].Map()["OnUnauthenticatedRequest"] = "allow",
            SecurityChecks.LoadBalancerAuthenticates, "Resources/ListenerUI/Properties/DefaultActions"),
        ["a rule that forwards on the plain-HTTP listener"] = new(
            t => t.AddResource("PlainApi", "AWS::ElasticLoadBalancingV2::ListenerRule", Obj(
                ("ListenerArn", Ref("ListenerUIRedirect")), ("Priority", "1"),
                ("Conditions", Arr(Obj(("Field", "path-pattern"), ("Values", Arr("/api/*"))))),
                ("Actions", Arr(Obj(("Type", "forward"), ("TargetGroupArn", Ref("ALBUITargetGroupUIService"))))))),
            SecurityChecks.LoadBalancerTlsOnly, "Resources/PlainApi/Properties/Actions"),
        ["a rule of a listener outside the template"] = new(
            t => t.Properties("ListenerRuleUIService")["ListenerArn"] = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/x/0123456789abcdef/0123456789abcdef",
            SecurityChecks.LoadBalancerAuthenticates, "Resources/ListenerRuleUIService/Properties/ListenerArn"),
        ["UI tasks given the load balancer's group by its GroupId"] = new(
            t =>
            {
                Ingress(t, "LoadBalancerSecurityGroupUI", 0)["CidrIp"] = Ref("VPCCidr");
                t.Properties("ECSFargateServiceUIService")["NetworkConfiguration"].Map()["AwsvpcConfiguration"].Map()["SecurityGroups"] =
                    Arr(Fn("Fn::GetAtt", Arr("LoadBalancerSecurityGroupUI", "GroupId")));
            },
            SecurityChecks.SecurityGroupIngressScoped, "Resources/LoadBalancerSecurityGroupUI/Properties/SecurityGroupIngress/1"),
        ["database password written in the template"] = new(
            t => t.Properties("RDSMasterInstance")["MasterUserPassword"] = "correct-horse-battery",
            SecurityChecks.DatabasePasswordFromSecretsManager, "Resources/RDSMasterInstance/Properties/MasterUserPassword"),
        ["database password from a parameter"] = new(
            t =>
            {
                t.Section("Parameters")["DBPassword"] = Obj(("Type", "String"), ("NoEcho", "true"));
                t.Properties("RDSMasterInstance")["MasterUserPassword"] = Ref("DBPassword");
            },
            SecurityChecks.DatabasePasswordFromSecretsManager, "Resources/RDSMasterInstance/Properties/MasterUserPassword"),
        ["database password Sub without a dynamic reference"] = new(
            t => t.Properties("RDSMasterInstance")["MasterUserPassword"] = Fn("Fn::Sub", "${AWS::StackName}-password"),
            SecurityChecks.DatabasePasswordFromSecretsManager, "Resources/RDSMasterInstance/Properties/MasterUserPassword"),
        ["database password from SSM plain text"] = new(
            t => t.Properties("RDSMasterInstance")["MasterUserPassword"] = "{{resolve:ssm:/metaflow/db-password}}",
            SecurityChecks.DatabasePasswordFromSecretsManager, "Resources/RDSMasterInstance/Properties/MasterUserPassword"),
        ["database password literal in one branch"] = new(
            t => t.Properties("RDSMasterInstance")["MasterUserPassword"] = If("CreateNotebook", t.Properties("RDSMasterInstance")["MasterUserPassword"], "changeme-changeme"),
            SecurityChecks.DatabasePasswordFromSecretsManager, "Resources/RDSMasterInstance/Properties/MasterUserPassword"),
        ["API without its resource policy"] = new(
            t => t.Properties("Api").Remove("Policy"),
            SecurityChecks.ApiNotOpen, "Resources/Api"),
        ["API key off without the rule that asks for an allow-list"] = new(
            t => t.Section("Rules").Remove("ApiNeedsKeyOrAllowList"),
            SecurityChecks.ApiNotOpen, "Resources/Api"),
        ["API policy allowing every source"] = new(
            t => t.Properties("Api")["Policy"].Map()["Fn::If"].List()[1].Map()["Statement"].List().RemoveAt(1),
            SecurityChecks.ApiNotOpen, "Resources/Api"),
        ["API stage without throttling"] = new(
            t => t.Properties("ApiStage").Remove("MethodSettings"),
            SecurityChecks.ApiThrottled, "Resources/ApiStage/Properties/MethodSettings"),
        ["state machine role starting any state machine"] = new(
            t => Statement(t.Properties("StepFunctionsRole")["Policies"].List()[0].Map(), "ChildExecutions")["Resource"] =
                Fn("Fn::Sub", "arn:${IAMPartition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:*"),
            SecurityChecks.RolesStayInTheirStack, "Resources/StepFunctionsRole"),
        ["user role managing every rule of the account"] = new(
            t => Statement(t, "UserPolicy", "Schedules")["Resource"] = "*",
            SecurityChecks.RolesStayInTheirStack, "Resources/UserRole"),
        ["job role reading every bucket"] = new(
            t => t.Properties("BatchS3TaskRole")["Policies"].List()[0].Map()["PolicyDocument"].Map()["Statement"].List()
                .Add(Obj(("Effect", "Allow"), ("Action", "s3:GetObject"), ("Resource", "arn:aws:s3:::*/*"))),
            SecurityChecks.RolesStayInTheirStack, "Resources/BatchS3TaskRole"),
        ["PassRole without the service it is for"] = new(
            t => Statement(t, "UserPolicy", "PassJobRoles").Remove("Condition"),
            SecurityChecks.PassRoleToItsService, "Resources/UserPolicy/Properties/PolicyDocument/Statement/7"),
        ["state machine trust without the source account"] = new(
            t => t.Properties("StepFunctionsRole")["AssumeRolePolicyDocument"].Map()["Statement"].List()[0].Map().Remove("Condition"),
            SecurityChecks.ServiceTrustScoped, "Resources/StepFunctionsRole/Properties/AssumeRolePolicyDocument/Statement/0"),
        ["job role trust without the source account"] = new(
            t => t.Properties("BatchS3TaskRole")["AssumeRolePolicyDocument"].Map()["Statement"].List()[0].Map().Remove("Condition"),
            SecurityChecks.ServiceTrustScoped, "Resources/BatchS3TaskRole/Properties/AssumeRolePolicyDocument/Statement/0"),
        ["user role registering privileged job definitions"] = new(
            t => RemoveStatement(t.Properties("UserPolicy"), "NoPrivilegedJobs"),
            SecurityChecks.JobDefinitionsUnprivileged, "Resources/UserRole"),
        ["user role registering any image"] = new(
            t => RemoveStatement(t.Properties("UserPolicy"), "OnlyAllowedImages"),
            SecurityChecks.JobDefinitionsUnprivileged, "Resources/UserRole"),
        ["worker policy parameter without the rule"] = new(
            t => t.Section("Rules").Remove("WorkerPolicyNotBroad"),
            SecurityChecks.WorkerPolicyNotBroad, "Resources/BatchS3TaskRole/Properties/ManagedPolicyArns/0"),
        ["internal load balancer without security groups by default"] = new(
            t => t.Section("Parameters")["InternalLoadBalancerSecurityGroups"].Map()["Default"] = "false",
            SecurityChecks.NetworkLoadBalancerSecured, "Resources/NLB/Properties/SecurityGroups", SecurityChecks.TaskIngressFromGroups),
        ["metadata port open to the VPC"] = new(
            t =>
            {
                var rule = t.Properties("MetadataServiceSecurityGroup")["SecurityGroupIngress"].Map()["Fn::If"].List()[1].List()[1].Map();
                rule.Remove("SourceSecurityGroupId");
                rule["CidrIp"] = Ref("VPCCidr");
            },
            SecurityChecks.TaskIngressFromGroups, "Resources/MetadataServiceSecurityGroup/Properties/SecurityGroupIngress/1"),
        ["Batch hosts answering IMDSv1"] = new(
            t => t.Properties("BatchLaunchTemplate")["LaunchTemplateData"].Map()["MetadataOptions"].Map()["HttpTokens"] = "optional",
            SecurityChecks.BatchHostsHardened, "Resources/BatchLaunchTemplate/Properties/LaunchTemplateData/MetadataOptions"),
        ["Batch hosts passing the metadata service to containers"] = new(
            t => t.Properties("BatchLaunchTemplate")["LaunchTemplateData"].Map()["MetadataOptions"].Map()["HttpPutResponseHopLimit"] = "2",
            SecurityChecks.BatchHostsHardened, "Resources/BatchLaunchTemplate/Properties/LaunchTemplateData/MetadataOptions"),
        ["Batch hosts with an unencrypted volume"] = new(
            t => t.Properties("BatchLaunchTemplate")["LaunchTemplateData"].Map()["BlockDeviceMappings"].List()[0].Map()["Ebs"].Map()["Encrypted"] = "false",
            SecurityChecks.BatchHostsHardened, "Resources/BatchLaunchTemplate/Properties/LaunchTemplateData/BlockDeviceMappings"),
        ["Batch hosts without the launch template"] = new(
            t => t.Properties("ComputeEnvironment")["ComputeResources"].Map().Remove("LaunchTemplate"),
            SecurityChecks.BatchHostsHardened, "Resources/ComputeEnvironment/Properties/ComputeResources/LaunchTemplate"),
        ["user pool without MFA"] = new(
            t => t.Properties("UserPoolUI")["MfaConfiguration"] = "OFF",
            SecurityChecks.UserPoolHardened, "Resources/UserPoolUI/Properties/MfaConfiguration"),
        ["user pool without deletion protection"] = new(
            t => t.Properties("UserPoolUI").Remove("DeletionProtection"),
            SecurityChecks.UserPoolHardened, "Resources/UserPoolUI/Properties/DeletionProtection"),
        ["login telling which users exist"] = new(
            t => t.Properties("UserPoolClientUI")["PreventUserExistenceErrors"] = "LEGACY",
            SecurityChecks.UserPoolHardened, "Resources/UserPoolClientUI/Properties/PreventUserExistenceErrors"),
        ["database deletion protection off by default"] = new(
            t => t.Section("Parameters")["DeletionProtection"].Map()["Default"] = "false",
            SecurityChecks.DatabaseDeletionProtected, "Resources/RDSMasterInstance/Properties/DeletionProtection", SecurityChecks.UserPoolHardened),
        ["database log not exported"] = new(
            t => t.Properties("RDSMasterInstance").Remove("EnableCloudwatchLogsExports"),
            SecurityChecks.DatabaseDeletionProtected, "Resources/RDSMasterInstance/Properties/EnableCloudwatchLogsExports"),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Fact]
    public void RealTemplatePassesEveryCheck()
    {
        var findings = SecurityChecks.Check(RepositoryFiles.Template());

        Assert.True(findings.Count == 0, "template/metaflow.yml should have no findings:\n" + string.Join("\n", findings));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void WeakenedTemplateFailsExactlyThatCheck(string caseName)
    {
        var (breakIt, check, path, also) = Cases[caseName];
        var template = RepositoryFiles.Template();
        breakIt(template);

        var findings = SecurityChecks.Check(template);
        TemplateTree.AssertSingleFinding(findings.Where(f => f.Check == check), check, path);
        Assert.All(findings.Where(f => f.Check != check), f => Assert.Contains(f.Check, also));
    }

    [Fact]
    public void EveryCheckHasAFailingCase()
        => Assert.Equal(SecurityChecks.Checks.Order(), Cases.Values.Select(c => c.Check).Distinct().Order());

    /// <summary>CloudFormation has no way to share a block, so the two logins are written twice: they must stay the same.</summary>
    [Fact]
    public void TheListenersAndTheRulesLoginsAreTheSame()
    {
        var template = RepositoryFiles.Template();
        static string Login(List<object?> actions) => System.Text.Json.JsonSerializer.Serialize(actions.Select(a => a.Map()).Single(a => a["Type"] is "authenticate-cognito"));
        Assert.Equal(Login(template.Properties("ListenerUI")["DefaultActions"].List()), Login(template.Properties("ListenerRuleUIService")["Actions"].List()));
    }

    [Fact]
    public void TrustPoliciesAreNotPermissionPolicies()
    {
        // AssumeRolePolicyDocument says who may assume the role; a '*' there grants no permissions.
        var template = RepositoryFiles.Template();
        var trust = template.Properties("BatchS3TaskRole")["AssumeRolePolicyDocument"].Map()["Statement"].List()[0].Map();
        trust["Action"] = "*";
        trust["Resource"] = "*";

        Assert.Empty(SecurityChecks.Check(template));
    }

    [Theory]
    [InlineData("managed")]
    [InlineData("join")]
    [InlineData("literal reference")]
    [InlineData("sub with variables")]
    public void OtherSecretsManagerPasswordsPass(string form)
    {
        var template = RepositoryFiles.Template();
        var properties = template.Properties("RDSMasterInstance");
        switch (form)
        {
            case "managed":
                properties.Remove("MasterUserPassword");
                properties["ManageMasterUserPassword"] = "true";
                break;
            case "join":
                properties["MasterUserPassword"] = Fn("Fn::Join", Arr("", Arr("{{resolve:secretsmanager:", Ref("MyRDSSecret"), ":SecretString:password}}")));
                break;
            case "literal reference":
                properties["MasterUserPassword"] = "{{resolve:secretsmanager:metaflow-db:SecretString:password}}";
                break;
            case "sub with variables":
                properties["MasterUserPassword"] = Fn("Fn::Sub", Arr("{{resolve:secretsmanager:${Secret}:SecretString:password}}", Obj(("Secret", Ref("MyRDSSecret")))));
                break;
        }

        Assert.Empty(SecurityChecks.Check(template));
    }

    [Fact]
    public void RetainedDatabaseKeepsItsData()
    {
        var template = RepositoryFiles.Template();
        template.Resource("RDSMasterInstance")["DeletionPolicy"] = "Retain";

        Assert.Empty(SecurityChecks.Check(template));
    }

    private static Dictionary<string, object?> TlsDenyStatement(TemplateDocument t)
        => t.Properties("DataBucketPolicy")["PolicyDocument"].Map()["Statement"].List()[0].Map();

    private static Dictionary<string, object?> Statement(TemplateDocument t, string policy, string sid)
        => t.Properties(policy)["PolicyDocument"].Map()["Statement"].List().OfType<Dictionary<string, object?>>().Single(s => s.GetValueOrDefault("Sid") as string == sid);

    /// <summary>The ListNotebooks statement of the user policy, which sits in the true branch of an Fn::If.</summary>
    private static Dictionary<string, object?> ConditionalListNotebooks(TemplateDocument t)
    {
        var statements = t.Properties("UserPolicy")["PolicyDocument"].Map()["Statement"].List();
        var conditional = statements.OfType<Dictionary<string, object?>>().Where(s => s.ContainsKey("Fn::If")).Select(s => s["Fn::If"].List()[1].Map())
            .First(s => s.GetValueOrDefault("Sid") as string == "ListNotebooks");
        Assert.Equal("ListNotebooks", conditional["Sid"]);
        return conditional;
    }

    private static Dictionary<string, object?> Statement(Dictionary<string, object?> inlinePolicy, string sid)
        => inlinePolicy["PolicyDocument"].Map()["Statement"].List().OfType<Dictionary<string, object?>>().Single(s => s.GetValueOrDefault("Sid") as string == sid);

    /// <summary>Removes the statement with the Sid, also when it sits in an Fn::If.</summary>
    private static void RemoveStatement(Dictionary<string, object?> properties, string sid)
    {
        var statements = properties["PolicyDocument"].Map()["Statement"].List();
        var index = statements.FindIndex(s => s is Dictionary<string, object?> d
            && (d.GetValueOrDefault("Sid") as string == sid || d.GetValueOrDefault("Fn::If") is List<object?> l && l[1] is Dictionary<string, object?> b && b.GetValueOrDefault("Sid") as string == sid));
        Assert.True(index >= 0, $"no statement {sid}");
        statements.RemoveAt(index);
    }

    /// <summary>The old template (0.3.0, before the hardening): every hardening check fails on it.</summary>
    [Fact]
    public void TheOldTemplateFailsEveryHardeningCheck()
    {
        var old = TemplateDocument.Parse(File.ReadAllText(Path.Combine(RepositoryFiles.RepoRoot, "tests/Fixtures/metaflow-0.3.0.yml")));
        var failed = SecurityChecks.Check(old).Select(f => f.Check).ToHashSet();
        string[] hardening =
        [
            SecurityChecks.ApiNotOpen, SecurityChecks.ApiThrottled, SecurityChecks.RolesStayInTheirStack, SecurityChecks.PassRoleToItsService,
            SecurityChecks.ServiceTrustScoped, SecurityChecks.JobDefinitionsUnprivileged, SecurityChecks.WorkerPolicyNotBroad, SecurityChecks.NetworkLoadBalancerSecured,
            SecurityChecks.TaskIngressFromGroups, SecurityChecks.BatchHostsHardened, SecurityChecks.UserPoolHardened, SecurityChecks.DatabaseDeletionProtected,
        ];
        Assert.All(hardening, h => Assert.Contains(h, failed));
    }

    private static Dictionary<string, object?> Ingress(TemplateDocument t, string group, int index)
        => t.Properties(group)["SecurityGroupIngress"].List()[index].Map();
}
