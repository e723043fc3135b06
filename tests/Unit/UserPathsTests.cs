using MetaflowAws.Engine.Files;

namespace MetaflowAws.Tests;

/// <summary>
/// The per-user paths by each platform's conventions, whichever platform runs the tests: '~' as Python's
/// expanduser treats it for Metaflow (posixpath on Linux and macOS, ntpath on Windows), and the AWS config file where
/// the AWS CLI looks for it.
/// </summary>
public sealed class UserPathsTests
{
    private static readonly UserPaths Linux = new(false, "/home/ana");
    private static readonly UserPaths MacOs = new(false, "/Users/ana/");
    private static readonly UserPaths Windows = new(true, @"C:\Users\ana");

    [Theory]
    [InlineData("~", "/home/ana")]
    [InlineData("~/.metaflowconfig", "/home/ana/.metaflowconfig")]
    [InlineData(@"~\.metaflowconfig", @"~\.metaflowconfig")] // a backslash is a file name character on Linux
    [InlineData("~ana/x", "~ana/x")]
    [InlineData("/srv/metaflow", "/srv/metaflow")]
    [InlineData("rel/~/x", "rel/~/x")]
    public void Linux_expands_a_leading_tilde_before_a_slash(string path, string expected) => Assert.Equal(expected, Linux.ExpandHome(path));

    [Theory]
    [InlineData("~", "/Users/ana/")]
    [InlineData("~/.metaflowconfig", "/Users/ana/.metaflowconfig")]
    public void MacOs_expands_it_against_a_home_with_a_trailing_slash_once(string path, string expected) => Assert.Equal(expected, MacOs.ExpandHome(path));

    [Theory]
    [InlineData("~", @"C:\Users\ana")]
    [InlineData(@"~\.metaflowconfig", @"C:\Users\ana\.metaflowconfig")]
    [InlineData("~/.metaflowconfig", @"C:\Users\ana/.metaflowconfig")] // ntpath.expanduser keeps the slash; Windows accepts it
    [InlineData(@"D:\metaflow", @"D:\metaflow")]
    public void Windows_expands_a_leading_tilde_before_either_separator(string path, string expected) => Assert.Equal(expected, Windows.ExpandHome(path));

    [Fact]
    public void The_AWS_config_file_is_in_the_home_by_the_platforms_separator_unless_AWS_CONFIG_FILE_says()
    {
        Assert.Equal("/home/ana/.aws/config", Linux.AwsConfigFile(null));
        Assert.Equal("/Users/ana/.aws/config", MacOs.AwsConfigFile(""));
        Assert.Equal(@"C:\Users\ana\.aws\config", Windows.AwsConfigFile(null));
        Assert.Equal("/home/ana/aws/alt", Linux.AwsConfigFile("~/aws/alt"));
        Assert.Equal(@"\\share\aws\config", Windows.AwsConfigFile(@"\\share\aws\config"));
    }

}
