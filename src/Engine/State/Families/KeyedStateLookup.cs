using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Engine.State.Families;

/// <summary>
/// Live lookups of a transformWithState operator's state (read only): a key's row is its grouping key, then the value of each
/// of its value-state variables by name, as the JSON the state holds (null where that variable is unset). A key is found
/// when any value-state variable is set for it.
/// </summary>
public sealed class KeyedStateLookup(KeyedStateStore store) : Operators.IKeyLookup
{
    private readonly KeyedStateStore _store = store ?? throw new ArgumentNullException(nameof(store));

    private IEnumerable<ValueStateFamily> ValueFamilies => _store.Families.OfType<ValueStateFamily>();

    /// <inheritdoc />
    public Schema LookupKeySchema => _store.KeySchema;

    /// <inheritdoc />
    /// <remarks>Value-state variables are declared by the processor's Init: the columns follow the declarations.</remarks>
    public Schema LookupResultSchema =>
        new([.. _store.KeySchema.FieldsList, .. ValueFamilies.Select(f => new Field(f.Name, StringType.Default, nullable: true))], null);

    /// <inheritdoc />
    public RecordBatch Lookup(RecordBatch keys, Span<bool> found)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var stateKeys = _store.Keys(keys.Arrays.ToList(), keys.Length);
        var families = ValueFamilies.ToList();
        var hits = new List<StateKey>(keys.Length);
        for (var r = 0; r < stateKeys.Length; r++)
        {
            found[r] = families.Any(f => f.Exists(stateKeys[r]));
            if (found[r]) hits.Add(stateKeys[r]);
        }
        return Rows(hits, families);
    }

    /// <inheritdoc />
    public RecordBatch Scan(int limit)
    {
        var families = ValueFamilies.ToList();
        return Rows(families.SelectMany(f => f.Keys).Distinct().Order().Take(limit).ToList(), families);
    }

    private RecordBatch Rows(List<StateKey> keys, List<ValueStateFamily> families)
    {
        var columns = new List<IArrowArray>(_store.KeyColumns(keys));
        foreach (var family in families)
        {
            var values = new StringArray.Builder();
            foreach (var key in keys)
            {
                if (family.Get(key) is { } json) values.Append(System.Text.Encoding.UTF8.GetString(json));
                else values.AppendNull();
            }
            columns.Add(values.Build());
        }
        return new RecordBatch(LookupResultSchema, columns, keys.Count);
    }
}
