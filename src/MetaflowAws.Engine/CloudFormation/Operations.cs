using System.Xml.Linq;
using Amazon.Runtime;
using MetaflowAws.Engine.Aws;

namespace MetaflowAws.Engine.CloudFormation;

// One request/response pair per operation; member names as in botocore's cloudformation
// 2010-05-15 service model. Each request writes its own Query parameters, each response
// parses its own <ActionResult>.

public sealed record StackParameter(string ParameterKey, string? ParameterValue, bool UsePreviousValue = false);

public sealed record StackTag(string Key, string Value);

public sealed class CreateStackRequest : QueryRequest
{
    internal override string Action => "CreateStack";
    public required string StackName { get; init; }
    public string? TemplateBody { get; init; }
    public string? TemplateURL { get; init; }
    public IReadOnlyList<StackParameter> Parameters { get; init; } = [];
    public IReadOnlyList<string> Capabilities { get; init; } = [];
    public IReadOnlyList<StackTag> Tags { get; init; } = [];
    public string? OnFailure { get; init; }
    public int? TimeoutInMinutes { get; init; }
    public string? RoleARN { get; init; }
    public string? ClientRequestToken { get; init; }

    internal override void WriteParameters(QueryParameters p)
    {
        p.Add("StackName", StackName);
        p.Add("TemplateBody", TemplateBody);
        p.Add("TemplateURL", TemplateURL);
        p.AddList("Parameters", Parameters, WriteParameter);
        p.AddList("Capabilities", Capabilities);
        p.AddList("Tags", Tags, (q, prefix, t) => { q.Add(prefix + "Key", t.Key); q.Add(prefix + "Value", t.Value); });
        p.Add("OnFailure", OnFailure);
        p.Add("TimeoutInMinutes", TimeoutInMinutes);
        p.Add("RoleARN", RoleARN);
        p.Add("ClientRequestToken", ClientRequestToken);
    }

    internal static void WriteParameter(QueryParameters q, string prefix, StackParameter parameter)
    {
        q.Add(prefix + "ParameterKey", parameter.ParameterKey);
        if (parameter.UsePreviousValue) q.Add(prefix + "UsePreviousValue", true);
        else q.Add(prefix + "ParameterValue", parameter.ParameterValue ?? "");
    }
}

public sealed class CreateStackResponse : AmazonWebServiceResponse
{
    public string StackId { get; init; } = "";

    internal static CreateStackResponse Parse(XElement root)
        => new() { StackId = Xml.Text(Xml.Result(root, "CreateStack"), "StackId") ?? "" };
}

public sealed class DescribeStacksRequest : QueryRequest
{
    internal override string Action => "DescribeStacks";
    public string? StackName { get; init; }
    public string? NextToken { get; init; }

    internal override void WriteParameters(QueryParameters p)
    {
        p.Add("StackName", StackName);
        p.Add("NextToken", NextToken);
    }
}

public sealed record StackOutputValue(string OutputKey, string OutputValue, string? Description, string? ExportName);

public sealed record StackSummaryInfo
{
    public required string StackId { get; init; }
    public required string StackName { get; init; }
    public string? Description { get; init; }
    public required string StackStatus { get; init; }
    public string? StackStatusReason { get; init; }
    public DateTime CreationTime { get; init; }
    public DateTime? LastUpdatedTime { get; init; }
    public DateTime? DeletionTime { get; init; }
    public IReadOnlyList<StackParameter> Parameters { get; init; } = [];
    public IReadOnlyList<StackOutputValue> Outputs { get; init; } = [];
    public IReadOnlyList<string> Capabilities { get; init; } = [];
    public IReadOnlyList<StackTag> Tags { get; init; } = [];
    public bool? DisableRollback { get; init; }

    internal static StackSummaryInfo Parse(XElement s) => new()
    {
        StackId = Xml.Text(s, "StackId") ?? "",
        StackName = Xml.Text(s, "StackName") ?? "",
        Description = Xml.Text(s, "Description"),
        StackStatus = Xml.Text(s, "StackStatus") ?? "",
        StackStatusReason = Xml.Text(s, "StackStatusReason"),
        CreationTime = Xml.Time(s, "CreationTime") ?? default,
        LastUpdatedTime = Xml.Time(s, "LastUpdatedTime"),
        DeletionTime = Xml.Time(s, "DeletionTime"),
        DisableRollback = Xml.Bool(s, "DisableRollback"),
        Parameters = Xml.Members(s, "Parameters")
            .Select(m => new StackParameter(Xml.Text(m, "ParameterKey") ?? "", Xml.Text(m, "ParameterValue"))).ToList(),
        Outputs = Xml.Members(s, "Outputs")
            .Select(m => new StackOutputValue(Xml.Text(m, "OutputKey") ?? "", Xml.Text(m, "OutputValue") ?? "", Xml.Text(m, "Description"), Xml.Text(m, "ExportName"))).ToList(),
        Capabilities = Xml.Members(s, "Capabilities").Select(m => m.Value).ToList(),
        Tags = Xml.Members(s, "Tags").Select(m => new StackTag(Xml.Text(m, "Key") ?? "", Xml.Text(m, "Value") ?? "")).ToList(),
    };
}

public sealed class DescribeStacksResponse : AmazonWebServiceResponse
{
    public IReadOnlyList<StackSummaryInfo> Stacks { get; init; } = [];
    public string? NextToken { get; init; }

    internal static DescribeStacksResponse Parse(XElement root)
    {
        var result = Xml.Result(root, "DescribeStacks");
        return new() { Stacks = Xml.Members(result, "Stacks").Select(StackSummaryInfo.Parse).ToList(), NextToken = Xml.Text(result, "NextToken") };
    }
}

public sealed class DescribeStackEventsRequest : QueryRequest
{
    internal override string Action => "DescribeStackEvents";
    public required string StackName { get; init; }
    public string? NextToken { get; init; }

    internal override void WriteParameters(QueryParameters p)
    {
        p.Add("StackName", StackName);
        p.Add("NextToken", NextToken);
    }
}

public sealed record StackEventInfo
{
    public required string EventId { get; init; }
    public required string StackId { get; init; }
    public required string StackName { get; init; }
    public required string LogicalResourceId { get; init; }
    public string? PhysicalResourceId { get; init; }
    public required string ResourceType { get; init; }
    public DateTime Timestamp { get; init; }
    public required string ResourceStatus { get; init; }
    public string? ResourceStatusReason { get; init; }
    public string? ClientRequestToken { get; init; }

    internal static StackEventInfo Parse(XElement e) => new()
    {
        EventId = Xml.Text(e, "EventId") ?? "",
        StackId = Xml.Text(e, "StackId") ?? "",
        StackName = Xml.Text(e, "StackName") ?? "",
        LogicalResourceId = Xml.Text(e, "LogicalResourceId") ?? "",
        PhysicalResourceId = Xml.Text(e, "PhysicalResourceId"),
        ResourceType = Xml.Text(e, "ResourceType") ?? "",
        Timestamp = Xml.Time(e, "Timestamp") ?? default,
        ResourceStatus = Xml.Text(e, "ResourceStatus") ?? "",
        ResourceStatusReason = Xml.Text(e, "ResourceStatusReason"),
        ClientRequestToken = Xml.Text(e, "ClientRequestToken"),
    };
}

public sealed class DescribeStackEventsResponse : AmazonWebServiceResponse
{
    public IReadOnlyList<StackEventInfo> StackEvents { get; init; } = [];
    public string? NextToken { get; init; }

    internal static DescribeStackEventsResponse Parse(XElement root)
    {
        var result = Xml.Result(root, "DescribeStackEvents");
        return new() { StackEvents = Xml.Members(result, "StackEvents").Select(StackEventInfo.Parse).ToList(), NextToken = Xml.Text(result, "NextToken") };
    }
}

public sealed class DescribeStackResourcesRequest : QueryRequest
{
    internal override string Action => "DescribeStackResources";
    public string? StackName { get; init; }
    public string? LogicalResourceId { get; init; }
    public string? PhysicalResourceId { get; init; }

    internal override void WriteParameters(QueryParameters p)
    {
        p.Add("StackName", StackName);
        p.Add("LogicalResourceId", LogicalResourceId);
        p.Add("PhysicalResourceId", PhysicalResourceId);
    }
}

public sealed record StackResourceInfo
{
    public required string StackName { get; init; }
    public required string LogicalResourceId { get; init; }
    public string? PhysicalResourceId { get; init; }
    public required string ResourceType { get; init; }
    public DateTime Timestamp { get; init; }
    public required string ResourceStatus { get; init; }
    public string? ResourceStatusReason { get; init; }

    internal static StackResourceInfo Parse(XElement r) => new()
    {
        StackName = Xml.Text(r, "StackName") ?? "",
        LogicalResourceId = Xml.Text(r, "LogicalResourceId") ?? "",
        PhysicalResourceId = Xml.Text(r, "PhysicalResourceId"),
        ResourceType = Xml.Text(r, "ResourceType") ?? "",
        Timestamp = Xml.Time(r, "Timestamp") ?? default,
        ResourceStatus = Xml.Text(r, "ResourceStatus") ?? "",
        ResourceStatusReason = Xml.Text(r, "ResourceStatusReason"),
    };
}

public sealed class DescribeStackResourcesResponse : AmazonWebServiceResponse
{
    public IReadOnlyList<StackResourceInfo> StackResources { get; init; } = [];

    internal static DescribeStackResourcesResponse Parse(XElement root)
        => new() { StackResources = Xml.Members(Xml.Result(root, "DescribeStackResources"), "StackResources").Select(StackResourceInfo.Parse).ToList() };
}

public sealed class DeleteStackRequest : QueryRequest
{
    internal override string Action => "DeleteStack";
    public required string StackName { get; init; }
    public IReadOnlyList<string> RetainResources { get; init; } = [];
    public string? ClientRequestToken { get; init; }

    internal override void WriteParameters(QueryParameters p)
    {
        p.Add("StackName", StackName);
        p.AddList("RetainResources", RetainResources);
        p.Add("ClientRequestToken", ClientRequestToken);
    }
}

public sealed class DeleteStackResponse : AmazonWebServiceResponse { }

public sealed record TemplateParameterInfo(string ParameterKey, string? DefaultValue, string? ParameterType, bool NoEcho, string? Description, IReadOnlyList<string> AllowedValues);

public sealed class ValidateTemplateRequest : QueryRequest
{
    internal override string Action => "ValidateTemplate";
    public string? TemplateBody { get; init; }
    public string? TemplateURL { get; init; }

    internal override void WriteParameters(QueryParameters p)
    {
        p.Add("TemplateBody", TemplateBody);
        p.Add("TemplateURL", TemplateURL);
    }
}

public sealed class ValidateTemplateResponse : AmazonWebServiceResponse
{
    public IReadOnlyList<TemplateParameterInfo> Parameters { get; init; } = [];
    public string? Description { get; init; }
    public IReadOnlyList<string> Capabilities { get; init; } = [];
    public string? CapabilitiesReason { get; init; }

    internal static ValidateTemplateResponse Parse(XElement root)
    {
        var r = Xml.Result(root, "ValidateTemplate");
        return new()
        {
            Parameters = Xml.Members(r, "Parameters").Select(m => new TemplateParameterInfo(
                Xml.Text(m, "ParameterKey") ?? "", Xml.Text(m, "DefaultValue"), null,
                Xml.Bool(m, "NoEcho") ?? false, Xml.Text(m, "Description"), [])).ToList(),
            Description = Xml.Text(r, "Description"),
            Capabilities = Xml.Members(r, "Capabilities").Select(m => m.Value).ToList(),
            CapabilitiesReason = Xml.Text(r, "CapabilitiesReason"),
        };
    }
}

public sealed class GetTemplateRequest : QueryRequest
{
    internal override string Action => "GetTemplate";
    public required string StackName { get; init; }
    public string? TemplateStage { get; init; }

    internal override void WriteParameters(QueryParameters p)
    {
        p.Add("StackName", StackName);
        p.Add("TemplateStage", TemplateStage);
    }
}

public sealed class GetTemplateResponse : AmazonWebServiceResponse
{
    public string TemplateBody { get; init; } = "";

    internal static GetTemplateResponse Parse(XElement root)
        => new() { TemplateBody = Xml.Text(Xml.Result(root, "GetTemplate"), "TemplateBody") ?? "" };
}
