using System.Globalization;
using System.Xml.Linq;

namespace MetaflowAws.Sandbox.Http;

/// <summary>Builds Query-protocol XML responses in the shapes AWS returns.</summary>
public sealed class QueryXml(XNamespace ns)
{
    public XNamespace Ns { get; } = ns;

    public XElement E(string name, params object?[] content) => new(Ns + name, content.Where(c => c is not null));

    /// <summary>An optional text element: omitted when the value is null, as AWS omits it.</summary>
    public XElement? Opt(string name, string? value) => value is null ? null : new XElement(Ns + name, value);

    public XElement? Opt(string name, DateTime? value) => value is null ? null : new XElement(Ns + name, Time(value.Value));

    public XElement List(string name, IEnumerable<object> members) => E(name, members.Select(m => E("member", m)).ToArray());

    public static string Time(DateTime t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public string Response(string action, XElement? result, string requestId)
    {
        var doc = E(action + "Response",
            result ?? E(action + "Result"),
            E("ResponseMetadata", E("RequestId", requestId)));
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + doc;
    }

    public string Error(string type, string code, string message, string requestId)
        => "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + E("ErrorResponse",
            E("Error", E("Type", type), E("Code", code), E("Message", message)),
            E("RequestId", requestId));
}
