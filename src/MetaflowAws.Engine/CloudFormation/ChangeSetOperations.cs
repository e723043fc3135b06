using System.Xml.Linq;
using Amazon.Runtime;
using MetaflowAws.Engine.Aws;

namespace MetaflowAws.Engine.CloudFormation;

public sealed class CreateChangeSetRequest : QueryRequest
{
    internal override string Action => "CreateChangeSet";
    public required string StackName { get; init; }
    public required string ChangeSetName { get; init; }
    public string? TemplateBody { get; init; }
    public string? TemplateURL { get; init; }
    public bool UsePreviousTemplate { get; init; }
    public IReadOnlyList<StackParameter> Parameters { get; init; } = [];
    public IReadOnlyList<string> Capabilities { get; init; } = [];
    public IReadOnlyList<StackTag>? Tags { get; init; }
    public string ChangeSetType { get; init; } = "UPDATE";
    public string? Description { get; init; }
    public string? ClientToken { get; init; }

    internal override void WriteParameters(QueryParameters p)
    {
        p.Add("StackName", StackName);
        p.Add("ChangeSetName", ChangeSetName);
        p.Add("TemplateBody", TemplateBody);
        p.Add("TemplateURL", TemplateURL);
        if (UsePreviousTemplate) p.Add("UsePreviousTemplate", true);
        p.AddList("Parameters", Parameters, CreateStackRequest.WriteParameter);
        p.AddList("Capabilities", Capabilities);
        p.AddList("Tags", Tags, (q, prefix, t) => { q.Add(prefix + "Key", t.Key); q.Add(prefix + "Value", t.Value); });
        p.Add("ChangeSetType", ChangeSetType);
        p.Add("Description", Description);
        p.Add("ClientToken", ClientToken);
    }
}

public sealed class CreateChangeSetResponse : AmazonWebServiceResponse
{
    public string Id { get; init; } = "";
    public string StackId { get; init; } = "";

    internal static CreateChangeSetResponse Parse(XElement root)
    {
        var r = Xml.Result(root, "CreateChangeSet");
        return new() { Id = Xml.Text(r, "Id") ?? "", StackId = Xml.Text(r, "StackId") ?? "" };
    }
}

public sealed class DescribeChangeSetRequest : QueryRequest
{
    internal override string Action => "DescribeChangeSet";
    public required string ChangeSetName { get; init; }
    public string? StackName { get; init; }
    public string? NextToken { get; init; }

    internal override void WriteParameters(QueryParameters p)
    {
        p.Add("ChangeSetName", ChangeSetName);
        p.Add("StackName", StackName);
        p.Add("NextToken", NextToken);
    }
}

public sealed record ResourceChangeDetailInfo(string? Attribute, string? Name, string? RequiresRecreation, string? Evaluation, string? ChangeSource, string? CausingEntity);

public sealed record ResourceChangeInfo(
    string Action, string LogicalResourceId, string? PhysicalResourceId, string ResourceType, string? Replacement,
    IReadOnlyList<string> Scope, IReadOnlyList<ResourceChangeDetailInfo> Details);

public sealed class DescribeChangeSetResponse : AmazonWebServiceResponse
{
    public string ChangeSetName { get; init; } = "";
    public string ChangeSetId { get; init; } = "";
    public string StackId { get; init; } = "";
    public string StackName { get; init; } = "";
    public string Status { get; init; } = "";
    public string? StatusReason { get; init; }
    public string ExecutionStatus { get; init; } = "";
    public IReadOnlyList<StackParameter> Parameters { get; init; } = [];
    public IReadOnlyList<ResourceChangeInfo> Changes { get; init; } = [];
    public string? NextToken { get; init; }

    internal static DescribeChangeSetResponse Parse(XElement root)
    {
        var r = Xml.Result(root, "DescribeChangeSet");
        return new()
        {
            ChangeSetName = Xml.Text(r, "ChangeSetName") ?? "",
            ChangeSetId = Xml.Text(r, "ChangeSetId") ?? "",
            StackId = Xml.Text(r, "StackId") ?? "",
            StackName = Xml.Text(r, "StackName") ?? "",
            Status = Xml.Text(r, "Status") ?? "",
            StatusReason = Xml.Text(r, "StatusReason"),
            ExecutionStatus = Xml.Text(r, "ExecutionStatus") ?? "",
            NextToken = Xml.Text(r, "NextToken"),
            Parameters = Xml.Members(r, "Parameters")
                .Select(m => new StackParameter(Xml.Text(m, "ParameterKey") ?? "", Xml.Text(m, "ParameterValue"))).ToList(),
            Changes = Xml.Members(r, "Changes").Select(m => Xml.Child(m, "ResourceChange")).Where(rc => rc is not null).Select(rc => new ResourceChangeInfo(
                Xml.Text(rc, "Action") ?? "",
                Xml.Text(rc, "LogicalResourceId") ?? "",
                Xml.Text(rc, "PhysicalResourceId"),
                Xml.Text(rc, "ResourceType") ?? "",
                Xml.Text(rc, "Replacement"),
                Xml.Members(rc, "Scope").Select(s => s.Value).ToList(),
                Xml.Members(rc, "Details").Select(d => new ResourceChangeDetailInfo(
                    Xml.Text(Xml.Child(d, "Target"), "Attribute"),
                    Xml.Text(Xml.Child(d, "Target"), "Name"),
                    Xml.Text(Xml.Child(d, "Target"), "RequiresRecreation"),
                    Xml.Text(d, "Evaluation"),
                    Xml.Text(d, "ChangeSource"),
                    Xml.Text(d, "CausingEntity"))).ToList())).ToList(),
        };
    }
}

public sealed class ExecuteChangeSetRequest : QueryRequest
{
    internal override string Action => "ExecuteChangeSet";
    public required string ChangeSetName { get; init; }
    public string? StackName { get; init; }
    public string? ClientRequestToken { get; init; }

    internal override void WriteParameters(QueryParameters p)
    {
        p.Add("ChangeSetName", ChangeSetName);
        p.Add("StackName", StackName);
        p.Add("ClientRequestToken", ClientRequestToken);
    }
}

public sealed class DeleteChangeSetRequest : QueryRequest
{
    internal override string Action => "DeleteChangeSet";
    public required string ChangeSetName { get; init; }
    public string? StackName { get; init; }

    internal override void WriteParameters(QueryParameters p)
    {
        p.Add("ChangeSetName", ChangeSetName);
        p.Add("StackName", StackName);
    }
}

public sealed class ContinueUpdateRollbackRequest : QueryRequest
{
    internal override string Action => "ContinueUpdateRollback";
    public required string StackName { get; init; }
    public IReadOnlyList<string> ResourcesToSkip { get; init; } = [];
    public string? ClientRequestToken { get; init; }

    internal override void WriteParameters(QueryParameters p)
    {
        p.Add("StackName", StackName);
        p.AddList("ResourcesToSkip", ResourcesToSkip);
        p.Add("ClientRequestToken", ClientRequestToken);
    }
}

/// <summary>Operations whose response carries nothing but the request id.</summary>
public sealed class EmptyResponse : AmazonWebServiceResponse { }
