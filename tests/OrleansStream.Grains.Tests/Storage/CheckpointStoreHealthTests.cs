using Microsoft.Extensions.Time.Testing;
using OrleansStream.Grains.Storage;

namespace OrleansStream.Grains.Tests.Storage;

/// <summary>Stall accounting: one stall spans the calls that fail together, and an epoch's window sees only its part.</summary>
public sealed class CheckpointStoreHealthTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_stall_runs_from_the_first_failing_call_to_the_next_success_and_is_counted_by_window()
    {
        var clock = new FakeTimeProvider(T0);
        var health = new CheckpointStoreHealth(clock);
        Assert.Null(health.OnSuccess());

        clock.SetUtcNow(T0.AddSeconds(10));
        health.OnFailure(T0.AddSeconds(8));
        health.OnFailure(T0.AddSeconds(9)); // a second call failing in the same outage
        Assert.Equal(T0.AddSeconds(8), health.CurrentStallStarted);
        clock.SetUtcNow(T0.AddSeconds(20));
        Assert.Equal(12_000, health.TotalStallMs);
        Assert.Equal(2_000, health.StalledMsBetween(T0.AddSeconds(18), T0.AddSeconds(30)));

        Assert.Equal((TimeSpan?)TimeSpan.FromSeconds(12), health.OnSuccess());
        Assert.Null(health.CurrentStallStarted);
    }

    [Fact]
    public void Completed_stalls_count_only_within_the_window()
    {
        var clock = new FakeTimeProvider(T0);
        var health = new CheckpointStoreHealth(clock);
        health.OnFailure(T0);
        clock.SetUtcNow(T0.AddSeconds(5));
        Assert.Equal((TimeSpan?)TimeSpan.FromSeconds(5), health.OnSuccess());
        Assert.Null(health.CurrentStallStarted);

        Assert.Equal(5_000, health.TotalStallMs);
        Assert.Equal(5_000, health.StalledMsBetween(T0.AddSeconds(-1), T0.AddSeconds(6)));
        Assert.Equal(3_000, health.StalledMsBetween(T0.AddSeconds(2), T0.AddSeconds(60)));
        Assert.Equal(0, health.StalledMsBetween(T0.AddSeconds(5), T0.AddSeconds(60)));
    }
}
