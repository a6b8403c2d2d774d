namespace OrleansStream.Client;

/// <summary>Builds a batch DataFrame over files (Spark's DataFrameReader).</summary>
public sealed class DataFrameReader : SourceReader<DataFrameReader>
{
    internal DataFrameReader(StreamSession session, string format = "parquet", string? schema = null, IReadOnlyDictionary<string, string>? options = null)
        : base(session, isStreaming: false, format, schema, options) { }

    private protected override DataFrameReader With(string format, string? schema, IReadOnlyDictionary<string, string> options) =>
        new(Session, format, schema, options);
}
