using MetaflowAws.Engine;
using MetaflowAws.Engine.Config;

namespace MetaflowAws.Tests;

public sealed class MetaflowConfigLocationTests
{
    private static readonly string Home = Path.Combine(Path.GetTempPath(), "mf-home");
    private static readonly string UserHome = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    [Fact]
    public void TheDefaultProfileIsConfigJsonAndANamedOneConfigUnderscoreName()
    {
        Assert.Equal(Path.Combine(Home, "config.json"), MetaflowConfigLocation.Resolve(Home, null, new FakeEnvironment()).Path);
        var prod = MetaflowConfigLocation.Resolve(Home, "prod", new FakeEnvironment());
        Assert.Equal(Path.Combine(Home, "config_prod.json"), prod.Path);
        Assert.Equal("prod", prod.Profile);
    }

    [Fact]
    public void WithoutParametersOrEnvironmentItIsTheUsersDotMetaflowconfig()
    {
        var location = MetaflowConfigLocation.Resolve(environment: new FakeEnvironment());
        Assert.Equal(Path.Combine(UserHome, ".metaflowconfig", "config.json"), location.Path);
        Assert.Null(location.Profile);
    }

    [Fact]
    public void MetaflowHomeAndMetaflowProfileFromTheEnvironmentAreHonoured()
    {
        var env = new FakeEnvironment(("METAFLOW_HOME", Home), ("METAFLOW_PROFILE", "team-a.dev"));
        Assert.Equal(Path.Combine(Home, "config_team-a.dev.json"), MetaflowConfigLocation.Resolve(environment: env).Path);
    }

    [Fact]
    public void ParametersWinOverTheEnvironment()
    {
        var env = new FakeEnvironment(("METAFLOW_HOME", "/elsewhere"), ("METAFLOW_PROFILE", "fromenv"));
        Assert.Equal(Path.Combine(Home, "config_param.json"), MetaflowConfigLocation.Resolve(Home, "param", env).Path);
    }

    [Fact]
    public void ATildeInMetaflowHomeIsTheUsersHomeAsMetaflowExpandsIt()
    {
        var env = new FakeEnvironment(("METAFLOW_HOME", "~/mf"));
        Assert.Equal(Path.Combine(UserHome, "mf", "config.json"), MetaflowConfigLocation.Resolve(environment: env).Path);
    }

    [Fact]
    public void ARelativeHomeResolvesAgainstTheGivenCurrentDirectory()
    {
        var env = new FakeEnvironment(("METAFLOW_HOME", "rel/mf"));
        var cwd = Path.Combine(Path.GetTempPath(), "where-powershell-is");
        Assert.Equal(Path.Combine(cwd, "rel", "mf", "config.json"), MetaflowConfigLocation.Resolve(environment: env, currentDirectory: cwd).Path);
    }

    [Theory]
    [InlineData("a b")]
    [InlineData("../escape")]
    [InlineData("x/y")]
    [InlineData("prod;rm")]
    [InlineData("")]
    public void AnInvalidProfileNameFromAParameterNamesTheParameterTheValueAndTheRule(string name)
    {
        var ex = Assert.Throws<MetaflowException>(() => MetaflowConfigLocation.Resolve(Home, name, new FakeEnvironment()));
        Assert.Equal(ErrorIds.InvalidMetaflowProfile, ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.StartsWith($"-MetaflowProfile '{name}' is not a valid Metaflow profile name", ex.Message);
        Assert.Contains("letters, digits, '-', '_' and '.'", ex.Message);
    }

    [Fact]
    public void AnInvalidProfileNameFromTheEnvironmentNamesTheVariable()
    {
        var ex = Assert.Throws<MetaflowException>(() => MetaflowConfigLocation.Resolve(Home, null, new FakeEnvironment(("METAFLOW_PROFILE", "my profile"))));
        Assert.StartsWith("METAFLOW_PROFILE 'my profile' is not a valid Metaflow profile name", ex.Message);
    }

    [Fact]
    public void AnOverlongProfileNameSaysTheLimit()
    {
        var ex = Assert.Throws<MetaflowException>(() => MetaflowConfigLocation.Resolve(Home, new string('p', 101), new FakeEnvironment()));
        Assert.Contains("101 characters long; at most 100", ex.Message);
    }

    [Fact]
    public void ListProfilesFindsNamedProfilesOnly()
    {
        var home = Path.Combine(Path.GetTempPath(), "mfprof-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(home);
        try
        {
            foreach (var f in new[] { "config.json", "config_prod.json", "config_dev.json", "config_prod.json.bak", ".config_x.json.1234.tmp", "config_.json", "other.json" })
                File.WriteAllText(Path.Combine(home, f), "{}");
            Assert.Equal(["dev", "prod"], MetaflowConfigLocation.ListProfiles(home));
            Assert.Empty(MetaflowConfigLocation.ListProfiles(Path.Combine(home, "missing")));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
