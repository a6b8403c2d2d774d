using System.Collections.Immutable;
using System.Text;
using System.Text.Json;

namespace OrleansStream.Engine.Connectors.Redis;

/// <summary>
/// The redis-streams offset: per stream key, the id of the last entry an epoch reads (an epoch reads the entries after its start
/// offset's id, up to and including its end offset's). As JSON, <c>{"streams":{"clicks":"1700000000000-3","views":"0-0"}}</c>,
/// keys in ordinal order. The first epoch of a query has no start offset, so its end offset also records where it starts
/// (<see cref="Start"/>): the ids <c>startingOffsets</c> resolved to when the query first planned.
/// </summary>
/// <param name="Streams">The last entry read per stream key (<see cref="RedisStreamId.Zero"/>: none yet).</param>
/// <param name="Start">Where the first epoch starts, per stream key; null in every later epoch's offset.</param>
public sealed record RedisStreamsOffset(ImmutableSortedDictionary<string, RedisStreamId> Streams, ImmutableSortedDictionary<string, RedisStreamId>? Start = null)
{
    /// <summary>An offset of <paramref name="streams"/>, keyed in ordinal order.</summary>
    public static RedisStreamsOffset Of(IEnumerable<KeyValuePair<string, RedisStreamId>> streams) => new(streams.ToImmutableSortedDictionary(StringComparer.Ordinal));

    /// <summary>Where the stream <paramref name="key"/> stands: its id, or <see cref="RedisStreamId.Zero"/> when the offset does not name it.</summary>
    public RedisStreamId this[string key] => Streams.GetValueOrDefault(key);

    /// <summary>The JSON text (see the type's summary).</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            Write(json, "streams", Streams);
            if (Start is not null) Write(json, "start", Start);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Reads an offset from <see cref="ToJson"/>'s text.</summary>
    /// <exception cref="FormatException">The text is not such an offset; the message quotes it.</exception>
    public static RedisStreamsOffset Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            return new RedisStreamsOffset(Read(root.GetProperty("streams")), root.TryGetProperty("start", out var start) ? Read(start) : null);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new FormatException($"Not a redis-streams offset: {json}", ex);
        }
    }

    private static void Write(Utf8JsonWriter json, string name, ImmutableSortedDictionary<string, RedisStreamId> ids)
    {
        json.WriteStartObject(name);
        foreach (var (key, id) in ids) json.WriteString(key, id.ToString());
        json.WriteEndObject();
    }

    private static ImmutableSortedDictionary<string, RedisStreamId> Read(JsonElement ids) =>
        ids.EnumerateObject().ToImmutableSortedDictionary(p => p.Name, p => RedisStreamId.Parse(p.Value.GetString()!), StringComparer.Ordinal);
}
