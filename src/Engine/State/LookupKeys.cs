using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Plan.Data;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.State;

/// <summary>
/// Keys of live lookups (DESIGN.md §8): values given by a caller, checked against a state's key columns (arity and types,
/// with an error naming what was expected and what was given), as Arrow key columns, and the partition owning each key by
/// the exchange's key-group hash.
/// </summary>
public static class LookupKeys
{
    /// <summary>The keys as a batch of <paramref name="keySchema"/>'s columns.</summary>
    /// <exception cref="ArgumentException">A key has the wrong number of values, or a value the wrong type.</exception>
    public static RecordBatch Build(Schema keySchema, IReadOnlyList<object?[]> keys)
    {
        ArgumentNullException.ThrowIfNull(keySchema);
        ArgumentNullException.ThrowIfNull(keys);
        var fields = keySchema.FieldsList;
        for (var k = 0; k < keys.Count; k++)
        {
            var key = keys[k] ?? throw new ArgumentException($"Lookup key {k} is null; {Expected(keySchema)}.", nameof(keys));
            if (key.Length != fields.Count)
                throw new ArgumentException($"Lookup key {k} has {key.Length} value{(key.Length == 1 ? "" : "s")} ({Given(key)}) but the state's key has {fields.Count}: {Expected(keySchema)}.", nameof(keys));
            for (var c = 0; c < key.Length; c++)
                if (key[c] is { } value && !Fits(fields[c].DataType, value))
                    throw new ArgumentException($"Lookup key {k}, value {c} ('{fields[c].Name}'): expected {DataTypes.ToDdl(fields[c].DataType)} but was given {value.GetType().Name} {value}; {Expected(keySchema)}.", nameof(keys));
        }
        return ArrowValues.FromRows(keySchema, keys);
    }

    /// <summary>The partition (of <paramref name="numPartitions"/>) owning each key of <paramref name="keys"/>, as the exchange routes rows.</summary>
    public static int[] Partitions(RecordBatch keys, int numKeyGroups, int numPartitions)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var groups = new int[keys.Length];
        if (keys.ColumnCount == 0) System.Array.Fill(groups, KeyGroups.EmptyKeyGroup);
        else KeyGroups.Assign(keys.Arrays.ToList(), keys.Length, numKeyGroups, groups);
        for (var r = 0; r < groups.Length; r++) groups[r] = KeyGroups.PartitionOf(groups[r], numKeyGroups, numPartitions);
        return groups;
    }

    private static string Expected(Schema keySchema) =>
        keySchema.FieldsList.Count == 0 ? "the state has no key columns (give no values)"
            : "expected (" + string.Join(", ", keySchema.FieldsList.Select(f => $"{f.Name} {DataTypes.ToDdl(f.DataType)}")) + ")";

    private static string Given(object?[] key) => string.Join(", ", key.Select(v => v is null ? "null" : $"{v.GetType().Name} {v}"));

    // The CLR types a key column takes: those Row gives back for it, and integers that widen to it.
    private static bool Fits(IArrowType type, object value) => type.TypeId switch
    {
        ArrowTypeId.Boolean => value is bool,
        ArrowTypeId.Int8 => value is sbyte,
        ArrowTypeId.Int16 => value is short or sbyte or byte,
        ArrowTypeId.Int32 => value is int or short or sbyte or byte or ushort,
        ArrowTypeId.Int64 => value is long or int or short or sbyte or byte or ushort or uint,
        ArrowTypeId.Float => value is float,
        ArrowTypeId.Double => value is double or float,
        ArrowTypeId.Decimal128 => value is decimal,
        ArrowTypeId.String => value is string,
        ArrowTypeId.Binary => value is byte[],
        ArrowTypeId.Timestamp => value is DateTime or DateTimeOffset,
        ArrowTypeId.Date32 => value is DateOnly or DateTime,
        _ => false,
    };
}
