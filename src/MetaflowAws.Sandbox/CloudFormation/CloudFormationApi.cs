using MetaflowAws.Sandbox.CloudFormation.Templates;
using System.Xml.Linq;
using MetaflowAws.Sandbox.Http;

namespace MetaflowAws.Sandbox.CloudFormation;

/// <summary>The CloudFormation Query API over the <see cref="StackEngine"/>.</summary>
public sealed class CloudFormationApi(StackEngine engine)
{
    public static readonly QueryXml X = new("http://cloudformation.amazonaws.com/doc/2010-05-15/");
    private const int EventPageSize = 100;

    public static bool IsReadOnly(string action) => action.StartsWith("Describe", StringComparison.Ordinal)
        || action.StartsWith("Get", StringComparison.Ordinal) || action.StartsWith("List", StringComparison.Ordinal)
        || action == "ValidateTemplate";

    public XElement? Handle(string action, IReadOnlyDictionary<string, string> form, string region)
    {
        string? Q(string name) => form.TryGetValue(name, out var v) ? v : null;
        string Required(string name) => Q(name) is { Length: > 0 } v ? v
            : throw ApiError.Validation($"1 validation error detected: Value null at '{char.ToLowerInvariant(name[0])}{name[1..]}' failed to satisfy constraint: Member must not be null");

        switch (action)
        {
            case "CreateStack":
            {
                var input = new CreateStackInput(
                    Required("StackName"), Q("TemplateBody"), Q("TemplateURL"),
                    Members(form, "Parameters").ToDictionary(
                        m => m.GetValueOrDefault("ParameterKey") ?? throw ApiError.Validation("1 validation error detected: Value null at 'parameters.member.parameterKey' failed to satisfy constraint: Member must not be null"),
                        m => m.GetValueOrDefault("ParameterValue") ?? ""),
                    Scalars(form, "Capabilities"),
                    Members(form, "Tags").Select(m => (m.GetValueOrDefault("Key") ?? "", m.GetValueOrDefault("Value") ?? "")).ToList(),
                    Q("OnFailure"), Q("DisableRollback") == "true");
                var stack = engine.CreateStack(input, region);
                return X.E("CreateStackResult", X.E("StackId", stack.StackId));
            }
            case "DescribeStacks":
            {
                var name = Q("StackName");
                var stacks = name is null
                    ? engine.AllStacks.Where(s => s.Status != "DELETE_COMPLETE").ToList()
                    : [engine.Get(name)];
                return X.E("DescribeStacksResult", X.List("Stacks", stacks.Select(StackXml).ToList()));
            }
            case "DescribeStackEvents":
            {
                var stack = engine.Get(Required("StackName"));
                List<StackEvent> events;
                lock (stack.Sync) events = stack.Events.ToList();
                // Newest first; the token pins the history as it was at the first page.
                var (count, offset) = ParseToken(Q("NextToken"), events.Count);
                var page = events.Take(count).Reverse().Skip(offset).Take(EventPageSize).ToList();
                var next = offset + page.Count < count ? $"{count}:{offset + page.Count}" : null;
                return X.E("DescribeStackEventsResult",
                    X.List("StackEvents", page.Select(e => (object)EventXml(stack, e)).ToList()),
                    X.Opt("NextToken", next));
            }
            case "DescribeStackResources":
            {
                var stack = engine.Get(Required("StackName"));
                List<ResourceState> resources;
                lock (stack.Sync) resources = stack.Resources.Where(r => Q("LogicalResourceId") is not { } l || r.LogicalId == l).ToList();
                return X.E("DescribeStackResourcesResult", X.List("StackResources", resources.Select(r => (object)new object?[] {
                    X.E("StackName", stack.StackName), X.E("StackId", stack.StackId), X.E("LogicalResourceId", r.LogicalId),
                    X.Opt("PhysicalResourceId", r.PhysicalId), X.E("ResourceType", r.Type),
                    X.E("Timestamp", QueryXml.Time(r.Timestamp)), X.E("ResourceStatus", r.Status),
                    X.Opt("ResourceStatusReason", r.Reason), X.E("DriftInformation", X.E("StackResourceDriftStatus", "NOT_CHECKED")) }).ToList()));
            }
            case "CreateChangeSet":
            {
                var parameters = Members(form, "Parameters");
                var input = new CreateChangeSetInput(
                    Required("StackName"), Required("ChangeSetName"), Q("TemplateBody"), Q("TemplateURL"), Q("UsePreviousTemplate") == "true",
                    parameters.Where(m => m.GetValueOrDefault("UsePreviousValue") != "true")
                        .ToDictionary(m => m.GetValueOrDefault("ParameterKey") ?? "", m => m.GetValueOrDefault("ParameterValue") ?? ""),
                    parameters.Where(m => m.GetValueOrDefault("UsePreviousValue") == "true").Select(m => m.GetValueOrDefault("ParameterKey") ?? "").ToHashSet(),
                    Scalars(form, "Capabilities"), Q("ChangeSetType") ?? "UPDATE", Q("Description"),
                    Members(form, "Tags").Select(m => (m.GetValueOrDefault("Key") ?? "", m.GetValueOrDefault("Value") ?? "")).ToList());
                var changeSet = engine.CreateChangeSet(input);
                return X.E("CreateChangeSetResult", X.E("Id", changeSet.Id), X.E("StackId", changeSet.StackId));
            }
            case "DescribeChangeSet":
            {
                var (stack, cs) = engine.FindChangeSet(Required("ChangeSetName"), Q("StackName"));
                return X.E("DescribeChangeSetResult",
                    X.E("ChangeSetName", cs.Name), X.E("ChangeSetId", cs.Id), X.E("StackId", stack.StackId), X.E("StackName", stack.StackName),
                    X.Opt("Description", cs.Description),
                    X.E("Parameters", cs.ParameterValues.Select(p => X.E("member", X.E("ParameterKey", p.Key),
                        X.E("ParameterValue", cs.NoEcho.Contains(p.Key) ? "****" : p.Value))).ToArray()),
                    X.E("CreationTime", QueryXml.Time(cs.CreationTime)),
                    X.E("ExecutionStatus", cs.ExecutionStatus), X.E("Status", cs.Status), X.Opt("StatusReason", cs.StatusReason),
                    X.E("NotificationARNs"), X.E("RollbackConfiguration"),
                    cs.Capabilities.Count > 0 ? X.E("Capabilities", cs.Capabilities.Select(c => X.E("member", c)).ToArray()) : null,
                    X.E("Changes", cs.Changes.Select(c => X.E("member", X.E("Type", "Resource"), X.E("ResourceChange",
                        X.E("Action", c.Action), X.E("LogicalResourceId", c.LogicalId), X.Opt("PhysicalResourceId", c.PhysicalId),
                        X.E("ResourceType", c.ResourceType), X.Opt("Replacement", c.Replacement),
                        X.E("Scope", c.Scope.Select(x => X.E("member", x)).ToArray()),
                        X.E("Details", c.Details.Select(d => X.E("member",
                            X.E("Target", X.E("Attribute", d.Attribute), X.Opt("Name", d.Name), X.E("RequiresRecreation", d.RequiresRecreation)),
                            X.E("Evaluation", d.Evaluation), X.E("ChangeSource", d.ChangeSource), X.Opt("CausingEntity", d.CausingEntity))).ToArray())))).ToArray()),
                    X.E("IncludeNestedStacks", "false"));
            }
            case "ExecuteChangeSet":
                engine.ExecuteChangeSet(Required("ChangeSetName"), Q("StackName"));
                return null;
            case "DeleteChangeSet":
                engine.DeleteChangeSet(Required("ChangeSetName"), Q("StackName"));
                return null;
            case "ContinueUpdateRollback":
                engine.ContinueUpdateRollback(Required("StackName"), Scalars(form, "ResourcesToSkip"));
                return null;
            case "GetTemplate":
            {
                var stack = engine.Get(Required("StackName"));
                return X.E("GetTemplateResult", X.E("TemplateBody", stack.TemplateBody), X.E("StagesAvailable", X.E("member", "Original"), X.E("member", "Processed")));
            }
            case "DeleteStack":
                engine.DeleteStack(Required("StackName"), Scalars(form, "RetainResources"));
                return null;
            case "GetTemplateSummary":
            case "ValidateTemplate":
            {
                string body;
                if (action == "GetTemplateSummary" && Q("StackName") is { } sn)
                    body = engine.Get(sn).TemplateBody;
                else
                    body = engine.ResolveBody(Q("TemplateBody"), Q("TemplateURL"));
                var t = StackEngine.ParseTemplate(body);
                return Summary(action, t);
            }
            default:
                throw new ApiError("InvalidAction", $"The action {action} is not valid for this web service.");
        }
    }

    private static XElement Summary(string action, Template t)
    {
        var parameters = t.Section("Parameters").Select(p =>
        {
            var d = p.Value as Dictionary<string, object?> ?? new();
            var allowed = d.GetValueOrDefault("AllowedValues") as List<object?>;
            return (object)new object?[]
            {
                X.E("ParameterKey", p.Key),
                X.Opt("DefaultValue", d.GetValueOrDefault("Default") as string),
                action == "GetTemplateSummary" ? X.E("ParameterType", d.GetValueOrDefault("Type") as string ?? "String") : null,
                X.E("NoEcho", string.Equals(d.GetValueOrDefault("NoEcho") as string, "true", StringComparison.OrdinalIgnoreCase) ? "true" : "false"),
                X.Opt("Description", d.GetValueOrDefault("Description") as string),
                action == "GetTemplateSummary" ? X.E("ParameterConstraints", allowed is null ? null : X.List("AllowedValues", allowed.OfType<string>().Cast<object>().ToList())) : null,
            }.Where(x => x is not null).ToArray();
        }).ToList();
        var resources = t.Section("Resources").Values.OfType<Dictionary<string, object?>>().ToList();
        var types = resources.Select(r => r.GetValueOrDefault("Type") as string ?? "").Distinct().ToList();
        var named = resources.Any(r => ResourceModel.IsNamedIam(r.GetValueOrDefault("Type") as string ?? "", r.GetValueOrDefault("Properties") as Dictionary<string, object?>));
        var iam = types.Any(x => x.StartsWith("AWS::IAM::", StringComparison.Ordinal));
        var caps = named ? "CAPABILITY_NAMED_IAM" : iam ? "CAPABILITY_IAM" : null;
        return X.E(action + "Result",
            X.E("Parameters", parameters.Select(p => X.E("member", (object?[])p)).ToArray()),
            X.Opt("Description", t.Description),
            caps is null ? null : X.List("Capabilities", [caps]),
            caps is null ? null : X.E("CapabilitiesReason", "The following resource(s) require capabilities: [" + string.Join(", ", types.Where(x => x.StartsWith("AWS::IAM::", StringComparison.Ordinal))) + "]"),
            action == "GetTemplateSummary" ? X.List("ResourceTypes", types.Cast<object>().ToList()) : null,
            action == "GetTemplateSummary" ? X.Opt("Version", t.Root.GetValueOrDefault("AWSTemplateFormatVersion") as string) : null,
            action == "GetTemplateSummary" && t.Root.GetValueOrDefault("Metadata") is { } md ? X.E("Metadata", System.Text.Json.JsonSerializer.Serialize(md)) : null);
    }

    private static object StackXml(Stack s)
    {
        lock (s.Sync)
        {
            return new object?[] {
                X.E("StackId", s.StackId),
                X.E("StackName", s.StackName),
                X.Opt("Description", s.Description),
                X.E("Parameters", s.ParameterValues.Select(p => X.E("member",
                    X.E("ParameterKey", p.Key), X.E("ParameterValue", s.NoEchoParameters.Contains(p.Key) ? "****" : p.Value))).ToArray()),
                X.E("CreationTime", QueryXml.Time(s.CreationTime)),
                X.Opt("DeletionTime", s.DeletionTime),
                X.Opt("LastUpdatedTime", s.LastUpdatedTime),
                X.E("RollbackConfiguration"),
                X.E("StackStatus", s.Status),
                X.Opt("StackStatusReason", s.StatusReason),
                X.E("DisableRollback", s.DisableRollback ? "true" : "false"),
                X.E("NotificationARNs"),
                s.Capabilities.Count > 0 ? X.E("Capabilities", s.Capabilities.Select(c => X.E("member", c)).ToArray()) : null,
                s.Outputs.Count > 0 ? X.E("Outputs", s.Outputs.Select(o => X.E("member",
                    X.E("OutputKey", o.Key), X.E("OutputValue", o.Value), X.Opt("Description", o.Description), X.Opt("ExportName", o.ExportName))).ToArray()) : null,
                X.E("Tags", s.Tags.Select(t => X.E("member", X.E("Key", t.Key), X.E("Value", t.Value))).ToArray()),
                X.E("EnableTerminationProtection", "false"),
                X.E("DriftInformation", X.E("StackDriftStatus", "NOT_CHECKED")) };
        }
    }

    private static object?[] EventXml(Stack s, StackEvent e) => [
        X.E("StackId", s.StackId), X.E("EventId", e.EventId), X.E("StackName", s.StackName),
        X.E("LogicalResourceId", e.LogicalResourceId), X.Opt("PhysicalResourceId", e.PhysicalResourceId),
        X.E("ResourceType", e.ResourceType), X.E("Timestamp", QueryXml.Time(e.Timestamp)),
        X.E("ResourceStatus", e.ResourceStatus), X.Opt("ResourceStatusReason", e.ResourceStatusReason)];

    private static (int Count, int Offset) ParseToken(string? token, int current)
    {
        if (token is null) return (current, 0);
        var parts = token.Split(':');
        if (parts.Length == 2 && int.TryParse(parts[0], out var c) && int.TryParse(parts[1], out var o) && c <= current && o <= c) return (c, o);
        throw ApiError.Validation("Invalid NextToken");
    }

    /// <summary>Name.member.N.Field entries grouped per N.</summary>
    public static List<Dictionary<string, string>> Members(IReadOnlyDictionary<string, string> form, string name)
    {
        var prefix = name + ".member.";
        return form.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .Select(kv => (Tail: kv.Key[prefix.Length..], kv.Value))
            .Select(x => (Index: int.TryParse(x.Tail.Split('.')[0], out var i) ? i : 0, Field: x.Tail.Contains('.') ? x.Tail[(x.Tail.IndexOf('.') + 1)..] : "", x.Value))
            .GroupBy(x => x.Index).OrderBy(g => g.Key)
            .Select(g => g.ToDictionary(x => x.Field, x => x.Value)).ToList();
    }

    public static List<string> Scalars(IReadOnlyDictionary<string, string> form, string name)
    {
        var prefix = name + ".member.";
        return form.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(kv.Key[prefix.Length..], out _))
            .OrderBy(kv => int.Parse(kv.Key[prefix.Length..])).Select(kv => kv.Value).ToList();
    }
}
