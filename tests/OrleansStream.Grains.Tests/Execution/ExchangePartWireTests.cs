using Apache.Arrow;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Sources.Nexmark;
using OrleansStream.Grains.State;
using OrleansStream.Interfaces.Execution;
using OrleansStream.Plan.Data;

namespace OrleansStream.Grains.Tests.Execution;

/// <summary>
/// <c>IStatePartitionGrain.StageAsync</c> took an exchange part as <c>byte[]</c>, then as <c>ReadOnlyMemory&lt;byte&gt;</c>
/// (both an Arrow IPC stream), and now as <see cref="ExchangeRows"/>, under the same alias. In a cluster upgraded one silo
/// at a time, a source task on a silo of any version stages parts on partitions of another: the argument's field must read
/// across the changes, every way. The messages below have the invokable's shape (the argument's field after the others, by
/// id) with each type. Within a silo the part is not copied at all.
/// </summary>
public sealed class ExchangePartWireTests
{
    // The receiving silo's pool (a silo registers its own, or uses the shared one).
    private static readonly ArrowBufferPool ReceiverPool = new();
    private static readonly IServiceProvider Services = new ServiceCollection().AddSingleton(ReceiverPool)
        .AddSerializer(b => b.AddAssembly(typeof(ExchangeRowsCodec).Assembly)).BuildServiceProvider();
    private static readonly Serializer Serializer = Services.GetRequiredService<Serializer>();
    private static readonly RecordBatch Bids = new NexmarkGenerator(NexmarkConfig.Default).Bids(100, 1_500);

    [Fact]
    public void A_part_sent_as_a_byte_array_reads_as_memory_and_back()
    {
        var attempt = Guid.NewGuid();
        byte[] part = [0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 0, 4, 5];

        var asMemory = Serializer.Deserialize<MemoryStage>(Serializer.SerializeToArray(new ArrayStage(attempt, 7, 2, part)))!;
        Assert.Equal((attempt, 7L, 2), (asMemory.Attempt, asMemory.BatchId, asMemory.Producer));
        Assert.Equal(part, asMemory.ArrowIpc.ToArray());

        var asArray = Serializer.Deserialize<ArrayStage>(Serializer.SerializeToArray(new MemoryStage(attempt, 8, 3, part.AsMemory(4, 3))))!;
        Assert.Equal((attempt, 8L, 3), (asArray.Attempt, asArray.BatchId, asArray.Producer));
        Assert.Equal([1, 2, 3], asArray.ArrowIpc);
    }

    [Fact]
    public void A_part_sent_as_rows_reads_as_the_ipc_stream_the_previous_versions_decode()
    {
        var attempt = Guid.NewGuid();
        var message = Serializer.SerializeToArray(new RowsStage(attempt, 9, 4, new ExchangeRows(Bids)));

        var asMemory = Serializer.Deserialize<MemoryStage>(message)!;
        Assert.Equal((attempt, 9L, 4), (asMemory.Attempt, asMemory.BatchId, asMemory.Producer));
        AssertSameRows(Bids, Assert.Single(ArrowIpc.DeserializeMany(asMemory.ArrowIpc)));
        AssertSameRows(Bids, ArrowIpc.Deserialize(Serializer.Deserialize<ArrayStage>(message)!.ArrowIpc));
    }

    [Fact]
    public void A_part_sent_as_ipc_bytes_by_a_previous_version_reads_as_rows()
    {
        var attempt = Guid.NewGuid();
        var ipc = ArrowIpc.Serialize(Bids);

        var fromMemory = Serializer.Deserialize<RowsStage>(Serializer.SerializeToArray(new MemoryStage(attempt, 10, 5, ipc)))!;
        Assert.Equal((attempt, 10L, 5), (fromMemory.Attempt, fromMemory.BatchId, fromMemory.Producer));
        AssertSameRows(Bids, fromMemory.Rows.Rows);
        AssertSameRows(Bids, Serializer.Deserialize<RowsStage>(Serializer.SerializeToArray(new ArrayStage(attempt, 11, 6, ipc)))!.Rows.Rows);
    }

    [Fact]
    public void A_part_encoded_for_another_silo_is_the_senders_to_release_unless_a_partition_of_its_silo_received_it()
    {
        var part = new ExchangeRows(Bids);
        Assert.False(part.SentAsCopyOnly);          // not sent yet, or handed to a partition of this silo as it is
        Serializer.SerializeToArray(part);
        Assert.True(part.SentAsCopyOnly);           // left the silo as bytes only: the sender releases it once the call completed
        part.NoteReceived();                        // re-sent after a rejection, to an activation in the sender's silo
        Assert.False(part.SentAsCopyOnly);
    }

    [Fact]
    public void Rows_in_pooled_arrays_travel_between_silos_as_a_copy_and_within_one_as_themselves()
    {
        var pool = new ArrowBufferPool();
        var owner = new BatchBuffers(pool);
        var part = new ExchangeRows(owner.OwnedCopy(Bids));

        var received = Serializer.Deserialize<ExchangeRows>(Serializer.SerializeToArray(part))!;
        Assert.NotSame(BatchBuffers.Of(part.Rows), BatchBuffers.Of(received.Rows));   // bytes of its own, owned by its batch
        Assert.True(BatchBuffers.Release(part.Rows));          // the sender's arrays are still whole after encoding
        AssertSameRows(Bids, received.Rows);
        Assert.Equal(pool.Rented, pool.Returned);
        // The receiver's bytes are rented from its silo's pool and go back when its partition releases the part.
        var (rented, returned) = (ReceiverPool.Rented, ReceiverPool.Returned);
        var again = Serializer.Deserialize<ExchangeRows>(Serializer.SerializeToArray(new ExchangeRows(Bids)))!;
        Assert.Equal((rented + 1, returned), (ReceiverPool.Rented, ReceiverPool.Returned));
        AssertSameRows(Bids, again.Rows);
        Assert.True(BatchBuffers.Release(again.Rows));
        Assert.Equal(returned + 1, ReceiverPool.Returned);

        Assert.Same(part, Services.GetRequiredService<DeepCopier>().Copy(part));
    }

    private static void AssertSameRows(RecordBatch expected, RecordBatch actual) =>
        Assert.Equal(Rows(expected), Rows(actual));

    private static List<string> Rows(RecordBatch batch) =>
        Enumerable.Range(0, batch.Length).Select(r => string.Join("|", Enumerable.Range(0, batch.ColumnCount).Select(c => ArrowValues.GetValue(batch.Column(c), r)?.ToString()))).ToList();

    [GenerateSerializer]
    public sealed record ArrayStage([property: Id(0)] Guid Attempt, [property: Id(1)] long BatchId, [property: Id(2)] int Producer, [property: Id(3)] byte[] ArrowIpc);

    [GenerateSerializer]
    public sealed record MemoryStage([property: Id(0)] Guid Attempt, [property: Id(1)] long BatchId, [property: Id(2)] int Producer, [property: Id(3)] ReadOnlyMemory<byte> ArrowIpc);

    [GenerateSerializer]
    public sealed record RowsStage([property: Id(0)] Guid Attempt, [property: Id(1)] long BatchId, [property: Id(2)] int Producer, [property: Id(3)] ExchangeRows Rows);
}
