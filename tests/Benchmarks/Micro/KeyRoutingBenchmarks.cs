using Apache.Arrow;
using BenchmarkDotNet.Attributes;
using OrleansStream.Engine.State;

namespace OrleansStream.Benchmarks.Micro;

/// <summary>Key routing (KeyGroupPartitioner.Split): hash each row's key to one of 128 key groups and split the batch per partition.</summary>
public class KeyRoutingBenchmarks
{
    /// <summary>State partitions the batch is split over.</summary>
    [Params(2, 8)]
    public int Partitions { get; set; }

    /// <summary>Routing on an int64 column (bidder).</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public RecordBatch?[] Int64Key() => KeyGroupPartitioner.Split(MicroData.Bids, [1], 128, Partitions);

    /// <summary>Routing on a string column (channel).</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public RecordBatch?[] StringKey() => KeyGroupPartitioner.Split(MicroData.Bids, [3], 128, Partitions);
}
