namespace OrleansStream.Client;

/// <summary>Builds a streaming DataFrame over a source that keeps receiving data (Spark's DataStreamReader).</summary>
public sealed class DataStreamReader : SourceReader<DataStreamReader>
{
    internal DataStreamReader(StreamSession session, string format = "parquet", string? schema = null, IReadOnlyDictionary<string, string>? options = null)
        : base(session, isStreaming: true, format, schema, options) { }

    private protected override DataStreamReader With(string format, string? schema, IReadOnlyDictionary<string, string> options) =>
        new(Session, format, schema, options);
}
