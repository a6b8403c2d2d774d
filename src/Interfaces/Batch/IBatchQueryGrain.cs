namespace OrleansStream.Interfaces.Batch;

/// <summary>Runs batch (non-streaming) DataFrame plans: collect and write.</summary>
[Alias("OrleansStream.IBatchQueryGrain")]
public interface IBatchQueryGrain : IGrainWithIntegerKey
{
    /// <summary>Runs <paramref name="planJson"/> and returns all rows as Arrow IPC stream bytes.</summary>
    [Alias("Collect")] Task<byte[]> CollectAsync(string planJson, CancellationToken cancellationToken = default);
    /// <summary>Runs <paramref name="planJson"/> and writes the rows to <paramref name="path"/> in <paramref name="format"/>.</summary>
    [Alias("Write")] Task<long> WriteAsync(string planJson, string format, string path, string saveMode, IReadOnlyDictionary<string, string> options, CancellationToken cancellationToken = default);
    /// <summary>Analyses <paramref name="planJson"/> and returns its output schema as Spark DDL, or throws the analysis error.</summary>
    [Alias("Analyze")] Task<string> AnalyzeAsync(string planJson, CancellationToken cancellationToken = default);
}
