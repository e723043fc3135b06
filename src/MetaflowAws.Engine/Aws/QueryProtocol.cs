using System.Globalization;
using System.Net;
using System.Xml.Linq;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Transform;

namespace MetaflowAws.Engine.Aws;

/// <summary>
/// A request of an AWS Query-protocol service (CloudFormation, IAM): it names its action and
/// writes its own form parameters, member names as in the service model.
/// </summary>
public abstract class QueryRequest : AmazonWebServiceRequest
{
    internal abstract string Action { get; }

    internal abstract void WriteParameters(QueryParameters parameters);
}

/// <summary>Form parameters with the Query protocol's list encoding (Name.member.N).</summary>
public sealed class QueryParameters
{
    private readonly IDictionary<string, string> _target;

    internal QueryParameters(IDictionary<string, string> target) => _target = target;

    public void Add(string name, string? value)
    {
        if (value is not null) _target[name] = value;
    }

    public void Add(string name, int? value)
    {
        if (value is not null) _target[name] = value.Value.ToString(CultureInfo.InvariantCulture);
    }

    public void Add(string name, bool? value)
    {
        if (value is not null) _target[name] = value.Value ? "true" : "false";
    }

    public void AddList(string name, IEnumerable<string>? values)
    {
        if (values is null) return;
        var i = 1;
        foreach (var v in values) _target[$"{name}.member.{i++}"] = v;
    }

    /// <summary>A list of structures: the callback writes the members of item N under its prefix.</summary>
    public void AddList<T>(string name, IEnumerable<T>? items, Action<QueryParameters, string, T> write)
    {
        if (items is null) return;
        var i = 1;
        foreach (var item in items) write(this, $"{name}.member.{i++}.", item);
    }
}

/// <summary>Marshals any <see cref="QueryRequest"/> into a signed-ready form POST.</summary>
internal sealed class QueryRequestMarshaller : IMarshaller<IRequest, AmazonWebServiceRequest>
{
    private readonly string _serviceName;
    private readonly string _version;

    public QueryRequestMarshaller(string serviceName, string version)
    {
        _serviceName = serviceName;
        _version = version;
    }

    public IRequest Marshall(AmazonWebServiceRequest input)
    {
        var query = (QueryRequest)input;
        var request = new DefaultRequest(input, _serviceName) { HttpMethod = "POST", ResourcePath = "/" };
        request.Parameters["Action"] = query.Action;
        request.Parameters["Version"] = _version;
        query.WriteParameters(new QueryParameters(request.Parameters));
        return request;
    }
}

/// <summary>
/// Reads a whole XML response into an <see cref="XDocument"/> and hands it to a parser; errors
/// become <see cref="AwsServiceException"/> with the AWS error code and request id.
/// </summary>
internal sealed class XmlDocumentUnmarshaller<TResponse> : XmlResponseUnmarshaller
    where TResponse : AmazonWebServiceResponse
{
    private readonly Func<XElement, TResponse> _parse;
    private readonly string _service;

    public XmlDocumentUnmarshaller(string service, Func<XElement, TResponse> parse)
    {
        _service = service;
        _parse = parse;
    }

    // The whole body is read up front: responses are small, and a document is simpler to read
    // than the SDK's pull parser. The SDK's own caching stream keeps only the first kilobytes.
    protected override UnmarshallerContext ConstructUnmarshallerContext(Stream responseStream, bool maintainResponseBody, IWebResponseData response, bool isException, IRequestContext requestContext)
        => new BufferedXmlContext(responseStream, response, isException, requestContext);

    protected override UnmarshallerContext ConstructUnmarshallerContext(Stream responseStream, bool maintainResponseBody, IWebResponseData response, bool isException)
        => new BufferedXmlContext(responseStream, response, isException, null);

    public override AmazonWebServiceResponse Unmarshall(XmlUnmarshallerContext input)
    {
        var body = ((BufferedXmlContext)input).Body;
        var root = XDocument.Load(new MemoryStream(body)).Root
            ?? throw new InvalidDataException($"{_service} returned an empty response.");
        var response = _parse(root);
        response.ResponseMetadata = new ResponseMetadata { RequestId = Xml.Find(root, "RequestId") ?? "" };
        return response;
    }

    public override AmazonServiceException UnmarshallException(XmlUnmarshallerContext input, Exception innerException, HttpStatusCode statusCode)
    {
        var error = XmlErrorResponseUnmarshaller.GetInstance().Unmarshall(input);
        return new AwsServiceException(_service, error.Message, innerException, error.Type, error.Code, error.RequestId, statusCode);
    }
}

internal sealed class BufferedXmlContext : XmlUnmarshallerContext
{
    public BufferedXmlContext(Stream stream, IWebResponseData response, bool isException, IRequestContext? requestContext)
        : this(ReadAll(stream), response, isException, requestContext) { }

    private BufferedXmlContext(byte[] body, IWebResponseData response, bool isException, IRequestContext? requestContext)
        : base(new MemoryStream(body), false, response, isException, requestContext)
    {
        Body = body;
    }

    public byte[] Body { get; }

    /// <summary>A response body, whole (AWS responses the module reads are small).</summary>
    internal static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}

/// <summary>An error answered by an AWS service, with its code and request id.</summary>
public sealed class AwsServiceException : AmazonServiceException
{
    public AwsServiceException(string service, string? message, Exception? inner, ErrorType type, string? code, string? requestId, HttpStatusCode status)
        : base(message ?? code ?? "The service returned an error.", inner, type, code, requestId, status)
    {
        Service = service;
    }

    /// <summary>The service that answered, e.g. CloudFormation.</summary>
    public string Service { get; }
}

/// <summary>Namespace-agnostic helpers over AWS XML responses.</summary>
internal static class Xml
{
    public static string? Find(XElement root, string name)
        => root.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value;

    public static XElement? Child(XElement? parent, string name)
        => parent?.Elements().FirstOrDefault(e => e.Name.LocalName == name);

    public static string? Text(XElement? parent, string name) => Child(parent, name)?.Value;

    /// <summary>The items of a Query-protocol list: &lt;Name&gt;&lt;member&gt;...&lt;/member&gt;&lt;/Name&gt;.</summary>
    public static IEnumerable<XElement> Members(XElement? parent, string name)
        => Child(parent, name)?.Elements().Where(e => e.Name.LocalName == "member") ?? [];

    public static DateTime? Time(XElement? parent, string name)
    {
        var text = Text(parent, name);
        return text is null ? null : DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
    }

    public static bool? Bool(XElement? parent, string name)
        => Text(parent, name) is { } t ? string.Equals(t, "true", StringComparison.OrdinalIgnoreCase) : null;

    public static int? Int(XElement? parent, string name)
        => Text(parent, name) is { } t ? int.Parse(t, CultureInfo.InvariantCulture) : null;

    /// <summary>The element named &lt;Action&gt;Result under the response root.</summary>
    public static XElement Result(XElement root, string action)
        => Child(root, action + "Result") ?? new XElement(action + "Result");
}
