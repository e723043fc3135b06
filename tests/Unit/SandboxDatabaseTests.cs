using System.Text.Json.Nodes;
using MetaflowAws.Sandbox.CloudFormation.Templates;
using MetaflowAws.Sandbox.CloudFormation;
using MetaflowAws.Sandbox.Rds;

namespace MetaflowAws.Tests;

/// <summary>What the sandbox's Secrets Manager generates, how dynamic references resolve, and RDS's TLS rule per version.</summary>
public sealed class SandboxDatabaseTests
{
    [Fact]
    public void GenerateSecretStringAddsAPasswordOfTheAskedShapeToTheTemplate()
    {
        var json = ResourceModel.GenerateSecretString(new Dictionary<string, object?>
        {
            ["SecretStringTemplate"] = "{\"username\": \"metaflow\"}",
            ["GenerateStringKey"] = "password",
            ["PasswordLength"] = "32",
            ["ExcludePunctuation"] = "true",
        });
        var secret = JsonNode.Parse(json)!.AsObject();
        Assert.Equal("metaflow", (string?)secret["username"]);
        var password = (string)secret["password"]!;
        Assert.Matches("^[A-Za-z0-9]{32}$", password);
        // RequireEachIncludedType defaults to true: one of each class not excluded.
        Assert.Contains(password, char.IsUpper);
        Assert.Contains(password, char.IsLower);
        Assert.Contains(password, char.IsDigit);
    }

    [Fact]
    public void GenerateSecretStringWithoutATemplateIsThePasswordAloneAndHonoursExcludeCharacters()
    {
        var password = ResourceModel.GenerateSecretString(new Dictionary<string, object?>
        {
            ["PasswordLength"] = "200", ["ExcludeCharacters"] = "/@\"' ", ["ExcludeNumbers"] = "true",
        });
        Assert.Equal(200, password.Length);
        Assert.DoesNotContain(password, c => "/@\"' 0123456789".Contains(c));
        Assert.Contains(password, c => char.IsPunctuation(c) || char.IsSymbol(c));
    }

    [Fact]
    public void SecretsManagerReferencesResolveByArnAndJsonKey()
    {
        const string arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:mf-DatabaseSecret-AbCdEf";
        string? Lookup(string id) => id == arn ? "{\"username\":\"metaflow\",\"password\":\"s3cretValue\"}" : null;
        Assert.Equal("s3cretValue", DynamicReferences.Resolve($"{{{{resolve:secretsmanager:{arn}:SecretString:password}}}}", Lookup));
        Assert.Equal("user=metaflow;pw=s3cretValue", DynamicReferences.Resolve(
            $"user=metaflow;pw={{{{resolve:secretsmanager:{arn}:SecretString:password::}}}}", Lookup));
        Assert.StartsWith("{", DynamicReferences.Resolve($"{{{{resolve:secretsmanager:{arn}}}}}", Lookup));
        Assert.Equal("no reference", DynamicReferences.Resolve("no reference", Lookup));
        var missing = Assert.Throws<TemplateError>(() => DynamicReferences.Resolve("{{resolve:secretsmanager:other:SecretString:password}}", Lookup));
        Assert.Contains("ResourceNotFoundException", missing.Message);
    }

    [Theory]
    [InlineData("14", false)]
    [InlineData("14.17", false)]
    [InlineData("15", true)]
    [InlineData("16.9", true)]
    [InlineData("18", true)]
    [InlineData(null, true)]
    public void RdsForcesTlsFromPostgreSql15On(string? engineVersion, bool forced)
        => Assert.Equal(forced, DatabaseInstances.ForceSsl(engineVersion, null));

    [Fact]
    public void AParameterGroupsRdsForceSslWinsOverTheVersionDefault()
    {
        Assert.False(DatabaseInstances.ForceSsl("16", new Dictionary<string, object?> { ["rds.force_ssl"] = "0" }));
        Assert.True(DatabaseInstances.ForceSsl("14", new Dictionary<string, object?> { ["rds.force_ssl"] = "1" }));
    }
}
