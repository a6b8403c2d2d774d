using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.State;

/// <summary>
/// Encodes the key columns of each row into a byte sequence that is equal exactly when the keys are equal under Spark's
/// grouping semantics: null is a value of its own (all nulls equal), -0.0 equals 0.0 and all NaNs are equal. Decodes
/// encoded keys back into Arrow columns of the key schema (a -0.0 or non-canonical NaN key comes back as 0.0 or NaN, as in Spark).
/// </summary>
/// <remarks>
/// Layout per column, in key order: one marker byte (0 = null, 1 = value), then for a fixed-width type its value bytes
/// (little-endian; zeros when null, so the columns before the first string column sit at fixed offsets), for string and
/// binary an int32 byte length and the bytes (length 0 when null), and nothing for the null type. The encoding depends only
/// on the values, never on the array they came from, so the same key hashes to the same key group in every batch and process.
/// An instance keeps its encode buffers between calls and is not thread-safe.
/// </remarks>
public sealed class KeyEncoder
{
    private readonly Kind[] _kinds;
    private readonly int[] _widths;
    private readonly int[] _fixedOffsets;
    private readonly int _fixedBytes;
    private readonly bool _hasVariable;
    private byte[] _buffer = [];
    private int[] _offsets = [0];
    private int[] _cursor = [];
    private int _rows;

    /// <summary>Creates an encoder for keys of <paramref name="keySchema"/>.</summary>
    /// <exception cref="NotSupportedException">A key column has a type that cannot be a grouping key here.</exception>
    public KeyEncoder(Schema keySchema)
    {
        ArgumentNullException.ThrowIfNull(keySchema);
        KeySchema = keySchema;
        var fields = keySchema.FieldsList;
        _kinds = new Kind[fields.Count];
        _widths = new int[fields.Count];
        _fixedOffsets = new int[fields.Count];
        var offset = 0;
        for (var c = 0; c < fields.Count; c++)
        {
            _kinds[c] = KindOf(fields[c].DataType)
                ?? throw new NotSupportedException(
                    $"Grouping key column '{fields[c].Name}' has type {DataTypes.ToDdl(fields[c].DataType)}, which is not supported as a key " +
                    "(supported: boolean, tinyint, smallint, int, bigint, float, double, decimal, string, binary, timestamp, date).");
            _widths[c] = WidthOf(_kinds[c]);
            _fixedOffsets[c] = _hasVariable ? -1 : offset;
            if (_kinds[c] == Kind.Bytes) _hasVariable = true;
            _fixedBytes += 1 + Math.Max(_widths[c], 0) + (_kinds[c] == Kind.Bytes ? sizeof(int) : 0);
            offset = _fixedBytes;
        }
    }

    /// <summary>The schema of the keys this encoder encodes and decodes.</summary>
    public Schema KeySchema { get; }

    /// <summary>Number of rows encoded by the last <see cref="Encode"/> call.</summary>
    public int RowCount => _rows;

    /// <summary>True when <paramref name="type"/> can be a key column.</summary>
    public static bool IsSupported(IArrowType type) => KindOf(type) is not null;

    /// <summary>Encodes the first <paramref name="length"/> rows of <paramref name="keyColumns"/> (one array per key field,
    /// of the key field's type); read each row's key with <see cref="Key"/>. Replaces the previous call's keys.</summary>
    /// <exception cref="ArgumentException">The columns do not match the key schema.</exception>
    public void Encode(IReadOnlyList<IArrowArray> keyColumns, int length)
    {
        ArgumentNullException.ThrowIfNull(keyColumns);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (keyColumns.Count != _kinds.Length)
            throw new ArgumentException($"Expected {_kinds.Length} key columns but got {keyColumns.Count}.", nameof(keyColumns));
        for (var c = 0; c < _kinds.Length; c++) CheckColumn(c, keyColumns[c], length);

        if (_offsets.Length < length + 1) _offsets = new int[Grow(_offsets.Length, length + 1)];
        if (_cursor.Length < length) _cursor = new int[Grow(_cursor.Length, length)];
        var offsets = _offsets.AsSpan(0, length + 1);
        if (!_hasVariable)
        {
            for (var r = 0; r <= length; r++) offsets[r] = checked(r * _fixedBytes);
        }
        else
        {
            // Row sizes first (fixed part plus string bytes), then a prefix sum, so each row is written in place once.
            offsets[0] = 0;
            offsets[1..].Fill(_fixedBytes);
            for (var c = 0; c < _kinds.Length; c++)
            {
                if (_kinds[c] != Kind.Bytes) continue;
                var col = keyColumns[c];
                if (ArrowSpans.AllNull(col)) continue;
                var valueOffsets = ArrowSpans.Offsets(col);
                var validity = ArrowSpans.Validity(col);
                var bitOffset = col.Offset;
                for (var r = 0; r < length; r++)
                    if (ArrowSpans.IsValid(validity, bitOffset, r)) offsets[r + 1] += valueOffsets[r + 1] - valueOffsets[r];
            }
            for (var r = 1; r <= length; r++) offsets[r] = checked(offsets[r] + offsets[r - 1]);
        }
        var total = offsets[length];
        if (_buffer.Length < total) _buffer = new byte[Grow(_buffer.Length, total)];
        var cursor = _cursor.AsSpan(0, length);
        offsets[..length].CopyTo(cursor);
        var buffer = _buffer.AsSpan(0, total);
        for (var c = 0; c < _kinds.Length; c++) WriteColumn(_kinds[c], keyColumns[c], length, buffer, cursor);
        _rows = length;
    }

    /// <summary>The encoded key of row <paramref name="row"/> of the last <see cref="Encode"/> call (valid until the next call).</summary>
    public ReadOnlySpan<byte> Key(int row)
    {
        if ((uint)row >= (uint)_rows) throw new ArgumentOutOfRangeException(nameof(row));
        return _buffer.AsSpan(_offsets[row], _offsets[row + 1] - _offsets[row]);
    }

    /// <summary>The encoded key of one row as a new array (for tests and rare lookups; the batch path is <see cref="Encode"/>).</summary>
    public byte[] EncodeRow(IReadOnlyList<IArrowArray> keyColumns, int row)
    {
        ArgumentNullException.ThrowIfNull(keyColumns);
        var slice = new IArrowArray[keyColumns.Count];
        for (var c = 0; c < slice.Length; c++) slice[c] = ArrowArrayFactory.Slice(keyColumns[c], row, 1);
        Encode(slice, 1);
        return Key(0).ToArray();
    }

    /// <summary>Decodes keys back into one array per key field. Key i starts at <c>keyStarts[i]</c> in <paramref name="data"/>
    /// (keys are self-delimiting under the schema, so no lengths are needed).</summary>
    public IArrowArray[] Decode(ReadOnlySpan<byte> data, ReadOnlySpan<int> keyStarts)
    {
        var n = keyStarts.Length;
        var cursor = new int[n];
        keyStarts.CopyTo(cursor);
        var fields = KeySchema.FieldsList;
        var result = new IArrowArray[_kinds.Length];
        for (var c = 0; c < _kinds.Length; c++) result[c] = DecodeColumn(_kinds[c], fields[c].DataType, data, cursor);
        return result;
    }

    /// <summary>Decodes keys held as separate arrays (see <see cref="Decode(ReadOnlySpan{byte}, ReadOnlySpan{int})"/>).</summary>
    public IArrowArray[] Decode(IReadOnlyList<byte[]> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var total = 0;
        foreach (var k in keys) total = checked(total + k.Length);
        var data = new byte[total];
        var starts = new int[keys.Count];
        var pos = 0;
        for (var i = 0; i < keys.Count; i++)
        {
            starts[i] = pos;
            keys[i].CopyTo(data, pos);
            pos += keys[i].Length;
        }
        return Decode(data, starts);
    }

    /// <summary>Reads key column <paramref name="column"/> (bigint or timestamp) of an encoded key without decoding the rest;
    /// false when that column is null.</summary>
    /// <exception cref="ArgumentException">The column is not a bigint or timestamp column.</exception>
    public bool TryReadInt64(ReadOnlySpan<byte> key, int column, out long value)
    {
        if ((uint)column >= (uint)_kinds.Length) throw new ArgumentOutOfRangeException(nameof(column));
        if (_kinds[column] != Kind.Int64)
            throw new ArgumentException(
                $"Key column {column} ('{KeySchema.FieldsList[column].Name}') is {DataTypes.ToDdl(KeySchema.FieldsList[column].DataType)}, not a timestamp or bigint.",
                nameof(column));
        var pos = ColumnStart(key, column);
        if (key[pos] == 0)
        {
            value = 0;
            return false;
        }
        value = BinaryPrimitives.ReadInt64LittleEndian(key.Slice(pos + 1, sizeof(long)));
        return true;
    }

    /// <summary>The byte offset of column <paramref name="column"/> within <paramref name="key"/>.</summary>
    internal int ColumnStart(ReadOnlySpan<byte> key, int column)
    {
        if (_fixedOffsets[column] >= 0) return _fixedOffsets[column];
        var pos = 0;
        for (var c = 0; c < column; c++)
        {
            pos += 1;
            if (_kinds[c] == Kind.Bytes) pos += sizeof(int) + BinaryPrimitives.ReadInt32LittleEndian(key.Slice(pos, sizeof(int)));
            else pos += _widths[c];
        }
        return pos;
    }

    private void CheckColumn(int c, IArrowArray column, int length)
    {
        ArgumentNullException.ThrowIfNull(column);
        var field = KeySchema.FieldsList[c];
        var actual = column.Data.DataType;
        var expected = field.DataType;
        var ok = actual.TypeId == expected.TypeId || actual.TypeId == ArrowTypeId.Null;
        if (ok && expected is Decimal128Type de && actual is Decimal128Type da) ok = de.Scale == da.Scale;
        if (ok && expected is TimestampType te && actual is TimestampType ta) ok = te.Unit == ta.Unit;
        if (!ok)
            throw new ArgumentException(
                $"Key column '{field.Name}' should be {DataTypes.ToDdl(expected)} but the batch has {DataTypes.ToDdl(actual)}.", nameof(column));
        if (column.Length < length)
            throw new ArgumentException($"Key column '{field.Name}' has {column.Length} rows, fewer than {length}.", nameof(column));
    }

    private static void WriteColumn(Kind kind, IArrowArray column, int length, Span<byte> buffer, Span<int> cursor)
    {
        if (ArrowSpans.AllNull(column))
        {
            // Marker 0 and zeroed value bytes (the buffer is reused between calls, so zero explicitly).
            var size = 1 + Math.Max(WidthOf(kind), 0) + (kind == Kind.Bytes ? sizeof(int) : 0);
            for (var r = 0; r < length; r++)
            {
                buffer.Slice(cursor[r], size).Clear();
                cursor[r] += size;
            }
            return;
        }
        var validity = ArrowSpans.Validity(column);
        var offset = column.Offset;
        switch (kind)
        {
            case Kind.Null:
                for (var r = 0; r < length; r++) buffer[cursor[r]++] = 0;
                break;
            case Kind.Boolean:
            {
                var bits = column.Data.Buffers[1].Span;
                for (var r = 0; r < length; r++)
                {
                    var p = cursor[r];
                    var valid = ArrowSpans.IsValid(validity, offset, r);
                    buffer[p] = valid ? (byte)1 : (byte)0;
                    buffer[p + 1] = valid && BitUtility.GetBit(bits, offset + r) ? (byte)1 : (byte)0;
                    cursor[r] = p + 2;
                }
                break;
            }
            case Kind.Int8: WriteFixed(ArrowSpans.Values<byte>(column), validity, offset, length, buffer, cursor); break;
            case Kind.Int16: WriteFixed(ArrowSpans.Values<short>(column), validity, offset, length, buffer, cursor); break;
            case Kind.Int32: WriteFixed(ArrowSpans.Values<int>(column), validity, offset, length, buffer, cursor); break;
            case Kind.Int64: WriteFixed(ArrowSpans.Values<long>(column), validity, offset, length, buffer, cursor); break;
            case Kind.Decimal: WriteFixed(ArrowSpans.Values<Int128>(column), validity, offset, length, buffer, cursor); break;
            case Kind.Float:
            {
                var values = ArrowSpans.Values<float>(column);
                for (var r = 0; r < length; r++)
                {
                    var p = cursor[r];
                    var valid = ArrowSpans.IsValid(validity, offset, r);
                    buffer[p] = valid ? (byte)1 : (byte)0;
                    BinaryPrimitives.WriteInt32LittleEndian(buffer.Slice(p + 1, 4), valid ? BitConverter.SingleToInt32Bits(Normalize(values[r])) : 0);
                    cursor[r] = p + 5;
                }
                break;
            }
            case Kind.Double:
            {
                var values = ArrowSpans.Values<double>(column);
                for (var r = 0; r < length; r++)
                {
                    var p = cursor[r];
                    var valid = ArrowSpans.IsValid(validity, offset, r);
                    buffer[p] = valid ? (byte)1 : (byte)0;
                    BinaryPrimitives.WriteInt64LittleEndian(buffer.Slice(p + 1, 8), valid ? BitConverter.DoubleToInt64Bits(Normalize(values[r])) : 0);
                    cursor[r] = p + 9;
                }
                break;
            }
            case Kind.Bytes:
            {
                var valueOffsets = ArrowSpans.Offsets(column);
                var bytes = ArrowSpans.Bytes(column);
                for (var r = 0; r < length; r++)
                {
                    var p = cursor[r];
                    if (ArrowSpans.IsValid(validity, offset, r))
                    {
                        var start = valueOffsets[r];
                        var len = valueOffsets[r + 1] - start;
                        buffer[p] = 1;
                        BinaryPrimitives.WriteInt32LittleEndian(buffer.Slice(p + 1, 4), len);
                        bytes.Slice(start, len).CopyTo(buffer.Slice(p + 5, len));
                        cursor[r] = p + 5 + len;
                    }
                    else
                    {
                        buffer.Slice(p, 5).Clear();
                        cursor[r] = p + 5;
                    }
                }
                break;
            }
        }
    }

    private static void WriteFixed<T>(ReadOnlySpan<T> values, ReadOnlySpan<byte> validity, int offset, int length, Span<byte> buffer, Span<int> cursor)
        where T : unmanaged
    {
        // Machine byte order equals little-endian on every platform Arrow's .NET library runs on (its buffers assume it too).
        var width = Unsafe.SizeOf<T>();
        for (var r = 0; r < length; r++)
        {
            var p = cursor[r];
            if (ArrowSpans.IsValid(validity, offset, r))
            {
                buffer[p] = 1;
                Unsafe.WriteUnaligned(ref buffer[p + 1], values[r]);
            }
            else
            {
                buffer.Slice(p, 1 + width).Clear();
            }
            cursor[r] = p + 1 + width;
        }
    }

    private static IArrowArray DecodeColumn(Kind kind, IArrowType type, ReadOnlySpan<byte> data, int[] cursor)
    {
        var n = cursor.Length;
        switch (kind)
        {
            case Kind.Null:
                for (var i = 0; i < n; i++) cursor[i] += 1;
                return new NullArray(n);
            case Kind.Bytes:
            {
                var total = 0L;
                for (var i = 0; i < n; i++) total += BinaryPrimitives.ReadInt32LittleEndian(data.Slice(cursor[i] + 1, 4));
                var writer = new StringColumnWriter(n, (int)Math.Min(total, int.MaxValue));
                for (var i = 0; i < n; i++)
                {
                    var p = cursor[i];
                    var len = BinaryPrimitives.ReadInt32LittleEndian(data.Slice(p + 1, 4));
                    if (data[p] == 0) writer.AppendNull();
                    else writer.Append(data.Slice(p + 5, len));
                    cursor[i] = p + 5 + len;
                }
                return writer.Build(type);
            }
            case Kind.Boolean or Kind.Int8: return DecodeFixed<byte>(type, data, cursor);
            case Kind.Int16: return DecodeFixed<short>(type, data, cursor);
            case Kind.Int32 or Kind.Float: return DecodeFixed<int>(type, data, cursor);
            case Kind.Int64 or Kind.Double: return DecodeFixed<long>(type, data, cursor);
            default: return DecodeFixed<Int128>(type, data, cursor);
        }
    }

    private static IArrowArray DecodeFixed<T>(IArrowType type, ReadOnlySpan<byte> data, int[] cursor) where T : unmanaged
    {
        var n = cursor.Length;
        var width = Unsafe.SizeOf<T>();
        var writer = new FixedColumnWriter<T>(n);
        var values = writer.Values;
        for (var i = 0; i < n; i++)
        {
            var p = cursor[i];
            if (data[p] == 0) writer.SetNull(i);
            else values[i] = Unsafe.ReadUnaligned<T>(in data[p + 1]);
            cursor[i] = p + 1 + width;
        }
        return writer.Build(type);
    }

    private static float Normalize(float v) => float.IsNaN(v) ? float.NaN : v == 0f ? 0f : v;

    private static double Normalize(double v) => double.IsNaN(v) ? double.NaN : v == 0d ? 0d : v;

    private static int Grow(int current, int needed) => (int)Math.Min(System.Array.MaxLength, Math.Max((long)needed, current * 2L));

    private static Kind? KindOf(IArrowType type) => type.TypeId switch
    {
        ArrowTypeId.Null => Kind.Null,
        ArrowTypeId.Boolean => Kind.Boolean,
        ArrowTypeId.Int8 => Kind.Int8,
        ArrowTypeId.Int16 => Kind.Int16,
        ArrowTypeId.Int32 or ArrowTypeId.Date32 => Kind.Int32,
        ArrowTypeId.Int64 or ArrowTypeId.Timestamp => Kind.Int64,
        ArrowTypeId.Float => Kind.Float,
        ArrowTypeId.Double => Kind.Double,
        ArrowTypeId.Decimal128 => Kind.Decimal,
        ArrowTypeId.String or ArrowTypeId.Binary => Kind.Bytes,
        _ => null,
    };

    private static int WidthOf(Kind kind) => kind switch
    {
        Kind.Null => 0,
        Kind.Boolean or Kind.Int8 => 1,
        Kind.Int16 => 2,
        Kind.Int32 or Kind.Float => 4,
        Kind.Int64 or Kind.Double => 8,
        Kind.Decimal => 16,
        _ => 0,
    };

    private enum Kind : byte { Null, Boolean, Int8, Int16, Int32, Int64, Float, Double, Decimal, Bytes }
}
