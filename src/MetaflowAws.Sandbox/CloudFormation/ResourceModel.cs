using MetaflowAws.Sandbox.CloudFormation.Templates;
using System.Security.Cryptography;
using System.Text;

namespace MetaflowAws.Sandbox.CloudFormation;

/// <summary>A resource's physical id (what Ref returns) and its GetAtt attributes.</summary>
public sealed record ResourceIdentity(string Ref, IReadOnlyDictionary<string, string> Attributes, string PhysicalId);

/// <summary>
/// Deterministic physical ids and attributes per resource type, in the shapes AWS gives them,
/// and the service-side name limits a real create would hit.
/// </summary>
public static class ResourceModel
{
    /// <summary>A template boolean as CloudFormation takes it: true, or the string "true" in any case.</summary>
    public static bool IsTrue(object? v) => v is bool b ? b : string.Equals(v as string, "true", StringComparison.OrdinalIgnoreCase);

    public static string Hash(string seed, int length, bool upper = true)
    {
        var hex = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(seed)));
        var s = hex[..length];
        return upper ? s : s.ToLowerInvariant();
    }

    /// <summary>A CloudFormation-style generated name: stack-logical-HASH, trimmed to fit a limit.</summary>
    public static string GeneratedName(string stack, string logical, int max, bool lower = false, int generation = 0)
    {
        var suffix = Hash(stack + "/" + logical + (generation > 0 ? "#" + generation : ""), 12);
        var budget = max - suffix.Length - 2;
        var s = stack.Length > budget / 2 ? stack[..(budget / 2)] : stack;
        var l = logical.Length > budget - s.Length ? logical[..(budget - s.Length)] : logical;
        var name = $"{s}-{l}-{suffix}";
        return lower ? name.ToLowerInvariant() : name;
    }

    public static ResourceIdentity Create(StackContext c, string logical, string type, IReadOnlyDictionary<string, object?> props, int generation = 0)
    {
        string P(string name) => props.TryGetValue(name, out var v) && v is string s ? s : "";
        string? Named(string name) => props.TryGetValue(name, out var v) && v is string s && s.Length > 0 ? s : null;
        var seed = c.StackName + "/" + logical + (generation > 0 ? "#" + generation : "");
        string Hex(int n) => Hash(seed, n, upper: false);
        var arnBase = $"arn:{c.Partition}:{{0}}:{c.Region}:{c.AccountId}:";
        string Arn(string service, string rest) => string.Format(arnBase, service) + rest;
        var attrs = new Dictionary<string, string>(StringComparer.Ordinal);
        string r;

        switch (type)
        {
            case "AWS::S3::Bucket":
                r = Named("BucketName") ?? GeneratedName(c.StackName, logical, 63, lower: true, generation: generation);
                attrs["Arn"] = $"arn:{c.Partition}:s3:::{r}";
                attrs["DomainName"] = $"{r}.s3.amazonaws.com";
                attrs["RegionalDomainName"] = $"{r}.s3.{c.Region}.amazonaws.com";
                attrs["DualStackDomainName"] = $"{r}.s3.dualstack.{c.Region}.amazonaws.com";
                attrs["WebsiteURL"] = $"http://{r}.s3-website-{c.Region}.amazonaws.com";
                break;
            case "AWS::IAM::Role":
                r = Named("RoleName") ?? GeneratedName(c.StackName, logical, 64, generation: generation);
                attrs["Arn"] = $"arn:{c.Partition}:iam::{c.AccountId}:role{(Named("Path") ?? "/")}{r}";
                attrs["RoleId"] = "AROA" + Hash(seed, 17);
                break;
            case "AWS::IAM::InstanceProfile":
                r = Named("InstanceProfileName") ?? GeneratedName(c.StackName, logical, 128, generation: generation);
                attrs["Arn"] = $"arn:{c.Partition}:iam::{c.AccountId}:instance-profile{(Named("Path") ?? "/")}{r}";
                break;
            case "AWS::IAM::ManagedPolicy":
                var policyName = Named("ManagedPolicyName") ?? GeneratedName(c.StackName, logical, 128, generation: generation);
                r = $"arn:{c.Partition}:iam::{c.AccountId}:policy{(Named("Path") ?? "/")}{policyName}";
                attrs["PolicyArn"] = r;
                attrs["PolicyId"] = "ANPA" + Hash(seed, 17);
                break;
            case "AWS::EC2::VPC":
                r = "vpc-" + Hex(17);
                attrs["VpcId"] = r;
                attrs["CidrBlock"] = P("CidrBlock");
                attrs["DefaultSecurityGroup"] = "sg-" + Hash(seed + "sg", 17, false);
                attrs["DefaultNetworkAcl"] = "acl-" + Hash(seed + "acl", 17, false);
                break;
            case "AWS::EC2::Subnet":
                r = "subnet-" + Hex(17);
                attrs["SubnetId"] = r;
                attrs["AvailabilityZone"] = P("AvailabilityZone");
                attrs["AvailabilityZoneId"] = c.Region[..3] + "1-az" + (P("AvailabilityZone").LastOrDefault() - 'a' + 1);
                attrs["CidrBlock"] = P("CidrBlock");
                attrs["VpcId"] = P("VpcId");
                break;
            case "AWS::EC2::InternetGateway":
                r = "igw-" + Hex(17);
                attrs["InternetGatewayId"] = r;
                break;
            case "AWS::EC2::RouteTable":
                r = "rtb-" + Hex(17);
                attrs["RouteTableId"] = r;
                break;
            case "AWS::EC2::SubnetRouteTableAssociation":
                r = "rtbassoc-" + Hex(17);
                attrs["Id"] = r;
                break;
            case "AWS::EC2::SecurityGroup":
                r = "sg-" + Hex(17);
                attrs["GroupId"] = r;
                attrs["VpcId"] = P("VpcId");
                break;
            case "AWS::EC2::SecurityGroupIngress":
            case "AWS::EC2::SecurityGroupEgress":
                r = "sgr-" + Hex(17);
                attrs["Id"] = r;
                break;
            case "AWS::EC2::NatGateway":
                r = "nat-" + Hex(17);
                attrs["NatGatewayId"] = r;
                break;
            case "AWS::EC2::EIP":
                r = "203.0.113." + (Convert.ToInt32(Hash(seed, 2), 16) % 250 + 1);
                attrs["PublicIp"] = r;
                attrs["AllocationId"] = "eipalloc-" + Hex(17);
                break;
            case "AWS::EC2::LaunchTemplate":
                r = "lt-" + Hex(17);
                attrs["LaunchTemplateId"] = r;
                attrs["DefaultVersionNumber"] = "1";
                attrs["LatestVersionNumber"] = "1";
                break;
            case "AWS::Batch::ComputeEnvironment":
                var ceName = Named("ComputeEnvironmentName") ?? GeneratedName(c.StackName, logical, 128, generation: generation);
                r = Arn("batch", "compute-environment/" + ceName);
                attrs["ComputeEnvironmentArn"] = r;
                break;
            case "AWS::Batch::JobQueue":
                var jqName = Named("JobQueueName") ?? GeneratedName(c.StackName, logical, 128, generation: generation);
                r = Arn("batch", "job-queue/" + jqName);
                attrs["JobQueueArn"] = r;
                break;
            case "AWS::Batch::JobDefinition":
                var jdName = Named("JobDefinitionName") ?? GeneratedName(c.StackName, logical, 128, generation: generation);
                r = Arn("batch", $"job-definition/{jdName}:1");
                attrs["JobDefinitionArn"] = r;
                break;
            case "AWS::DynamoDB::Table":
                r = Named("TableName") ?? GeneratedName(c.StackName, logical, 255, generation: generation);
                attrs["Arn"] = Arn("dynamodb", "table/" + r);
                attrs["StreamArn"] = Arn("dynamodb", $"table/{r}/stream/2026-01-01T00:00:00.000");
                break;
            case "AWS::SageMaker::NotebookInstance":
                var nbName = Named("NotebookInstanceName") ?? GeneratedName(c.StackName, logical, 63, generation: generation);
                r = Arn("sagemaker", "notebook-instance/" + nbName.ToLowerInvariant());
                // Ref is the ARN (CloudFormation User Guide, AWS::SageMaker::NotebookInstance return values); GetAtt has
                // NotebookInstanceName and Id, no NotebookInstanceArn (see ResourceAttributes).
                attrs["NotebookInstanceName"] = nbName;
                attrs["Id"] = r;
                break;
            case "AWS::SageMaker::NotebookInstanceLifecycleConfig":
                var lcName = Named("NotebookInstanceLifecycleConfigName") ?? GeneratedName(c.StackName, logical, 63, generation: generation);
                r = Arn("sagemaker", "notebook-instance-lifecycle-config/" + lcName.ToLowerInvariant());
                attrs["NotebookInstanceLifecycleConfigName"] = lcName;
                attrs["Id"] = r;
                break;
            case "AWS::ECS::Cluster":
                r = Named("ClusterName") ?? GeneratedName(c.StackName, logical, 255, generation: generation);
                attrs["Arn"] = Arn("ecs", "cluster/" + r);
                break;
            case "AWS::ECS::TaskDefinition":
                var family = Named("Family") ?? GeneratedName(c.StackName, logical, 255, generation: generation);
                r = Arn("ecs", $"task-definition/{family}:1");
                attrs["TaskDefinitionArn"] = r;
                break;
            case "AWS::ECS::Service":
                var svcName = Named("ServiceName") ?? GeneratedName(c.StackName, logical, 255, generation: generation);
                r = Arn("ecs", $"service/{svcName}");
                attrs["ServiceArn"] = r;
                attrs["Name"] = svcName;
                break;
            case "AWS::Logs::LogGroup":
                r = Named("LogGroupName") ?? GeneratedName(c.StackName, logical, 512, generation: generation);
                attrs["Arn"] = Arn("logs", $"log-group:{r}:*");
                break;
            case "AWS::ElasticLoadBalancingV2::LoadBalancer":
            {
                var lbName = Named("Name") ?? GeneratedName(c.StackName, logical, 32, generation: generation);
                var lbKind = P("Type") == "network" ? "net" : "app";
                r = Arn("elasticloadbalancing", $"loadbalancer/{lbKind}/{lbName}/{Hex(16)}");
                attrs["LoadBalancerArn"] = r;
                attrs["LoadBalancerName"] = lbName;
                attrs["LoadBalancerFullName"] = $"{lbKind}/{lbName}/{Hex(16)}";
                attrs["DNSName"] = $"{lbName}-{Hex(16)}.elb.{c.Region}.amazonaws.com";
                attrs["CanonicalHostedZoneID"] = "Z" + Hash(seed + "zone", 13);
                break;
            }
            case "AWS::ElasticLoadBalancingV2::TargetGroup":
            {
                var tgName = Named("Name") ?? GeneratedName(c.StackName, logical, 32, generation: generation);
                r = Arn("elasticloadbalancing", $"targetgroup/{tgName}/{Hex(16)}");
                attrs["TargetGroupArn"] = r;
                attrs["TargetGroupName"] = tgName;
                attrs["TargetGroupFullName"] = $"targetgroup/{tgName}/{Hex(16)}";
                attrs["LoadBalancerArns"] = "";
                break;
            }
            case "AWS::ElasticLoadBalancingV2::Listener":
            {
                // A listener's ARN carries its load balancer's kind, name and id: listener/app/<name>/<lb-id>/<id>
                // (ELB API reference, Listener ListenerArn; the ARN formats in the ELB User Guide's IAM chapter).
                var lb = LoadBalancerPath(P("LoadBalancerArn")) ?? $"net/{c.StackName}/{Hex(16)}";
                r = Arn("elasticloadbalancing", $"listener/{lb}/{Hash(seed + "l", 16, false)}");
                attrs["ListenerArn"] = r;
                break;
            }
            case "AWS::ElasticLoadBalancingV2::ListenerRule":
            {
                // listener-rule/app/<lb name>/<lb id>/<listener id>/<rule id> (ELB API reference, Rule RuleArn).
                var listener = P("ListenerArn");
                var at = listener.IndexOf(":listener/", StringComparison.Ordinal);
                var path = at < 0 ? $"app/{c.StackName}/{Hex(16)}/{Hash(seed + "l", 16, false)}" : listener[(at + ":listener/".Length)..];
                r = Arn("elasticloadbalancing", $"listener-rule/{path}/{Hash(seed + "rule", 16, false)}");
                attrs["RuleArn"] = r;
                attrs["IsDefault"] = "false";
                break;
            }
            case "AWS::Cognito::UserPool":
            {
                // botocore cognito-idp UserPoolIdType: [\w-]+_[0-9a-zA-Z]+, e.g. us-east-1_AbC123xyZ.
                // A new pool has a new id, even in the same stack under the same logical id: its users are not the old ones.
                r = $"{c.Region}_{Alphanumeric(seed + "/" + Guid.NewGuid(), 9)}";
                attrs["UserPoolId"] = r;
                attrs["Arn"] = Arn("cognito-idp", "userpool/" + r);
                attrs["ProviderName"] = $"cognito-idp.{c.Region}.amazonaws.com/{r}";
                attrs["ProviderURL"] = $"https://cognito-idp.{c.Region}.amazonaws.com/{r}";
                break;
            }
            case "AWS::Cognito::UserPoolClient":
                // Client ids are 26 lowercase letters and digits (botocore cognito-idp ClientIdType allows [\w+]+, 1-128).
                r = Alphanumeric(seed, 26).ToLowerInvariant();
                attrs["ClientId"] = r;
                attrs["Name"] = Named("ClientName") ?? logical;
                break;
            case "AWS::Cognito::UserPoolDomain":
                // Ref is the domain prefix (CloudFormation User Guide, AWS::Cognito::UserPoolDomain return values).
                r = P("Domain");
                attrs["CloudFrontDistribution"] = $"d{Hash(seed + "cf", 13, false)}.cloudfront.net";
                break;
            case "AWS::RDS::DBInstance":
            {
                r = (Named("DBInstanceIdentifier") ?? GeneratedName(c.StackName, logical, 63, generation: generation)).ToLowerInvariant();
                attrs["Endpoint.Address"] = $"{r}.{Hex(12)}.{c.Region}.rds.amazonaws.com";
                attrs["Endpoint.Port"] = P("Engine").Contains("postgres") ? "5432" : "3306";
                attrs["DBInstanceArn"] = Arn("rds", "db:" + r);
                attrs["DbiResourceId"] = "db-" + Hash(seed, 26);
                break;
            }
            case "AWS::RDS::DBSubnetGroup":
                r = (Named("DBSubnetGroupName") ?? GeneratedName(c.StackName, logical, 255, generation: generation)).ToLowerInvariant();
                break;
            case "AWS::SecretsManager::Secret":
                var secretName = Named("Name") ?? GeneratedName(c.StackName, logical, 256, generation: generation);
                r = Arn("secretsmanager", $"secret:{secretName}-{Hash(seed, 6, false)}");
                attrs["Id"] = r;
                break;
            case "AWS::Lambda::Function":
                r = Named("FunctionName") ?? GeneratedName(c.StackName, logical, 64, generation: generation);
                attrs["Arn"] = Arn("lambda", "function:" + r);
                break;
            case "AWS::ApiGateway::RestApi":
                r = Hex(10);
                attrs["RestApiId"] = r;
                attrs["RootResourceId"] = Hash(seed + "root", 10, false);
                break;
            case "AWS::ApiGateway::VpcLink":
                r = Hex(6);
                attrs["VpcLinkId"] = r;
                break;
            case "AWS::ApiGateway::Resource":
                r = Hex(6);
                attrs["ResourceId"] = r;
                break;
            case "AWS::ApiGateway::Deployment":
                r = Hex(6);
                attrs["DeploymentId"] = r;
                break;
            case "AWS::ApiGateway::Stage":
                r = Named("StageName") ?? logical.ToLowerInvariant();
                break;
            case "AWS::ApiGateway::ApiKey":
                r = Hex(10);
                attrs["APIKeyId"] = r;
                break;
            case "AWS::ApiGateway::UsagePlan":
                r = Hex(6);
                attrs["Id"] = r;
                break;
            case "AWS::ApiGateway::UsagePlanKey":
                r = P("KeyId") + ":" + P("UsagePlanId");
                attrs["Id"] = r;
                break;
            case "AWS::Events::Rule":
                r = Named("Name") ?? GeneratedName(c.StackName, logical, 64, generation: generation);
                attrs["Arn"] = Arn("events", "rule/" + r);
                break;
            case "AWS::StepFunctions::StateMachine":
                var smName = Named("StateMachineName") ?? GeneratedName(c.StackName, logical, 80, generation: generation);
                r = Arn("states", "stateMachine:" + smName);
                attrs["Arn"] = r;
                attrs["Name"] = smName;
                break;
            default:
                r = GeneratedName(c.StackName, logical, 128, generation: generation);
                var service = type.Split("::") is { Length: 3 } parts ? parts[1].ToLowerInvariant() : "cloudformation";
                attrs["Arn"] = Arn(service, logical.ToLowerInvariant() + "/" + r);
                break;
        }
        return new ResourceIdentity(r, attrs, r);
    }

    /// <summary>"app/name/id" of a load balancer ARN (…:loadbalancer/app/name/id); null for anything else.</summary>
    public static string? LoadBalancerPath(string? arn)
    {
        var at = arn?.IndexOf(":loadbalancer/", StringComparison.Ordinal) ?? -1;
        return at < 0 ? null : arn![(at + ":loadbalancer/".Length)..];
    }

    /// <summary>Deterministic letters and digits from a seed (both cases), for ids such as a user pool's.</summary>
    public static string Alphanumeric(string seed, int length)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(seed + "#alnum"));
        var chars = new char[length];
        for (var i = 0; i < length; i++) chars[i] = alphabet[bytes[i % bytes.Length] % alphabet.Length];
        return new string(chars);
    }

    /// <summary>
    /// The secret a service generates with the resource: an API key's value, a Secrets Manager secret's
    /// SecretString (the one the template set, or GenerateSecretString's JSON).
    /// </summary>
    public static string? NewSecret(string type, IReadOnlyDictionary<string, object?> props)
    {
        switch (type)
        {
            case "AWS::ApiGateway::ApiKey":
                if (props.TryGetValue("Value", out var v) && v is string given && given.Length > 0) return given;
                return RandomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", []);
            // A user pool client with GenerateSecret has a secret Cognito makes (Cognito API reference, CreateUserPoolClient
            // GenerateSecret); GetAtt ClientSecret reads it, nothing else shows it.
            case "AWS::Cognito::UserPoolClient":
                return IsTrue(props.GetValueOrDefault("GenerateSecret"))
                    ? RandomString(51, "abcdefghijklmnopqrstuvwxyz0123456789", []) : null;
            case "AWS::SecretsManager::Secret":
                if (props.TryGetValue("SecretString", out var ss) && ss is string text) return text;
                return props.TryGetValue("GenerateSecretString", out var g) && g is Dictionary<string, object?> spec ? GenerateSecretString(spec) : null;
            default:
                return null;
        }
    }

    // Secrets Manager's GetRandomPassword character classes (botocore secretsmanager model, GetRandomPasswordRequest).
    private const string Lower = "abcdefghijklmnopqrstuvwxyz", Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", Digits = "0123456789",
        Punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    /// <summary>
    /// AWS::SecretsManager::Secret GenerateSecretString: a random password of PasswordLength (default 32) from the
    /// classes not excluded (one of each unless RequireEachIncludedType is false); with SecretStringTemplate and
    /// GenerateStringKey, the template's JSON with the password added under that key.
    /// </summary>
    public static string GenerateSecretString(IReadOnlyDictionary<string, object?> spec)
    {
        bool Flag(string name, bool fallback) => spec.TryGetValue(name, out var v) && v is string s ? string.Equals(s, "true", StringComparison.OrdinalIgnoreCase) : v is bool b ? b : fallback;
        var excluded = spec.GetValueOrDefault("ExcludeCharacters") as string ?? "";
        var length = spec.GetValueOrDefault("PasswordLength") is { } l && int.TryParse(Convert.ToString(l, System.Globalization.CultureInfo.InvariantCulture), out var n) ? n : 32;
        var classes = new List<string>();
        if (!Flag("ExcludeLowercase", false)) classes.Add(Lower);
        if (!Flag("ExcludeUppercase", false)) classes.Add(Upper);
        if (!Flag("ExcludeNumbers", false)) classes.Add(Digits);
        if (!Flag("ExcludePunctuation", false)) classes.Add(Punctuation);
        if (Flag("IncludeSpace", false)) classes.Add(" ");
        classes = classes.Select(c => new string(c.Where(ch => !excluded.Contains(ch)).ToArray())).Where(c => c.Length > 0).ToList();
        var password = RandomString(length, string.Concat(classes), Flag("RequireEachIncludedType", true) ? classes : []);

        var key = spec.GetValueOrDefault("GenerateStringKey") as string;
        if (spec.GetValueOrDefault("SecretStringTemplate") is not string template || string.IsNullOrEmpty(key)) return password;
        var json = System.Text.Json.Nodes.JsonNode.Parse(template) as System.Text.Json.Nodes.JsonObject
            ?? throw new TemplateError("SecretStringTemplate must be a JSON object.");
        json[key] = password;
        return json.ToJsonString();
    }

    private static string RandomString(int length, string alphabet, IReadOnlyList<string> required)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++) chars[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        // One of each required class, at distinct random places.
        var places = Enumerable.Range(0, length).OrderBy(_ => RandomNumberGenerator.GetInt32(int.MaxValue)).Take(required.Count).ToList();
        for (var i = 0; i < places.Count; i++) chars[places[i]] = required[i][RandomNumberGenerator.GetInt32(required[i].Length)];
        return new string(chars);
    }

    /// <summary>A limit the service enforces on create, with the error AWS returns; null when the properties are acceptable.</summary>
    public static string? LimitViolation(string type, IReadOnlyDictionary<string, object?> props)
    {
        string? Check(string prop, string member, int max)
        {
            if (props.TryGetValue(prop, out var v) && v is string s && s.Length > max)
                return $"1 validation error detected: Value '{s}' at '{member}' failed to satisfy constraint: Member must have length less than or equal to {max}";
            return null;
        }

        return type switch
        {
            "AWS::SageMaker::NotebookInstance" => Check("NotebookInstanceName", "notebookInstanceName", 63),
            "AWS::SageMaker::NotebookInstanceLifecycleConfig" => Check("NotebookInstanceLifecycleConfigName", "notebookInstanceLifecycleConfigName", 63),
            "AWS::IAM::Role" => Check("RoleName", "roleName", 64),
            "AWS::IAM::InstanceProfile" => Check("InstanceProfileName", "instanceProfileName", 128),
            "AWS::S3::Bucket" => Check("BucketName", "bucketName", 63),
            "AWS::ElasticLoadBalancingV2::LoadBalancer" => Check("Name", "name", 32),
            "AWS::ElasticLoadBalancingV2::TargetGroup" => Check("Name", "name", 32),
            "AWS::Lambda::Function" => Check("FunctionName", "functionName", 64),
            _ => null,
        };
    }

    /// <summary>Does creating this resource need CAPABILITY_NAMED_IAM (an IAM resource with a custom name)?</summary>
    public static bool IsNamedIam(string type, Dictionary<string, object?>? props) => type switch
    {
        "AWS::IAM::Role" => props?.ContainsKey("RoleName") == true,
        "AWS::IAM::ManagedPolicy" => props?.ContainsKey("ManagedPolicyName") == true,
        "AWS::IAM::InstanceProfile" => props?.ContainsKey("InstanceProfileName") == true,
        "AWS::IAM::User" => props?.ContainsKey("UserName") == true,
        "AWS::IAM::Group" => props?.ContainsKey("GroupName") == true,
        _ => false,
    };
}
