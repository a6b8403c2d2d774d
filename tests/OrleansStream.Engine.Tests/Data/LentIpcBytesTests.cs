using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Sources.Nexmark;

namespace OrleansStream.Engine.Tests.Data;

/// <summary>
/// Serialized batches lent from the pool (an exchange's parts on their way to a partition in the same silo): the bytes read
/// back as the batch, the array goes back exactly once, and memory the pool did not lend (a copy received from another
/// silo) is never taken.
/// </summary>
public sealed class LentIpcBytesTests
{
    [Fact]
    public void LentBytes_ReadBackAsTheBatch_AndTheirArrayIsTakenBackOnce()
    {
        var pool = new ArrowBufferPool();
        var batch = new NexmarkGenerator(NexmarkConfig.Default).Bids(100, 4_000);
        var lent = pool.Lend(batch);
        Assert.Equal(1, pool.Rented);
        Assert.Equal(ArrowIpc.Serialize(batch), lent.ToArray());

        var read = ArrowIpc.Deserialize(lent);
        Assert.Equal(batch.Length, read.Length);
        Assert.Equal(((Int64Array)batch.Column("auction")).Values.ToArray(), ((Int64Array)read.Column("auction")).Values.ToArray());

        Assert.False(pool.TakeBack(lent.ToArray()));        // a copy, as another silo receives it
        Assert.False(pool.TakeBack(ArrowIpc.Serialize(batch)));
        Assert.Equal(0, pool.Returned);
        Assert.True(pool.TakeBack(lent));
        Assert.False(pool.TakeBack(lent));                   // a second give-back returns nothing again
        Assert.Equal(pool.Rented, pool.Returned);
    }

    [Fact]
    public void AnArrayTakenBack_CarriesTheNextLentBatch()
    {
        var pool = new ArrowBufferPool();
        var generator = new NexmarkGenerator(NexmarkConfig.Default);
        var first = pool.Lend(generator.Bids(0, 2_000));
        Assert.True(pool.TakeBack(first));
        var next = generator.Bids(2_000, 2_000);
        var second = pool.Lend(next);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(first, out var a) & System.Runtime.InteropServices.MemoryMarshal.TryGetArray(second, out var b));
        Assert.Same(a.Array, b.Array);
        Assert.Equal(ArrowIpc.Serialize(next), second.ToArray());
        Assert.True(pool.TakeBack(second));
        Assert.Equal(pool.Rented, pool.Returned);
    }

    // State files are encoded in the engine's pool (rented on the partition's thread, given back by the write thread).
    [Fact]
    public void BytesEncodedInThePool_AreTheBatchsStream_AndGoBackOnDispose_ForTheNextEncoding()
    {
        var pool = new ArrowBufferPool();
        var generator = new NexmarkGenerator(NexmarkConfig.Default);
        var batch = generator.Bids(0, 30_000);
        byte[] first;
        using (var file = ArrowIpc.SerializePooled(batch, null, pool.Arrays))
        {
            Assert.Equal(ArrowIpc.Serialize(batch), file.Memory.ToArray());
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray<byte>(file.Memory, out var segment));
            first = segment.Array!;
            Assert.Equal(pool.Rented - 1, pool.Returned);
        }
        Assert.Equal(pool.Rented, pool.Returned);
        var next = generator.Bids(30_000, 30_000);
        using (var file = ArrowIpc.SerializePooled(next, null, pool.Arrays))
        {
            Assert.Equal(ArrowIpc.Serialize(next), file.Memory.ToArray());
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray<byte>(file.Memory, out var segment));
            Assert.Same(first, segment.Array);
        }
        Assert.Equal(pool.Rented, pool.Returned);
    }
}
