using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MetaflowAws.Sandbox.CloudFormation.Templates;

namespace MetaflowAws.Sandbox.CloudFormation;

/// <summary>
/// CloudFormation dynamic references to Secrets Manager:
/// '{{resolve:secretsmanager:secret-id:SecretString:json-key:version-stage:version-id}}', every part after
/// secret-id optional, secret-id a name or a full ARN. CloudFormation resolves them when it calls the
/// resource's service and never shows the value (events, DescribeStackResource): so does the sandbox, which
/// resolves them only where a backing service needs the value (the database's master password).
/// </summary>
public static partial class DynamicReferences
{
    [GeneratedRegex(@"\{\{resolve:secretsmanager:(?<ref>[^}]+)\}\}")]
    private static partial Regex SecretsManagerReference();

    /// <summary>The value with each Secrets Manager reference replaced; secretString finds a secret's SecretString by name or ARN.</summary>
    public static string Resolve(string value, Func<string, string?> secretString)
        => SecretsManagerReference().Replace(value, m =>
        {
            var parts = m.Groups["ref"].Value.Split(':');
            // An ARN is arn:partition:secretsmanager:region:account:secret:name-suffix (7 parts); a name is one.
            var idParts = parts[0] == "arn" ? 7 : 1;
            if (parts.Length < idParts) throw new TemplateError($"Invalid dynamic reference {m.Value}.");
            var id = string.Join(':', parts[..idParts]);
            var rest = parts[idParts..];
            var text = secretString(id) ?? throw new TemplateError(
                $"Secrets Manager can't find the specified secret. (Service: AWSSecretsManager; Status Code: 400; Error Code: ResourceNotFoundException)");
            if (rest.Length > 0 && rest[0].Length > 0 && rest[0] != "SecretString")
                throw new TemplateError($"Invalid dynamic reference {m.Value}: only SecretString is supported.");
            var key = rest.Length > 1 ? rest[1] : "";
            if (key.Length == 0) return text;
            return (JsonNode.Parse(text) as JsonObject)?[key]?.GetValue<string>()
                ?? throw new TemplateError($"Could not find the key '{key}' in the secret {id}.");
        });
}
