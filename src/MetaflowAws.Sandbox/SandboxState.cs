using MetaflowAws.Sandbox.ApiGateway;
using MetaflowAws.Sandbox.CloudFormation;
using MetaflowAws.Sandbox.Http;
using MetaflowAws.Sandbox.Iam;
using MetaflowAws.Sandbox.S3;
using MetaflowAws.Sandbox.Sts;

namespace MetaflowAws.Sandbox;

/// <summary>
/// What the sandbox holds: each service's engine and store, wired to one another, the request log, the fault
/// settings and the exchange recorder; and lookups across them. Serving HTTP is <see cref="AwsRouter"/>'s and
/// <see cref="Control.ControlApi"/>'s.
/// </summary>
public sealed class SandboxState
{
    public SandboxState(SandboxOptions options)
    {
        Options = options;
        if (options.Record is { } record) Recorder = new ExchangeRecorder(record);
        Credentials = new Credentials();
        Verifier = new SigV4Verifier(Credentials.Lookup, Credentials.IsExpired);
        S3Store = new S3Store();
        S3 = new S3Api(S3Store);
        // CloudFormation reads a TemplateURL from this sandbox's S3, as the sandbox's one account.
        Stacks = new StackEngine(url => S3Store.FetchTemplate(url, StackEngine.AccountId))
        {
            ResourceDelay = TimeSpan.FromMilliseconds(options.ResourceDelayMs),
            TimeScale = options.TimeScale,
            Specification = LoadSpecification(),
        };
        // An AWS::RDS::DBInstance (postgres) is a role and a database in a real PostgreSQL server, when given one.
        if (options.Postgres is { } admin)
        {
            var server = new Rds.PostgresServer(admin);
            server.Prepare(); // fails the start, clearly, when the server cannot be used
            Databases = new Rds.DatabaseInstances(Stacks, server, SecretString);
            // The metadata service's tasks connect to that database as metaflow-service does: a service whose
            // tasks cannot stays in progress, or trips its deployment circuit breaker.
            ServiceTasks = new Ecs.MetadataServiceTasks(Databases, SecretString);
            Stacks.OnResourceStabilizing = (stack, r) => ServiceTasks.StabilizeAsync(stack, r, Stacks.ResourceDelay);
        }
        // A stack's AWS::S3::Bucket is a bucket in this S3: objects can be put in it, and a bucket
        // that is not empty fails its deletion as on AWS (DeletionPolicy Retain keeps it).
        Lambda = new Lambda.LambdaApi(Stacks);
        Status = new Status.StatusApis(Stacks, Lambda.SchemaStatus);
        Items = new DynamoDb.TableItems(Stacks);
        Certificates = new Ui.Certificates();
        LoadBalancers = new Ui.LoadBalancers(Stacks, Certificates);
        CognitoUsers = new Ui.CognitoUsers(Stacks);
        EcsServices = new Ui.EcsServices(Stacks);
        HostedZones = new Ui.HostedZones();
        Stacks.OnResourceCreated = (stack, r) => NameConflicts.Find(Stacks, r) ?? r.Type switch
        {
            "AWS::S3::Bucket" when r.PhysicalId is { } b => S3Store.AddForStack(b, stack.Context.Region, StackEngine.AccountId, r.Properties),
            "AWS::RDS::DBInstance" => Databases?.Apply(stack, r, created: true),
            // The metadata service's first start migrates an empty database to its image's schema.
            "AWS::ECS::Service" => Started(() => Lambda.ServiceStarted(stack)),
            // A deployment freezes the API's methods as they are now.
            "AWS::ApiGateway::Deployment" => Started(() => Status.DeploymentCreated(stack, r)),
            // ELB checks a listener's or rule's actions and certificate when it creates them.
            "AWS::ElasticLoadBalancingV2::Listener" or "AWS::ElasticLoadBalancingV2::ListenerRule" => LoadBalancers.Refusal(stack, r),
            _ => null,
        };
        Stacks.OnResourceUpdated = (stack, r) => r.Type == "AWS::RDS::DBInstance" ? Databases?.Apply(stack, r, created: false) : null;
        Stacks.OnResourceDeleting = (stack, r) => r.Type switch
        {
            "AWS::S3::Bucket" when r.PhysicalId is { } b => S3Store.RemoveForStack(b),
            "AWS::RDS::DBInstance" => Databases?.Deleting(stack, r),
            _ => null,
        };
        CloudFormation = new CloudFormationApi(Stacks);
        Iam = new IamApi(Stacks);
        Sts = new StsApi(Credentials, Iam);
        ApiGateway = new ApiGatewayApi(Stacks, Status);
    }

    private static string? Started(Action action)
    {
        action();
        return null;
    }

    /// <summary>The CloudFormation resource specification (npm @aws-cdk/aws-service-spec), when installed: change sets decide replacement from it.</summary>
    private static MetaflowAws.Engine.Templates.ResourceSpecification? LoadSpecification()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
            if (MetaflowAws.Engine.Templates.ResourceSpecification.FindDefault(start) is { } path)
                return MetaflowAws.Engine.Templates.ResourceSpecification.Load(path);
        Console.Error.WriteLine("sandbox: no resource specification found (run npm ci); change sets mark every property change as Conditional replacement.");
        return null;
    }

    /// <summary>What the sandbox was started with (the control API's resetPace goes back to it).</summary>
    public SandboxOptions Options { get; }
    public Credentials Credentials { get; }
    public SigV4Verifier Verifier { get; }
    public StackEngine Stacks { get; }
    public CloudFormationApi CloudFormation { get; }
    public StsApi Sts { get; }
    public IamApi Iam { get; }
    public ApiGatewayApi ApiGateway { get; }
    public Status.StatusApis Status { get; }
    public DynamoDb.TableItems Items { get; }
    public Lambda.LambdaApi Lambda { get; }
    public Ui.Certificates Certificates { get; }
    public Ui.LoadBalancers LoadBalancers { get; }
    public Ui.CognitoUsers CognitoUsers { get; }
    public Ui.EcsServices EcsServices { get; }
    public Ui.HostedZones HostedZones { get; }
    public S3Store S3Store { get; }
    public S3Api S3 { get; }
    /// <summary>RDS instances backed by a real PostgreSQL server; null without --postgres.</summary>
    public Rds.DatabaseInstances? Databases { get; }
    /// <summary>The metadata service's tasks, connecting to a backed database; null without --postgres.</summary>
    public Ecs.MetadataServiceTasks? ServiceTasks { get; }
    public RequestLog Log { get; } = new();
    public FaultInjector Faults { get; } = new();
    /// <summary>Where every AWS exchange is written for the conformance referee (--record); null when not recording.</summary>
    public ExchangeRecorder? Recorder { get; }

    /// <summary>A live AWS::SecretsManager::Secret's SecretString, by ARN or name (the ARN less its random suffix).</summary>
    public string? SecretString(string id) => FindSecret(id)?.Resource.Secret;

    /// <summary>A live AWS::SecretsManager::Secret by ARN or name (the ARN less its random suffix), with its stack; null when there is none.</summary>
    public (Stack Stack, ResourceState Resource)? FindSecret(string id)
    {
        foreach (var (stack, r) in Stacks.LiveResources("AWS::SecretsManager::Secret"))
        {
            var arn = r.Ref!;
            var name = arn[(arn.IndexOf(":secret:", StringComparison.Ordinal) + ":secret:".Length)..];
            if (arn == id || name == id || (name.Length > 7 && name[..^7] == id)) return (stack, r);
        }
        return null;
    }
}
