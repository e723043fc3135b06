using MetaflowAws.Engine.Stacks;

namespace MetaflowAws.Tests;

/// <summary>When the waiter polls: rarely while the end is far, every (paced) second once it is near.</summary>
public sealed class WaitScheduleTests
{
    private static readonly DateTime T0 = new(2026, 12, 1, 8, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Progress = TimeSpan.FromSeconds(15);

    private static MetaflowStackEvent E(string logical, string type, string status, double second) => new()
    {
        StackName = "mf", LogicalResourceId = logical, ResourceType = type, ResourceStatus = status,
        Timestamp = T0.AddSeconds(second), EventId = $"{logical}-{status}-{second}",
    };

    [Fact]
    public void Before_anything_completes_it_polls_at_the_progress_interval()
    {
        var s = new WaitSchedule();
        s.Observe([E("Db", "AWS::RDS::DBInstance", "CREATE_IN_PROGRESS", 0)], T0.AddSeconds(1));
        Assert.Equal(Progress, s.NextDelay(total: 3, done: 0, Interval, Progress, T0.AddSeconds(1)));
    }

    [Fact]
    public void On_AWS_pace_a_database_still_far_from_done_waits_until_near_its_typical_end()
    {
        var s = new WaitSchedule();
        s.Observe([E("Role", "AWS::IAM::Role", "CREATE_IN_PROGRESS", 0), E("Role", "AWS::IAM::Role", "CREATE_COMPLETE", 15),
                   E("Db", "AWS::RDS::DBInstance", "CREATE_IN_PROGRESS", 15)], T0.AddSeconds(15));
        // Everything has started; the database is due at 15 + 600 s: polls every 15 s until 150 s before that.
        Assert.Equal(Progress, s.NextDelay(total: 2, done: 1, Interval, Progress, T0.AddSeconds(16)));
        Assert.Equal(TimeSpan.FromSeconds(5), s.NextDelay(total: 2, done: 1, Interval, Progress, T0.AddSeconds(460)));
        Assert.Equal(Interval, s.NextDelay(total: 2, done: 1, Interval, Progress, T0.AddSeconds(470)));
    }

    [Fact]
    public void A_scaled_down_stack_is_polled_at_its_measured_pace()
    {
        var s = new WaitSchedule();
        // Roles done in 0.03 s instead of 15 s: a pace of 1/500.
        s.Observe([E("A", "AWS::IAM::Role", "CREATE_IN_PROGRESS", 0), E("A", "AWS::IAM::Role", "CREATE_COMPLETE", 0.03),
                   E("B", "AWS::IAM::Role", "CREATE_IN_PROGRESS", 0.03), E("B", "AWS::IAM::Role", "CREATE_COMPLETE", 0.06),
                   E("C", "AWS::S3::Bucket", "CREATE_IN_PROGRESS", 0.06)], T0.AddSeconds(0.07));
        Assert.Equal(TimeSpan.FromMilliseconds(30), s.NextDelay(total: 4, done: 2, Interval, Progress, T0.AddSeconds(0.07)));
        Assert.Equal(WaitSchedule.MinimumDelay, s.NextDelay(total: 3, done: 2, Interval, Progress, T0.AddSeconds(0.1)));
    }

    [Fact]
    public void When_every_resource_is_done_the_stack_event_is_next()
    {
        var s = new WaitSchedule();
        s.Observe([E("A", "AWS::IAM::Role", "CREATE_IN_PROGRESS", 0), E("A", "AWS::IAM::Role", "CREATE_COMPLETE", 15)], T0.AddSeconds(16));
        Assert.Equal(Interval, s.NextDelay(total: 1, done: 1, Interval, Progress, T0.AddSeconds(16)));
    }

    [Fact]
    public void AWS_clock_ahead_of_ours_is_taken_from_the_events()
    {
        var s = new WaitSchedule();
        // Events stamped 100 s after our clock read them: AWS's "now" is ours + 100 s.
        s.Observe([E("Role", "AWS::IAM::Role", "CREATE_IN_PROGRESS", 100), E("Role", "AWS::IAM::Role", "CREATE_COMPLETE", 115),
                   E("Db", "AWS::RDS::DBInstance", "CREATE_IN_PROGRESS", 115)], T0.AddSeconds(16));
        Assert.Equal(Interval, s.NextDelay(total: 2, done: 1, Interval, Progress, T0.AddSeconds(470)));
        Assert.Equal(Progress, s.NextDelay(total: 2, done: 1, Interval, Progress, T0.AddSeconds(300)));
    }
}
