namespace OrleansStream.Client.Tests.Sessions;

/// <summary>
/// Disposing a session with an embedded silo: a host may stop it and its container dispose it at the same moment, and each
/// caller then relies on the silo having stopped (to delete its data folder, to start another on it).
/// </summary>
public sealed class StreamSessionDisposeTests
{
    [Fact]
    public async Task DisposeAsync_CalledTwiceAtOnce_EachReturnsOnceTheSiloStopped_AndLaterCallsReturnAtOnce()
    {
        using var dir = new TempDirectory();
        var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path });
        var query = await session.ReadStream.Format("rate").Option("rowsPerSecond", 1000).Load()
            .WriteStream.Format("noop").Option("checkpointLocation", "rate-to-noop").StartAsync();
        await WaitUntil(() => query.Status.LastCommittedBatchId >= 1);

        var first = session.DisposeAsync().AsTask();
        var second = session.DisposeAsync().AsTask();
        await second;
        Assert.True(first.IsCompletedSuccessfully, "the second DisposeAsync returned while the first was still stopping the silo");
        Assert.False(query.IsActive);

        // Nothing of the stopped silo writes any more: its data folder goes at once and stays gone.
        Directory.Delete(dir.Path, recursive: true);
        await Task.Delay(500);
        Assert.False(Directory.Exists(dir.Path));
        await session.DisposeAsync();
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition() && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(condition());
    }
}
