using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Expressions.Kernels;

/// <summary>from_json and to_json over UTF-8 string columns with System.Text.Json readers and writers (no DOM per row).</summary>
internal static class JsonKernels
{
    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = false };

    /// <summary>from_json(col, schema): a struct (or array/map) per row; null input or malformed JSON (including text that is
    /// not UTF-8) gives null; a field whose JSON value does not fit its type or does not decode is null.</summary>
    public static IArrowArray FromJson(StringArray s, IArrowType type)
    {
        var n = s.Length;
        var builder = JsonColumn.Create(type);
        // System.Text.Json throws on invalid UTF-8 only when it decodes a value; one vectorised check of the batch's bytes
        // spares the rows that check when (as almost always) they are all valid.
        var checkRows = n > 0 && !Utf8.IsValid(s.ValueBuffer.Span[s.ValueOffsets[0]..s.ValueOffsets[n]]);
        for (var i = 0; i < n; i++)
        {
            if (s.IsNull(i)) { builder.AppendNull(); continue; }
            var bytes = s.GetBytes(i);
            if (checkRows && !Utf8.IsValid(bytes) || !IsWellFormed(bytes, type)) { builder.AppendNull(); continue; }
            var reader = new Utf8JsonReader(bytes, ReaderOptions);
            reader.Read();
            builder.Read(ref reader, bytes);
        }
        return builder.Build();
    }

    private static bool IsWellFormed(ReadOnlySpan<byte> bytes, IArrowType type)
    {
        try
        {
            var reader = new Utf8JsonReader(bytes, ReaderOptions);
            if (!reader.Read()) return false;
            var expected = type is ListType ? JsonTokenType.StartArray : JsonTokenType.StartObject;
            if (reader.TokenType != expected) return false;
            reader.Skip();
            while (reader.Read()) { }
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>to_json(struct | array | map): JSON text per row; null structs give null, null fields are omitted.</summary>
    public static IArrowArray ToJson(IArrowArray a)
    {
        var n = a.Length;
        var buffer = new ArrayBufferWriter<byte>(Math.Max(256, n * 32));
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var offsets = new int[n + 1];
        var validity = Bitmaps.Validity(a);
        for (var i = 0; i < n; i++)
        {
            if (Bitmaps.Get(validity, i))
            {
                WriteValue(writer, a, i);
                writer.Flush();
                writer.Reset(buffer);
            }
            offsets[i + 1] = buffer.WrittenCount;
        }
        var offsetBytes = new byte[(n + 1) * 4];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(offsets.AsSpan()).CopyTo(offsetBytes);
        var nullBuffer = Bitmaps.ToBuffer(validity, n, out var nulls);
        return ArrowArrayFactory.BuildArray(new ArrayData(StringType.Default, n, nulls, 0,
            [nullBuffer, new ArrowBuffer(offsetBytes), new ArrowBuffer(buffer.WrittenMemory)], []));
    }

    private static void WriteValue(Utf8JsonWriter w, IArrowArray a, int i)
    {
        if (a.IsNull(i)) { w.WriteNullValue(); return; }
        Span<byte> tmp = stackalloc byte[48];
        switch (a)
        {
            case BooleanArray b: w.WriteBooleanValue(b.GetValue(i) == true); break;
            case Int8Array x: w.WriteNumberValue(x.Values[i]); break;
            case Int16Array x: w.WriteNumberValue(x.Values[i]); break;
            case Int32Array x: w.WriteNumberValue(x.Values[i]); break;
            case Int64Array x: w.WriteNumberValue(x.Values[i]); break;
            case FloatArray x:
                if (float.IsFinite(x.Values[i])) w.WriteRawValue(tmp[..NumberText.FormatFloat(x.Values[i], tmp)], skipInputValidation: true);
                else w.WriteStringValue(tmp[..NumberText.FormatFloat(x.Values[i], tmp)]);
                break;
            case DoubleArray x:
                if (double.IsFinite(x.Values[i])) w.WriteRawValue(tmp[..NumberText.FormatDouble(x.Values[i], tmp)], skipInputValidation: true);
                else w.WriteStringValue(tmp[..NumberText.FormatDouble(x.Values[i], tmp)]);
                break;
            case Decimal128Array x: w.WriteRawValue(tmp[..NumberText.FormatDecimal(x.GetValue(i)!.Value, x.Scale, tmp)], skipInputValidation: true); break;
            case TimestampArray x: w.WriteStringValue(tmp[..DateTimeText.FormatTimestamp(x.Values[i], tmp, iso: true)]); break;
            case Date32Array x: w.WriteStringValue(tmp[..DateTimeText.FormatDate(x.Values[i], tmp)]); break;
            case StringArray x: w.WriteStringValue(x.GetBytes(i)); break;
            case BinaryArray x: w.WriteBase64StringValue(x.GetBytes(i)); break;
            case StructArray s:
            {
                var st = (StructType)s.Data.DataType;
                w.WriteStartObject();
                for (var k = 0; k < st.Fields.Count; k++)
                {
                    var child = s.Fields[k];
                    if (child.IsNull(i)) continue;
                    w.WritePropertyName(st.Fields[k].Name);
                    WriteValue(w, child, i);
                }
                w.WriteEndObject();
                break;
            }
            case MapArray m:
            {
                w.WriteStartObject();
                var keys = m.Keys;
                var values = m.Values;
                for (var k = m.ValueOffsets[i]; k < m.ValueOffsets[i + 1]; k++)
                {
                    w.WritePropertyName(KeyText(keys, k));
                    WriteValue(w, values, k);
                }
                w.WriteEndObject();
                break;
            }
            case ListArray l:
            {
                w.WriteStartArray();
                for (var k = l.ValueOffsets[i]; k < l.ValueOffsets[i + 1]; k++) WriteValue(w, l.Values, k);
                w.WriteEndArray();
                break;
            }
            default:
                throw new NotSupportedException($"to_json does not support {a.Data.DataType.Name}.");
        }
    }

    private static string KeyText(IArrowArray keys, int k)
    {
        if (keys is StringArray s) return s.GetString(k);
        var w = new StringColumnWriter(1);
        ValueFormatter.AppendValue(w, keys, k);
        w.EndValue();
        return ((StringArray)w.Build()).GetString(0);
    }

    /// <summary>An appendable Arrow column that reads its values from JSON tokens.</summary>
    private abstract class JsonColumn
    {
        protected byte[]? Validity;
        public int Count { get; protected set; }

        public static JsonColumn Create(IArrowType type) => type switch
        {
            StructType st => new StructColumn(st),
            MapType mt => new MapColumn(mt),
            ListType lt => new ListColumn(lt),
            BooleanType => new PrimitiveColumn<bool>(type),
            Int8Type => new PrimitiveColumn<sbyte>(type),
            Int16Type => new PrimitiveColumn<short>(type),
            Int32Type => new PrimitiveColumn<int>(type),
            Int64Type => new PrimitiveColumn<long>(type),
            FloatType => new PrimitiveColumn<float>(type),
            DoubleType => new PrimitiveColumn<double>(type),
            TimestampType => new PrimitiveColumn<long>(DataTypes.Timestamp),
            Date32Type => new PrimitiveColumn<int>(type),
            Decimal128Type dt => new DecimalColumn(dt),
            StringType => new StringColumn(),
            _ => throw new NotSupportedException($"from_json does not support the type {DataTypes.ToDdl(type)}."),
        };

        /// <summary>Appends the value at the reader's current token (skipping it entirely), or null when it does not fit.</summary>
        public abstract void Read(ref Utf8JsonReader reader, ReadOnlySpan<byte> source);

        public abstract void AppendNull();

        public abstract IArrowArray Build();

        protected void MarkValid()
        {
            if (Validity is not null)
            {
                EnsureValidity();
                Bitmaps.Set(Validity, Count);
            }
            Count++;
        }

        protected void MarkNull()
        {
            if (Validity is null)
            {
                Validity = new byte[Math.Max(16, BitUtility.ByteCount(Count + 1) * 2)];
                Validity.AsSpan(0, BitUtility.ByteCount(Count)).Fill(0xFF);
                for (var i = Count & ~7; i < Count; i++) Bitmaps.Set(Validity, i);
            }
            EnsureValidity();
            Bitmaps.Clear(Validity, Count);
            Count++;
        }

        private void EnsureValidity()
        {
            if (BitUtility.ByteCount(Count + 1) > Validity!.Length) System.Array.Resize(ref Validity, Validity.Length * 2);
        }

        /// <summary>Unescapes the current string into <paramref name="destination"/>; false when its escapes do not decode
        /// (a lone surrogate such as \uD800), which System.Text.Json reports with an exception.</summary>
        protected static bool TryCopyString(ref Utf8JsonReader reader, Span<byte> destination, out int written)
        {
            try
            {
                written = reader.CopyString(destination);
                return true;
            }
            catch (InvalidOperationException)
            {
                written = 0;
                return false;
            }
        }

        protected static void SkipValue(ref Utf8JsonReader reader)
        {
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
        }
    }

    private sealed class PrimitiveColumn<T>(IArrowType type) : JsonColumn where T : unmanaged
    {
        private T[] _values = new T[16];

        private void Add(T v)
        {
            if (Count == _values.Length) System.Array.Resize(ref _values, _values.Length * 2);
            _values[Count] = v;
            MarkValid();
        }

        public override void AppendNull()
        {
            if (Count == _values.Length) System.Array.Resize(ref _values, _values.Length * 2);
            _values[Count] = default;
            MarkNull();
        }

        public override void Read(ref Utf8JsonReader reader, ReadOnlySpan<byte> source)
        {
            var t = reader.TokenType;
            switch (type.TypeId)
            {
                case ArrowTypeId.Boolean when t is JsonTokenType.True or JsonTokenType.False:
                    var bv = t == JsonTokenType.True;
                    Add(Unsafe.As<bool, T>(ref bv));
                    return;
                case ArrowTypeId.Int8 when t == JsonTokenType.Number && reader.TryGetSByte(out var v8):
                    Add(Unsafe.As<sbyte, T>(ref v8));
                    return;
                case ArrowTypeId.Int16 when t == JsonTokenType.Number && reader.TryGetInt16(out var v16):
                    Add(Unsafe.As<short, T>(ref v16));
                    return;
                case ArrowTypeId.Int32 or ArrowTypeId.Date32 when t == JsonTokenType.Number && reader.TryGetInt32(out var v32):
                    Add(Unsafe.As<int, T>(ref v32));
                    return;
                case ArrowTypeId.Int64 when t == JsonTokenType.Number && reader.TryGetInt64(out var v64):
                    Add(Unsafe.As<long, T>(ref v64));
                    return;
                case ArrowTypeId.Float when t == JsonTokenType.Number && reader.TryGetSingle(out var f):
                    Add(Unsafe.As<float, T>(ref f));
                    return;
                case ArrowTypeId.Double when t == JsonTokenType.Number && reader.TryGetDouble(out var d):
                    Add(Unsafe.As<double, T>(ref d));
                    return;
                case ArrowTypeId.Float or ArrowTypeId.Double when t == JsonTokenType.String:
                {
                    var text = reader.ValueSpan;
                    if (!reader.ValueIsEscaped && NumberText.TryParseDouble(text, out var parsed) && !double.IsFinite(parsed))
                    {
                        if (type.TypeId == ArrowTypeId.Float) { var fv = (float)parsed; Add(Unsafe.As<float, T>(ref fv)); }
                        else Add(Unsafe.As<double, T>(ref parsed));
                        return;
                    }
                    break;
                }
                case ArrowTypeId.Timestamp when t == JsonTokenType.String:
                {
                    if (DateTimeText.TryParseTimestamp(Unescaped(ref reader), out var micros))
                    {
                        Add(Unsafe.As<long, T>(ref micros));
                        return;
                    }
                    break;
                }
                case ArrowTypeId.Timestamp when t == JsonTokenType.Number && reader.TryGetInt64(out var secs):
                    var sv = secs * DateTimeText.MicrosPerSecond;
                    Add(Unsafe.As<long, T>(ref sv));
                    return;
                case ArrowTypeId.Date32 when t == JsonTokenType.String:
                {
                    if (DateTimeText.TryParseDate(Unescaped(ref reader), out var days))
                    {
                        Add(Unsafe.As<int, T>(ref days));
                        return;
                    }
                    break;
                }
            }
            SkipValue(ref reader);
            AppendNull();
        }

        private byte[] _scratch = new byte[64];

        /// <summary>The unescaped value; empty (so it does not parse) when its escapes do not decode.</summary>
        private ReadOnlySpan<byte> Unescaped(ref Utf8JsonReader reader)
        {
            if (!reader.ValueIsEscaped) return reader.ValueSpan;
            if (reader.ValueSpan.Length > _scratch.Length) _scratch = new byte[reader.ValueSpan.Length * 2];
            return TryCopyString(ref reader, _scratch, out var n) ? _scratch.AsSpan(0, n) : default;
        }

        public override IArrowArray Build()
        {
            if (type.TypeId == ArrowTypeId.Boolean)
            {
                var bits = new byte[BitUtility.ByteCount(Count)];
                var bools = (bool[])(object)_values;
                for (var i = 0; i < Count; i++)
                    if (bools[i]) Bitmaps.Set(bits, i);
                return ArrayFactory.Boolean(bits, Validity, Count);
            }
            var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(_values.AsSpan(0, Count)).ToArray();
            return ArrayFactory.Primitive(type, bytes, Validity, Count);
        }
    }

    private sealed class DecimalColumn(Decimal128Type type) : JsonColumn
    {
        private readonly Decimal128Array.Builder _builder = new(type);

        public override void AppendNull()
        {
            _builder.AppendNull();
            Count++;
        }

        public override void Read(ref Utf8JsonReader reader, ReadOnlySpan<byte> source)
        {
            if (reader.TokenType == JsonTokenType.Number && reader.TryGetDecimal(out var d) && CastKernels.FitDecimal(ref d, type))
            {
                _builder.Append(d);
                Count++;
                return;
            }
            SkipValue(ref reader);
            AppendNull();
        }

        public override IArrowArray Build() => _builder.Build();
    }

    private sealed class StringColumn : JsonColumn
    {
        private readonly StringColumnWriter _writer = new(16, 256);
        private byte[] _scratch = new byte[256];

        public override void AppendNull()
        {
            _writer.AppendNull();
            Count++;
        }

        public override void Read(ref Utf8JsonReader reader, ReadOnlySpan<byte> source)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.Null:
                    AppendNull();
                    return;
                case JsonTokenType.String:
                    if (!reader.ValueIsEscaped) _writer.Append(reader.ValueSpan);
                    else
                    {
                        if (_scratch.Length < reader.ValueSpan.Length) _scratch = new byte[reader.ValueSpan.Length * 2];
                        if (!TryCopyString(ref reader, _scratch, out var n))
                        {
                            AppendNull();
                            return;
                        }
                        _writer.Append(_scratch.AsSpan(0, n));
                    }
                    break;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    var end = (int)reader.BytesConsumed;
                    _writer.Append(source[start..end]);
                    break;
                }
                default:
                    _writer.Append(reader.ValueSpan);
                    break;
            }
            Count++;
        }

        public override IArrowArray Build() => _writer.Build();
    }

    private sealed class StructColumn : JsonColumn
    {
        private readonly StructType _type;
        private readonly JsonColumn[] _children;
        private readonly byte[][] _names;
        private readonly bool[] _seen;

        public StructColumn(StructType type)
        {
            _type = type;
            _children = type.Fields.Select(f => Create(f.DataType)).ToArray();
            _names = type.Fields.Select(f => System.Text.Encoding.UTF8.GetBytes(f.Name)).ToArray();
            _seen = new bool[_children.Length];
        }

        public override void AppendNull()
        {
            foreach (var c in _children) c.AppendNull();
            MarkNull();
        }

        public override void Read(ref Utf8JsonReader reader, ReadOnlySpan<byte> source)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                SkipValue(ref reader);
                AppendNull();
                return;
            }
            System.Array.Clear(_seen);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var k = Find(ref reader);
                reader.Read();
                if (k < 0)
                {
                    SkipValue(ref reader);
                    continue;
                }
                _seen[k] = true;
                _children[k].Read(ref reader, source);
            }
            for (var f = 0; f < _children.Length; f++)
                if (!_seen[f]) _children[f].AppendNull();
            MarkValid();
        }

        private int Find(ref Utf8JsonReader reader)
        {
            try
            {
                for (var f = 0; f < _names.Length; f++)
                    if (!_seen[f] && reader.ValueTextEquals(_names[f])) return f;
                return -1;
            }
            catch (InvalidOperationException)
            {
                // A name whose escapes do not decode (a lone surrogate such as \uD800) equals no field name: an unknown field.
                return -1;
            }
        }

        public override IArrowArray Build() =>
            ArrayFactory.Struct(_type, _children.Select(c => c.Build()).ToList(), Validity, Count);
    }

    /// <summary>A column whose rows are runs of child entries (lists, maps): keeps the offsets.</summary>
    private abstract class OffsetColumn : JsonColumn
    {
        protected int[] Offsets = new int[17];

        protected abstract int ChildCount { get; }

        protected void EndRow()
        {
            if (Count + 2 > Offsets.Length) System.Array.Resize(ref Offsets, Offsets.Length * 2);
            Offsets[Count + 1] = ChildCount;
        }

        public override void AppendNull()
        {
            EndRow();
            MarkNull();
        }
    }

    private sealed class ListColumn(ListType type) : OffsetColumn
    {
        private readonly JsonColumn _child = Create(type.ValueDataType);

        protected override int ChildCount => _child.Count;

        public override void Read(ref Utf8JsonReader reader, ReadOnlySpan<byte> source)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                SkipValue(ref reader);
                AppendNull();
                return;
            }
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) _child.Read(ref reader, source);
            EndRow();
            MarkValid();
        }

        public override IArrowArray Build() => ArrayFactory.List(type, Offsets, _child.Build(), Validity, Count);
    }

    private sealed class MapColumn(MapType type) : OffsetColumn
    {
        private readonly StringColumnWriter _keys = new(16, 256);
        private readonly JsonColumn _values = Create(type.ValueField.DataType);
        private byte[] _scratch = new byte[64];

        protected override int ChildCount => _values.Count;

        public override void Read(ref Utf8JsonReader reader, ReadOnlySpan<byte> source)
        {
            if (reader.TokenType != JsonTokenType.StartObject || type.KeyField.DataType.TypeId != ArrowTypeId.String)
            {
                SkipValue(ref reader);
                AppendNull();
                return;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!TryAppendKey(ref reader))
                {
                    // A key whose escapes do not decode drops its entry: a map cannot hold a key that is not text.
                    reader.Read();
                    SkipValue(ref reader);
                    continue;
                }
                reader.Read();
                _values.Read(ref reader, source);
            }
            EndRow();
            MarkValid();
        }

        private bool TryAppendKey(ref Utf8JsonReader reader)
        {
            if (!reader.ValueIsEscaped)
            {
                _keys.Append(reader.ValueSpan);
                return true;
            }
            if (_scratch.Length < reader.ValueSpan.Length) _scratch = new byte[reader.ValueSpan.Length * 2];
            if (!TryCopyString(ref reader, _scratch, out var n)) return false;
            _keys.Append(_scratch.AsSpan(0, n));
            return true;
        }

        public override IArrowArray Build()
        {
            var entries = new StructArray(type.KeyValueType, _values.Count, [_keys.Build(), _values.Build()], ArrowBuffer.Empty, 0, 0);
            return ArrayFactory.List(type, Offsets, entries, Validity, Count);
        }
    }
}
