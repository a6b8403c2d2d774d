using OrleansStream.Interfaces.Batch;

namespace OrleansStream.Client;

/// <summary>Writes a batch DataFrame to files (Spark's DataFrameWriter). Immutable: every call returns a new writer.</summary>
public sealed class DataFrameWriter
{
    private readonly DataFrame _df;
    private readonly string _format;
    private readonly string _mode;
    private readonly IReadOnlyDictionary<string, string> _options;

    internal DataFrameWriter(DataFrame df, string format = "parquet", string mode = "errorifexists", IReadOnlyDictionary<string, string>? options = null)
    {
        _df = df;
        _format = format;
        _mode = mode;
        _options = options ?? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>json, csv, parquet or text.</summary>
    public DataFrameWriter Format(string format) => new(_df, format, _mode, _options);
    /// <summary>What to do when the target exists: append, overwrite, ignore, error/errorifexists (default).</summary>
    public DataFrameWriter Mode(string saveMode) => saveMode.ToLowerInvariant() is "append" or "overwrite" or "ignore" or "error" or "errorifexists"
        ? new(_df, _format, saveMode.ToLowerInvariant(), _options)
        : throw new ArgumentException($"Unknown save mode: {saveMode}. Accepted save modes are 'overwrite', 'append', 'ignore', 'error', 'errorifexists'.");
    /// <summary>A writer option (header, sep, ...).</summary>
    public DataFrameWriter Option(string key, string value) =>
        new(_df, _format, _mode, new Dictionary<string, string>(_options, StringComparer.OrdinalIgnoreCase) { [key] = value });

    /// <summary>Writes to <paramref name="path"/>; returns the number of rows written.</summary>
    public Task<long> SaveAsync(string path, CancellationToken cancellationToken = default) =>
        _df.Session.Grains.GetGrain<IBatchQueryGrain>(0).WriteAsync(PlanSerializer.Serialize(_df.Plan), _format, path, _mode, _options, cancellationToken);
    /// <summary>Writes JSON lines files.</summary>
    public Task<long> JsonAsync(string path, CancellationToken cancellationToken = default) => Format("json").SaveAsync(path, cancellationToken);
    /// <summary>Writes CSV files.</summary>
    public Task<long> CsvAsync(string path, CancellationToken cancellationToken = default) => Format("csv").SaveAsync(path, cancellationToken);
    /// <summary>Writes Parquet files.</summary>
    public Task<long> ParquetAsync(string path, CancellationToken cancellationToken = default) => Format("parquet").SaveAsync(path, cancellationToken);
}
