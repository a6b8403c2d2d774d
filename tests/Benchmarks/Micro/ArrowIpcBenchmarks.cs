using Apache.Arrow;
using BenchmarkDotNet.Attributes;
using OrleansStream.Engine.Data;

namespace OrleansStream.Benchmarks.Micro;

/// <summary>Arrow IPC (ArrowIpc): how a batch travels between grains, per row of a bids batch (about 190 bytes a row).</summary>
public class ArrowIpcBenchmarks
{
    private byte[] _bytes = null!;

    /// <summary>Serializes the batch once for the deserialization benchmark.</summary>
    [GlobalSetup]
    public void Setup() => _bytes = ArrowIpc.Serialize(MicroData.Bids);

    /// <summary>Batch to IPC bytes.</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public byte[] Serialize() => ArrowIpc.Serialize(MicroData.Bids);

    /// <summary>IPC bytes to batch.</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public RecordBatch Deserialize() => ArrowIpc.Deserialize(_bytes);

    /// <summary>Both: one hop between grains.</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public RecordBatch RoundTrip() => ArrowIpc.Deserialize(ArrowIpc.Serialize(MicroData.Bids));
}
