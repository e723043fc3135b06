using MetaflowAws.Sandbox.CloudFormation;

namespace MetaflowAws.Tests;

/// <summary>A defect of the sandbox in a stack operation fails the stack, with the reason, instead of hanging it.</summary>
public sealed class SandboxBackgroundTests
{
    private const string Template = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n  Queue:\n    Type: AWS::SQS::Queue\n";

    [Fact]
    public async Task An_exception_in_a_create_fails_the_stack_with_its_message()
    {
        var engine = new StackEngine(_ => null)
        {
            ResourceDelay = TimeSpan.FromMilliseconds(1),
            OnResourceCreated = (_, r) => r.LogicalId == "Queue" ? throw new InvalidOperationException("the queue model broke") : null,
        };
        var stack = engine.CreateStack(new CreateStackInput("bg", Template, null, new Dictionary<string, string>(), [], [], null, false), "us-east-1");
        for (var i = 0; i < 200 && stack.Status.EndsWith("_IN_PROGRESS", StringComparison.Ordinal); i++) await Task.Delay(25);
        Assert.Equal("CREATE_FAILED", stack.Status);
        Assert.Contains("the queue model broke", stack.StatusReason, StringComparison.Ordinal);
        lock (stack.Sync)
            Assert.Contains(stack.Events, e => e.ResourceStatus == "CREATE_FAILED" && e.LogicalResourceId == "bg" && (e.ResourceStatusReason ?? "").Contains("InvalidOperationException", StringComparison.Ordinal));
    }
}
