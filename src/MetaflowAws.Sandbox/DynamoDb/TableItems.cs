using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using MetaflowAws.Sandbox.CloudFormation;

namespace MetaflowAws.Sandbox.DynamoDb;

/// <summary>
/// DynamoDB PutItem and GetItem (JSON 1.0, botocore dynamodb/2012-08-10) on the tables the stacks created: the items
/// live with the table's name, so a table CloudFormation replaces (a new table, a new name) starts empty, as on AWS,
/// and one it keeps keeps them. Enough for Metaflow's Step Functions state (one item per foreach, by its key); no conditions, no
/// expressions.
/// </summary>
public sealed class TableItems(StackEngine stacks)
{
    // By table name: a table CloudFormation replaces is a new table with a new name (its ResourceState object stays).
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, JsonObject>> _items = new(StringComparer.Ordinal);

    public (int Status, JsonObject Body, string? ErrorType) PutItem(JsonNode? request)
    {
        if (Find(request, out var table, out var error) is not { } items) return error;
        if (request?["Item"] is not JsonObject item) return Invalid("1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null");
        if (Key(table!, item, out var key) is { } missing) return missing;
        items[key] = (JsonObject)item.DeepClone();
        return (200, new JsonObject(), null);
    }

    public (int Status, JsonObject Body, string? ErrorType) GetItem(JsonNode? request)
    {
        if (Find(request, out var table, out var error) is not { } items) return error;
        if (request?["Key"] is not JsonObject keyObject) return Invalid("1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must not be null");
        if (Key(table!, keyObject, out var key) is { } missing) return missing;
        return (200, items.TryGetValue(key, out var item) ? new JsonObject { ["Item"] = item.DeepClone() } : new JsonObject(), null);
    }

    private ConcurrentDictionary<string, JsonObject>? Find(JsonNode? request, out ResourceState? table, out (int, JsonObject, string?) error)
    {
        var name = request?["TableName"]?.GetValue<string>();
        table = stacks.LiveResources("AWS::DynamoDB::Table").FirstOrDefault(t => t.Resource.Ref == name).Resource;
        error = (400, new JsonObject { ["__type"] = "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", ["message"] = "Requested resource not found" }, "ResourceNotFoundException");
        return table is null ? null : _items.GetOrAdd(table.Ref!, _ => new(StringComparer.Ordinal));
    }

    /// <summary>The item's key: its attributes of the table's KeySchema, in order; a missing one is DynamoDB's ValidationException.</summary>
    private static (int, JsonObject, string?)? Key(ResourceState table, JsonObject item, out string key)
    {
        var parts = new List<string>();
        foreach (var k in (table.Properties.GetValueOrDefault("KeySchema") as List<object?> ?? []).OfType<Dictionary<string, object?>>())
        {
            var attribute = k.GetValueOrDefault("AttributeName") as string ?? "";
            if (item[attribute] is not JsonObject value)
            {
                key = "";
                return Invalid("One of the required keys was not given a value");
            }
            parts.Add(attribute + "=" + value.ToJsonString());
        }
        key = string.Join('\u0001', parts);
        return null;
    }

    private static (int, JsonObject, string?) Invalid(string message)
        => (400, new JsonObject { ["__type"] = "com.amazon.coral.validate#ValidationException", ["message"] = message }, "ValidationException");
}
