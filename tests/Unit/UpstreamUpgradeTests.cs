using MetaflowAws.Engine.CloudFormation;
using MetaflowAws.Engine.Operations;
using MetaflowAws.Engine.Stacks;
using MetaflowAws.Engine.Templates;

namespace MetaflowAws.Tests;

/// <summary>
/// A stack of the upstream metaflow-tools interface (tests/Fixtures/upstream-interface.yml) moved to our template:
/// the plan keeps every data and identity resource, and says so the same way CloudFormation's change set does.
/// </summary>
public sealed class UpstreamUpgradeTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private static string FixturePath => Path.Combine(RepositoryFiles.RepoRoot, "tests/Fixtures/upstream-interface.yml");

    [Fact]
    public void Every_upstream_output_is_one_of_ours()
    {
        var upstream = TemplateDocument.Parse(File.ReadAllText(FixturePath)).Section("Outputs").Keys;
        var ours = RepositoryFiles.Template().Section("Outputs");
        var missing = upstream.Where(k => !ours.ContainsKey(k)).ToList();
        Assert.True(missing.Count == 0, "outputs of the upstream interface missing from ours: " + string.Join(", ", missing));
        // Names that differ only in case would collide in PowerShell hashtables and in case-insensitive lookups.
        var collisions = ours.Keys.GroupBy(k => k, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(collisions);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_upstream_stack_moves_to_our_template_keeping_its_data_and_identity_resources(bool withUi)
    {
        var cfn = sandbox.CloudFormation();
        var name = "upstream-" + Guid.NewGuid().ToString("N")[..8];
        List<StackParameter> parameters = [new StackParameter("BatchType", "fargate")];
        if (withUi)
        {
            // The UI's certificate, in the sandbox's ACM: its listener needs an issued one.
            using var http = new HttpClient { BaseAddress = new Uri(sandbox.Url) };
            var answer = await http.PostAsync("/_sandbox/acm/certificates", new StringContent("""{"domainName":"metaflow.example.com"}""", System.Text.Encoding.UTF8, "application/json"));
            answer.EnsureSuccessStatusCode();
            var arn = System.Text.Json.JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("arn").GetString()!;
            parameters.AddRange([new StackParameter("EnableUI", "true"), new StackParameter("PublicDomainName", "metaflow.example.com"), new StackParameter("CertificateArn", arn)]);
        }
        // Made when the upstream template was current: RDS still created its PostgreSQL 16.1 then (it no longer does).
        using (var control = new HttpClient { BaseAddress = new Uri(sandbox.Url) })
            (await control.PostAsync("/_sandbox/config", new StringContent("""{"today":"2024-06-01"}""", System.Text.Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        await cfn.CreateStackAsync(new CreateStackRequest
        {
            StackName = name, TemplateBody = File.ReadAllText(FixturePath), Capabilities = ["CAPABILITY_IAM"],
            Parameters = parameters,
        });
        var service = StackService.Create(sandbox.Session());
        MetaflowStack stack;
        for (var i = 0; ; i++)
        {
            stack = await service.GetAsync(name, CancellationToken.None);
            if (stack.Status == "CREATE_COMPLETE") break;
            Assert.DoesNotContain("FAILED", stack.Status, StringComparison.Ordinal);
            Assert.True(i < 600, "the stack did not complete in 30 s");
            await Task.Delay(50);
        }
        Assert.Equal(MetaflowStack.UpstreamOrigin, stack.Origin);
        using (var control = new HttpClient { BaseAddress = new Uri(sandbox.Url) })
            (await control.PostAsync("/_sandbox/config", new StringContent("""{"today":null}""", System.Text.Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();

        var plan = await new StackUpdate(sandbox.Session(), service).PlanAsync(
            new DeployInput { StackName = name, TemplatePath = RepositoryFiles.TemplatePath }, stack, CancellationToken.None);
        Assert.True(plan.AtRisk.Count == 0, "at risk: " + string.Join("; ", plan.AtRisk.Select(c => c.ToString())));
        Assert.Equal(MetaflowStack.UpstreamOrigin, plan.Update.Parameters.Single(p => p.ParameterKey == MetaflowParameters.UpgradedFromParameter).ParameterValue);
        Assert.Equal("false", plan.Update.Parameters.Single(p => p.ParameterKey == MetaflowParameters.DatabaseEncryptionParameter).ParameterValue);
        Assert.Equal("job-queue-" + name, plan.Update.Parameters.Single(p => p.ParameterKey == MetaflowParameters.JobQueueNameParameter).ParameterValue);

        // CloudFormation's own change set (the sandbox's evaluation) agrees: nothing kept is replaced or removed.
        var changeSets = new ChangeSetService(service.CloudFormation, sandbox.Session());
        var staged = await MetaflowAws.Engine.Staging.TemplateStaging.Create(sandbox.Session()).StageAsync(name, plan.Update.Body, null, null, CancellationToken.None);
        var real = await changeSets.CreateAsync(plan.Update.ToChangeSetRequest(staged.TemplateUrl), CancellationToken.None);
        try
        {
            var kept = new[] { "VPC", "Subnet1", "Subnet2", "MetaflowS3Bucket", "StepFunctionsStateDDB", "JobQueue", "BatchS3TaskRole",
                "StepFunctionsRole", "EventBridgeRole", "MyRDSSecret", "DBSubnetGroup", "RDSMasterInstance", "Api", "NLB", "ApiKey", "ApiDeployment",
                // The UI's users, login domain and client, and the load balancer DNS records point at.
                "UserPoolUI", "UserPoolDomainUI", "UserPoolClientUI", "LoadBalancerUI", "ListenerUI" };
            // Raw, not through the classifier under test: only the database may be Conditional, and only for the
            // properties RDS changes in place (ChangeRisks.InPlace), listed here on their own.
            string[] inPlace = ["AutoMinorVersionUpgrade", "BackupRetentionPeriod", "MultiAZ", "StorageType"];
            var destructive = real.Changes.Where(c => kept.Contains(c.LogicalResourceId) && (c.Action == "Remove" || c.Replacement == "True"
                    || (c.Replacement == "Conditional" && !(c.LogicalResourceId == "RDSMasterInstance" && c.ReplacementCause.All(inPlace.Contains)))))
                .Select(c => $"{c.Action} {c.LogicalResourceId} {c.Replacement} ({string.Join(", ", c.ReplacementCause)})").ToList();
            Assert.True(destructive.Count == 0, "change set: " + string.Join("; ", destructive));
            Assert.Contains(real.Changes, c => c.LogicalResourceId == "MetadataService" && c.Action == "Add");
            if (withUi) Assert.Contains(real.Changes, c => c.LogicalResourceId == "ECSFargateServiceUIService" && c.Action == "Add");
            else Assert.DoesNotContain(real.Changes, c => c.LogicalResourceId.Contains("UI", StringComparison.Ordinal));
        }
        finally { await changeSets.DeleteAsync(real.ChangeSetId, name, CancellationToken.None); }
    }

    /// <summary>The names API Gateway and Elastic Load Balancing hold once: a second stage, path part or listener port fails.</summary>
    [Theory]
    [InlineData("stage", "Stage already exists")]
    [InlineData("path", "Another resource with the same parent already has this name: {proxy+}")]
    [InlineData("listener", "A listener already exists on this port for this load balancer")]
    public async Task A_name_a_service_holds_once_cannot_be_taken_twice(string what, string refusal)
    {
        var second = what switch
        {
            "stage" => "  Second: { Type: AWS::ApiGateway::Stage, Properties: { RestApiId: !Ref Api, DeploymentId: !Ref Deployment, StageName: api } }\n",
            "path" => "  Second: { Type: AWS::ApiGateway::Resource, Properties: { RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: '{proxy+}' } }\n",
            _ => "  Second: { Type: AWS::ElasticLoadBalancingV2::Listener, DependsOn: First, Properties: { LoadBalancerArn: !Ref Nlb, Port: 80, Protocol: TCP, DefaultActions: [] } }\n",
        };
        var template = "Resources:\n" +
            "  Api: { Type: AWS::ApiGateway::RestApi, Properties: { Name: a } }\n" +
            "  Proxy: { Type: AWS::ApiGateway::Resource, Properties: { RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: '{proxy+}' } }\n" +
            "  Method: { Type: AWS::ApiGateway::Method, Properties: { RestApiId: !Ref Api, ResourceId: !Ref Proxy, HttpMethod: ANY, AuthorizationType: NONE } }\n" +
            "  Deployment: { Type: AWS::ApiGateway::Deployment, DependsOn: Method, Properties: { RestApiId: !Ref Api, StageName: api } }\n" +
            "  Nlb: { Type: AWS::ElasticLoadBalancingV2::LoadBalancer, Properties: { Type: network, Scheme: internal, Subnets: [subnet-1, subnet-2] } }\n" +
            "  First: { Type: AWS::ElasticLoadBalancingV2::Listener, Properties: { LoadBalancerArn: !Ref Nlb, Port: 80, Protocol: TCP, DefaultActions: [] } }\n" +
            second.Replace("Second: { Type: AWS::ApiGateway::Stage", "Second: { Type: AWS::ApiGateway::Stage, DependsOn: Deployment", StringComparison.Ordinal)
                  .Replace("Second: { Type: AWS::ApiGateway::Resource", "Second: { Type: AWS::ApiGateway::Resource, DependsOn: Proxy", StringComparison.Ordinal);
        var name = "conflict-" + what;
        await sandbox.CloudFormation().CreateStackAsync(new CreateStackRequest { StackName = name, TemplateBody = template });
        var service = StackService.Create(sandbox.Session());
        for (var i = 0; ; i++)
        {
            var stack = await service.GetAsync(name, CancellationToken.None);
            if (stack.Status is "ROLLBACK_COMPLETE" or "ROLLBACK_FAILED" or "CREATE_COMPLETE") { Assert.Equal("ROLLBACK_COMPLETE", stack.Status); break; }
            Assert.True(i < 600, "the stack did not end in 30 s");
            await Task.Delay(50);
        }
        var events = await service.EventsAsync(name, null, null, CancellationToken.None);
        Assert.Contains(events, e => e.LogicalResourceId == "Second" && e.ResourceStatus == "CREATE_FAILED" && (e.ResourceStatusReason ?? "").Contains(refusal, StringComparison.Ordinal));
        Assert.DoesNotContain(events, e => e.LogicalResourceId != "Second" && e.ResourceStatus == "CREATE_FAILED" && e.ResourceStatusReason != "Resource creation cancelled");
    }
}
