using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.State;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.State;

public class KeyGroupPartitionerTests
{
    private static RecordBatch Sample(int rows)
    {
        var random = new Random(3);
        return Batch("id bigint, name string, n int, ts timestamp", Enumerable.Range(0, rows).Select(i => new object?[]
        {
            i % 11 == 5 ? null : random.NextInt64(-1000, 1000),
            i % 13 == 7 ? null : "name-" + random.Next(300),
            i,
            DateTime.UnixEpoch.AddMilliseconds(random.Next(100_000)),
        }).ToArray());
    }

    [Theory]
    [InlineData(new[] { 0 }, 1)]
    [InlineData(new[] { 0 }, 2)]
    [InlineData(new[] { 0 }, 8)]
    [InlineData(new[] { 3 }, 3)]
    [InlineData(new[] { 1 }, 8)]
    [InlineData(new[] { 0, 1 }, 5)]
    [InlineData(new int[0], 4)]
    public void Split_MatchesPerRowKeyGroupsOfEncodedKeys_InRowOrder(int[] routing, int partitions)
    {
        var batch = Sample(1200).Slice(150, 1000);
        var parts = KeyGroupPartitioner.Split(batch, routing, 128, partitions);
        var encoder = new KeyEncoder(new Schema(routing.Select(c => batch.Schema.FieldsList[c]).ToList(), null));
        var expected = new List<int>[partitions];
        for (var p = 0; p < partitions; p++) expected[p] = [];
        for (var r = 0; r < batch.Length; r++)
        {
            var group = routing.Length == 0 ? 0 : KeyGroups.Of(encoder.EncodeRow(routing.Select(batch.Column).ToList(), r), 128);
            expected[KeyGroups.PartitionOf(group, 128, partitions)].Add(r);
        }
        var ids = ((Int32Array)batch.Column(2)).ToArray();
        for (var p = 0; p < partitions; p++)
        {
            if (expected[p].Count == 0)
            {
                Assert.Null(parts[p]);
                continue;
            }
            Assert.Equal(expected[p].Select(r => ids[r]), ((Int32Array)parts[p]!.Column(2)).ToArray());
            Assert.Equal(expected[p].Select(r => Print(Rows(batch)[r])), Rows(parts[p]!).Select(Print));
        }
    }

    [Theory]
    [InlineData(new[] { 0 }, 1)]
    [InlineData(new[] { 0 }, 3)]
    [InlineData(new[] { 0, 1 }, 5)]
    [InlineData(new int[0], 4)]
    public void SplitOwned_GivesEachPartAnOwnerOfItsOwn_NeverTheBatch_WithTheSameRows(int[] routing, int partitions)
    {
        var batch = Sample(1200).Slice(150, 1000);
        var expected = KeyGroupPartitioner.Split(batch, routing, 128, partitions);
        var pool = new ArrowBufferPool();

        var parts = KeyGroupPartitioner.SplitOwned(batch, routing, 128, partitions, pool);

        var owners = new List<BatchBuffers>();
        for (var p = 0; p < partitions; p++)
        {
            if (expected[p] is null)
            {
                Assert.Null(parts[p]);
                continue;
            }
            var part = parts[p]!;
            Assert.NotSame(batch, part);
            Assert.Equal(Rows(expected[p]!).Select(Print), Rows(part).Select(Print));
            owners.Add(BatchBuffers.Of(part)!);
        }
        Assert.Equal(owners.Count, owners.Distinct().Count());
        Assert.True(pool.Rented > 0);
        // A part's reader releases it alone: the others read on, and every array is back once all are released.
        for (var p = 0; p < partitions; p++)
        {
            if (parts[p] is not { } part) continue;
            Assert.True(BatchBuffers.Release(part));
            for (var q = p + 1; q < partitions; q++)
                if (parts[q] is { } other) Assert.Equal(Rows(expected[q]!).Select(Print), Rows(other).Select(Print));
        }
        Assert.Equal(pool.Rented, pool.Returned);
    }

    [Theory]
    [InlineData(new int[0], 4)]
    [InlineData(new[] { 0 }, 1)]
    public void SplitOwned_OfASliceThatGoesWhole_CopiesOnlyItsRows_NotTheBatchItWasSlicedFrom(int[] routing, int partitions)
    {
        var big = Sample(100_000);
        var slice = big.Slice(40_000, 100);
        var pool = new ArrowBufferPool();

        var part = Assert.Single(KeyGroupPartitioner.SplitOwned(slice, routing, 128, partitions, pool), p => p is not null)!;

        Assert.Equal(Rows(slice).Select(Print), Rows(part).Select(Print));
        // A hundred rows of a long, a short string, an int and a timestamp: a few KB, where the batch sliced from is megabytes.
        Assert.True(BufferBytes(part) < 16_384, $"the part holds {BufferBytes(part):N0} bytes");
        Assert.True(BufferBytes(big) > 1_000_000);
        Assert.True(BatchBuffers.Release(part));
        Assert.Equal(pool.Rented, pool.Returned);
    }

    private static long BufferBytes(RecordBatch batch) =>
        Enumerable.Range(0, batch.ColumnCount).Sum(c => batch.Column(c).Data.Buffers.Sum(b => (long)b.Length));
}
