using System.Text;
using System.Text.Json;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Engine.State.Families;

/// <summary>
/// Live lookups of a transformWithState operator's state (read only): a key's row is its grouping key, then one string
/// column per state variable, by name, in declaration order, as JSON: a value variable's value, a list variable's elements
/// as a JSON array, a map variable's entries as a JSON object (a key that is a JSON string is the property name as it is;
/// any other key is its JSON text). A variable that holds nothing for the key is null. A key is found when any variable
/// holds something for it.
/// </summary>
public sealed class KeyedStateLookup(KeyedStateStore store) : Operators.IKeyLookup
{
    private readonly KeyedStateStore _store = store ?? throw new ArgumentNullException(nameof(store));

    private List<StateFamily> Variables => _store.Families.Where(f => f.Kind != StateFamilyKind.Timers).ToList();

    /// <inheritdoc />
    public Schema LookupKeySchema => _store.KeySchema;

    /// <inheritdoc />
    /// <remarks>State variables are declared by the processor's Init: the columns follow the declarations.</remarks>
    public Schema LookupResultSchema =>
        new([.. _store.KeySchema.FieldsList, .. Variables.Select(f => new Field(f.Name, StringType.Default, nullable: true))], null);

    /// <inheritdoc />
    public RecordBatch Lookup(RecordBatch keys, Span<bool> found)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var stateKeys = _store.Keys(keys.Arrays.ToList(), keys.Length);
        var families = Variables;
        var hits = new List<StateKey>(keys.Length);
        for (var r = 0; r < stateKeys.Length; r++)
        {
            found[r] = families.Any(f => Holds(f, stateKeys[r]));
            if (found[r]) hits.Add(stateKeys[r]);
        }
        return Rows(hits, families);
    }

    /// <inheritdoc />
    public RecordBatch Scan(int limit)
    {
        var families = Variables;
        return Rows(families.SelectMany(KeysOf).Distinct().Order().Take(limit).ToList(), families);
    }

    private static IEnumerable<StateKey> KeysOf(StateFamily family) => family switch
    {
        ValueStateFamily value => value.Keys,
        ListStateFamily list => list.Keys,
        MapStateFamily map => map.Keys,
        _ => [],
    };

    private static bool Holds(StateFamily family, StateKey key) => family switch
    {
        ValueStateFamily value => value.Exists(key),
        ListStateFamily list => list.Exists(key),
        MapStateFamily map => map.Entries(key).Any(),
        _ => false,
    };

    private RecordBatch Rows(List<StateKey> keys, List<StateFamily> families)
    {
        var columns = new List<IArrowArray>(_store.KeyColumns(keys));
        foreach (var family in families)
        {
            var values = new StringArray.Builder();
            foreach (var key in keys)
            {
                if (Json(family, key) is { } json) values.Append(json);
                else values.AppendNull();
            }
            columns.Add(values.Build());
        }
        return new RecordBatch(LookupResultSchema, columns, keys.Count);
    }

    // The variable's content for the key as JSON, or null when it holds nothing for it.
    private static string? Json(StateFamily family, StateKey key)
    {
        switch (family)
        {
            case ValueStateFamily value:
                return value.Get(key) is { } json ? Encoding.UTF8.GetString(json) : null;
            case ListStateFamily list when list.Exists(key):
                return "[" + string.Join(",", list.Get(key).Select(Encoding.UTF8.GetString)) + "]";
            case MapStateFamily map:
            {
                var entries = map.Entries(key).ToList();
                if (entries.Count == 0) return null;
                using var buffer = new MemoryStream();
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    writer.WriteStartObject();
                    foreach (var (entry, bytes) in entries)
                    {
                        using var name = JsonDocument.Parse(entry.Bytes.ToArray());
                        writer.WritePropertyName(name.RootElement.ValueKind == JsonValueKind.String ? name.RootElement.GetString()! : name.RootElement.GetRawText());
                        writer.WriteRawValue(bytes, skipInputValidation: true);
                    }
                    writer.WriteEndObject();
                }
                return Encoding.UTF8.GetString(buffer.ToArray());
            }
            default:
                return null;
        }
    }
}
