using System.Text.Json;
using MetaflowAws.Sandbox.CloudFormation;
using Eng = MetaflowAws.Engine.Templates;
using Own = MetaflowAws.Sandbox.CloudFormation.Templates;

namespace MetaflowAws.Tests;

/// <summary>
/// The engine's template evaluation (TemplateDocument, ParameterRules, Intrinsics) and the sandbox's own
/// (CloudFormation/Templates) run on the same templates and parameter values and must agree: bound values,
/// which parameters are refused, conditions, every active resource's evaluated properties and references,
/// and outputs. Resources stand in with the same fake identities on both sides ("Id-ref", "Id.Attribute").
/// </summary>
public sealed class TemplateEvaluationDifferentialTests
{
    private static readonly StackContext Context = new(
        "mf-diff", "arn:aws:cloudformation:us-east-1:123456789012:stack/mf-diff/0b1c2d3e", "us-east-1", "123456789012", "aws");

    /// <summary>What one side made of a template: "!error" stands for a value that side refused to evaluate.</summary>
    private sealed record Outcome(
        SortedDictionary<string, string> Values,
        SortedSet<string> Refused,
        SortedDictionary<string, bool> Conditions,
        SortedDictionary<string, string> Resources,
        SortedDictionary<string, string> References,
        SortedDictionary<string, string> Outputs);

    public static TheoryData<string, string> BundledTemplateCases() => new()
    {
        { "template/metaflow.yml", "" },
        { "template/metaflow.yml", "APIBasicAuth=false" },
        { "template/metaflow.yml", "CustomRole=true" },
        { "template/metaflow.yml", "BatchType=fargate" },
        { "template/metaflow.yml", "EnableSagemaker=false" },
        { "template/metaflow.yml", "AdditionalWorkerPolicyArn=arn:aws:iam::123456789012:policy/extra;ComputeEnvInstanceTypes=c5.large, m5.large" },
        { "tests/Fixtures/metaflow-0.1.0.yml", "" },
        { "tests/Fixtures/metaflow-0.1.0.yml", "APIBasicAuth=false;EnableSagemaker=false" },
    };

    [Theory]
    [MemberData(nameof(BundledTemplateCases))]
    public void BundledTemplatesEvaluateTheSameOnBothSides(string path, string parameters)
    {
        var body = File.ReadAllText(Path.Combine(RepositoryFiles.RepoRoot, path));
        var given = Given(parameters);
        var engine = EngineSide(body, given);
        var sandbox = SandboxSide(body, given);

        AssertSame(engine, sandbox);
        Assert.Empty(sandbox.Refused);
        Assert.True(sandbox.Resources.Count > 30, $"only {sandbox.Resources.Count} resources evaluated");
        Assert.DoesNotContain(sandbox.Resources, r => r.Value == "!error");
        var bucket = path.Contains("0.1.0", StringComparison.Ordinal) ? "DataBucket" : "MetaflowS3Bucket"; // the upstream-compatible id from 0.2.0 on
        Assert.Equal($"s3://{bucket}-ref/metaflow", sandbox.Outputs["MetaflowDataStoreS3Url"]);
        foreach (var (name, value) in given) Assert.Equal(value, sandbox.Values[name]);
    }

    [Fact]
    public void ParameterChoicesReachTheConditionsOnBothSides()
    {
        var body = File.ReadAllText(RepositoryFiles.TemplatePath);
        var defaults = SandboxSide(body, Given(""));
        var fargate = SandboxSide(body, Given("BatchType=fargate;APIBasicAuth=false"));
        Assert.False(defaults.Conditions["IsFargate"]);
        Assert.True(defaults.Conditions["UseApiKey"]);
        Assert.True(fargate.Conditions["IsFargate"]);
        Assert.False(fargate.Conditions["IsEc2"]);
        Assert.True(fargate.Conditions["NoApiKey"]);
        Assert.Equal(EngineSide(body, Given("BatchType=fargate;APIBasicAuth=false")).Conditions, fargate.Conditions);
        // The subnets sit in the region's first two zones, through !Select [n, !GetAZs ''].
        Assert.Contains("\"AvailabilityZone\":\"us-east-1b\"", fargate.Resources["Subnet2"]);
    }

    private const string Intrinsics = """
        Parameters:
          Env:
            Type: String
            Default: dev
            AllowedValues: [dev, prod]
          Zones:
            Type: CommaDelimitedList
            Default: "a, b ,c"
          Size:
            Type: Number
            Default: 3
            MinValue: 1
            MaxValue: 9
          Name:
            Type: String
            Default: flow
            AllowedPattern: '[a-z]+'
            MinLength: 2
            MaxLength: 10
          Secret:
            Type: String
            NoEcho: true
            Default: hush
        Mappings:
          Sizes:
            dev: { Instance: t3.small, Count: '1' }
            prod: { Instance: m5.large, Count: '3' }
        Conditions:
          IsProd: !Equals [!Ref Env, prod]
          IsDev: !Not [!Condition IsProd]
          Big: !And [!Condition IsProd, !Equals [!Ref Size, '9']]
          Either: !Or [!Condition IsDev, !Condition Big]
          InEast: !Equals [!Ref 'AWS::Region', us-east-1]
        Resources:
          Bucket:
            Type: AWS::S3::Bucket
            Properties:
              BucketName: !Sub '${AWS::StackName}-${Name}-${AWS::AccountId}'
              Tags:
                - Key: literal
                  Value: !Sub 'keep ${!NotAVariable} and ${Env}'
                - Key: mapped
                  Value: !Sub ['${Prefix}/${Bucket2.Arn}', { Prefix: !FindInMap [Sizes, !Ref Env, Instance] }]
                - !If [IsProd, { Key: prod, Value: 'yes' }, !Ref 'AWS::NoValue']
          Bucket2:
            Type: AWS::S3::Bucket
            Properties:
              BucketName: !Join ['-', [!Select [1, !Ref Zones], !Select [0, !Split [',', 'x,y,z']], !Ref Size]]
              VersioningConfiguration: !If
                - IsProd
                - { Status: Enabled }
                - !If [Either, { Status: Suspended }, !Ref 'AWS::NoValue']
              ObjectLockEnabled: !If [Big, 'true', !Ref 'AWS::NoValue']
          Queue:
            Type: AWS::SQS::Queue
            Condition: IsDev
            Properties:
              QueueName: !Join [',', !GetAZs '']
              Zones: !Join ['', !Ref Zones]
              Third: !Select [2, !GetAZs { Ref: 'AWS::Region' }]
              Encoded: { 'Fn::Base64': !Sub 'echo ${Bucket}' }
              Arn: !GetAtt [Bucket, Arn]
              Domain: !Sub '${Bucket}.s3.${AWS::Region}.${AWS::URLSuffix}'
              Partition: !Ref AWS::Partition
              StackId: !Ref AWS::StackId
              Count: !FindInMap [Sizes, !Ref Env, Count]
              Region: !If [InEast, !Ref 'AWS::Region', other]
          ProdOnly:
            Type: AWS::SNS::Topic
            Condition: IsProd
            Properties:
              TopicName: !GetAtt Bucket.Arn
        Outputs:
          Name:
            Value: !Ref Bucket
          Zones:
            Value: !Join [':', !Ref Zones]
          Sized:
            Condition: IsProd
            Value: !GetAtt ProdOnly.TopicName
        """;

    public static TheoryData<string> IntrinsicCases() => ["", "Env=prod", "Env=prod;Size=9", "Zones=q,r,s;Name=ab", "Size=1.5e0"];

    [Theory]
    [MemberData(nameof(IntrinsicCases))]
    public void EachIntrinsicEvaluatesTheSameOnBothSides(string parameters)
    {
        var engine = EngineSide(Intrinsics, Given(parameters));
        var sandbox = SandboxSide(Intrinsics, Given(parameters));
        AssertSame(engine, sandbox);
        Assert.Empty(sandbox.Refused);
        Assert.DoesNotContain(sandbox.Resources, r => r.Value == "!error");
    }

    [Fact]
    public void IntrinsicValuesAreWhatCloudFormationDocuments()
    {
        var dev = SandboxSide(Intrinsics, Given(""));
        Assert.Equal("""{"BucketName":"mf-diff-flow-123456789012","Tags":[{"Key":"literal","Value":"keep ${NotAVariable} and dev"},{"Key":"mapped","Value":"t3.small/Bucket2.Arn"}]}""", dev.Resources["Bucket"]);
        Assert.Equal("""{"BucketName":"b-x-3","VersioningConfiguration":{"Status":"Suspended"}}""", dev.Resources["Bucket2"]);
        Assert.Contains("\"QueueName\":\"us-east-1a,us-east-1b,us-east-1c\"", dev.Resources["Queue"]);
        Assert.Contains("\"Zones\":\"abc\"", dev.Resources["Queue"]);
        Assert.Contains("\"Third\":\"us-east-1c\"", dev.Resources["Queue"]);
        Assert.Contains("\"Encoded\":\"ZWNobyBCdWNrZXQtcmVm\"", dev.Resources["Queue"]); // base64("echo Bucket-ref")
        Assert.Contains("\"Domain\":\"Bucket-ref.s3.us-east-1.amazonaws.com\"", dev.Resources["Queue"]);
        Assert.Equal("a:b:c", dev.Outputs["Zones"]);
        Assert.DoesNotContain("ProdOnly", dev.Resources.Keys);
        Assert.DoesNotContain("Sized", dev.Outputs.Keys);
        // References set the creation order: Sub variables and GetAtt name their resource, ${!NotAVariable} nothing, the If branch taken only.
        Assert.Equal("AWS::AccountId, AWS::NoValue, AWS::StackName, Bucket2, Env, Name", dev.References["Bucket"]);
        Assert.Equal("AWS::Partition, AWS::Region, AWS::StackId, AWS::URLSuffix, Bucket, Env, Zones", dev.References["Queue"]);

        var big = SandboxSide(Intrinsics, Given("Env=prod;Size=9"));
        Assert.True(big.Conditions["Big"]);
        Assert.Contains("{\"Key\":\"prod\",\"Value\":\"yes\"}", big.Resources["Bucket"]);
        Assert.Equal("""{"BucketName":"b-x-9","VersioningConfiguration":{"Status":"Enabled"},"ObjectLockEnabled":"true"}""", big.Resources["Bucket2"]);
        Assert.Equal("ProdOnly.TopicName", big.Outputs["Sized"]);
        Assert.DoesNotContain("Queue", big.Resources.Keys);
    }

    /// <summary>Values CloudFormation refuses: both sides refuse them, naming the same parameters.</summary>
    public static TheoryData<string, string> RefusedCases() => new()
    {
        { "Env=test", "Env" },
        { "Size=0", "Size" },
        { "Size=10", "Size" },
        { "Size=three", "Size" },
        { "Name=a", "Name" },
        { "Name=abcdefghijk", "Name" },
        { "Name=Flow", "Name" },
        { "Name=flow7", "Name" },
        { "Nope=1", "Nope" },
        { "Env=qa;Size=0", "Env,Size" },
        // AllowedPattern must match the entire value (Parameters reference): a trailing line break is not part of [a-z]+.
        { "Name=flow\n", "Name" },
    };

    [Theory]
    [MemberData(nameof(RefusedCases))]
    public void BadValuesAreRefusedOnBothSides(string parameters, string refused)
    {
        var engine = EngineSide(Intrinsics, Given(parameters));
        var sandbox = SandboxSide(Intrinsics, Given(parameters));
        Assert.Equal(refused.Split(','), sandbox.Refused);
        Assert.Equal(engine.Refused, sandbox.Refused);
    }

    [Theory]
    [InlineData("DBEngineVersion=14", "DBEngineVersion")]
    [InlineData("MaxVCPUBatch=0", "MaxVCPUBatch")]
    [InlineData("LogRetentionDays=31", "LogRetentionDays")]
    [InlineData("VPCCidr=10.20.0.0/8", "VPCCidr")]
    [InlineData("BatchType=lambda", "BatchType")]
    [InlineData("DBEngineVersion=16\n", "DBEngineVersion")]
    [InlineData("AdditionalWorkerPolicyArn=arn:aws:iam::123:policy/x", "AdditionalWorkerPolicyArn")]
    public void BadValuesForTheBundledTemplateAreRefusedOnBothSides(string parameters, string refused)
    {
        var body = File.ReadAllText(RepositoryFiles.TemplatePath);
        var engine = EngineSide(body, Given(parameters));
        var sandbox = SandboxSide(body, Given(parameters));
        Assert.Equal([refused], sandbox.Refused);
        Assert.Equal(engine.Refused, sandbox.Refused);
    }

    [Fact]
    public void MissingValuesAreRefusedOnBothSidesWithCloudFormationsMessage()
    {
        const string body = "Parameters:\n  A: { Type: String }\n  B: { Type: String, Default: x }\nResources:\n  T: { Type: AWS::SNS::Topic }\n";
        Assert.Equal(["A"], EngineSide(body, Given("")).Refused);
        var bound = Own.ParameterBinding.Bind(Own.Template.Read(body), Given(""));
        Assert.Equal("Parameters: [A] must have values", bound.Error);
        Assert.Equal("Parameter 'Env' must be one of AllowedValues", Own.ParameterBinding.Bind(Own.Template.Read(Intrinsics), Given("Env=test")).Error);
        Assert.Equal("Parameters: [Nope] do not exist in the template", Own.ParameterBinding.Bind(Own.Template.Read(Intrinsics), Given("Nope=1")).Error);
        Assert.Equal(["Secret"], Own.ParameterBinding.Bind(Own.Template.Read(Intrinsics), Given("")).NoEcho);
    }

    [Fact]
    public void UnresolvedReferencesAreRefusedWithCloudFormationsMessage()
    {
        const string body = "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Ref Missing\n";
        var template = Own.Template.Read(body);
        var stack = new FakeStack(template, new Dictionary<string, string>(), new Dictionary<string, bool>());
        var ex = Assert.Throws<Own.TemplateError>(() => Own.Functions.Evaluate(template.Resources["T"], stack));
        Assert.Equal("Template format error: Unresolved resource dependencies [Missing] in the Resources block of the template", ex.Message);
        Assert.Throws<Eng.TemplateError>(() => Eng.Intrinsics.Evaluate(Eng.TemplateDocument.Parse(body).Section("Resources")["T"],
            new EngineScope(Eng.TemplateDocument.Parse(body), new Dictionary<string, string>(), new HashSet<string>())));
    }

    private const string ListMapping = """
        Parameters:
          Env: { Type: String, Default: dev }
        Mappings:
          Networks:
            dev: { Cidrs: [10.0.0.0/24, 10.0.1.0/24], Name: small }
        Resources:
          Vpc:
            Type: AWS::EC2::VPC
            Properties:
              CidrBlock: !Select [0, !FindInMap [Networks, !Ref Env, Cidrs]]
              Note: !Join [',', !FindInMap [Networks, !Ref Env, Cidrs]]
              Name: !FindInMap [Networks, dev, Name]
        """;

    [Fact]
    public void MappingValuesMayBeListsOnBothSides()
    {
        // The Mappings reference: "The values can be of type String or List."
        var engine = EngineSide(ListMapping, Given(""));
        var sandbox = SandboxSide(ListMapping, Given(""));
        AssertSame(engine, sandbox);
        Assert.Equal("""{"CidrBlock":"10.0.0.0/24","Note":"10.0.0.0/24,10.0.1.0/24","Name":"small"}""", sandbox.Resources["Vpc"]);
    }

    [Theory]
    [InlineData("!And [!Condition A]")]
    [InlineData("!Or [!Condition A]")]
    [InlineData("!Or [!Condition A, !Condition A, !Condition A, !Condition A, !Condition A, !Condition A, !Condition A, !Condition A, !Condition A, !Condition A, !Condition A]")]
    public void AndAndOrTakeTwoToTenConditionsOnBothSides(string condition)
    {
        // The condition functions reference: Fn::And and Fn::Or take at least 2 conditions and at most 10.
        var body = $"Conditions:\n  A: !Equals [a, a]\n  B: {condition}\nResources:\n  T: {{ Type: AWS::SNS::Topic }}\n";
        Assert.Throws<Own.TemplateError>(() => SandboxSide(body, Given("")));
        Assert.Throws<Eng.TemplateError>(() => EngineSide(body, Given("")));
    }

    [Fact]
    public void CidrSplitsABlockAsTheFunctionReferenceShows()
    {
        // The reference's example: six /27 blocks from 192.168.0.0/24 with cidrBits 5.
        const string body = "Resources:\n  T:\n    Type: AWS::EC2::VPC\n    Properties:\n      Blocks: !Cidr ['192.168.0.0/24', 6, 5]\n";
        var template = Own.Template.Read(body);
        var value = Own.Functions.Evaluate(template.Resources["T"], new FakeStack(template, new Dictionary<string, string>(), new Dictionary<string, bool>()));
        Assert.Equal("""{"Type":"AWS::EC2::VPC","Properties":{"Blocks":["192.168.0.0/27","192.168.0.32/27","192.168.0.64/27","192.168.0.96/27","192.168.0.128/27","192.168.0.160/27"]}}""",
            JsonSerializer.Serialize(value));
    }

    private static void AssertSame(Outcome engine, Outcome sandbox)
    {
        Assert.Equal(engine.Refused, sandbox.Refused);
        Assert.Equal(engine.Values, sandbox.Values);
        Assert.Equal(engine.Conditions, sandbox.Conditions);
        Assert.Equal(engine.Resources.Keys, sandbox.Resources.Keys);
        foreach (var (id, properties) in engine.Resources) Assert.Equal($"{id}: {properties}", $"{id}: {sandbox.Resources[id]}");
        foreach (var (id, names) in engine.References) Assert.Equal($"{id}: {names}", $"{id}: {sandbox.References[id]}");
        Assert.Equal(engine.Outputs, sandbox.Outputs);
    }

    private static Dictionary<string, string> Given(string parameters)
        => parameters.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    private static Outcome EngineSide(string body, Dictionary<string, string> given)
    {
        var template = Eng.TemplateDocument.Parse(body);
        var (values, violations) = Eng.ParameterRules.Bind(template, given);
        var outcome = NewOutcome(values, violations.Select(v => v.Parameter));
        if (violations.Count > 0) return outcome;

        var resources = template.Section("Resources");
        var active = new HashSet<string>();
        var scope = new EngineScope(template, values, active);
        foreach (var name in template.Section("Conditions").Keys) outcome.Conditions[name] = scope.Condition(name);
        foreach (var (id, def) in resources)
            if ((def as Dictionary<string, object?>)?.GetValueOrDefault("Condition") is not string c || scope.Condition(c)) active.Add(id);
        foreach (var id in active)
        {
            var properties = ((Dictionary<string, object?>)resources[id]!).GetValueOrDefault("Properties");
            outcome.Resources[id] = Try(() => JsonSerializer.Serialize(Eng.Intrinsics.Evaluate(properties, scope)));
            var names = new HashSet<string>();
            Eng.Intrinsics.CollectReferences(properties, scope.Condition, names);
            outcome.References[id] = string.Join(", ", names.Order(StringComparer.Ordinal));
        }
        foreach (var (key, o) in template.Section("Outputs"))
        {
            var output = (Dictionary<string, object?>)o!;
            if (output.GetValueOrDefault("Condition") is string c && !scope.Condition(c)) continue;
            outcome.Outputs[key] = Try(() => Eng.Intrinsics.Evaluate(output["Value"], scope) is List<object?> list
                ? string.Join(",", list.Select(v => Eng.Intrinsics.Scalar(v, "Outputs")))
                : Eng.Intrinsics.Scalar(Eng.Intrinsics.Evaluate(output["Value"], scope), "Outputs"));
        }
        return outcome;
    }

    private static Outcome SandboxSide(string body, Dictionary<string, string> given)
    {
        var template = Own.Template.Read(body);
        var bound = Own.ParameterBinding.Bind(template, given);
        var outcome = NewOutcome(bound.Values, bound.Problems.Select(p => p.Parameter));
        if (bound.Problems.Count > 0) return outcome;

        var conditions = Own.Conditions.Evaluate(template, Context, bound.Values);
        foreach (var (name, value) in conditions) outcome.Conditions[name] = value;
        var active = template.Resources.Where(r => (r.Value as Dictionary<string, object?>)?.GetValueOrDefault("Condition") is not string c || conditions[c])
            .Select(r => r.Key).ToHashSet();
        var stack = new FakeStack(template, bound.Values, conditions, active);
        foreach (var id in active)
        {
            var properties = ((Dictionary<string, object?>)template.Resources[id]!).GetValueOrDefault("Properties");
            outcome.Resources[id] = Try(() => JsonSerializer.Serialize(Own.Functions.Evaluate(properties, stack)));
            outcome.References[id] = string.Join(", ", Own.References.Of(properties, stack.Condition).Order(StringComparer.Ordinal));
        }
        foreach (var (key, o) in template.Outputs)
        {
            var output = (Dictionary<string, object?>)o!;
            if (output.GetValueOrDefault("Condition") is string c && !conditions[c]) continue;
            outcome.Outputs[key] = Try(() => Own.Functions.Evaluate(output["Value"], stack) is List<object?> list
                ? string.Join(",", list.Select(v => Own.Functions.Text(v, "Outputs")))
                : Own.Functions.Text(Own.Functions.Evaluate(output["Value"], stack), "Outputs"));
        }
        return outcome;
    }

    private static Outcome NewOutcome(Dictionary<string, string> values, IEnumerable<string> refused)
        => new(new SortedDictionary<string, string>(values, StringComparer.Ordinal), new SortedSet<string>(refused, StringComparer.Ordinal),
            new SortedDictionary<string, bool>(StringComparer.Ordinal), new SortedDictionary<string, string>(StringComparer.Ordinal),
            new SortedDictionary<string, string>(StringComparer.Ordinal), new SortedDictionary<string, string>(StringComparer.Ordinal));

    private static string Try(Func<string> evaluate)
    {
        try { return evaluate(); }
        catch (Eng.TemplateError) { return "!error"; }
        catch (Own.TemplateError) { return "!error"; }
    }

    /// <summary>The sandbox's view of a stack whose active resources exist with fake identities.</summary>
    private sealed class FakeStack(Own.Template template, IReadOnlyDictionary<string, string> parameters, Dictionary<string, bool> conditions, HashSet<string>? active = null) : Own.IStackValues
    {
        public Own.Template Template => template;
        public StackContext Context => TemplateEvaluationDifferentialTests.Context;
        public IReadOnlyDictionary<string, string> ParameterValues => parameters;
        public bool Condition(string name) => conditions[name];
        public string? ResourceRef(string logicalId) => active?.Contains(logicalId) == true ? logicalId + "-ref" : null;
        public string? ResourceAttribute(string logicalId, string attribute) => active?.Contains(logicalId) == true ? $"{logicalId}.{attribute}" : null;
    }

    /// <summary>The engine's view of the same stack (the engine has no scope of its own for resources; this one mirrors FakeStack).</summary>
    private sealed class EngineScope(Eng.TemplateDocument template, IReadOnlyDictionary<string, string> parameters, HashSet<string> active) : Eng.IEvaluationScope
    {
        private readonly Dictionary<string, bool> _conditions = new();

        public string Region => Context.Region;

        public bool TryGetParameter(string name, out object? value)
        {
            value = name switch
            {
                "AWS::AccountId" => Context.AccountId,
                "AWS::Region" => Context.Region,
                "AWS::StackName" => Context.StackName,
                "AWS::StackId" => Context.StackId,
                "AWS::Partition" => Context.Partition,
                "AWS::URLSuffix" => "amazonaws.com",
                _ => null,
            };
            if (value is not null) return true;
            if (!parameters.TryGetValue(name, out var text)) return false;
            var type = (template.Section("Parameters")[name] as Dictionary<string, object?>)?.GetValueOrDefault("Type") as string ?? "String";
            value = type == "CommaDelimitedList" || type.StartsWith("List<", StringComparison.Ordinal)
                ? text.Split(',').Select(x => (object?)x.Trim()).ToList() : text;
            return true;
        }

        public bool Condition(string name)
            => _conditions.TryGetValue(name, out var v) ? v : _conditions[name] = Eng.Intrinsics.EvaluateCondition(template.Section("Conditions")[name], this);

        public object? Mapping(string map, string top, string second)
            => ((template.Section("Mappings").GetValueOrDefault(map) as Dictionary<string, object?>)?.GetValueOrDefault(top) as Dictionary<string, object?>)?.GetValueOrDefault(second);

        public IReadOnlyList<string> AvailabilityZones(string region) => [region + "a", region + "b", region + "c"];
        public string? ResourceRef(string logicalId) => active.Contains(logicalId) ? logicalId + "-ref" : null;
        public string? ResourceAttribute(string logicalId, string attribute) => active.Contains(logicalId) ? $"{logicalId}.{attribute}" : null;
        public bool IsResource(string logicalId) => template.Section("Resources").ContainsKey(logicalId);
    }
}
