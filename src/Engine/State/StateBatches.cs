using System.Globalization;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.State;

/// <summary>Shared pieces of the delta/snapshot batches of keyed states: <c>"__deleted"</c>, the key columns, then state columns,
/// one row per key.</summary>
internal static class StateBatches
{
    public const string DeletedColumn = "__deleted";

    /// <summary>The delta/snapshot schema: "__deleted" (non-null boolean), the key fields, then <paramref name="valueFields"/>
    /// made nullable (a removed key's values are null).</summary>
    public static Schema Schema(Schema keySchema, IEnumerable<Field> valueFields)
    {
        var fields = new List<Field> { new(DeletedColumn, BooleanType.Default, false) };
        fields.AddRange(keySchema.FieldsList);
        foreach (var f in valueFields) fields.Add(f.IsNullable ? f : new Field(f.Name, f.DataType, true, f.Metadata));
        return new Schema(fields, null);
    }

    // Schema metadata of a delta that removed a range of keys (watermark eviction) instead of listing each.
    private const string RangeColumnKey = "orleansstream.removed.keyColumn";
    private const string RangeAtOrBelowKey = "orleansstream.removed.atOrBelow";

    /// <summary><paramref name="schema"/>, carrying <paramref name="range"/> (a key column's index and the value at or below
    /// which every key was removed) as metadata when there is one.</summary>
    public static Schema WithRangeRemoval(Schema schema, (int Column, long AtOrBelow)? range) =>
        range is not { } r ? schema : new Schema(schema.FieldsList, new Dictionary<string, string>
        {
            [RangeColumnKey] = r.Column.ToString(CultureInfo.InvariantCulture),
            [RangeAtOrBelowKey] = r.AtOrBelow.ToString(CultureInfo.InvariantCulture),
        });

    /// <summary>The range removal a delta's schema carries, if any.</summary>
    /// <exception cref="InvalidDataException">The metadata is malformed.</exception>
    public static (int Column, long AtOrBelow)? RangeRemovalOf(Schema schema)
    {
        if (schema.Metadata is not { } metadata || !metadata.TryGetValue(RangeColumnKey, out var column)) return null;
        if (!int.TryParse(column, NumberStyles.None, CultureInfo.InvariantCulture, out var c)
            || !metadata.TryGetValue(RangeAtOrBelowKey, out var bound)
            || !long.TryParse(bound, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var atOrBelow))
            throw new InvalidDataException($"A state delta's range removal is malformed: column '{column}', bound '{metadata.GetValueOrDefault(RangeAtOrBelowKey)}'.");
        return (c, atOrBelow);
    }

    /// <summary>A batch of <paramref name="removed"/> removed keys followed by <paramref name="live"/> live ones.</summary>
    public static RecordBatch Build(Schema schema, int removed, IArrowArray[]? removedKeys, int live, IArrowArray[] liveKeys, IArrowArray[] values)
    {
        var n = removed + live;
        var columns = new IArrowArray[schema.FieldsList.Count];
        columns[0] = ArrayFactory.Boolean(LeadingBitsSet(n, removed), null, n);
        for (var c = 0; c < liveKeys.Length; c++)
        {
            columns[1 + c] = removed == 0 || removedKeys is null ? liveKeys[c]
                : live == 0 ? removedKeys[c]
                : ArrowArrayConcatenator.Concatenate([removedKeys[c], liveKeys[c]], ManagedMemoryAllocator.Instance);
        }
        values.CopyTo(columns, 1 + liveKeys.Length);
        return new RecordBatch(schema, columns, n);
    }

    // The "__deleted" bits of a batch whose first `count` rows are removed keys, packed at once: a byte per row packed into
    // bits afterwards cost a row-sized array and a pass over it for every delta and snapshot (a 1 M-key snapshot's 1 MB
    // array was a large-object allocation; in count-1m's steady state the pass was ~1.6% of the CPU).
    private static byte[] LeadingBitsSet(int length, int count)
    {
        var bits = new byte[BitUtility.ByteCount(length)];
        bits.AsSpan(0, count >> 3).Fill(0xFF);
        if ((count & 7) != 0) bits[count >> 3] = (byte)((1 << (count & 7)) - 1);
        return bits;
    }

    /// <summary>Checks that <paramref name="batch"/> has the delta/snapshot layout of <paramref name="schema"/>.</summary>
    public static void Check(Schema schema, RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var expected = schema.FieldsList;
        if (batch.ColumnCount != expected.Count)
            throw new ArgumentException($"A state batch needs {expected.Count} columns ({DataTypes.ToDdl(schema)}) but this one has {batch.ColumnCount}.", nameof(batch));
        for (var c = 0; c < expected.Count; c++)
        {
            var actual = batch.Column(c).Data.DataType;
            if (actual.TypeId != expected[c].DataType.TypeId && actual.TypeId != ArrowTypeId.Null)
                throw new ArgumentException(
                    $"State batch column {c} ('{expected[c].Name}') should be {DataTypes.ToDdl(expected[c].DataType)} but is {DataTypes.ToDdl(actual)}.", nameof(batch));
        }
    }

    /// <summary>
    /// Applies the keys of a delta/snapshot batch to <paramref name="keys"/>: rows whose key group fails
    /// <paramref name="keepKeyGroup"/> are skipped, deleted rows remove their key (its slot is appended to
    /// <paramref name="removedSlots"/>), other rows find or add theirs. <c>slots[r]</c> is the slot whose state row r replaces,
    /// or -1; when a key occurs in several rows only its last row counts.
    /// </summary>
    public static void ResolveApply(KeyTable keys, KeyEncoder encoder, RecordBatch batch, int keyCount, Func<int, bool>? keepKeyGroup,
        int numKeyGroups, Span<int> slots, List<int> removedSlots)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numKeyGroups, 1);
        var n = batch.Length;
        var keyColumns = new IArrowArray[keyCount];
        for (var c = 0; c < keyCount; c++) keyColumns[c] = batch.Column(1 + c);
        var deleted = batch.Column(0) as BooleanArray;
        // The last row of each slot so far (-1: none); a slot freed and reused within the batch stays below bound + n.
        var rowOfSlot = new int[keys.SlotBound + n];
        System.Array.Fill(rowOfSlot, -1);
        var anyDeleted = false;
        for (var r = 0; r < n && !anyDeleted; r++) anyDeleted = deleted?.GetValue(r) == true;
        if (keepKeyGroup is null && !anyDeleted)
        {
            // A snapshot, or a delta without tombstones: the keys go in by column, as an epoch's rows do.
            keys.GetOrAdd(keyColumns, n, slots[..n], new bool[n]);
            for (var r = 0; r < n; r++) KeepLastRow(slots, rowOfSlot, r, slots[r]);
            return;
        }
        encoder.Encode(keyColumns, n);
        for (var r = 0; r < n; r++)
        {
            slots[r] = -1;
            var key = encoder.Key(r);
            if (keepKeyGroup is not null && !keepKeyGroup(KeyGroups.OfStateKey(key, numKeyGroups))) continue;
            if (deleted?.GetValue(r) == true)
            {
                if (!keys.TryGet(key, out var slot)) continue;
                if (rowOfSlot[slot] >= 0) slots[rowOfSlot[slot]] = -1;
                rowOfSlot[slot] = -1;
                keys.Remove(slot);
                removedSlots.Add(slot);
                continue;
            }
            KeepLastRow(slots, rowOfSlot, r, keys.GetOrAdd(key, out _));
        }
    }

    private static void KeepLastRow(Span<int> slots, int[] rowOfSlot, int row, int slot)
    {
        if (rowOfSlot[slot] >= 0) slots[rowOfSlot[slot]] = -1;
        rowOfSlot[slot] = row;
        slots[row] = slot;
    }
}
