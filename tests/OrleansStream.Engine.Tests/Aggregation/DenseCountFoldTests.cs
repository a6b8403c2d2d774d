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
    public void EstimatedBytes_WhenFewKeys_HoldsLanesAroundTheirSpanNotTheRange()
    {
        // q12: a batch of 65,536 rows lays out a range of 262,144 entries; its 3,000 keys need lanes of 8,192 (twice their span).
        var values = Enumerable.Range(0, 65_536).Select(i => 1_000_000L + i % 3000).ToArray();
        var fold = new DenseCountFold();
        Assert.True(fold.TryLayOut(values));
        fold.Count(values);
        Assert.Equal(3000, fold.Keys);
        Assert.Equal(2L * 8192 * sizeof(int) + 4096 * sizeof(int), fold.EstimatedBytes);
    }

    [Fact]
    public void Count_WhenKeysOfTheRangeFallOutsideTheLanes_WidensThemAndCountsEveryRow()
    {
        // The first batch spans 1,000 values; the range (4 x 20,000 entries) reaches far below and above them, and later
        // batches go there: below, above, then both, in one batch and at odd positions.
        var first = Enumerable.Range(0, 20_000).Select(i => 5_000_000L + i % 1000).ToArray();
        var fold = new DenseCountFold();
        Assert.True(fold.TryLayOut(first));
        var batches = new[]
        {
            first,
            Enumerable.Range(0, 999).Select(i => 4_990_000L + i * 7 % 9000).ToArray(),
            Enumerable.Range(0, 1001).Select(i => 5_001_000L + i * 31 % 50_000).ToArray(),
            Enumerable.Range(0, 5).Select(i => i % 2 == 0 ? 4_985_000L - i : 5_055_000L + i).ToArray(),
        };
        foreach (var batch in batches) Assert.Equal(batch.Length, fold.Count(batch));
        var expected = batches.SelectMany(b => b).GroupBy(v => v).Select(g => (g.Key, (long)g.Count())).ToList();
        var keys = new long[fold.Keys];
        var counts = new long[fold.Keys];
        fold.Drain(keys, counts);
        Assert.Equal(expected, keys.Zip(counts).ToList());
    }

    [Fact]
    public void Count_WhenAKeyLiesOutsideTheRange_StopsThere()
    {
        var values = Enumerable.Range(0, 4096).Select(i => 100L + i % 100).ToArray();
        var fold = new DenseCountFold();
        Assert.True(fold.TryLayOut(values));
        Assert.Equal(3, fold.Count([150, 151, 150, 100 + DenseSlotMap.MostEntries(values.Length), 150]));
        Assert.Equal(3, fold.Rows);
        Assert.Equal(2, fold.Keys);
    }

    [Fact]
    public void TryLayOut_WhenTheLanesOfAnEarlierEpochAreLongEnough_AllocatesNoLanes()
    {
        // Epoch after epoch the ids move up: the lanes, cleared by Drain, are placed again around the next span.
        var fold = new DenseCountFold();
        var keys = new long[1000];
        var counts = new long[1000];
        for (var epoch = 0; epoch < 3; epoch++)
        {
            var values = Enumerable.Range(0, 10_000).Select(i => 1_000_000L + epoch * 3000 + i % 1000).ToArray();
            var before = GC.GetAllocatedBytesForCurrentThread();
            Assert.True(fold.TryLayOut(values));
            Assert.Equal(values.Length, fold.Count(values));
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (epoch > 0) Assert.True(allocated < 1024, $"{allocated} bytes allocated");   // lanes: 2 x 16 KB
            Assert.Equal(1000, fold.Keys);
            fold.Drain(keys, counts);
            Assert.Equal(Enumerable.Range(0, 1000).Select(i => 1_000_000L + epoch * 3000 + i), keys);
            Assert.All(counts, c => Assert.Equal(10, c));
        }
    }
}
