using System.Net.Http.Json;
using System.Text.Json;
using MetaflowAws.Engine;
using MetaflowAws.Engine.Aws;
using MetaflowAws.Engine.CloudFormation;
using MetaflowAws.Engine.Ui;

namespace MetaflowAws.Tests;

/// <summary>The UI's AWS calls through the real clients (<see cref="UiAws"/>) against the sandbox over HTTP.</summary>
public sealed class UiWireTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private const string UiTemplate = """
        Parameters:
          CertificateArn: { Type: String }
          DomainPrefix: { Type: String }
          ListenerProtocol: { Type: String, Default: HTTPS }
        Conditions:
          Https: !Equals [!Ref ListenerProtocol, HTTPS]
        Resources:
          Vpc:
            Type: AWS::EC2::VPC
            Properties: { CidrBlock: 10.20.0.0/16 }
          LoadBalancerUI:
            Type: AWS::ElasticLoadBalancingV2::LoadBalancer
            Properties: { Type: application, Subnets: [subnet-0a, subnet-0b] }
          StaticTargets:
            Type: AWS::ElasticLoadBalancingV2::TargetGroup
            Properties: { VpcId: !Ref Vpc, Port: 3000, Protocol: HTTP, TargetType: ip }
          BackendTargets:
            Type: AWS::ElasticLoadBalancingV2::TargetGroup
            Properties: { VpcId: !Ref Vpc, Port: 8083, Protocol: HTTP, TargetType: ip }
          UserPoolUI:
            Type: AWS::Cognito::UserPool
            Properties:
              UsernameAttributes: [email]
              AdminCreateUserConfig: { AllowAdminCreateUserOnly: true }
              Policies: { PasswordPolicy: { MinimumLength: 16 } }
          UserPoolClientUI:
            Type: AWS::Cognito::UserPoolClient
            Properties: { UserPoolId: !Ref UserPoolUI, GenerateSecret: true }
          UserPoolDomainUI:
            Type: AWS::Cognito::UserPoolDomain
            Properties: { UserPoolId: !Ref UserPoolUI, Domain: !Ref DomainPrefix }
          ListenerUI:
            Type: AWS::ElasticLoadBalancingV2::Listener
            Properties:
              LoadBalancerArn: !Ref LoadBalancerUI
              Port: 443
              Protocol: !Ref ListenerProtocol
              SslPolicy: !If [Https, ELBSecurityPolicy-TLS13-1-2-2021-06, !Ref AWS::NoValue]
              Certificates: !If [Https, [{ CertificateArn: !Ref CertificateArn }], !Ref AWS::NoValue]
              DefaultActions:
                - Type: authenticate-cognito
                  Order: 1
                  AuthenticateCognitoConfig:
                    UserPoolArn: !GetAtt UserPoolUI.Arn
                    UserPoolClientId: !Ref UserPoolClientUI
                    UserPoolDomain: !Ref UserPoolDomainUI
                    OnUnauthenticatedRequest: authenticate
                    Scope: openid
                - { Type: forward, Order: 2, TargetGroupArn: !Ref StaticTargets }
          ListenerUIRedirect:
            Type: AWS::ElasticLoadBalancingV2::Listener
            Properties:
              LoadBalancerArn: !Ref LoadBalancerUI
              Port: 80
              Protocol: HTTP
              DefaultActions:
                - { Type: redirect, RedirectConfig: { Protocol: HTTPS, Port: '443', StatusCode: HTTP_301 } }
          ListenerRuleUIService:
            Type: AWS::ElasticLoadBalancingV2::ListenerRule
            Properties:
              ListenerArn: !Ref ListenerUI
              Priority: 2
              Conditions: [{ Field: path-pattern, PathPatternConfig: { Values: [/api/*] } }]
              Actions:
                - Type: authenticate-cognito
                  Order: 1
                  AuthenticateCognitoConfig: { UserPoolArn: !GetAtt UserPoolUI.Arn, UserPoolClientId: !Ref UserPoolClientUI, UserPoolDomain: !Ref UserPoolDomainUI }
                - { Type: forward, Order: 2, TargetGroupArn: !Ref BackendTargets }
          Cluster:
            Type: AWS::ECS::Cluster
          TaskStatic:
            Type: AWS::ECS::TaskDefinition
            Properties:
              ContainerDefinitions: [{ Name: ui, Image: public.ecr.aws/outerbounds/metaflow_ui:v1.2.4, PortMappings: [{ ContainerPort: 3000 }] }]
          TaskBackend:
            Type: AWS::ECS::TaskDefinition
            Properties:
              ContainerDefinitions:
                - Name: backend
                  Image: metaflow-service
                  Command: [/opt/latest/bin/python3, -m, services.ui_backend_service.ui_server]
                  PortMappings: [{ ContainerPort: 8083 }]
          ServiceStatic:
            Type: AWS::ECS::Service
            DependsOn: ListenerUI
            Properties:
              Cluster: !Ref Cluster
              TaskDefinition: !Ref TaskStatic
              LaunchType: FARGATE
              DesiredCount: 2
              LoadBalancers: [{ ContainerName: ui, ContainerPort: 3000, TargetGroupArn: !Ref StaticTargets }]
          ServiceBackend:
            Type: AWS::ECS::Service
            DependsOn: ListenerRuleUIService
            Properties:
              Cluster: !Ref Cluster
              TaskDefinition: !Ref TaskBackend
              LaunchType: FARGATE
              DesiredCount: 1
              LoadBalancers: [{ ContainerName: backend, ContainerPort: 8083, TargetGroupArn: !Ref BackendTargets }]
        Outputs:
          LoadBalancerArn: { Value: !Ref LoadBalancerUI }
          ListenerArn: { Value: !Ref ListenerUI }
          RedirectArn: { Value: !Ref ListenerUIRedirect }
          RuleArn: { Value: !Ref ListenerRuleUIService }
          StaticTargets: { Value: !Ref StaticTargets }
          BackendTargets: { Value: !Ref BackendTargets }
          UserPoolId: { Value: !Ref UserPoolUI }
          UserPoolArn: { Value: !GetAtt UserPoolUI.Arn }
          ProviderUrl: { Value: !GetAtt UserPoolUI.ProviderURL }
          ClientId: { Value: !Ref UserPoolClientUI }
          Domain: { Value: !Ref UserPoolDomainUI }
          Cluster: { Value: !Ref Cluster }
          StaticService: { Value: !GetAtt ServiceStatic.Name }
          BackendService: { Value: !GetAtt ServiceBackend.Name }
        """;

    private HttpClient Control() => new() { BaseAddress = new Uri(sandbox.Url) };

    private IUiAws Ui() => UiAws.Create(sandbox.Session());

    private async Task<string> SeedCertificateAsync(string domain)
    {
        using var http = Control();
        var answer = await http.PostAsJsonAsync("/_sandbox/acm/certificates", new { domainName = domain, subjectAlternativeNames = new[] { "www." + domain }, status = "ISSUED", region = "us-east-1" });
        answer.EnsureSuccessStatusCode();
        return (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("arn").GetString()!;
    }

    private async Task<DescribeStacksResponse> DeployAsync(string name, string certificateArn, string prefix, string protocol = "HTTPS")
    {
        var cfn = sandbox.CloudFormation();
        await cfn.CreateStackAsync(new CreateStackRequest
        {
            StackName = name,
            TemplateBody = UiTemplate,
            Parameters = [new("CertificateArn", certificateArn), new("DomainPrefix", prefix), new("ListenerProtocol", protocol)],
        });
        for (var i = 0; i < 400; i++)
        {
            var d = await cfn.DescribeStacksAsync(new DescribeStacksRequest { StackName = name });
            if (!d.Stacks.Single().StackStatus.EndsWith("_IN_PROGRESS", StringComparison.Ordinal)) return d;
            await Task.Delay(50);
        }
        throw new TimeoutException($"stack {name} did not finish");
    }

    private static string Output(DescribeStacksResponse d, string key) => d.Stacks.Single().Outputs.Single(o => o.OutputKey == key).OutputValue;

    private async Task<string?> FailureOfAsync(string stack, string logicalId)
    {
        var events = await sandbox.CloudFormation().DescribeStackEventsAsync(new DescribeStackEventsRequest { StackName = stack });
        return events.StackEvents.FirstOrDefault(e => e.LogicalResourceId == logicalId && e.ResourceStatus == "CREATE_FAILED")?.ResourceStatusReason;
    }

    [Fact]
    public async Task ACertificateTheSandboxHoldsIsDescribedAndAMissingOneIsNull()
    {
        var arn = await SeedCertificateAsync("ui.example.com");
        Assert.Matches("^arn:aws:acm:us-east-1:123456789012:certificate/[0-9a-f-]{36}$", arn);
        var cert = await Ui().DescribeCertificateAsync(arn, default);
        Assert.NotNull(cert);
        Assert.Equal(("ui.example.com", "ISSUED"), (cert!.DomainName, cert.Status));
        Assert.Equal(["ui.example.com", "www.ui.example.com"], cert.SubjectAlternativeNames);
        Assert.Null(await Ui().DescribeCertificateAsync("arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000", default));
    }

    [Fact]
    public async Task TheDeployedUiIsDescribedAsTheTemplateSaysAndUsersAreCreatedOnce()
    {
        var certificate = await SeedCertificateAsync("ui.example.org");
        var stack = await DeployAsync("ui-wire", certificate, "metaflow-ui-wire");
        Assert.Equal("CREATE_COMPLETE", stack.Stacks.Single().StackStatus);
        var ui = Ui();

        // Identities in AWS's shapes.
        var poolId = Output(stack, "UserPoolId");
        Assert.Matches("^us-east-1_[0-9A-Za-z]{9}$", poolId);
        Assert.Equal($"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{poolId}", Output(stack, "UserPoolArn"));
        Assert.Equal($"https://cognito-idp.us-east-1.amazonaws.com/{poolId}", Output(stack, "ProviderUrl"));
        Assert.Matches("^[a-z0-9]{26}$", Output(stack, "ClientId"));
        Assert.Equal("metaflow-ui-wire", Output(stack, "Domain"));
        var lbArn = Output(stack, "LoadBalancerArn");
        var lbPath = lbArn[(lbArn.IndexOf(":loadbalancer/", StringComparison.Ordinal) + ":loadbalancer/".Length)..];
        Assert.StartsWith("app/", lbPath, StringComparison.Ordinal);
        Assert.Matches($"^arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/{System.Text.RegularExpressions.Regex.Escape(lbPath)}/[0-9a-f]{{16}}$", Output(stack, "ListenerArn"));
        var listenerPath = Output(stack, "ListenerArn").Split(":listener/")[1];
        Assert.Matches($"^arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/{System.Text.RegularExpressions.Regex.Escape(listenerPath)}/[0-9a-f]{{16}}$", Output(stack, "RuleArn"));

        // Listeners: HTTPS authenticates then forwards; HTTP only redirects.
        var listeners = await ui.DescribeListenersAsync(lbArn, default);
        Assert.Equal(2, listeners.Count);
        var https = listeners.Single(l => l.Port == 443);
        Assert.Equal(("HTTPS", "ELBSecurityPolicy-TLS13-1-2-2021-06"), (https.Protocol, https.SslPolicy));
        Assert.Equal(["authenticate-cognito", "forward"], https.DefaultActions.OrderBy(a => a.Order).Select(a => a.Type));
        var auth = https.DefaultActions.Single(a => a.Type == "authenticate-cognito");
        Assert.Equal((Output(stack, "UserPoolArn"), Output(stack, "ClientId"), "metaflow-ui-wire"), (auth.UserPoolArn, auth.UserPoolClientId, auth.UserPoolDomain));
        Assert.Equal(Output(stack, "StaticTargets"), https.DefaultActions.Single(a => a.Type == "forward").TargetGroupArn);
        var http = listeners.Single(l => l.Port == 80);
        Assert.Equal("HTTP", http.Protocol);
        Assert.Null(http.SslPolicy);
        var redirect = Assert.Single(http.DefaultActions);
        Assert.Equal(("redirect", "HTTPS", "443", "HTTP_301"), (redirect.Type, redirect.RedirectProtocol, redirect.RedirectPort, redirect.RedirectStatusCode));

        // Rules: the path rule, then the default rule with the listener's default actions.
        var rules = await ui.DescribeRulesAsync(Output(stack, "ListenerArn"), default);
        Assert.Equal(2, rules.Count);
        Assert.Equal((Output(stack, "RuleArn"), "2", false), (rules[0].Arn, rules[0].Priority, rules[0].IsDefault));
        Assert.Equal(["/api/*"], rules[0].PathPatterns);
        Assert.Equal(["authenticate-cognito", "forward"], rules[0].Actions.OrderBy(a => a.Order).Select(a => a.Type));
        Assert.Equal(Output(stack, "BackendTargets"), rules[0].Actions.Single(a => a.Type == "forward").TargetGroupArn);
        Assert.Equal(("default", true), (rules[1].Priority, rules[1].IsDefault));
        Assert.Empty(rules[1].PathPatterns);
        Assert.Equal(["authenticate-cognito", "forward"], rules[1].Actions.OrderBy(a => a.Order).Select(a => a.Type));

        // Targets: one healthy IP in the VPC per running task.
        var statics = await ui.DescribeTargetHealthAsync(Output(stack, "StaticTargets"), default);
        Assert.Equal(2, statics.Count);
        Assert.All(statics, t => Assert.Equal(("healthy", 3000), (t.State, t.Port)));
        Assert.All(statics, t => Assert.StartsWith("10.20.", t.TargetId, StringComparison.Ordinal));
        Assert.Equal(2, statics.Select(t => t.TargetId).Distinct().Count());
        Assert.Equal(8083, Assert.Single(await ui.DescribeTargetHealthAsync(Output(stack, "BackendTargets"), default)).Port);
        var missingGroup = await Assert.ThrowsAsync<MetaflowException>(() => ui.DescribeTargetHealthAsync(Output(stack, "StaticTargets") + "0", default));
        Assert.Equal("TargetGroupNotFound", missingGroup.AwsErrorCode);

        // Services: both steady; a name the cluster lacks is left out.
        var services = await ui.DescribeServicesAsync(Output(stack, "Cluster"), [Output(stack, "StaticService"), Output(stack, "BackendService"), "no-such-service"], default);
        Assert.Equal(2, services.Count);
        var staticService = services.Single(s => s.Name == Output(stack, "StaticService"));
        Assert.Equal(("ACTIVE", 2, 2, "COMPLETED"), (staticService.Status, staticService.Desired, staticService.Running, staticService.RolloutState));
        Assert.Equal((1, 1), (services.Single(s => s.Name == Output(stack, "BackendService")).Desired, services.Single(s => s.Name == Output(stack, "BackendService")).Running));

        // Users: created once, found by email; the second create is UsernameExistsException, an AWS error the engine knows.
        using var control = Control();
        await control.DeleteAsync("/_sandbox/cognito/messages");
        Assert.Empty(await ui.ListUsersAsync(poolId, "ada@example.com", default));
        var created = await ui.AdminCreateUserAsync(poolId, "ada@example.com", default);
        Assert.Equal(("ada@example.com", "FORCE_CHANGE_PASSWORD", true), (created.Email, created.Status, created.Enabled));
        Assert.True(Guid.TryParse(created.Username, out _), "a pool that signs in by email names its users by a UUID");
        Assert.NotNull(created.Created);
        await ui.AdminCreateUserAsync(poolId, "grace@example.com", default);
        var found = Assert.Single(await ui.ListUsersAsync(poolId, "ada@example.com", default));
        Assert.Equal(created.Username, found.Username);
        Assert.Equal(2, (await ui.ListUsersAsync(poolId, null, default)).Count);
        // UiAws.Create's clients report AWS's errors as the module does: a stable id, AWS's code kept.
        var again = await Assert.ThrowsAsync<MetaflowException>(() => ui.AdminCreateUserAsync(poolId, "ada@example.com", default));
        Assert.Equal((ErrorIds.AwsError, "UsernameExistsException"), (again.ErrorId, again.AwsErrorCode));
        Assert.IsType<AwsServiceException>(again.InnerException);
        var unknownPool = await Assert.ThrowsAsync<MetaflowException>(() => ui.ListUsersAsync("us-east-1_NoSuchOne", null, default));
        Assert.Equal("ResourceNotFoundException", unknownPool.AwsErrorCode);

        // The invitations were "sent": one per user, to the email, without the temporary password.
        var messagesText = await control.GetStringAsync("/_sandbox/cognito/messages");
        var messages = JsonDocument.Parse(messagesText).RootElement.EnumerateArray().ToList();
        Assert.Equal(2, messages.Count);
        var toAda = messages.Single(m => m.GetProperty("to").GetString() == "ada@example.com");
        Assert.Equal((poolId, "EMAIL"), (toAda.GetProperty("userPoolId").GetString(), toAda.GetProperty("medium").GetString()));
        Assert.DoesNotContain("assword", messagesText, StringComparison.OrdinalIgnoreCase);

        // A quote in the email is escaped in the filter, and more users than one page (60) are all listed.
        Assert.Empty(await ui.ListUsersAsync(poolId, "no\"one@example.com", default));
        for (var i = 0; i < 60; i++) await ui.AdminCreateUserAsync(poolId, $"user{i}@example.com", default);
        var everyone = await ui.ListUsersAsync(poolId, null, default);
        Assert.Equal(62, everyone.Select(u => u.Username).Distinct().Count());

        // Another stack cannot take the same domain prefix.
        var second = await DeployAsync("ui-wire-same-prefix", certificate, "metaflow-ui-wire");
        Assert.Equal("ROLLBACK_COMPLETE", second.Stacks.Single().StackStatus);
        Assert.Contains("Domain already associated with another user pool.", await FailureOfAsync("ui-wire-same-prefix", "UserPoolDomainUI"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAuthenticateActionOnAnHttpListenerFailsTheStack()
    {
        var stack = await DeployAsync("ui-wire-http-auth", "", "metaflow-ui-http", protocol: "HTTP");
        Assert.Equal("ROLLBACK_COMPLETE", stack.Stacks.Single().StackStatus);
        Assert.Contains("'authenticate-cognito' is supported only on HTTPS listeners", await FailureOfAsync("ui-wire-http-auth", "ListenerUI"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnHttpsListenerNeedsACertificateAcmHas()
    {
        const string missing = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
        var stack = await DeployAsync("ui-wire-no-cert", missing, "metaflow-ui-nocert");
        Assert.Equal("ROLLBACK_COMPLETE", stack.Stacks.Single().StackStatus);
        Assert.Contains($"Certificate '{missing}' not found", await FailureOfAsync("ui-wire-no-cert", "ListenerUI"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAliasRecordIsCreatedListedRefusedTwiceAndDeleted()
    {
        using var control = Control();
        var seeded = await control.PostAsJsonAsync("/_sandbox/route53/hosted-zones", new { name = "wire.example.net", @private = false });
        seeded.EnsureSuccessStatusCode();
        var zoneId = (await seeded.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var ui = Ui();

        var zones = await ui.ListHostedZonesByNameAsync("wire.example.net", default);
        var zone = zones.First();
        Assert.Equal((zoneId, "wire.example.net.", false), (zone.Id, zone.Name, zone.Private));

        const string lbName = "mf-ui-0123456789.us-east-1.elb.amazonaws.com";
        await ui.ChangeAliasRecordAsync(zoneId, "CREATE", "ui.wire.example.net", lbName, "Z35SXDOTRQ7X7K", default);
        var record = Assert.Single(await ui.ListRecordSetsAsync(zoneId, "ui.wire.example.net", default));
        Assert.Equal(("ui.wire.example.net.", "A", lbName + ".", "Z35SXDOTRQ7X7K"), (record.Name, record.Type, record.AliasDnsName, record.AliasZoneId));
        Assert.Empty(record.Values);
        // The zone's own records are not that name's.
        Assert.Equal(["NS", "SOA"], (await ui.ListRecordSetsAsync(zoneId, "wire.example.net", default)).Select(r => r.Type));

        var twice = await Assert.ThrowsAsync<MetaflowException>(() => ui.ChangeAliasRecordAsync(zoneId, "CREATE", "ui.wire.example.net", lbName, "Z35SXDOTRQ7X7K", default));
        Assert.Equal("InvalidChangeBatch", twice.AwsErrorCode);
        Assert.Contains("Tried to create resource record set [name='ui.wire.example.net.', type='A'] but it already exists", twice.Message, StringComparison.Ordinal);
        var different = await Assert.ThrowsAsync<MetaflowException>(() => ui.ChangeAliasRecordAsync(zoneId, "DELETE", "ui.wire.example.net", "other.example.com", "Z35SXDOTRQ7X7K", default));
        Assert.Equal("InvalidChangeBatch", different.AwsErrorCode);

        await ui.ChangeAliasRecordAsync(zoneId, "DELETE", "ui.wire.example.net", lbName, "Z35SXDOTRQ7X7K", default);
        Assert.Empty(await ui.ListRecordSetsAsync(zoneId, "ui.wire.example.net", default));
        var gone = await Assert.ThrowsAsync<MetaflowException>(() => ui.ListRecordSetsAsync("ZNOSUCHZONE", "x.example.net", default));
        Assert.Equal("NoSuchHostedZone", gone.AwsErrorCode);
    }
}
