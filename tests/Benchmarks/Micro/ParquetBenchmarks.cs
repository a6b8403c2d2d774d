using Apache.Arrow;
using BenchmarkDotNet.Attributes;
using OrleansStream.Engine.Formats;

namespace OrleansStream.Benchmarks.Micro;

/// <summary>Parquet (ParquetFormat): the file source's decode and the file sink's encode, per row of a bids batch (one row group).</summary>
public class ParquetBenchmarks
{
    private byte[] _file = null!;

    /// <summary>Writes the batch once for the read benchmark.</summary>
    [GlobalSetup]
    public void Setup() => _file = Write();

    /// <summary>Batch to a parquet file in memory.</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public byte[] Write()
    {
        using var ms = new MemoryStream();
        ParquetFormat.Write(ms, [MicroData.Bids], MicroData.Bids.Schema);
        return ms.ToArray();
    }

    /// <summary>Parquet file in memory to a batch.</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public IReadOnlyList<RecordBatch> Read()
    {
        using var ms = new MemoryStream(_file, writable: false);
        return ParquetFormat.ReadAsync(ms, null).GetAwaiter().GetResult();
    }
}
