using MetaflowAws.Engine.Config;

namespace MetaflowAws.Tests;

public sealed class MetaflowConfigTests
{
    private static MetaflowConfig Config(params (string Key, string Value)[] settings)
        => MetaflowConfig.From(MetaflowConfigLocation.Resolve("/tmp/mf", null, new FakeEnvironment()), settings.ToDictionary(s => s.Key, s => s.Value));

    [Fact]
    public void TheAuthKeyIsMaskedToItsLastFourCharacters()
    {
        var config = Config(("METAFLOW_SERVICE_AUTH_KEY", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789wxyz"), ("METAFLOW_SERVICE_URL", "https://x/api/"));

        var masked = config.WithSecretsMasked();

        Assert.Equal("****wxyz", masked.ServiceAuthKey);
        Assert.Equal("****wxyz", masked.Settings["METAFLOW_SERVICE_AUTH_KEY"]);
        Assert.Equal("https://x/api/", masked.ServiceUrl);
        Assert.True(masked.SecretsMasked);
        // The original keeps the real value (what -ShowSecrets returns).
        Assert.Equal("AbCdEfGhIjKlMnOpQrStUvWxYz0123456789wxyz", config.ServiceAuthKey);
        Assert.False(config.SecretsMasked);
    }

    [Theory]
    [InlineData("short-key", "****")]
    [InlineData("123456789012345", "****")]
    [InlineData("1234567890123456", "****3456")]
    [InlineData("", "")]
    public void ShortSecretsAreFullyMasked(string value, string expected)
        => Assert.Equal(expected, MetaflowConfig.MaskValue(value));

    [Theory]
    [InlineData("METAFLOW_SERVICE_AUTH_KEY", true)]
    [InlineData("METAFLOW_SERVICE_HEADERS", true)]
    [InlineData("METAFLOW_SOME_DB_PASSWORD", true)]
    [InlineData("METAFLOW_SERVICE_URL", false)]
    [InlineData("METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE", false)]
    public void SecretsAreRecognisedByName(string key, bool secret) => Assert.Equal(secret, MetaflowConfig.IsSecret(key));
}
