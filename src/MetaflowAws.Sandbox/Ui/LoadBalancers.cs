using System.Globalization;
using System.Net;
using System.Xml.Linq;
using MetaflowAws.Sandbox.CloudFormation;
using MetaflowAws.Sandbox.Http;

namespace MetaflowAws.Sandbox.Ui;

/// <summary>
/// Elastic Load Balancing v2 over the load balancers, listeners, rules and target groups the stacks created:
/// DescribeListeners, DescribeRules, DescribeTargetHealth (Query, Version 2015-12-01; botocore elbv2), and the
/// checks ELB makes when CloudFormation creates a listener or a rule.
/// </summary>
public sealed class LoadBalancers(StackEngine stacks, Certificates certificates)
{
    public const string Version = "2015-12-01";
    public static readonly QueryXml X = new("http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/");

    private static string? S(object? v) => v is null ? null : Convert.ToString(v, CultureInfo.InvariantCulture);
    private static List<Dictionary<string, object?>> Objects(object? v) => (v as List<object?> ?? []).OfType<Dictionary<string, object?>>().ToList();

    /// <summary>
    /// Null, or ELB's refusal of a new listener or rule: an authenticate-cognito / authenticate-oidc action on a
    /// listener that is not HTTPS (ELB User Guide, "Authenticate users using an Application Load Balancer":
    /// "authenticate actions are supported only for HTTPS listeners"; CreateListener / CreateRule error
    /// InvalidLoadBalancerAction), and an HTTPS listener whose certificate ACM does not have (ELB API reference,
    /// CreateListener errors: CertificateNotFound, "The specified certificate does not exist").
    /// </summary>
    public string? Refusal(Stack stack, ResourceState r)
    {
        string protocol;
        List<Dictionary<string, object?>> actions;
        if (r.Type == "AWS::ElasticLoadBalancingV2::Listener")
        {
            protocol = S(r.Properties.GetValueOrDefault("Protocol")) ?? "";
            actions = Objects(r.Properties.GetValueOrDefault("DefaultActions"));
            if (protocol == "HTTPS")
            {
                var certificate = S(Objects(r.Properties.GetValueOrDefault("Certificates")).FirstOrDefault()?.GetValueOrDefault("CertificateArn"));
                var found = certificates.Find(certificate);
                if (found is null || found.Region != stack.Context.Region)
                    return $"Resource handler returned message: \"Certificate '{certificate}' not found (Service: ElasticLoadBalancingV2, Status Code: 400)\" (HandlerErrorCode: NotFound)";
            }
        }
        else if (r.Type == "AWS::ElasticLoadBalancingV2::ListenerRule")
        {
            var listenerArn = S(r.Properties.GetValueOrDefault("ListenerArn"));
            var listener = stacks.LiveResources("AWS::ElasticLoadBalancingV2::Listener").Select(l => l.Resource).FirstOrDefault(l => l.Ref == listenerArn);
            if (listener is null)
                return "Resource handler returned message: \"One or more listeners not found (Service: ElasticLoadBalancingV2, Status Code: 400)\" (HandlerErrorCode: NotFound)";
            protocol = S(listener.Properties.GetValueOrDefault("Protocol")) ?? "";
            actions = Objects(r.Properties.GetValueOrDefault("Actions"));
        }
        else return null;
        var authenticate = actions.Select(a => S(a.GetValueOrDefault("Type"))).FirstOrDefault(t => t is "authenticate-cognito" or "authenticate-oidc");
        if (authenticate is not null && protocol != "HTTPS")
            return $"Resource handler returned message: \"Action type '{authenticate}' is supported only on HTTPS listeners; listener protocol is '{protocol}' (Service: ElasticLoadBalancingV2, Status Code: 400)\" (HandlerErrorCode: InvalidRequest)";
        return null;
    }

    public XElement Handle(string action, IReadOnlyDictionary<string, string> form)
    {
        if (form.GetValueOrDefault("Version") != Version)
            throw new ApiError("InvalidAction", $"The sandbox serves Elastic Load Balancing only at Version {Version}.");
        return action switch
        {
            "DescribeListeners" => DescribeListeners(form),
            "DescribeRules" => DescribeRules(form),
            "DescribeTargetHealth" => DescribeTargetHealth(form),
            _ => throw new ApiError("InvalidAction", $"The action {action} is not valid for this web service."),
        };
    }

    private static List<string> Members(IReadOnlyDictionary<string, string> form, string name)
    {
        var list = new List<string>();
        for (var i = 1; form.TryGetValue($"{name}.member.{i}", out var v); i++) list.Add(v);
        return list;
    }

    private List<ResourceState> Live(string type) => stacks.LiveResources(type).Select(x => x.Resource).ToList();

    // ELB's not-found errors (ELB API reference, DescribeListeners / DescribeRules / DescribeTargetHealth errors).
    private static ApiError ListenerNotFound() => new("ListenerNotFound", "One or more listeners not found");
    private static ApiError LoadBalancerNotFound() => new("LoadBalancerNotFound", "One or more load balancers not found");
    private static ApiError TargetGroupNotFound() => new("TargetGroupNotFound", "One or more target groups not found");
    private static ApiError RuleNotFound() => new("RuleNotFound", "One or more rules not found");

    /// <summary>DescribeListeners: by LoadBalancerArn or ListenerArns (one of them: ValidationError otherwise).</summary>
    private XElement DescribeListeners(IReadOnlyDictionary<string, string> form)
    {
        var lbArn = form.GetValueOrDefault("LoadBalancerArn");
        var arns = Members(form, "ListenerArns");
        if (lbArn is null == (arns.Count == 0))
            throw ApiError.Validation("Either a load balancer ARN or listener ARNs must be specified, but not both");
        var listeners = Live("AWS::ElasticLoadBalancingV2::Listener");
        List<ResourceState> found;
        if (lbArn is not null)
        {
            if (Live("AWS::ElasticLoadBalancingV2::LoadBalancer").All(l => l.Ref != lbArn)) throw LoadBalancerNotFound();
            found = listeners.Where(l => S(l.Properties.GetValueOrDefault("LoadBalancerArn")) == lbArn).ToList();
        }
        else
        {
            found = arns.Select(a => listeners.FirstOrDefault(l => l.Ref == a) ?? throw ListenerNotFound()).ToList();
        }
        return X.E("DescribeListenersResult", X.List("Listeners", found.OrderBy(l => l.Ref, StringComparer.Ordinal).Select(l => (object)Listener(l)).ToArray()));
    }

    private XElement[] Listener(ResourceState l)
    {
        var p = l.Properties;
        var items = new List<XElement?>
        {
            X.E("ListenerArn", l.Ref),
            X.E("LoadBalancerArn", S(p.GetValueOrDefault("LoadBalancerArn"))),
            X.Opt("Port", S(p.GetValueOrDefault("Port"))),
            X.Opt("Protocol", S(p.GetValueOrDefault("Protocol"))),
        };
        var certificates = Objects(p.GetValueOrDefault("Certificates"));
        if (certificates.Count > 0)
            items.Add(X.List("Certificates", certificates.Select(c => (object)X.E("CertificateArn", S(c.GetValueOrDefault("CertificateArn")))).ToArray()));
        // An HTTPS listener without SslPolicy gets ELB's default, ELBSecurityPolicy-2016-08 (ELB User Guide, "Security policies").
        var policy = S(p.GetValueOrDefault("SslPolicy")) ?? (S(p.GetValueOrDefault("Protocol")) is "HTTPS" or "TLS" ? "ELBSecurityPolicy-2016-08" : null);
        items.Add(X.Opt("SslPolicy", policy));
        items.Add(Actions("DefaultActions", Objects(p.GetValueOrDefault("DefaultActions"))));
        return items.OfType<XElement>().ToArray();
    }

    /// <summary>Actions as ELB answers them (botocore elbv2 Action), from the template's properties of the same names.</summary>
    private XElement Actions(string name, List<Dictionary<string, object?>> actions)
        => X.List(name, actions.Select(a =>
        {
            var members = new List<XElement?> { X.E("Type", S(a.GetValueOrDefault("Type"))), X.Opt("TargetGroupArn", S(a.GetValueOrDefault("TargetGroupArn"))) };
            if (a.GetValueOrDefault("AuthenticateCognitoConfig") is Dictionary<string, object?> cognito)
                members.Add(X.E("AuthenticateCognitoConfig",
                    X.E("UserPoolArn", S(cognito.GetValueOrDefault("UserPoolArn"))),
                    X.E("UserPoolClientId", S(cognito.GetValueOrDefault("UserPoolClientId"))),
                    X.E("UserPoolDomain", S(cognito.GetValueOrDefault("UserPoolDomain"))),
                    // ELB's defaults (ELB API reference, AuthenticateCognitoActionConfig).
                    X.E("SessionCookieName", S(cognito.GetValueOrDefault("SessionCookieName")) ?? "AWSELBAuthSessionCookie"),
                    X.E("Scope", S(cognito.GetValueOrDefault("Scope")) ?? "openid"),
                    X.E("SessionTimeout", S(cognito.GetValueOrDefault("SessionTimeout")) ?? "604800"),
                    X.E("OnUnauthenticatedRequest", S(cognito.GetValueOrDefault("OnUnauthenticatedRequest")) ?? "authenticate")));
            if (a.GetValueOrDefault("AuthenticateOidcConfig") is Dictionary<string, object?> oidc)
                members.Add(X.E("AuthenticateOidcConfig",
                    new[] { "Issuer", "AuthorizationEndpoint", "TokenEndpoint", "UserInfoEndpoint", "ClientId", "SessionCookieName", "Scope", "SessionTimeout", "OnUnauthenticatedRequest" }
                        .Select(k => (object?)X.Opt(k, S(oidc.GetValueOrDefault(k)))).ToArray()));
            members.Add(X.Opt("Order", S(a.GetValueOrDefault("Order"))));
            if (a.GetValueOrDefault("RedirectConfig") is Dictionary<string, object?> redirect)
                // Unset parts keep the request's: #{protocol}, #{port}, #{host}, /#{path}, #{query} (ELB API reference, RedirectActionConfig).
                members.Add(X.E("RedirectConfig",
                    X.E("Protocol", S(redirect.GetValueOrDefault("Protocol")) ?? "#{protocol}"),
                    X.E("Port", S(redirect.GetValueOrDefault("Port")) ?? "#{port}"),
                    X.E("Host", S(redirect.GetValueOrDefault("Host")) ?? "#{host}"),
                    X.E("Path", S(redirect.GetValueOrDefault("Path")) ?? "/#{path}"),
                    X.E("Query", S(redirect.GetValueOrDefault("Query")) ?? "#{query}"),
                    X.E("StatusCode", S(redirect.GetValueOrDefault("StatusCode")))));
            if (a.GetValueOrDefault("FixedResponseConfig") is Dictionary<string, object?> fixedResponse)
                members.Add(X.E("FixedResponseConfig", X.Opt("MessageBody", S(fixedResponse.GetValueOrDefault("MessageBody"))),
                    X.E("StatusCode", S(fixedResponse.GetValueOrDefault("StatusCode"))), X.Opt("ContentType", S(fixedResponse.GetValueOrDefault("ContentType")))));
            if (a.GetValueOrDefault("ForwardConfig") is Dictionary<string, object?> forward)
                members.Add(X.E("ForwardConfig", X.List("TargetGroups", Objects(forward.GetValueOrDefault("TargetGroups"))
                    .Select(t => (object)new[] { X.E("TargetGroupArn", S(t.GetValueOrDefault("TargetGroupArn"))), X.Opt("Weight", S(t.GetValueOrDefault("Weight"))) }.OfType<XElement>().ToArray()).ToArray())));
            return (object)members.OfType<XElement>().ToArray();
        }).ToArray());

    /// <summary>DescribeRules: a listener's rules by priority, then its default rule (Priority "default", IsDefault true, its default actions).</summary>
    private XElement DescribeRules(IReadOnlyDictionary<string, string> form)
    {
        var listenerArn = form.GetValueOrDefault("ListenerArn");
        var ruleArns = Members(form, "RuleArns");
        if (listenerArn is null == (ruleArns.Count == 0))
            throw ApiError.Validation("Either a listener ARN or rule ARNs must be specified, but not both");
        var rules = Live("AWS::ElasticLoadBalancingV2::ListenerRule");
        var listeners = Live("AWS::ElasticLoadBalancingV2::Listener");
        var answer = new List<XElement[]>();
        if (listenerArn is not null)
        {
            var listener = listeners.FirstOrDefault(l => l.Ref == listenerArn) ?? throw ListenerNotFound();
            answer.AddRange(rules.Where(r => S(r.Properties.GetValueOrDefault("ListenerArn")) == listenerArn)
                .OrderBy(r => int.TryParse(S(r.Properties.GetValueOrDefault("Priority")), out var n) ? n : int.MaxValue)
                .Select(Rule));
            answer.Add(DefaultRule(listener));
        }
        else
        {
            foreach (var arn in ruleArns)
            {
                if (rules.FirstOrDefault(r => r.Ref == arn) is { } rule) answer.Add(Rule(rule));
                else if (listeners.FirstOrDefault(l => DefaultRuleArn(l) == arn) is { } listener) answer.Add(DefaultRule(listener));
                else throw RuleNotFound();
            }
        }
        return X.E("DescribeRulesResult", X.List("Rules", answer.Select(a => (object)a).ToArray()));
    }

    private XElement[] Rule(ResourceState r)
    {
        var conditions = Objects(r.Properties.GetValueOrDefault("Conditions")).Select(c =>
        {
            var pathConfig = c.GetValueOrDefault("PathPatternConfig") as Dictionary<string, object?>;
            var hostConfig = c.GetValueOrDefault("HostHeaderConfig") as Dictionary<string, object?>;
            var values = (c.GetValueOrDefault("Values") as List<object?> ?? (pathConfig ?? hostConfig)?.GetValueOrDefault("Values") as List<object?> ?? []).Select(S).OfType<string>().ToList();
            var members = new List<XElement?> { X.Opt("Field", S(c.GetValueOrDefault("Field"))), X.List("Values", values.Cast<object>().ToArray()) };
            if (pathConfig is not null) members.Add(X.E("PathPatternConfig", X.List("Values", values.Cast<object>().ToArray())));
            if (hostConfig is not null) members.Add(X.E("HostHeaderConfig", X.List("Values", values.Cast<object>().ToArray())));
            return (object)members.OfType<XElement>().ToArray();
        }).ToArray();
        return
        [
            X.E("RuleArn", r.Ref),
            X.E("Priority", S(r.Properties.GetValueOrDefault("Priority"))),
            X.List("Conditions", conditions),
            Actions("Actions", Objects(r.Properties.GetValueOrDefault("Actions"))),
            X.E("IsDefault", "false"),
        ];
    }

    /// <summary>The default rule's ARN: listener-rule/&lt;the listener's path&gt;/&lt;id&gt;, stable for the listener.</summary>
    private static string DefaultRuleArn(ResourceState listener)
        => listener.Ref!.Replace(":listener/", ":listener-rule/", StringComparison.Ordinal) + "/" + ResourceModel.Hash(listener.Ref + "#default", 16, upper: false);

    private XElement[] DefaultRule(ResourceState listener) =>
    [
        X.E("RuleArn", DefaultRuleArn(listener)),
        X.E("Priority", "default"),
        X.E("Conditions"),
        Actions("Actions", Objects(listener.Properties.GetValueOrDefault("DefaultActions"))),
        X.E("IsDefault", "true"),
    ];

    /// <summary>
    /// DescribeTargetHealth: an IP target group's targets are the running tasks of the ECS services that name it in
    /// their LoadBalancers (Amazon ECS Developer Guide, "Use load balancing to distribute ECS service traffic": ECS
    /// registers each task's IP); in the sandbox every running task is healthy.
    /// </summary>
    private XElement DescribeTargetHealth(IReadOnlyDictionary<string, string> form)
    {
        var arn = form.GetValueOrDefault("TargetGroupArn") ?? throw ApiError.Validation("A target group ARN must be specified");
        var found = stacks.LiveResources("AWS::ElasticLoadBalancingV2::TargetGroup").FirstOrDefault(t => t.Resource.Ref == arn);
        if (found.Resource is null) throw TargetGroupNotFound();
        var group = found.Resource;
        var port = S(group.Properties.GetValueOrDefault("Port"));
        var baseAddress = VpcBase(found.Stack, S(group.Properties.GetValueOrDefault("VpcId")));
        var targets = new List<object>();
        var n = 0;
        foreach (var (_, service) in stacks.LiveResources("AWS::ECS::Service").Where(s => s.Resource.Status.EndsWith("_COMPLETE", StringComparison.Ordinal)))
        {
            var balancers = Objects(service.Properties.GetValueOrDefault("LoadBalancers"));
            var entry = balancers.FirstOrDefault(b => S(b.GetValueOrDefault("TargetGroupArn")) == arn);
            if (entry is null) continue;
            var tasks = int.TryParse(S(service.Properties.GetValueOrDefault("DesiredCount")), out var d) ? d : 1;
            var targetPort = S(entry.GetValueOrDefault("ContainerPort")) ?? port;
            for (var i = 0; i < tasks; i++, n++)
                targets.Add(new[]
                {
                    X.E("Target", X.E("Id", Address(baseAddress, 10 + n)), X.Opt("Port", targetPort)),
                    X.Opt("HealthCheckPort", targetPort),
                    X.E("TargetHealth", X.E("State", "healthy")),
                }.OfType<XElement>().ToArray());
        }
        return X.E("DescribeTargetHealthResult", X.List("TargetHealthDescriptions", targets.ToArray()));
    }

    private static IPAddress VpcBase(Stack stack, string? vpcId)
    {
        var cidr = stack.LiveResources().FirstOrDefault(r => r.Type == "AWS::EC2::VPC" && r.Ref == vpcId)?.Properties.GetValueOrDefault("CidrBlock") as string ?? "10.0.0.0/16";
        return IPAddress.TryParse(cidr.Split('/')[0], out var a) ? a : IPAddress.Parse("10.0.0.0");
    }

    private static string Address(IPAddress network, int offset)
    {
        var b = network.GetAddressBytes();
        var value = ((uint)b[0] << 24 | (uint)b[1] << 16 | (uint)b[2] << 8 | b[3]) + (uint)offset;
        return $"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}";
    }
}
