using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Tests.Aggregation;

/// <summary>The dense counting of DenseCountFold itself.</summary>
public class DenseCountFoldTests
{
    [Fact]
    public void Count_WhenManyKeysAreNew_KeepsEachOnceInFirstSeenOrder()
    {
        // 5,000 distinct keys, each twice (even and odd rows): more first-seen entries than the fold starts with.
        var values = Enumerable.Range(0, 10_000).Select(i => 7_000_000L + (i / 2 * 7919 % 5000)).ToArray();
        var fold = new DenseCountFold();
        Assert.True(fold.TryLayOut(values));
        Assert.Equal(values.Length, fold.Count(values));
        Assert.Equal(5000, fold.Keys);
        var keys = new long[fold.Keys];
        var counts = new long[fold.Keys];
        fold.Drain(keys, counts);
        Assert.Equal(values.Distinct(), keys);
        Assert.All(counts, c => Assert.Equal(2, c));
        Assert.False(fold.IsActive);
    }

    [Fact]
    public void EstimatedBytes_WhenFewKeys_HoldsTheTwoLanesAndRoomForFewKeys()
    {
        // q12: a batch of 65,536 rows lays out 262,144 entries a lane; its few thousand keys need no entry per range value.
        var values = Enumerable.Range(0, 65_536).Select(i => 1_000_000L + i % 3000).ToArray();
        var fold = new DenseCountFold();
        Assert.True(fold.TryLayOut(values));
        fold.Count(values);
        Assert.Equal(3000, fold.Keys);
        Assert.Equal(2L * DenseSlotMap.MostEntries(values.Length) * sizeof(int) + 4096 * sizeof(int), fold.EstimatedBytes);
    }
}
