using Apache.Arrow;
using Apache.Arrow.Types;
using BenchmarkDotNet.Attributes;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Engine.State;
using OrleansStream.Plan.Types;

namespace OrleansStream.Benchmarks.Micro;

/// <summary>
/// What a state partition of count-1m does on its commit path, per state row: a count per bigint key, half a million keys
/// in state (one of two partitions of a million), of which the epoch changed 90,000 (a 200,000-bid epoch's share).
/// Delta and Snapshot build the Arrow batch; the Ipc variants also serialize it, as the checkpoint write does.
/// </summary>
public class StateCheckpointBenchmarks
{
    private const int Keys = 500_000;
    private const int Changed = 90_000;
    private AggregationState _state = null!;
    private RecordBatch _snapshot = null!;

    /// <summary>Fills the state, then changes 90,000 keys drawn at random, as an epoch of bids on random keys does.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var schema = DataTypes.ParseSchema("key BIGINT");
        _state = new AggregationState(schema, [new AggregateSpec("count", null)]);
        var touched = new List<int>();
        _state.Update([Sequence(Keys, k => k * 2)], [null], Keys, touched);
        _state.MarkClean();
        var random = new Random(7);
        touched.Clear();
        _state.Update([Sequence(Changed, _ => random.NextInt64(Keys) * 2)], [null], Changed, touched);
        _snapshot = ArrowIpc.Deserialize(ArrowIpc.Serialize(_state.Snapshot()));
    }

    /// <summary>The changed keys and their counts (deduplicated changes: fewer rows than <see cref="Changed"/>).</summary>
    [Benchmark(OperationsPerInvoke = Changed)]
    public RecordBatch Delta() => _state.Delta();

    /// <summary>The delta as Arrow IPC bytes.</summary>
    [Benchmark(OperationsPerInvoke = Changed)]
    public int DeltaIpc() => SerializedLength(_state.Delta());

    /// <summary>Every key and its count.</summary>
    [Benchmark(OperationsPerInvoke = Keys)]
    public RecordBatch Snapshot() => _state.Snapshot();

    /// <summary>The snapshot as Arrow IPC bytes.</summary>
    [Benchmark(OperationsPerInvoke = Keys)]
    public int SnapshotIpc() => SerializedLength(_state.Snapshot());

    /// <summary>Restoring a snapshot into an empty state, as a partition does after a restart.</summary>
    [Benchmark(OperationsPerInvoke = Keys)]
    public int Restore()
    {
        var restored = new AggregationState(_state.Keys.KeySchema, [new AggregateSpec("count", null)]);
        restored.Apply(_snapshot);
        return restored.Count;
    }

    // As the checkpoint write does: into a pooled buffer, handed to the store and returned.
    private static int SerializedLength(RecordBatch batch)
    {
        using var bytes = ArrowIpc.SerializePooled(batch);
        return bytes.Memory.Length;
    }

    private static Int64Array Sequence(int length, Func<int, long> value)
    {
        var builder = new Int64Array.Builder().Reserve(length);
        for (var i = 0; i < length; i++) builder.Append(value(i));
        return builder.Build();
    }
}
