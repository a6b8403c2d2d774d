using OrleansStream.Engine.Subscriptions;

namespace OrleansStream.Engine.Tests.Subscriptions;

public sealed class EpochPublicationTests
{
    private static readonly Guid A = Guid.NewGuid(), B = Guid.NewGuid();

    private static EpochPublication<string> Publication(int retain = 16) =>
        new(retain, (batchId, mode, parts) => $"{batchId}:{mode}:{string.Join(",", parts.Select(p => (char)p[0]))}");

    private static byte[][] Rows(char c) => [[(byte)c]];

    [Fact]
    public void EachEpochIsPublishedOnce_InBatchOrder_WhicheverCommitArrivesFirst_WithItsPartsInSinkPartitionOrder()
    {
        var epochs = Publication();
        Assert.Equal(["0:append:"], epochs.Commit(0, A, "append"));
        epochs.Record(A, 1, "q|1", "append", Rows('y'));
        epochs.Record(A, 1, "q|0", "append", Rows('x'));
        epochs.Record(A, 2, "q|0", "append", Rows('z'));

        // Epoch 2's commit message overtook epoch 1's: both committed, published in order; the late one publishes nothing.
        Assert.Equal(["1:append:x,y", "2:append:z"], epochs.Commit(2, A, "append"));
        Assert.Empty(epochs.Commit(1, A, "append"));
        Assert.Equal(2, epochs.LastCommitted);
        // What arrives for a committed epoch (a late stage of an old attempt) is not published again.
        epochs.Record(A, 2, "q|1", "append", Rows('w'));
        Assert.Equal(["3:append:"], epochs.Commit(3, A, "append"));
    }

    [Fact]
    public void AnEarlierAttemptsRows_AreNotPublished_WhenTheCommitNamesAnother()
    {
        var epochs = Publication();
        epochs.Record(A, 0, "q|0", "update", Rows('a'));
        // The re-run attempt B handed this partition no rows, so it recorded nothing: epoch 0 has no rows.
        Assert.Equal(["0:update:"], epochs.Commit(0, B, "update"));

        epochs.Record(A, 1, "q|0", "update", Rows('a'));
        epochs.Record(B, 1, "q|0", "update", Rows('b'));
        Assert.Equal(["1:update:b"], epochs.Commit(1, B, "update"));
        // Without an attempt (Guid.Empty), whatever was recorded is published.
        epochs.Record(A, 2, "q|0", "update", Rows('c'));
        Assert.Equal(["2:update:c"], epochs.Commit(2, Guid.Empty, "update"));
    }

    [Fact]
    public void TheLatestEpochsAreRetained_AndASubscriberCanResumeOnlyFromWhatIsRetained()
    {
        var epochs = Publication(retain: 3);
        for (var id = 0; id < 5; id++) epochs.Commit(id, A, "append");

        Assert.Equal([2L, 3L, 4L], epochs.Retained.Select(e => e.BatchId));
        Assert.True(epochs.CanResumeAfter(1, out var oldest));
        Assert.Equal(2, oldest);
        Assert.True(epochs.CanResumeAfter(4, out _));
        Assert.True(epochs.CanResumeAfter(9, out _));
        Assert.False(epochs.CanResumeAfter(0, out oldest));
        Assert.Equal(2, oldest);
    }

    [Fact]
    public void AfterAMove_TheFirstCommitHeardStartsIt_FromTheOldestRecordedEpoch_AndNoFurtherBackThanItRetains()
    {
        var moved = Publication(retain: 2);
        Assert.Equal(["7:append:"], moved.Commit(7, A, "append"));

        var recorded = Publication(retain: 2);
        recorded.Record(A, 5, "q|0", "append", Rows('e'));
        recorded.Record(A, 6, "q|0", "append", Rows('f'));
        recorded.Record(A, 7, "q|0", "append", Rows('g'));
        // Epochs 5 to 7 were recorded; only the last two fit the retained count.
        Assert.Equal(["6:append:f", "7:append:g"], recorded.Commit(7, A, "append"));
    }
}
