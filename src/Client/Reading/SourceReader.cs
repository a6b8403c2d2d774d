using OrleansStream.Plan.Types;

namespace OrleansStream.Client;

/// <summary>
/// What <see cref="DataStreamReader"/> and <see cref="DataFrameReader"/> share: a format, an optional schema and options,
/// each call returning a new reader. Only whether the DataFrame is a stream differs.
/// </summary>
public abstract class SourceReader<TSelf> where TSelf : SourceReader<TSelf>
{
    private protected SourceReader(StreamSession session, bool isStreaming, string format, string? schema, IReadOnlyDictionary<string, string>? options)
    {
        Session = session;
        IsStreaming = isStreaming;
        FormatName = format;
        SchemaDdl = schema;
        Options = options ?? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    }

    private protected StreamSession Session { get; }
    private protected bool IsStreaming { get; }
    private protected string FormatName { get; }
    private protected string? SchemaDdl { get; }
    private protected IReadOnlyDictionary<string, string> Options { get; }

    /// <summary>The source format: json, csv, text, parquet (streams also: rate, rate-micro-batch, nexmark; batches also: statestore
    /// and state-metadata over a checkpoint location, Spark's state data source).</summary>
    public TSelf Format(string format) => With(format, SchemaDdl, Options);
    /// <summary>The schema as Spark DDL ("ts TIMESTAMP, user STRING, amount DOUBLE").</summary>
    public TSelf Schema(string ddl)
    {
        DataTypes.ParseSchema(ddl);
        return With(FormatName, ddl, Options);
    }
    /// <summary>A source option (case-insensitive name).</summary>
    public TSelf Option(string key, string value) =>
        With(FormatName, SchemaDdl, new Dictionary<string, string>(Options, StringComparer.OrdinalIgnoreCase) { [key] = value });
    /// <summary>A source option.</summary>
    public TSelf Option(string key, long value) => Option(key, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    /// <summary>A source option.</summary>
    public TSelf Option(string key, bool value) => Option(key, value ? "true" : "false");

    /// <summary>The DataFrame of the source as configured (rate needs no path; files take option "path").</summary>
    public DataFrame Load() => new(Session, new SourceRelation(Session.NextSourceId(), FormatName, Options, SchemaDdl, IsStreaming));
    /// <summary>The DataFrame of the files in <paramref name="path"/>.</summary>
    public DataFrame Load(string path) => Option("path", path).Load();
    /// <summary>JSON lines files.</summary>
    public DataFrame Json(string path) => Format("json").Load(path);
    /// <summary>CSV files.</summary>
    public DataFrame Csv(string path) => Format("csv").Load(path);
    /// <summary>Text files: one row per line in column "value".</summary>
    public DataFrame Text(string path) => Format("text").Load(path);
    /// <summary>Parquet files.</summary>
    public DataFrame Parquet(string path) => Format("parquet").Load(path);

    private protected abstract TSelf With(string format, string? schema, IReadOnlyDictionary<string, string> options);
}
