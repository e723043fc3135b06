namespace MetaflowAws.Tests;

/// <summary>The one way tests wait: poll a condition until it holds, within a bound that fails the test with what it waited for.</summary>
internal static class Bounded
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Waited {(within ?? TimeSpan.FromSeconds(60)).TotalSeconds:0} s for {what}; last seen: {value}");
            await Task.Delay(25);
        }
    }
}
