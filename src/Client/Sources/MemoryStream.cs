using System.Reflection;
using System.Runtime.CompilerServices;
using OrleansStream.Plan.Types;

namespace OrleansStream.Client;

/// <summary>
/// A stream of <typeparamref name="T"/> held in the cluster, for tests and demos (Spark's MemoryStream).
/// Scalars give one column "value"; tuples give _1, _2, ...; records and classes give their public properties.
/// </summary>
public sealed class MemoryStream<T>
{
    private static readonly (string Name, Type Type, Func<object, object?> Get)[] Columns = Describe();
    private static readonly string SchemaDdl = string.Join(", ", Columns.Select(c => $"`{c.Name}` {DdlOf(c.Type)}"));
    private readonly StreamSession _session;

    // One source however many DataFrames read the stream (Spark's MemoryStream is one source): a self-union reads it twice.
    private readonly string _sourceId;

    internal MemoryStream(StreamSession session, string streamId)
    {
        _session = session;
        StreamId = streamId;
        _sourceId = session.NextSourceId();
    }

    /// <summary>The id of this stream inside its session.</summary>
    public string StreamId { get; }

    /// <summary>The stream as a streaming DataFrame.</summary>
    public DataFrame ToDF() => new(_session, new SourceRelation(_sourceId, "memory",
        new Dictionary<string, string> { ["session"] = _session.SessionKey, ["streamId"] = StreamId }, SchemaDdl, true));

    /// <summary>Appends rows; they form one entry of the stream's log.</summary>
    public Task AddDataAsync(params T[] rows) => _session.AddDataAsync(Rows(rows));

    /// <summary>Rows to add with <see cref="StreamSession.AddDataAsync"/> together with other streams' rows, in one epoch.</summary>
    public MemoryStreamRows Rows(params T[] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var values = rows.Select(r => Columns.Select(c => r is null ? null : c.Get(r)).ToArray()).ToList();
        var batch = ArrowValues.FromRows(DataTypes.ParseSchema(SchemaDdl), values);
        return new MemoryStreamRows(StreamId, ArrowIpc.Serialize(batch));
    }

    private static (string, Type, Func<object, object?>)[] Describe()
    {
        var t = typeof(T);
        if (IsScalar(t)) return [("value", t, v => v)];
        if (typeof(ITuple).IsAssignableFrom(t) && t.IsGenericType)
            return t.GetGenericArguments().Select((a, i) => ($"_{i + 1}", a, (Func<object, object?>)(v => ((ITuple)v)[i]))).ToArray();
        return t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
            .Select(p => (p.Name, p.PropertyType, (Func<object, object?>)p.GetValue)).ToArray();
    }

    private static bool IsScalar(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        return t.IsPrimitive || t == typeof(string) || t == typeof(decimal) || t == typeof(DateTime) || t == typeof(DateOnly) || t == typeof(byte[]) || t == typeof(DateTimeOffset);
    }

    private static string DdlOf(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        return t switch
        {
            _ when t == typeof(bool) => "boolean",
            _ when t == typeof(int) || t == typeof(short) || t == typeof(byte) => "int",
            _ when t == typeof(long) => "bigint",
            _ when t == typeof(float) => "float",
            _ when t == typeof(double) => "double",
            _ when t == typeof(decimal) => "decimal(38,18)",
            _ when t == typeof(string) => "string",
            _ when t == typeof(byte[]) => "binary",
            _ when t == typeof(DateTime) || t == typeof(DateTimeOffset) => "timestamp",
            _ when t == typeof(DateOnly) => "date",
            _ => throw new NotSupportedException($"Memory stream column type {t.Name} is not supported; use bool, int, long, float, double, decimal, string, byte[], DateTime or DateOnly."),
        };
    }
}

/// <summary>Rows for one memory stream, ready to be added (see <see cref="StreamSession.AddDataAsync"/>).</summary>
public sealed record MemoryStreamRows(string StreamId, byte[] ArrowIpc);
