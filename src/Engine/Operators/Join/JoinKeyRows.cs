using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators.Join;

/// <summary>
/// The join keys of a run of rows, read and hashed once: each row's hash (<see cref="KeyHash.Hash"/> of its encoded key, the
/// hash routing gives it) and its key in a form compared without the columns: for a key of one to four bigint/timestamp
/// columns its values (row-major, 0 for null) and flags (<see cref="FixedKeys"/>' null bits and zero flag), for any other key
/// its <see cref="KeyEncoder"/> bytes. A side's new rows are read once to probe the other side and are then buffered with the
/// same keys, so the buffer never hashes or reads a key column again (its relinking uses the stored hashes).
/// </summary>
internal sealed class JoinKeyRows
{
    private JoinKeyRows(int width, int count)
    {
        Width = width;
        Count = count;
        // Written in full by every caller, so not zeroed first (an epoch's keys are large-object arrays).
        Hashes = GC.AllocateUninitializedArray<ulong>(count);
        if (width > 0)
        {
            Values = GC.AllocateUninitializedArray<long>(count * width);
            Flags = GC.AllocateUninitializedArray<byte>(count);
        }
        else Offsets = GC.AllocateUninitializedArray<int>(count + 1);
    }

    /// <summary>Longs per row of a key kept by value (1 to 4), or 0 for encoded keys.</summary>
    public int Width { get; }

    /// <summary>Rows.</summary>
    public int Count { get; }

    /// <summary>Each row's key hash.</summary>
    public ulong[] Hashes { get; }

    /// <summary>Width values per row (a key kept by value), else null.</summary>
    public long[]? Values { get; }

    /// <summary>Each row's flags (a key kept by value), else null.</summary>
    public byte[]? Flags { get; }

    /// <summary>Row r's encoded key is <c>Bytes[Offsets[r]..Offsets[r + 1]]</c> (encoded keys), else null.</summary>
    public int[]? Offsets { get; }

    /// <summary>The encoded keys' bytes, else null.</summary>
    public byte[]? Bytes { get; private set; }

    /// <summary>The key width of <paramref name="keySchema"/>'s keys: 1 to 4 for bigint/timestamp columns, else 0 (encoded).</summary>
    public static int WidthOf(Schema keySchema)
    {
        var fields = keySchema.FieldsList;
        return fields.Count == 1 && FixedKeys.IsInt64Type(fields[0].DataType) ? 1 : FixedKeys.WidthOf(keySchema);
    }

    /// <summary>Reads the first <paramref name="length"/> rows of the (flattened) key columns; <paramref name="encoder"/> encodes
    /// keys that are not kept by value (width 0), or columns that are not bigint/timestamp arrays after all.</summary>
    public static JoinKeyRows Read(IReadOnlyList<IArrowArray> keyColumns, int length, int width, KeyEncoder encoder)
    {
        var keys = new JoinKeyRows(width, length);
        if (length == 0) return keys;
        if (width > 0 && AllInt64(keyColumns))
        {
            if (width == 1) keys.ReadInt64(keyColumns[0], length);
            else
            {
                for (var start = 0; start < length; start += FixedKeys.ChunkRows)
                {
                    var n = Math.Min(FixedKeys.ChunkRows, length - start);
                    FixedKeys.Load(keyColumns, start, keys.Values!.AsSpan(start * width, n * width), keys.Flags!.AsSpan(start, n),
                        keys.Hashes.AsSpan(start, n));
                }
            }
            return keys;
        }
        encoder.Encode(keyColumns, length);
        if (width > 0)
        {
            // A key kept by value but given in other arrays (a null-typed column): decoded from its encoding, as the key table does.
            for (var r = 0; r < length; r++)
            {
                var key = encoder.Key(r);
                keys.Hashes[r] = KeyHash.Hash(key);
                keys.Flags![r] = width == 1 ? (byte)(key[0] == 0 ? 1 : 0) : FixedKeys.Decode(key, keys.Values!.AsSpan(r * width, width));
                if (width == 1) keys.Values![r] = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(key[1..]);
            }
            return keys;
        }
        var offsets = keys.Offsets!;
        var total = 0;
        for (var r = 0; r < length; r++)
        {
            offsets[r] = total;
            total += encoder.Key(r).Length;
        }
        offsets[length] = total;
        var bytes = new byte[total];
        for (var r = 0; r < length; r++)
        {
            var key = encoder.Key(r);
            key.CopyTo(bytes.AsSpan(offsets[r]));
            keys.Hashes[r] = KeyHash.Hash(key);
        }
        keys.Bytes = bytes;
        return keys;
    }

    private static bool AllInt64(IReadOnlyList<IArrowArray> keyColumns)
    {
        foreach (var c in keyColumns)
            if (c.Data.DataType.TypeId is not (ArrowTypeId.Int64 or ArrowTypeId.Timestamp)) return false;
        return true;
    }

    // One bigint/timestamp column: the flag is its null bit (the value is then 0).
    private void ReadInt64(IArrowArray column, int length)
    {
        var values = ArrowSpans.Values<long>(column)[..length];
        var validity = ArrowSpans.Validity(column);
        var offset = column.Offset;
        var own = Values!;
        var flags = Flags!;
        for (var r = 0; r < values.Length; r++)
        {
            var valid = validity.IsEmpty || BitUtility.GetBit(validity, offset + r);
            var v = valid ? values[r] : 0;
            own[r] = v;
            flags[r] = valid ? (byte)0 : (byte)1;
            Hashes[r] = KeyHash.HashInt64Key(v, valid);
        }
    }

    /// <summary>The keys of the listed rows, in that order.</summary>
    public JoinKeyRows Take(ReadOnlySpan<int> rows)
    {
        var n = rows.Length;
        var keys = new JoinKeyRows(Width, n);
        for (var i = 0; i < n; i++) keys.Hashes[i] = Hashes[rows[i]];
        if (Width > 0)
        {
            var w = Width;
            for (var i = 0; i < n; i++)
            {
                keys.Flags![i] = Flags![rows[i]];
                Values.AsSpan(rows[i] * w, w).CopyTo(keys.Values!.AsSpan(i * w, w));
            }
            return keys;
        }
        var total = 0;
        for (var i = 0; i < n; i++)
        {
            keys.Offsets![i] = total;
            total += Offsets![rows[i] + 1] - Offsets[rows[i]];
        }
        keys.Offsets![n] = total;
        keys.Bytes = new byte[total];
        for (var i = 0; i < n; i++) Key(rows[i]).CopyTo(keys.Bytes.AsSpan(keys.Offsets[i]));
        return keys;
    }

    /// <summary>True when row <paramref name="row"/>'s key equals row <paramref name="otherRow"/> of <paramref name="other"/> (a key of
    /// the same width and types); the caller has compared the hashes.</summary>
    public bool KeyEquals(int row, JoinKeyRows other, int otherRow)
    {
        var w = Width;
        if (w == 0) return Key(row).SequenceEqual(other.Key(otherRow));
        if (Flags![row] != other.Flags![otherRow]) return false;
        var a = Values.AsSpan(row * w, w);
        var b = other.Values.AsSpan(otherRow * w, w);
        for (var c = 0; c < w; c++)
            if (a[c] != b[c]) return false;
        return true;
    }

    private ReadOnlySpan<byte> Key(int row) => Bytes.AsSpan(Offsets![row], Offsets[row + 1] - Offsets[row]);

    /// <summary>Estimated bytes held.</summary>
    public long EstimatedBytes => Hashes.Length * 8L + (Values?.Length ?? 0) * 8L + (Flags?.Length ?? 0) + (Offsets?.Length ?? 0) * 4L + (Bytes?.Length ?? 0);
}
