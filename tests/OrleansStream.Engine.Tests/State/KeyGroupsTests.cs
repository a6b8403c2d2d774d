using Apache.Arrow;
using OrleansStream.Engine.State;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.State;

public class KeyGroupsTests
{
    private static int[] Assign(RecordBatch batch, int numKeyGroups)
    {
        var groups = new int[batch.Length];
        KeyGroups.Assign(Columns(batch, Enumerable.Range(0, batch.ColumnCount).ToArray()), batch.Length, numKeyGroups, groups);
        return groups;
    }

    // The expected groups were computed by an independent (Python) MurmurHash64A over the documented key encoding. They pin
    // routing across processes and releases: if they change, restored state would land in the wrong partitions.
    [Fact]
    public void Assign_IsPinnedAcrossProcesses()
    {
        Assert.Equal([103], Assign(Batch("k int", [1]), 128));
        Assert.Equal([807], Assign(Batch("k int", [1]), 1000));
        Assert.Equal([127], Assign(Batch("k bigint", [42L]), 128));
        Assert.Equal([92, 36], Assign(Batch("k string", ["user-1"], [null]), 128));
        Assert.Equal([31], Assign(Batch("k string, n bigint", ["日本", 7L]), 128));
        Assert.Equal(90, KeyGroups.Of([], 128));
        Assert.Equal([90, 90], Assign(new RecordBatch(Schema(""), [], 2), 128));
    }

    [Fact]
    public void Assign_SameKeyInDifferentArraysAndBatches_SameGroup()
    {
        var first = Batch("k string, n int", ["a", 1], ["b", null], ["日本", 3], ["a", 1]);
        var second = Batch("k string, n int", ["zzz", 9], ["日本", 3], ["b", null]);
        var g1 = Assign(first, 128);
        var g2 = Assign(second, 128);
        var g3 = Assign(second.Slice(1, 2), 128);
        Assert.Equal(g1[0], g1[3]);
        Assert.Equal(g1[2], g2[1]);
        Assert.Equal(g1[1], g2[2]);
        Assert.Equal(g2[1..], g3);

        var encoder = new KeyEncoder(first.Schema);
        Assert.Equal(g1[2], KeyGroups.Of(encoder.EncodeRow(Columns(first, 0, 1), 2), 128));
    }

    [Fact]
    public void Assign_SpreadsKeysOverEveryGroup()
    {
        var batch = Batch("k bigint", Enumerable.Range(0, 10_000).Select(i => new object?[] { (long)i }).ToArray());
        var counts = new int[128];
        foreach (var g in Assign(batch, 128)) counts[g]++;
        Assert.All(counts, c => Assert.InRange(c, 40, 120));
    }

    [Theory]
    [InlineData(128, 1)]
    [InlineData(128, 3)]
    [InlineData(128, 128)]
    [InlineData(10, 4)]
    [InlineData(4, 10)]
    public void PartitionOf_OwnsContiguousWholeRanges(int numKeyGroups, int numPartitions)
    {
        var next = 0;
        for (var p = 0; p < numPartitions; p++)
        {
            var (start, end) = KeyGroups.KeyGroupRange(p, numKeyGroups, numPartitions);
            Assert.Equal(next, start);
            for (var g = start; g < end; g++) Assert.Equal(p, KeyGroups.PartitionOf(g, numKeyGroups, numPartitions));
            next = end;
        }
        Assert.Equal(numKeyGroups, next);
    }

    [Fact]
    public void PartitionOf_128GroupsOver3Partitions()
    {
        Assert.Equal((0, 43), KeyGroups.KeyGroupRange(0, 128, 3));
        Assert.Equal((43, 86), KeyGroups.KeyGroupRange(1, 128, 3));
        Assert.Equal((86, 128), KeyGroups.KeyGroupRange(2, 128, 3));
        Assert.Equal(0, KeyGroups.PartitionOf(42, 128, 3));
        Assert.Equal(1, KeyGroups.PartitionOf(43, 128, 3));
        Assert.Equal(2, KeyGroups.PartitionOf(127, 128, 3));
    }
}
