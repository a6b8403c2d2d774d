using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Subscriptions;

/// <summary>
/// Live subscriptions (issue 21 item 4): each committed epoch reaches a subscriber once, with exactly its rows by output
/// mode; a subscriber resumes after an epoch; one that stops reading is dropped while the query goes on.
/// </summary>
[Collection(SessionCollection.Name)]
public sealed class SubscriptionTests(SessionFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private StreamSession Session => fixture.Session;

    [Fact]
    public async Task Append_DeliversEachEpochsNewRows_Once_InBatchOrder()
    {
        var input = Session.CreateMemoryStream<int>();
        var query = await input.ToDF().Where(Col("value") % 2 == 1).Select((Col("value") * 10).As("tens"))
            .WriteStream.Format("memory").QueryName("subscribe_append").StartAsync();
        await using var subscription = await query.SubscribeAsync();

        await input.AddDataAsync(1, 2, 3);
        await query.ProcessAllAvailableAsync();
        await input.AddDataAsync(4, 5, 7);
        await query.ProcessAllAvailableAsync();

        var changes = await TakeAsync(subscription, 2);
        Assert.Equal([0L, 1L], changes.Select(c => c.BatchId));
        Assert.All(changes, c => Assert.Equal("append", c.OutputMode));
        Assert.Equal([10, 30], changes[0].Rows.Select(r => r.Get<int>("tens")));
        Assert.Equal([50, 70], changes[1].Rows.Select(r => r.Get<int>("tens")));
        await query.StopAsync();
    }

    [Fact]
    public async Task Update_DeliversTheChangedRows_Complete_TheWholeTable()
    {
        var input = Session.CreateMemoryStream<string>();
        var counts = input.ToDF().GroupBy("value").Count();
        var update = await counts.WriteStream.Format("memory").OutputMode(OutputMode.Update).QueryName("subscribe_update").StartAsync();
        var complete = await counts.WriteStream.Format("memory").OutputMode(OutputMode.Complete).QueryName("subscribe_complete").StartAsync();
        await using var updates = await update.SubscribeAsync();
        await using var tables = await complete.SubscribeAsync();

        await input.AddDataAsync("a", "b", "a");
        await update.ProcessAllAvailableAsync();
        await complete.ProcessAllAvailableAsync();
        await input.AddDataAsync("a", "c");
        await update.ProcessAllAvailableAsync();
        await complete.ProcessAllAvailableAsync();

        var changed = await TakeAsync(updates, 2);
        Assert.Equal("update", changed[0].OutputMode);
        Assert.Equal(["a:2", "b:1"], Render(changed[0]));
        Assert.Equal(["a:3", "c:1"], Render(changed[1]));
        var whole = await TakeAsync(tables, 2);
        Assert.Equal("complete", whole[1].OutputMode);
        Assert.Equal(["a:2", "b:1"], Render(whole[0]));
        Assert.Equal(["a:3", "b:1", "c:1"], Render(whole[1]));
        await update.StopAsync();
        await complete.StopAsync();
    }

    [Fact]
    public async Task Resume_AfterABatch_DeliversOnlyTheLaterEpochs_AndTooOldAResumeIsRefusedNamingTheBound()
    {
        var input = Session.CreateMemoryStream<int>();
        var query = await input.ToDF().WriteStream.Format("memory").QueryName("subscribe_resume").StartAsync();
        long lastSeen;
        await using (var first = await query.SubscribeAsync())
        {
            for (var i = 0; i < 3; i++)
            {
                await input.AddDataAsync(i);
                await query.ProcessAllAvailableAsync();
            }
            lastSeen = (await TakeAsync(first, 3))[^1].BatchId;
        }
        Assert.Equal(2, lastSeen);
        // Disconnected: two more epochs commit.
        for (var i = 3; i < 5; i++)
        {
            await input.AddDataAsync(i);
            await query.ProcessAllAvailableAsync();
        }

        await using (var resumed = await query.SubscribeAsync(lastSeen))
        {
            var missed = await TakeAsync(resumed, 2);
            Assert.Equal([3L, 4L], missed.Select(c => c.BatchId));
            Assert.Equal([3, 4], missed.SelectMany(c => c.Rows).Select(r => r.Get<int>("value")));
        }

        // The silo retains the last 16 committed epochs (OrleansStream:SubscriptionRetainedEpochs).
        for (var i = 5; i < 20; i++)
        {
            await input.AddDataAsync(i);
            await query.ProcessAllAvailableAsync();
        }
        var error = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => query.SubscribeAsync(lastSeen));
        Assert.Contains("after batch 2", error.Message);
        Assert.Contains("the oldest retained batch is 4", error.Message);
        Assert.Contains("SubscriptionRetainedEpochs", error.Message);
        await query.StopAsync();
    }

    [Fact]
    public async Task SubscriberThatStopsReading_IsDroppedWithTheBound_WhileTheQueryGoesOn()
    {
        var input = Session.CreateMemoryStream<int>();
        var query = await input.ToDF().WriteStream.Format("subscription").StartAsync();
        await using var reader = await query.SubscribeAsync();
        await using var slow = await query.SubscribeAsync(new SubscriptionOptions { BufferEpochs = 2 });

        for (var i = 0; i < 5; i++)
        {
            await input.AddDataAsync(i);
            await query.ProcessAllAvailableAsync();
        }

        // The query committed every epoch, and a subscriber that reads got them all.
        Assert.Equal(4, query.LastProgress!.BatchId);
        var read = await TakeAsync(reader, 5);
        Assert.Equal([0L, 1L, 2L, 3L, 4L], read.Select(c => c.BatchId));
        // The subscription sink hands subscribers the rows and keeps nothing.
        Assert.Equal([0, 1, 2, 3, 4], read.SelectMany(c => c.Rows).Select(r => r.Get<int>("value")));
        // The one that did not read yields what it held, then the reason it was dropped.
        using var timeout = new CancellationTokenSource(Patience);
        var held = new List<long>();
        var dropped = await Assert.ThrowsAsync<SubscriberDroppedException>(async () =>
        {
            await foreach (var change in slow.WithCancellation(timeout.Token)) held.Add(change.BatchId);
        });
        Assert.Equal([0L, 1L], held);
        Assert.Contains("dropped at batch 2", dropped.Message);
        Assert.Contains("buffer of 2 epochs", dropped.Message);
        await query.StopAsync();
    }

    [Fact]
    public async Task SinkHandedNoRows_EachCommittedEpochIsStillDeliveredOnce_InBatchOrder_AndResumable()
    {
        // A noop sink is never handed rows, so its partitions record nothing with the subscriptions: the commits publish the epochs.
        var input = Session.CreateMemoryStream<int>();
        var query = await input.ToDF().WriteStream.Format("noop").QueryName("subscribe_noop").StartAsync();
        await using (var first = await query.SubscribeAsync())
        {
            for (var i = 0; i < 3; i++)
            {
                await input.AddDataAsync(i);
                await query.ProcessAllAvailableAsync();
            }
            var changes = await TakeAsync(first, 3);
            Assert.Equal([0L, 1L, 2L], changes.Select(c => c.BatchId));
            Assert.All(changes, c => Assert.Equal("append", c.OutputMode));
            Assert.All(changes, c => Assert.Empty(c.Rows));
        }
        // Disconnected: two more epochs commit, retained for a subscriber that resumes.
        for (var i = 3; i < 5; i++)
        {
            await input.AddDataAsync(i);
            await query.ProcessAllAvailableAsync();
        }
        await using (var resumed = await query.SubscribeAsync(0))
        {
            var missed = await TakeAsync(resumed, 4);
            Assert.Equal([1L, 2L, 3L, 4L], missed.Select(c => c.BatchId));
        }
        await query.StopAsync();
    }

    internal static async Task<List<ResultChange>> TakeAsync(ResultSubscription subscription, int count)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var changes = new List<ResultChange>();
        await using var e = subscription.GetAsyncEnumerator(timeout.Token);
        while (changes.Count < count && await e.MoveNextAsync()) changes.Add(e.Current);
        return changes;
    }

    private static List<string> Render(ResultChange change) =>
        change.Rows.Select(r => $"{r["value"]}:{r["count"]}").Order(StringComparer.Ordinal).ToList();
}
