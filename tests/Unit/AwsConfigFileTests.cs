using MetaflowAws.Engine;
using MetaflowAws.Engine.Files;
using MetaflowAws.Engine.PostDeploy;

namespace MetaflowAws.Tests;

public sealed class AwsConfigFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "awscfg-" + Guid.NewGuid().ToString("N")[..10]);

    private string ConfigPath => Path.Combine(_dir, "config");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void ConcurrentUpdatesKeepEveryProfile()
    {
        const int writers = 4, profilesEach = 10;
        ConcurrentWriters.Run(writers, w =>
        {
            for (var i = 0; i < profilesEach; i++)
                AwsConfigFile.Update(ConfigPath, text =>
                {
                    Thread.Sleep(2); // widens the read..replace window, as a slow disk would
                    return text + $"[profile w{w}-{i}]\nregion = eu-west-1\n";
                });
        });

        var text = File.ReadAllText(ConfigPath);
        for (var w = 0; w < writers; w++)
            for (var i = 0; i < profilesEach; i++)
                Assert.True(AwsConfigFile.HasProfile(text, $"w{w}-{i}"), $"profile w{w}-{i} was lost");
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void AnUpdateThatCannotGetTheLockFailsClearlyAndChangesNothing()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(ConfigPath, "[default]\nregion = us-east-1\n");
        using (FileLock.Acquire(ConfigPath, TimeSpan.FromSeconds(1)))
        {
            var ex = Assert.Throws<MetaflowException>(() =>
                AwsConfigFile.Update(ConfigPath, text => text + "[profile x]\n", TimeSpan.FromMilliseconds(200)));
            Assert.Equal(ErrorIds.AwsConfigWriteFailed, ex.ErrorId);
            Assert.Contains(FileLock.PathFor(ConfigPath), ex.Message);
        }
        Assert.Equal("[default]\nregion = us-east-1\n", File.ReadAllText(ConfigPath));
    }
}
