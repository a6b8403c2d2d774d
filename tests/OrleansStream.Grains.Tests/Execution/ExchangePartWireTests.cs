using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace OrleansStream.Grains.Tests.Execution;

/// <summary>
/// <c>IStatePartitionGrain.StageAsync</c> took an exchange part as <c>byte[]</c> until it took <c>ReadOnlyMemory&lt;byte&gt;</c>
/// under the same alias. In a cluster upgraded one silo at a time, a source task on a silo of either version stages parts
/// on partitions of the other: the argument's field must read across the change, both ways. The two messages below have
/// the invokable's shape (the argument's field after the others, by id) with the old and the new type.
/// </summary>
public sealed class ExchangePartWireTests
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

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
    public void An_empty_part_reads_as_empty_both_ways()
    {
        Assert.True(Serializer.Deserialize<MemoryStage>(Serializer.SerializeToArray(new ArrayStage(Guid.Empty, 0, 0, [])))!.ArrowIpc.IsEmpty);
        Assert.Empty(Serializer.Deserialize<ArrayStage>(Serializer.SerializeToArray(new MemoryStage(Guid.Empty, 0, 0, ReadOnlyMemory<byte>.Empty)))!.ArrowIpc);
    }

    [GenerateSerializer]
    public sealed record ArrayStage([property: Id(0)] Guid Attempt, [property: Id(1)] long BatchId, [property: Id(2)] int Producer, [property: Id(3)] byte[] ArrowIpc);

    [GenerateSerializer]
    public sealed record MemoryStage([property: Id(0)] Guid Attempt, [property: Id(1)] long BatchId, [property: Id(2)] int Producer, [property: Id(3)] ReadOnlyMemory<byte> ArrowIpc);
}
