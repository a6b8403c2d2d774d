using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Types;

namespace OrleansStream.Client;

/// <summary>Builds a streaming DataFrame over a source (Spark's DataStreamReader). Immutable: every call returns a new reader.</summary>
public sealed class DataStreamReader
{
    private readonly StreamSession _session;
    private readonly string _format;
    private readonly string? _schema;
    private readonly IReadOnlyDictionary<string, string> _options;

    internal DataStreamReader(StreamSession session, string format = "parquet", string? schema = null, IReadOnlyDictionary<string, string>? options = null)
    {
        _session = session;
        _format = format;
        _schema = schema;
        _options = options ?? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The source format: rate, rate-micro-batch, json, csv, text, parquet.</summary>
    public DataStreamReader Format(string format) => new(_session, format, _schema, _options);
    /// <summary>The schema as Spark DDL ("ts TIMESTAMP, user STRING, amount DOUBLE").</summary>
    public DataStreamReader Schema(string ddl)
    {
        DataTypes.ParseSchema(ddl);
        return new(_session, _format, ddl, _options);
    }
    /// <summary>A source option (case-insensitive name).</summary>
    public DataStreamReader Option(string key, string value) =>
        new(_session, _format, _schema, new Dictionary<string, string>(_options, StringComparer.OrdinalIgnoreCase) { [key] = value });
    /// <summary>A source option.</summary>
    public DataStreamReader Option(string key, long value) => Option(key, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    /// <summary>A source option.</summary>
    public DataStreamReader Option(string key, bool value) => Option(key, value ? "true" : "false");

    /// <summary>The streaming DataFrame of a source without a path (rate).</summary>
    public DataFrame Load() => new(_session, new SourceRelation(_session.NextSourceId(), _format, _options, _schema, true));
    /// <summary>The streaming DataFrame of the files arriving in <paramref name="path"/>.</summary>
    public DataFrame Load(string path) => Option("path", path).Load();
    /// <summary>JSON lines files arriving in <paramref name="path"/>.</summary>
    public DataFrame Json(string path) => Format("json").Load(path);
    /// <summary>CSV files arriving in <paramref name="path"/>.</summary>
    public DataFrame Csv(string path) => Format("csv").Load(path);
    /// <summary>Text files arriving in <paramref name="path"/>: one row per line in column "value".</summary>
    public DataFrame Text(string path) => Format("text").Load(path);
    /// <summary>Parquet files arriving in <paramref name="path"/>.</summary>
    public DataFrame Parquet(string path) => Format("parquet").Load(path);
}
