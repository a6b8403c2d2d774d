namespace OrleansStream.Interfaces.Batch;

/// <summary>Runs batch (non-streaming) DataFrame plans (collect and write) and analyses any plan for the client.</summary>
[Alias("OrleansStream.IBatchQueryGrain")]
public interface IBatchQueryGrain : IGrainWithIntegerKey
{
    /// <summary>Runs <paramref name="planJson"/> and returns all rows as Arrow IPC stream bytes.</summary>
    [Alias("Collect")] Task<byte[]> CollectAsync(string planJson, CancellationToken cancellationToken = default);
    /// <summary>Runs <paramref name="planJson"/> and writes the rows to <paramref name="path"/> in <paramref name="format"/>.</summary>
    [Alias("Write")] Task<long> WriteAsync(string planJson, string format, string path, string saveMode, IReadOnlyDictionary<string, string> options, CancellationToken cancellationToken = default);
    /// <summary>
    /// Analyses <paramref name="planJson"/> (batch or streaming) where its data is: source schemas are inferred from the
    /// silo's files and memory tables. Returns the output schema, or the analysis error's message.
    /// </summary>
    [Alias("Analyze")] Task<AnalysisResult> AnalyzeAsync(string planJson, CancellationToken cancellationToken = default);
}
