using System.Text.Json;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Formats;
using OrleansStream.Plan.Types;
using StackExchange.Redis;

namespace OrleansStream.Engine.Connectors.Redis;

/// <summary>
/// The options of the redis-streams source, checked when the query is compiled: every bad value is refused naming its option.
/// <c>host</c> (required): a Redis endpoint or a StackExchange.Redis configuration string; <c>streams</c> (comma-separated stream
/// keys) or <c>streamPattern</c> (a glob over keys, Redis' SCAN MATCH: streams created later are read from their first entry);
/// <c>schema</c> (DDL of the columns parsed from entry fields; without it, a <c>fields</c> map); <c>startingOffsets</c>
/// (<c>latest</c>, default, as Kafka's; <c>earliest</c>; or JSON of an id per stream, <c>$</c> for its last entry);
/// <c>maxEntriesPerTrigger</c>; <c>numPartitions</c> (with a pattern: source tasks per epoch, default one per core).
/// </summary>
internal sealed class RedisStreamsOptions
{
    /// <summary>The columns every row has, before the entry's own: the stream key, the entry id and the id's time.</summary>
    public static readonly IReadOnlyList<Field> FixedColumns =
    [
        new("stream", StringType.Default, nullable: false),
        new("id", StringType.Default, nullable: false),
        new("timestamp", DataTypes.Timestamp, nullable: false),
    ];

    /// <summary>The column that holds an entry's field-value pairs when no <c>schema</c> is given.</summary>
    public static readonly Field FieldsColumn = new("fields", DataTypes.ParseType("MAP<STRING, STRING>"), nullable: false);

    // Per stream, the id after which the query starts, or null for its last entry; null for "earliest" (every stream from its
    // first entry). "latest" maps no stream: every stream is then null.
    private readonly IReadOnlyDictionary<string, RedisStreamId?>? _startingOffsets;

    /// <summary>Parses and checks <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">An option is missing or invalid; the message names it.</exception>
    public RedisStreamsOptions(IReadOnlyDictionary<string, string> options, string? userSchemaDdl)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (userSchemaDdl is not null)
            throw new ArgumentException("The redis-streams source has a fixed schema (stream, id, timestamp and the entry's fields) and cannot be set with .Schema(...): declare the columns parsed from entry fields with option 'schema'.");
        var reader = new ReaderOptions(options);
        var host = reader.Get("host");
        if (string.IsNullOrWhiteSpace(host))
            throw new ArgumentException("Option 'host' is required by the redis-streams source: a Redis endpoint such as 127.0.0.1:6379, or a StackExchange.Redis configuration string.");
        try
        {
            Connection = ConfigurationOptions.Parse(host);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"Option 'host' is not a Redis endpoint or StackExchange.Redis configuration string: {ex.Message}", ex);
        }
        Host = Connection.ToString(includePassword: false);
        // A query is refused at start when the server does not answer: fail at the first connect, after one try of
        // connectTimeout (5 s) unless the string asks for more, not StackExchange.Redis' three; once connected, the
        // multiplexer reconnects by itself.
        Connection.AbortOnConnectFail = true;
        if (!host.Contains("connectRetry", StringComparison.OrdinalIgnoreCase)) Connection.ConnectRetry = 1;
        if (Connection.EndPoints.Count == 0) throw new ArgumentException("Option 'host' names no Redis endpoint (such as 127.0.0.1:6379).");

        var streams = reader.Get("streams");
        Pattern = reader.Get("streamPattern");
        if ((streams is null) == (Pattern is null))
            throw new ArgumentException("The redis-streams source needs exactly one of option 'streams' (comma-separated stream keys) and option 'streamPattern' (a glob over stream keys).");
        if (Pattern is not null && string.IsNullOrWhiteSpace(Pattern)) throw new ArgumentException("Option 'streamPattern' is empty.");
        Streams = streams is null ? [] : streams.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (streams is not null && Streams.Count == 0) throw new ArgumentException($"Option 'streams' names no stream key: '{streams}'.");

        Columns = ParseSchema(reader.Get("schema"));
        Schema = new Schema([.. FixedColumns, .. Columns ?? [FieldsColumn]], null);
        _startingOffsets = ParseStartingOffsets(reader.Get("startingOffsets")?.Trim() ?? "latest");
        MaxEntriesPerTrigger = reader.GetPositiveLong("maxEntriesPerTrigger");
        NumPartitions = Pattern is null ? Streams.Count : reader.GetPositiveInt("numPartitions") ?? Environment.ProcessorCount;
        if (Pattern is null && reader.Get("numPartitions") is not null)
            throw new ArgumentException("Option 'numPartitions' applies to 'streamPattern' only: with 'streams', each stream key is read by a source task of its own.");
    }

    /// <summary>Where to connect (StackExchange.Redis' configuration).</summary>
    public ConfigurationOptions Connection { get; }

    /// <summary>Option <c>host</c> as it may be shown: without a password.</summary>
    public string Host { get; }

    /// <summary>Option <c>streams</c>: the stream keys, distinct, in ordinal order; empty with a pattern.</summary>
    public IReadOnlyList<string> Streams { get; }

    /// <summary>Option <c>streamPattern</c>, or null.</summary>
    public string? Pattern { get; }

    /// <summary>The columns of option <c>schema</c>, parsed from entry fields of the same names; null without the option.</summary>
    public IReadOnlyList<Field>? Columns { get; }

    /// <summary>The rows' schema: <see cref="FixedColumns"/>, then <see cref="Columns"/> or <see cref="FieldsColumn"/>.</summary>
    public Schema Schema { get; }

    /// <summary>
    /// Where option <c>startingOffsets</c> starts stream <paramref name="key"/> (the query reads the entries after the id), or
    /// null for the stream's last entry when the query first plans ("latest", or "$" in the JSON).
    /// </summary>
    public RedisStreamId? StartOf(string key) => _startingOffsets is null ? RedisStreamId.Zero : _startingOffsets.GetValueOrDefault(key);

    /// <summary>Option <c>maxEntriesPerTrigger</c>, or null.</summary>
    public long? MaxEntriesPerTrigger { get; }

    /// <summary>How many source tasks read an epoch: one per stream key, or option <c>numPartitions</c> with a pattern.</summary>
    public int NumPartitions { get; }

    private static IReadOnlyList<Field>? ParseSchema(string? ddl)
    {
        if (ddl is null) return null;
        Schema schema;
        try
        {
            schema = DataTypes.ParseSchema(ddl);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException($"Option 'schema' is not a DDL schema ('user STRING, n INT'): {ex.Message}", ex);
        }
        if (schema.FieldsList.Count == 0) throw new ArgumentException("Option 'schema' declares no column.");
        foreach (var field in schema.FieldsList)
        {
            if (FixedColumns.Any(c => c.Name.Equals(field.Name, StringComparison.OrdinalIgnoreCase)))
                throw new ArgumentException($"Option 'schema' declares column '{field.Name}', which the redis-streams source already has (stream, id, timestamp).");
            if (!TextColumnAppender.IsSupported(field.DataType))
                throw new ArgumentException($"Option 'schema': column '{field.Name}' has type {DataTypes.ToDdl(field.DataType)}, which cannot be read from an entry field (use boolean, integer, floating-point, decimal, string, binary, timestamp or date, or parse a string column with from_json).");
        }
        var duplicate = schema.FieldsList.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Option 'schema' declares column '{duplicate.Key}' twice.");
        return schema.FieldsList;
    }

    private Dictionary<string, RedisStreamId?>? ParseStartingOffsets(string text)
    {
        if (text.Equals("earliest", StringComparison.OrdinalIgnoreCase)) return null;
        if (text.Equals("latest", StringComparison.OrdinalIgnoreCase)) return new(StringComparer.Ordinal);
        if (Pattern is not null)
            throw new ArgumentException($"Option 'startingOffsets' must be 'earliest' or 'latest' with 'streamPattern', not '{text}'.");
        Dictionary<string, RedisStreamId?> ids = new(StringComparer.Ordinal);
        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("not an object");
            foreach (var stream in json.RootElement.EnumerateObject())
            {
                var id = stream.Value.ValueKind == JsonValueKind.String ? stream.Value.GetString()! : stream.Value.GetRawText();
                ids[stream.Name] = id == "$" ? null : RedisStreamId.TryParse(id, out var parsed) ? parsed
                    : throw new ArgumentException($"Option 'startingOffsets': stream '{stream.Name}' has '{id}', which is neither an entry id (such as 1700000000000-0; '0' for the first entry) nor '$' (its last entry).");
            }
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"Option 'startingOffsets' must be 'earliest', 'latest' or JSON such as {{\"clicks\":\"1700000000000-0\",\"views\":\"$\"}}, not '{text}'.", ex);
        }
        var unknown = ids.Keys.Where(k => !Streams.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"Option 'startingOffsets' names stream {string.Join(", ", unknown.Select(k => $"'{k}'"))}, which option 'streams' does not list.");
        var missing = Streams.Where(s => !ids.ContainsKey(s)).ToList();
        if (missing.Count > 0)
            throw new ArgumentException($"Option 'startingOffsets' must give every stream of option 'streams' an id: {string.Join(", ", missing.Select(k => $"'{k}'"))} missing.");
        return ids;
    }
}
