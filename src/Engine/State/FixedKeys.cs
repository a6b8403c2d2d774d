using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;

namespace OrleansStream.Engine.State;

/// <summary>
/// Keys of two to four bigint/timestamp columns (such as a window's (key, start, end)) handled by value instead of as
/// <see cref="KeyEncoder"/> bytes: a key is its column values (0 for null) and a flags byte (bit c: column c is null; plus
/// <see cref="ZeroFlag"/>). Hashes equal <see cref="KeyHash.Hash"/> of the encoded key, so key groups and table layouts are
/// the same as on the encoded path, and the encoding is produced only when a key must be stored.
/// </summary>
internal static class FixedKeys
{
    /// <summary>Fewest columns of a fixed key (one column is <see cref="KeyTable"/>'s and <see cref="KeyGroups"/>' own bigint path).</summary>
    public const int MinColumns = 2;

    /// <summary>Most columns of a fixed key (the flags byte holds the null bits; wider keys stay on the encoded path).</summary>
    public const int MaxColumns = 4;

    /// <summary>Encoded bytes per column: a marker byte, then the value's 8 little-endian bytes.</summary>
    public const int ColumnBytes = 1 + sizeof(long);

    /// <summary>The null bits of a flags byte.</summary>
    public const byte NullBits = (1 << MaxColumns) - 1;

    /// <summary>Flag of a key with a zero or null column. Nulls are kept as 0, so only such a key can have the values of a
    /// stored key but not its nulls: a key without the flag is equal to a stored key exactly when the values are.</summary>
    public const byte ZeroFlag = 0x80;

    /// <summary>Rows per <see cref="Load"/> in a batch: the chunk's values, flags and hashes (about 10 KB for four columns)
    /// stay in the L1 cache from being read to being probed.</summary>
    public const int ChunkRows = 256;

    /// <summary>True for a bigint or timestamp column type (encoded the same way: 8 value bytes).</summary>
    public static bool IsInt64Type(IArrowType type) => type.TypeId is ArrowTypeId.Int64 or ArrowTypeId.Timestamp;

    /// <summary>True when the columns form a fixed key: <see cref="MinColumns"/> to <see cref="MaxColumns"/> bigint or
    /// timestamp arrays (a null-typed array, which encodes differently, is not one).</summary>
    public static bool IsFixedKey(IReadOnlyList<IArrowArray> keyColumns)
    {
        if (keyColumns.Count is < MinColumns or > MaxColumns) return false;
        for (var c = 0; c < keyColumns.Count; c++)
            if (!IsInt64Type(keyColumns[c].Data.DataType)) return false;
        return true;
    }

    /// <summary>The number of columns when keys of <paramref name="keySchema"/> are fixed keys, else 0.</summary>
    public static int WidthOf(Schema keySchema)
    {
        var fields = keySchema.FieldsList;
        if (fields.Count is < MinColumns or > MaxColumns) return 0;
        foreach (var field in fields)
            if (!IsInt64Type(field.DataType)) return 0;
        return fields.Count;
    }

    /// <summary>
    /// Reads rows <paramref name="start"/> .. + <c>flags.Length</c> - 1 of the columns of a fixed key: row r's column c into
    /// <c>values[r * width + c]</c> (0 when null), its flags into <c>flags[r]</c> and the hash of its encoded key into
    /// <c>hashes[r]</c>.
    /// </summary>
    public static void Load(IReadOnlyList<IArrowArray> keyColumns, int start, Span<long> values, Span<byte> flags, Span<ulong> hashes)
    {
        var columns = new Columns();
        for (var c = 0; c < keyColumns.Count; c++) columns.Set(c, keyColumns[c], start, flags.Length);
        if (columns.NoNulls && KeyHashLanes.IsAccelerated)
        {
            KeyHashLanes.HashInt64Columns(keyColumns.Count, columns.Values0, columns.Values1, columns.Values2, columns.Values3, hashes);
            LoadValues(keyColumns.Count, columns, values, flags);
            return;
        }
        LoadRows(keyColumns.Count, columns, values, flags, hashes);
    }

    // LoadRows for columns without nulls whose hashes are made apart (in vector lanes): values row by row, and the zero flag.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LoadValues(int width, in Columns columns, Span<long> values, Span<byte> flags)
    {
        for (var r = 0; r < flags.Length; r++)
        {
            var row = values.Slice(r * width, width);
            long v0 = columns.Values0[r], v1 = columns.Values1[r];
            row[0] = v0;
            row[1] = v1;
            var zero = v0 == 0 || v1 == 0;
            if (width > 2)
            {
                var v2 = columns.Values2[r];
                row[2] = v2;
                zero |= v2 == 0;
                if (width > 3)
                {
                    var v3 = columns.Values3[r];
                    row[3] = v3;
                    zero |= v3 == 0;
                }
            }
            flags[r] = zero ? ZeroFlag : (byte)0;
        }
    }

    /// <summary>Writes the <see cref="KeyEncoder"/> encoding of one key (<see cref="ColumnBytes"/> per column) to <paramref name="key"/>.</summary>
    public static void Encode(ReadOnlySpan<long> values, int flags, Span<byte> key)
    {
        for (var c = 0; c < values.Length; c++)
        {
            var valid = ((flags >> c) & 1) == 0;
            var at = c * ColumnBytes;
            key[at] = valid ? (byte)1 : (byte)0;
            BinaryPrimitives.WriteInt64LittleEndian(key.Slice(at + 1, sizeof(long)), valid ? values[c] : 0);
        }
    }

    /// <summary>Reads an encoded key into its values (one per column of <paramref name="values"/>) and returns its flags.</summary>
    /// <exception cref="ArgumentException">The bytes are not the encoding of a key of that many bigint/timestamp columns.</exception>
    public static byte Decode(ReadOnlySpan<byte> key, Span<long> values)
    {
        if (key.Length != values.Length * ColumnBytes) throw NotAKey();
        var flags = 0;
        for (var c = 0; c < values.Length; c++)
        {
            var at = c * ColumnBytes;
            var value = BinaryPrimitives.ReadInt64LittleEndian(key.Slice(at + 1, sizeof(long)));
            // The encoder writes marker 1, or marker 0 with zero value bytes; anything else would not round-trip.
            if (key[at] > 1 || (key[at] == 0 && value != 0)) throw NotAKey();
            if (key[at] == 0) flags |= 1 << c;
            if (value == 0) flags |= ZeroFlag;
            values[c] = value;
        }
        return (byte)flags;
    }

    // A row at a time, every column of the row unrolled (a column's shift in the hash is then a constant): a column at a time
    // would have to keep each row's hash state in memory between columns, which costs more than the hashing.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LoadRows(int width, in Columns columns, Span<long> values, Span<byte> flags, Span<ulong> hashes)
    {
        var initial = KeyHash.StartInt64Columns(width);
        for (var r = 0; r < flags.Length; r++)
        {
            var h = initial;
            var carry = 0UL;
            var f = 0;
            var row = values.Slice(r * width, width);
            AddColumn(ref h, ref carry, ref f, row, 0, columns.Values0, columns.Validity0, columns.Offset0, r);
            AddColumn(ref h, ref carry, ref f, row, 1, columns.Values1, columns.Validity1, columns.Offset1, r);
            if (width > 2)
            {
                AddColumn(ref h, ref carry, ref f, row, 2, columns.Values2, columns.Validity2, columns.Offset2, r);
                if (width > 3) AddColumn(ref h, ref carry, ref f, row, 3, columns.Values3, columns.Validity3, columns.Offset3, r);
            }
            flags[r] = (byte)f;
            hashes[r] = KeyHash.FinishInt64Columns(h, carry);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddColumn(ref ulong h, ref ulong carry, ref int flags, Span<long> row, int column, ReadOnlySpan<long> source,
        ReadOnlySpan<byte> validity, int offset, int r)
    {
        var valid = validity.IsEmpty || BitUtility.GetBit(validity, offset + r);
        var v = valid ? source[r] : 0;
        row[column] = v;
        flags |= valid ? (v == 0 ? ZeroFlag : 0) : ZeroFlag | (1 << column);
        KeyHash.AddInt64Column(ref h, ref carry, column, v, valid);
    }

    // The key columns of a batch from a start row: per column its values, its validity bitmap (empty when it has no nulls;
    // index it with the offset plus the row) and that offset. Columns past the key's width stay empty.
    private ref struct Columns
    {
        public ReadOnlySpan<long> Values0, Values1, Values2, Values3;
        public ReadOnlySpan<byte> Validity0, Validity1, Validity2, Validity3;
        public int Offset0, Offset1, Offset2, Offset3;

        // No set column has a validity bitmap (the unset ones have none either).
        public readonly bool NoNulls => Validity0.IsEmpty && Validity1.IsEmpty && Validity2.IsEmpty && Validity3.IsEmpty;

        public void Set(int c, IArrowArray column, int start, int count)
        {
            var values = ArrowSpans.Values<long>(column).Slice(start, count);
            var validity = ArrowSpans.Validity(column);
            var offset = column.Offset + start;
            switch (c)
            {
                case 0:
                    Values0 = values;
                    Validity0 = validity;
                    Offset0 = offset;
                    break;
                case 1:
                    Values1 = values;
                    Validity1 = validity;
                    Offset1 = offset;
                    break;
                case 2:
                    Values2 = values;
                    Validity2 = validity;
                    Offset2 = offset;
                    break;
                default:
                    Values3 = values;
                    Validity3 = validity;
                    Offset3 = offset;
                    break;
            }
        }
    }

    private static ArgumentException NotAKey() =>
        new("The encoded key is not a key of bigint/timestamp columns of this schema.", "key");
}
