using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Amazon.Runtime;
using MetaflowAws.Engine.Aws;

namespace MetaflowAws.Engine.Ui;

// The UI's services have no official AWSSDK package here: each is a config (service id, endpoint prefix, signing
// name, API version as botocore's models give them), one request class per operation, and a client.

public sealed class AcmConfig() : OwnServiceConfig("ACM", "acm", "acm", "2015-12-08");

public sealed class CognitoIdentityProviderConfig() : OwnServiceConfig("Cognito Identity Provider", "cognito-idp", "cognito-idp", "2016-04-18");

public sealed class ElasticLoadBalancingV2Config() : OwnServiceConfig("Elastic Load Balancing v2", "elasticloadbalancing", "elasticloadbalancing", Version)
{
    public const string Version = "2015-12-01";
}

public sealed class EcsConfig() : OwnServiceConfig("ECS", "ecs", "ecs", "2014-11-13");

public sealed class Route53Config() : OwnServiceConfig("Route 53", "route53", "route53", "2013-04-01");

// ---- ACM (botocore acm/2015-12-08)

public sealed class DescribeCertificateRequest : JsonRpcRequest
{
    public required string CertificateArn { get; init; }
    internal override string Target => "CertificateManager.DescribeCertificate";
    internal override JsonObject? Body => new() { ["CertificateArn"] = CertificateArn };
}

/// <summary>ListCertificates of the given statuses (botocore acm ListCertificatesRequest; MaxItems 1-1000).</summary>
public sealed class ListCertificatesRequest : JsonRpcRequest
{
    public IReadOnlyList<string> Statuses { get; init; } = ["ISSUED"];
    public string? NextToken { get; init; }
    internal override string Target => "CertificateManager.ListCertificates";
    internal override JsonObject? Body
    {
        get
        {
            var body = new JsonObject { ["CertificateStatuses"] = new JsonArray(Statuses.Select(s => (JsonNode)JsonValue.Create(s)!).ToArray()), ["MaxItems"] = 1000 };
            if (NextToken is not null) body["NextToken"] = NextToken;
            return body;
        }
    }
}

public sealed class JsonResponse : AmazonWebServiceResponse
{
    public JsonNode? Document { get; init; }
}

// ---- Cognito (botocore cognito-idp/2016-04-18)

public sealed class ListUsersRequest : JsonRpcRequest
{
    public required string UserPoolId { get; init; }
    public string? Filter { get; init; }
    public int? Limit { get; init; }
    public string? PaginationToken { get; init; }
    internal override string Target => "AWSCognitoIdentityProviderService.ListUsers";
    internal override JsonObject? Body
    {
        get
        {
            var body = new JsonObject { ["UserPoolId"] = UserPoolId };
            if (Filter is not null) body["Filter"] = Filter;
            if (Limit is not null) body["Limit"] = Limit;
            if (PaginationToken is not null) body["PaginationToken"] = PaginationToken;
            return body;
        }
    }
}

public sealed class AdminCreateUserRequest : JsonRpcRequest
{
    public required string UserPoolId { get; init; }
    public required string Username { get; init; }
    public IReadOnlyList<(string Name, string Value)> UserAttributes { get; init; } = [];
    public IReadOnlyList<string> DesiredDeliveryMediums { get; init; } = [];
    internal override string Target => "AWSCognitoIdentityProviderService.AdminCreateUser";
    internal override JsonObject? Body => new()
    {
        ["UserPoolId"] = UserPoolId,
        ["Username"] = Username,
        ["UserAttributes"] = new JsonArray(UserAttributes.Select(a => (JsonNode)new JsonObject { ["Name"] = a.Name, ["Value"] = a.Value }).ToArray()),
        ["DesiredDeliveryMediums"] = new JsonArray(DesiredDeliveryMediums.Select(m => (JsonNode)JsonValue.Create(m)!).ToArray()),
    };
}

// ---- ECS (botocore ecs/2014-11-13)

public sealed class DescribeServicesRequest : JsonRpcRequest
{
    public required string Cluster { get; init; }
    public required IReadOnlyList<string> Services { get; init; }
    internal override string Target => "AmazonEC2ContainerServiceV20141113.DescribeServices";
    internal override JsonObject? Body => new()
    {
        ["cluster"] = Cluster,
        ["services"] = new JsonArray(Services.Select(s => (JsonNode)JsonValue.Create(s)!).ToArray()),
    };
}

// ---- Elastic Load Balancing v2 (botocore elbv2/2015-12-01, Query)

public sealed class DescribeListenersRequest : QueryRequest
{
    public required string LoadBalancerArn { get; init; }
    public string? Marker { get; init; }
    internal override string Action => "DescribeListeners";
    internal override void WriteParameters(QueryParameters p)
    {
        p.Add("LoadBalancerArn", LoadBalancerArn);
        p.Add("Marker", Marker);
    }
}

public sealed class DescribeRulesRequest : QueryRequest
{
    public required string ListenerArn { get; init; }
    public string? Marker { get; init; }
    internal override string Action => "DescribeRules";
    internal override void WriteParameters(QueryParameters p)
    {
        p.Add("ListenerArn", ListenerArn);
        p.Add("Marker", Marker);
    }
}

public sealed class DescribeTargetHealthRequest : QueryRequest
{
    public required string TargetGroupArn { get; init; }
    internal override string Action => "DescribeTargetHealth";
    internal override void WriteParameters(QueryParameters p) => p.Add("TargetGroupArn", TargetGroupArn);
}

public sealed class XmlResponse : AmazonWebServiceResponse
{
    public XElement Root { get; init; } = new("Empty");
}

// ---- Route 53 (botocore route53/2013-04-01, REST-XML). The REST request base carries method, path, query and a
// raw body; here the body is XML in Route 53's namespace and the answers are XML.

public sealed class ListHostedZonesByNameRequest : RestJsonRequest
{
    public string? DnsName { get; init; }
    public string? HostedZoneId { get; init; }
    internal override string Method => "GET";
    internal override string Path => "/2013-04-01/hostedzonesbyname";
    internal override IEnumerable<KeyValuePair<string, string>> Query
        => new[] { ("dnsname", DnsName), ("hostedzoneid", HostedZoneId) }.Where(q => q.Item2 is not null).Select(q => new KeyValuePair<string, string>(q.Item1, q.Item2!));
    internal override IEnumerable<KeyValuePair<string, string>> Headers => [new("Accept", "application/xml")];
}

public sealed class ListResourceRecordSetsRequest : RestJsonRequest
{
    public required string HostedZoneId { get; init; }
    public string? StartRecordName { get; init; }
    public string? StartRecordType { get; init; }
    internal override string Method => "GET";
    internal override string Path => $"/2013-04-01/hostedzone/{Uri.EscapeDataString(HostedZoneId)}/rrset";
    internal override IEnumerable<KeyValuePair<string, string>> Query
        => new[] { ("name", StartRecordName), ("type", StartRecordType) }.Where(q => q.Item2 is not null).Select(q => new KeyValuePair<string, string>(q.Item1, q.Item2!));
    internal override IEnumerable<KeyValuePair<string, string>> Headers => [new("Accept", "application/xml")];
}

public sealed class ChangeResourceRecordSetsRequest : RestJsonRequest
{
    private static readonly XNamespace Ns = "https://route53.amazonaws.com/doc/2013-04-01/";
    public required string HostedZoneId { get; init; }
    public required string ChangeAction { get; init; }
    public required string Name { get; init; }
    public required string AliasDnsName { get; init; }
    public required string AliasZoneId { get; init; }
    internal override string Method => "POST";
    internal override string Path => $"/2013-04-01/hostedzone/{Uri.EscapeDataString(HostedZoneId)}/rrset/";
    internal override string ContentType => "application/xml";
    internal override IEnumerable<KeyValuePair<string, string>> Headers => [new("Accept", "application/xml")];
    internal override byte[]? RawBody => Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" +
        new XElement(Ns + "ChangeResourceRecordSetsRequest",
            new XElement(Ns + "ChangeBatch",
                new XElement(Ns + "Changes",
                    new XElement(Ns + "Change",
                        new XElement(Ns + "Action", ChangeAction),
                        new XElement(Ns + "ResourceRecordSet",
                            new XElement(Ns + "Name", Name),
                            new XElement(Ns + "Type", "A"),
                            new XElement(Ns + "AliasTarget",
                                new XElement(Ns + "HostedZoneId", AliasZoneId),
                                new XElement(Ns + "DNSName", AliasDnsName),
                                new XElement(Ns + "EvaluateTargetHealth", "false"))))))).ToString(SaveOptions.DisableFormatting));
}

/// <summary>One client for the UI's five services: each call goes out through the client configured for its service.</summary>
internal sealed class UiServiceClient(AWSCredentials credentials, OwnServiceConfig config, string sdkServiceName) : OwnServiceClient(credentials, config)
{
    private readonly RestJsonMarshaller _rest = new(sdkServiceName);
    private readonly QueryRequestMarshaller _query = new(sdkServiceName, config.ServiceVersion);
    private readonly string _service = config.ServiceId;

    public Task<JsonResponse> JsonAsync(RestJsonRequest request, CancellationToken ct)
        => SendAsync<JsonResponse>(request, _rest, new JsonDocumentUnmarshaller<JsonResponse>(_service, node => new JsonResponse { Document = node }), ct);

    public Task<XmlResponse> XmlAsync(AmazonWebServiceRequest request, CancellationToken ct)
        => SendAsync<XmlResponse>(request, request is QueryRequest ? _query : _rest, new XmlDocumentUnmarshaller<XmlResponse>(_service, root => new XmlResponse { Root = root }), ct);
}
