using System.Text;
using MetaflowAws.Engine;
using MetaflowAws.Engine.Config;

namespace MetaflowAws.Tests;

public sealed class MetaflowConfigFileTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly string _home = Path.Combine(Path.GetTempPath(), "mfcfg-" + Guid.NewGuid().ToString("N")[..10]);

    private string ConfigPath => Path.Combine(_home, "config.json");

    public void Dispose()
    {
        if (Directory.Exists(_home)) Directory.Delete(_home, recursive: true);
    }

    private static Dictionary<string, string> Set(params (string Key, string Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    private void Existing(string text) => Existing(Encoding.UTF8.GetBytes(text));

    private void Existing(byte[] bytes)
    {
        Directory.CreateDirectory(_home);
        File.WriteAllBytes(ConfigPath, bytes);
    }

    private string[] LeftoverTempFiles() => Directory.GetFiles(_home, "*.tmp");

    [Fact]
    public void WritesExactBytesSortedEscapedWithoutBomAndWithTrailingNewline()
    {
        MetaflowConfigFile.Write(ConfigPath, Set(
            ("METAFLOW_SERVICE_URL", "https://x.example/api/"),
            ("METAFLOW_B", "quote \" backslash \\ newline \n tab \t bell \u0007 é €"),
            ("METAFLOW_A", "")), force: false);

        var expected =
            "{\n" +
            "    \"METAFLOW_A\": \"\",\n" +
            "    \"METAFLOW_B\": \"quote \\\" backslash \\\\ newline \\n tab \\t bell \\u0007 \\u00e9 \\u20ac\",\n" +
            "    \"METAFLOW_SERVICE_URL\": \"https://x.example/api/\"\n" +
            "}\n";
        Assert.Equal(Encoding.ASCII.GetBytes(expected), File.ReadAllBytes(ConfigPath));
        // And it reads back to the same values.
        Assert.Equal("quote \" backslash \\ newline \n tab \t bell \u0007 é €", MetaflowConfigFile.Read(ConfigPath)["METAFLOW_B"]);
    }

    [Fact]
    public void AnEmptySetOnANewFileIsAnEmptyObject()
    {
        MetaflowConfigFile.Write(ConfigPath, Set(), force: false);
        Assert.Equal("{}\n"u8.ToArray(), File.ReadAllBytes(ConfigPath));
    }

    [Fact]
    public void MergeKeepsKeysItDoesNotSetAndSortsOrdinally()
    {
        Existing("""{"zeta_custom": "kept", "METAFLOW_Z": "old", "METAFLOW_a": "lower", "METAFLOW_B": "same"}""");

        var result = MetaflowConfigFile.Write(ConfigPath, Set(("METAFLOW_Z", "new"), ("METAFLOW_B", "same"), ("METAFLOW_C", "added")), force: false);

        Assert.Equal(["METAFLOW_C"], result.Changes.Added);
        Assert.Equal(["METAFLOW_Z"], result.Changes.Changed);
        Assert.Equal(["METAFLOW_B"], result.Changes.Unchanged);
        Assert.Equal(["METAFLOW_a", "zeta_custom"], result.Changes.Kept);
        Assert.Equal("old", result.Changes.PreviousValues["METAFLOW_Z"]);
        Assert.Equal("Write 3 Metaflow settings (1 new, 1 changed, 1 unchanged); keep 2 other settings", result.Changes.Describe());

        var lines = File.ReadAllLines(ConfigPath);
        // Ordinal: upper case sorts before lower case, whatever the culture.
        Assert.Equal(
            ["{", "    \"METAFLOW_B\": \"same\",", "    \"METAFLOW_C\": \"added\",", "    \"METAFLOW_Z\": \"new\",", "    \"METAFLOW_a\": \"lower\",", "    \"zeta_custom\": \"kept\"", "}"],
            lines);
    }

    [Fact]
    public void BackupHoldsThePreviousBytesEachTime()
    {
        var original = Encoding.UTF8.GetBytes("{ \"METAFLOW_X\" : \"1\" ,\"custom\":\"c\"}");
        Existing(original);

        var first = MetaflowConfigFile.Write(ConfigPath, Set(("METAFLOW_X", "2")), force: false);
        Assert.Equal(ConfigPath + ".bak", first.BackupPath);
        Assert.Equal(original, File.ReadAllBytes(ConfigPath + ".bak"));
        var afterFirst = File.ReadAllBytes(ConfigPath);

        MetaflowConfigFile.Write(ConfigPath, Set(("METAFLOW_X", "3")), force: false);
        Assert.Equal(afterFirst, File.ReadAllBytes(ConfigPath + ".bak"));
        Assert.Equal("3", MetaflowConfigFile.Read(ConfigPath)["METAFLOW_X"]);
        Assert.Empty(LeftoverTempFiles());
    }

    [Fact]
    public void ConcurrentWritersOfOneFileKeepEachOthersKeys()
    {
        // Each writer reads, merges and replaces; without the writer lock a later rename drops keys set
        // between another writer's read and its rename.
        const int writers = 4, keysEach = 25;
        ConcurrentWriters.Run(writers, w =>
        {
            for (var i = 0; i < keysEach; i++)
                MetaflowConfigFile.Write(ConfigPath, Set(($"METAFLOW_W{w}_K{i:00}", $"{w}.{i}")), force: false,
                    beforeReplace: _ => Thread.Sleep(2)); // widens the read..rename window, as a slow disk would
        });

        var settings = MetaflowConfigFile.Read(ConfigPath);
        Assert.Equal(writers * keysEach, settings.Count);
        Assert.Equal("3.24", settings["METAFLOW_W3_K24"]);
        Assert.Empty(LeftoverTempFiles());
    }

    [Fact]
    public void AWriterThatCannotGetTheLockFailsClearlyAndChangesNothing()
    {
        Existing("{\"METAFLOW_X\": \"1\"}\n");
        var before = File.ReadAllBytes(ConfigPath);
        using (Engine.Files.FileLock.Acquire(ConfigPath, TimeSpan.FromSeconds(1)))
        {
            var ex = Assert.Throws<MetaflowException>(() =>
                MetaflowConfigFile.Write(ConfigPath, Set(("METAFLOW_X", "2")), force: false, beforeReplace: null, lockTimeout: TimeSpan.FromMilliseconds(200)));
            Assert.Equal(ErrorIds.ConfigWriteFailed, ex.ErrorId);
            Assert.Contains("another process has been writing it", ex.Message);
            Assert.Contains(".config.json.lock", ex.Message);
        }
        Assert.Equal(before, File.ReadAllBytes(ConfigPath));
        // Once the holder is done, the write goes through.
        Assert.Equal("2", MetaflowConfigFile.Write(ConfigPath, Set(("METAFLOW_X", "2")), force: false).Settings["METAFLOW_X"]);
    }

    [Fact]
    public void NoBackupWhenThereWasNoFile()
    {
        var result = MetaflowConfigFile.Write(ConfigPath, Set(("METAFLOW_X", "1")), force: false);
        Assert.Null(result.BackupPath);
        Assert.False(File.Exists(ConfigPath + ".bak"));
    }

    [Fact]
    public void AWriteThatChangesNothingLeavesTheFileAndItsBackupAlone()
    {
        MetaflowConfigFile.Write(ConfigPath, Set(("METAFLOW_X", "1")), force: false);
        var firstBytes = File.ReadAllBytes(ConfigPath);
        MetaflowConfigFile.Write(ConfigPath, Set(("METAFLOW_X", "2")), force: false);
        var written = File.GetLastWriteTimeUtc(ConfigPath);

        var again = MetaflowConfigFile.Write(ConfigPath, Set(("METAFLOW_X", "2")), force: false);

        Assert.False(again.Written);
        Assert.Equal(["METAFLOW_X"], again.Changes.Unchanged);
        Assert.Equal(firstBytes, File.ReadAllBytes(ConfigPath + ".bak")); // the real previous version survives
        Assert.Equal(written, File.GetLastWriteTimeUtc(ConfigPath));
    }

    [Fact]
    public void FileBackupAndNewHomeAreOwnerOnlyOnUnix()
    {
        if (OperatingSystem.IsWindows()) return; // no Unix modes there
        Existing("""{"METAFLOW_X": "1"}""");
        File.SetUnixFileMode(ConfigPath, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        MetaflowConfigFile.Write(ConfigPath, Set(("METAFLOW_X", "2")), force: false);
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(ConfigPath));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(ConfigPath + ".bak")); // it holds the same secrets

        var nested = Path.Combine(_home, "new-home");
        MetaflowConfigFile.Write(Path.Combine(nested, "config.json"), Set(("METAFLOW_X", "1")), force: false);
        Assert.Equal(OwnerOnly | UnixFileMode.UserExecute, File.GetUnixFileMode(nested));
    }

    [Fact]
    public void AnIdenticalFileWithTooWideAModeIsStillRewrittenOwnerOnly()
    {
        if (OperatingSystem.IsWindows()) return;
        MetaflowConfigFile.Write(ConfigPath, Set(("METAFLOW_X", "1")), force: false);
        File.SetUnixFileMode(ConfigPath, OwnerOnly | UnixFileMode.OtherRead);

        var result = MetaflowConfigFile.Write(ConfigPath, Set(("METAFLOW_X", "1")), force: false);

        Assert.True(result.Written);
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(ConfigPath));
    }

    public static TheoryData<string, string> CorruptFiles => new()
    {
        { "{\"METAFLOW_X\": \"1\",,}", "is not valid JSON at line 1, position 20" },
        { "{\n  \"METAFLOW_X\": \"1\"\n  \"METAFLOW_Y\": \"2\"\n}", "is not valid JSON at line 3, position 3" },
        { "", "is not valid JSON at line 1, position 1" },
        { "[\"METAFLOW_X\"]", "holds an array, not a JSON object of settings" },
        { "{\"METAFLOW_X\": {\"nested\": 1}}", "has an object as the value of 'METAFLOW_X'" },
        { "{\"METAFLOW_OK\": \"1\", \"METAFLOW_LIST\": [1, 2]}", "has an array as the value of 'METAFLOW_LIST'" },
        { "{\"METAFLOW_X\": null}", "has null as the value of 'METAFLOW_X'" },
        { "{\"METAFLOW_X\": \"1\" // comment\n}", "is not valid JSON at line 1" },
    };

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public void ACorruptFileIsAnErrorAndIsLeftUntouched(string content, string expected)
    {
        Existing(content);
        var before = File.ReadAllBytes(ConfigPath);

        var ex = Assert.Throws<MetaflowException>(() => MetaflowConfigFile.Write(ConfigPath, Set(("METAFLOW_X", "2")), force: false));

        Assert.Equal(ErrorIds.ConfigFileCorrupt, ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
        Assert.Equal(ConfigPath, ex.Target);
        Assert.Contains($"'{ConfigPath}' {expected}", ex.Message);
        Assert.Contains("-Force", ex.Message);
        Assert.Equal(before, File.ReadAllBytes(ConfigPath));
        Assert.False(File.Exists(ConfigPath + ".bak"));
        Assert.Empty(LeftoverTempFiles());
        // Reading reports the same.
        Assert.Equal(ErrorIds.ConfigFileCorrupt, Assert.Throws<MetaflowException>(() => MetaflowConfigFile.Read(ConfigPath)).ErrorId);
        Assert.Equal(ErrorIds.ConfigFileCorrupt, Assert.Throws<MetaflowException>(() => MetaflowConfigFile.Plan(ConfigPath, Set(), force: false)).ErrorId);
    }

    [Fact]
    public void ForceReplacesACorruptFileAndKeepsItAsTheBackup()
    {
        var corrupt = Encoding.UTF8.GetBytes("{\"METAFLOW_X\": \"1\", oops");
        Existing(corrupt);

        var plan = MetaflowConfigFile.Plan(ConfigPath, Set(("METAFLOW_X", "2")), force: true);
        Assert.True(plan.ReplacesUnreadableFile);
        Assert.EndsWith("; replace the unreadable file (kept as config.json.bak)", plan.Describe());

        var result = MetaflowConfigFile.Write(ConfigPath, Set(("METAFLOW_X", "2")), force: true);

        Assert.True(result.Changes.ReplacesUnreadableFile);
        Assert.Equal(corrupt, File.ReadAllBytes(ConfigPath + ".bak"));
        Assert.Equal("{\n    \"METAFLOW_X\": \"2\"\n}\n"u8.ToArray(), File.ReadAllBytes(ConfigPath));
    }

    [Fact]
    public void AFailureBetweenTempWriteAndRenameLeavesTheOldFileAndNoTempFile()
    {
        var old = Encoding.UTF8.GetBytes("{\"METAFLOW_X\": \"old\", \"custom\": \"c\"}");
        Existing(old);
        string? temp = null;
        byte[]? tempBytes = null;
        UnixFileMode? tempMode = null;

        var ex = Assert.Throws<MetaflowException>(() => MetaflowConfigFile.Write(ConfigPath, Set(("METAFLOW_X", "new")), force: false, beforeReplace: t =>
        {
            temp = t;
            tempBytes = File.ReadAllBytes(t);
            if (!OperatingSystem.IsWindows()) tempMode = File.GetUnixFileMode(t);
            throw new IOException("No space left on device (simulated)");
        }));

        Assert.Equal(ErrorIds.ConfigWriteFailed, ex.ErrorId);
        Assert.Contains("No space left on device (simulated)", ex.Message);
        Assert.Contains("was not changed", ex.Message);
        Assert.Equal(old, File.ReadAllBytes(ConfigPath));
        // The temp file was complete, owner-only and in the config's own folder (same file system: rename is atomic)...
        Assert.Equal(_home, Path.GetDirectoryName(temp));
        Assert.Equal("{\n    \"METAFLOW_X\": \"new\",\n    \"custom\": \"c\"\n}\n"u8.ToArray(), tempBytes);
        if (!OperatingSystem.IsWindows()) Assert.Equal(OwnerOnly, tempMode);
        // ...and is gone.
        Assert.False(File.Exists(temp));
        Assert.Empty(LeftoverTempFiles());
    }

    [Fact]
    public void AnUnexpectedFailureBeforeRenameIsRethrownAndStillCleansUp()
    {
        Existing("""{"METAFLOW_X": "old"}""");
        Assert.Throws<InvalidOperationException>(() => MetaflowConfigFile.Write(ConfigPath, Set(("METAFLOW_X", "new")), force: false,
            beforeReplace: _ => throw new InvalidOperationException("crash")));
        Assert.Equal("old", MetaflowConfigFile.Read(ConfigPath)["METAFLOW_X"]);
        Assert.Empty(LeftoverTempFiles());
    }

    [Fact]
    public void ReadsNumbersAndBooleansAsTheirJsonTextAndWritesThemBackAsStrings()
    {
        Existing("""{"METAFLOW_N": 5, "METAFLOW_F": 1.5e3, "METAFLOW_T": true, "METAFLOW_S": "s"}""");

        var settings = MetaflowConfigFile.Read(ConfigPath);
        Assert.Equal("5", settings["METAFLOW_N"]);
        Assert.Equal("1.5e3", settings["METAFLOW_F"]);
        Assert.Equal("true", settings["METAFLOW_T"]);

        MetaflowConfigFile.Write(ConfigPath, Set(("METAFLOW_S", "t")), force: false);
        Assert.Contains("    \"METAFLOW_N\": \"5\",", File.ReadAllLines(ConfigPath));
        Assert.Contains("    \"METAFLOW_T\": \"true\"", File.ReadAllLines(ConfigPath));
    }

    [Fact]
    public void AcceptsAByteOrderMarkAndTheRewriteDropsIt()
    {
        Existing([0xEF, 0xBB, 0xBF, .. "{\"METAFLOW_X\": \"1\"}"u8.ToArray()]);
        Assert.Equal("1", MetaflowConfigFile.Read(ConfigPath)["METAFLOW_X"]);

        MetaflowConfigFile.Write(ConfigPath, Set(("METAFLOW_Y", "2")), force: false);
        Assert.Equal((byte)'{', File.ReadAllBytes(ConfigPath)[0]);
    }

    [Fact]
    public void ARepeatedKeyKeepsItsLastValueAsMetaflowWould()
    {
        Existing("""{"METAFLOW_X": "first", "METAFLOW_X": "last"}""");
        Assert.Equal("last", MetaflowConfigFile.Read(ConfigPath)["METAFLOW_X"]);
    }

    [Theory]
    [InlineData("STACK_NAME")]
    [InlineData("metaflow_lower")]
    [InlineData("METAFLOW_")]
    public void OnlyMetaflowSettingsCanBeWritten(string key)
    {
        Assert.Throws<ArgumentException>(() => MetaflowConfigFile.Write(ConfigPath, Set((key, "v")), force: false));
        Assert.False(Directory.Exists(_home));
    }

    [Fact]
    public void PlanWritesNothing()
    {
        var plan = MetaflowConfigFile.Plan(ConfigPath, Set(("METAFLOW_X", "1"), ("METAFLOW_Y", "2")), force: false);
        Assert.Equal("Write 2 Metaflow settings (2 new, 0 changed, 0 unchanged)", plan.Describe());
        Assert.False(plan.FileExists);
        Assert.False(Directory.Exists(_home));
    }

    [Fact]
    public void ASymlinkedConfigStaysALinkAndItsTargetIsWritten()
    {
        if (OperatingSystem.IsWindows()) return; // symlinks need privileges there
        var dotfiles = Path.Combine(_home, "dotfiles");
        Directory.CreateDirectory(dotfiles);
        var real = Path.Combine(dotfiles, "metaflow.json");
        File.WriteAllText(real, """{"METAFLOW_X": "1"}""");
        File.CreateSymbolicLink(ConfigPath, real);

        MetaflowConfigFile.Write(ConfigPath, Set(("METAFLOW_X", "2")), force: false);

        Assert.NotNull(new FileInfo(ConfigPath).LinkTarget);
        Assert.Equal("2", MetaflowConfigFile.Read(real)["METAFLOW_X"]);
        Assert.True(File.Exists(real + ".bak"));
    }

    [Fact]
    public void LoadOfAMissingProfileSaysHowToCreateItAndListsTheProfilesThere()
    {
        Existing("""{"METAFLOW_X": "1"}""");
        File.WriteAllText(Path.Combine(_home, "config_prod.json"), "{}");
        var location = MetaflowConfigLocation.Resolve(_home, "dev", new FakeEnvironment());

        var ex = Assert.Throws<MetaflowException>(() => MetaflowConfigFile.Load(location));

        Assert.Equal(ErrorIds.ConfigNotFound, ex.ErrorId);
        Assert.Equal(ErrorKind.ObjectNotFound, ex.Kind);
        Assert.Contains(Path.Combine(_home, "config_dev.json"), ex.Message);
        Assert.Contains("Export-MetaflowConfig -MetaflowProfile dev", ex.Message);
        Assert.Contains("(default), prod", ex.Message);
    }
}

/// <summary>Environment variables for a test, without touching the process's.</summary>
internal sealed class FakeEnvironment(params (string Name, string Value)[] values) : MetaflowAws.Engine.Aws.IEnvironment
{
    public string? Get(string name) => values.FirstOrDefault(v => v.Name == name).Value;
}
