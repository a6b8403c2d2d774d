using Apache.Arrow;
using BenchmarkDotNet.Attributes;
using OrleansStream.Engine.State;

namespace OrleansStream.Benchmarks.Micro;

/// <summary>Key routing (KeyGroupPartitioner.Split): hash each row's key to one of 128 key groups and split the batch per partition;
/// the KeyGroups variants time the hashing alone (they do not depend on the partition count).</summary>
public class KeyRoutingBenchmarks
{
    private readonly int[] _groups = new int[MicroData.Rows];
    private readonly int[] _windowGroups = new int[MicroData.WindowRows];

    /// <summary>State partitions the batch is split over.</summary>
    [Params(2, 8)]
    public int Partitions { get; set; }

    /// <summary>Routing on an int64 column (bidder).</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public RecordBatch?[] Int64Key() => KeyGroupPartitioner.Split(MicroData.Bids, [1], 128, Partitions);

    /// <summary>Routing on a string column (channel).</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public RecordBatch?[] StringKey() => KeyGroupPartitioner.Split(MicroData.Bids, [3], 128, Partitions);

    /// <summary>Only the key groups of an int64 column (the hashing part of routing, no split).</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public int Int64KeyGroups() => Assign(1);

    /// <summary>Only the key groups of a string column.</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public int StringKeyGroups() => Assign(3);

    /// <summary>Only the key groups of q5's window keys (auction, window start, window end), per window row.</summary>
    [Benchmark(OperationsPerInvoke = MicroData.WindowRows)]
    public int WindowKeyGroups()
    {
        KeyGroups.Assign(MicroData.WindowKeys, MicroData.WindowRows, 128, _windowGroups);
        return _windowGroups[0];
    }

    private int Assign(int column)
    {
        KeyGroups.Assign([MicroData.Bids.Column(column)], MicroData.Rows, 128, _groups);
        return _groups[0];
    }
}
