using MetaflowAws.Engine;
using MetaflowAws.Engine.Aws;

namespace MetaflowAws.Tests;

/// <summary>What AWS or the network answered, as errors a user can act on.</summary>
public sealed class AwsErrorsTests
{
    private static AwsSession Session() => AwsSession.Resolve(new AwsSessionOptions { AccessKey = "AKIA", SecretKey = "s", Region = "eu-west-1" }, new SandboxFixture.EmptyEnvironment());

    [Fact]
    public void An_http_timeout_is_RequestTimedOut_not_a_cancel()
    {
        // HttpClient's timeout: a TaskCanceledException whose inner exception is a TimeoutException.
        var timeout = new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.",
            new TimeoutException("The operation was canceled."));
        var ex = AwsErrors.Translate(timeout, "DescribeStacks", "mf", Session());
        Assert.NotNull(ex);
        Assert.Equal(ErrorIds.RequestTimedOut, ex.ErrorId);
        Assert.Equal(ErrorKind.OperationTimeout, ex.Kind);
        Assert.Contains("DescribeStacks in eu-west-1", ex.Message, StringComparison.Ordinal);
        Assert.Same(timeout, ex.InnerException);
    }

    [Fact]
    public void A_cancel_is_left_to_the_caller()
        => Assert.Null(AwsErrors.Translate(new OperationCanceledException(), "DescribeStacks", "mf", Session()));

    [Fact]
    public async Task Call_turns_a_timeout_into_the_error()
    {
        var ex = await Assert.ThrowsAsync<MetaflowException>(() => AwsErrors.Call<int>(
            () => throw new TaskCanceledException("timed out", new TimeoutException()), "GetRole", null, Session()));
        Assert.Equal(ErrorIds.RequestTimedOut, ex.ErrorId);
    }
}
