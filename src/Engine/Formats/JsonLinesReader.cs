using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;

namespace OrleansStream.Engine.Formats;

/// <summary>
/// Reads JSON Lines (one JSON object per line) into a batch of a given schema, with Spark's semantics:
/// missing fields are null, a value of the wrong type makes the record malformed, timestamps come from
/// ISO strings or numbers (seconds since the epoch), blank lines are skipped, and the syntax Spark's options allow
/// (single quotes and NaN by default; see <see cref="JsonSyntaxRewriter"/>) is read.
/// </summary>
public static class JsonLinesReader
{
    /// <summary>Reads a whole file.</summary>
    /// <exception cref="MalformedRecordException">FAILFAST and a record is malformed.</exception>
    public static RecordBatch Read(string path, Schema schema, ReaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        // The bytes are parsed into columns of their own: the array goes back to the pool for the next file.
        using var bytes = RentedFileBytes.Read(path);
        return Read(bytes.Memory.Span, schema, options, path);
    }

    /// <summary>Reads UTF-8 JSON lines held in memory; <paramref name="sourceName"/> names them in errors.</summary>
    /// <exception cref="MalformedRecordException">FAILFAST and a record is malformed.</exception>
    public static RecordBatch Read(ReadOnlySpan<byte> utf8, Schema schema, ReaderOptions options, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(options);
        var parser = new Parser(schema, options);
        // One vectorised pass over the file; lines are checked one by one only when it holds invalid UTF-8.
        bool checkLines = !Utf8.IsValid(utf8);
        long lineNumber = 0;
        foreach (var line in LineSplitter.Lines(utf8))
        {
            lineNumber++;
            var span = utf8.Slice(line.Start, line.Length);
            if (LineSplitter.IsBlank(span)) continue;
            parser.ParseLine(span, sourceName, lineNumber, checkLines);
        }
        return parser.Finish();
    }

    /// <summary>Infers a schema like Spark: integers as long, other numbers as double, fields sorted by name, nulls-only as string.</summary>
    public static Schema InferSchema(IEnumerable<string> paths) => InferSchema(paths, ReaderOptions.Default);

    /// <summary>Infers a schema; in PERMISSIVE mode malformed lines add the corrupt-record column, in FAILFAST they throw.</summary>
    /// <exception cref="MalformedRecordException">FAILFAST and a record is malformed.</exception>
    public static Schema InferSchema(IEnumerable<string> paths, ReaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(options);
        var inference = new JsonSchemaInference(options);
        bool sawMalformed = false;
        foreach (var path in paths)
        {
            var bytes = File.ReadAllBytes(path);
            bool checkLines = !Utf8.IsValid(bytes);
            long lineNumber = 0;
            foreach (var line in LineSplitter.Lines(bytes))
            {
                lineNumber++;
                var span = bytes.AsSpan(line.Start, line.Length);
                if (LineSplitter.IsBlank(span)) continue;
                if (!inference.AddLine(span, checkLines, out var reason))
                {
                    if (options.Mode == ParseMode.FailFast) throw new MalformedRecordException(path, lineNumber, reason!);
                    sawMalformed = true;
                }
            }
        }
        return inference.ToSchema(sawMalformed && options.Mode == ParseMode.Permissive ? options.ColumnNameOfCorruptRecord : null);
    }

    /// <summary>
    /// Why a record is not JSON; when the reader read the record rewritten from Spark's syntax extensions, the byte
    /// position it names is turned back into the position in the record as it is in the file.
    /// </summary>
    internal static string InvalidJson(JsonException e, JsonSyntaxRewriter syntax)
    {
        var message = e.Message;
        if (syntax.IsRewritten && e.BytePositionInLine is { } at)
            message = message.Replace($"BytePositionInLine: {at}.", $"BytePositionInLine: {syntax.OriginalOffset(at)}.", StringComparison.Ordinal);
        return "invalid JSON: " + message;
    }

    /// <summary>The index of the corrupt-record column (a string column named by the option), or -1.</summary>
    internal static int CorruptColumnIndex(Schema schema, ReaderOptions options)
    {
        for (int i = 0; i < schema.FieldsList.Count; i++)
            if (schema.FieldsList[i].Name == options.ColumnNameOfCorruptRecord && schema.FieldsList[i].DataType is StringType) return i;
        return -1;
    }

    private sealed class Parser
    {
        private readonly ColumnBuilder[] _builders;
        private readonly Schema _schema;
        private readonly ReaderOptions _options;
        private readonly int _corruptIndex;
        private readonly FieldMatcher _topMatcher;
        private readonly Dictionary<ColumnBuilder, FieldMatcher> _matchers = new(ReferenceEqualityComparer.Instance);
        private readonly JsonSyntaxRewriter _syntax;
        private bool _rewriteFirst;
        private int _rows;

        public Parser(Schema schema, ReaderOptions options)
        {
            _schema = schema;
            _options = options;
            _syntax = new JsonSyntaxRewriter(options);
            _builders = ArrowValues.CreateBuilders(schema);
            _corruptIndex = CorruptColumnIndex(schema, options);
            _topMatcher = new FieldMatcher(schema.FieldsList, _corruptIndex);
        }

        /// <summary>Parses one record; <paramref name="checkUtf8"/> when the file holds invalid UTF-8 somewhere.</summary>
        public void ParseLine(ReadOnlySpan<byte> line, string source, long lineNumber, bool checkUtf8)
        {
            _syntax.Reset();
            try
            {
                // System.Text.Json decodes UTF-8 only when a value is read as text (and then throws), so a record with
                // invalid UTF-8 anywhere, even in a field that is skipped, is malformed as a whole, as with Spark's parser.
                if (checkUtf8 && Utf8Lines.FirstInvalid(line) is >= 0 and var at)
                    throw new MalformedValueException(Utf8Lines.Describe(line, at));
                // Standard JSON goes straight to the reader. A line that is not is rewritten when the syntax options allow
                // what it uses, and read again; once a file has such a line, its later lines are rewritten first.
                bool tried = _rewriteFirst;
                try
                {
                    ParseRecord(tried && _syntax.TryRewrite(line) ? _syntax.Rewritten : line, line);
                }
                catch (JsonException) when (!tried && _syntax.TryRewrite(line))
                {
                    _rewriteFirst = true;
                    foreach (var b in _builders) b.Truncate(_rows);
                    ParseRecord(_syntax.Rewritten, line);
                }
                _rows++;
            }
            catch (Exception e) when (e is MalformedValueException or JsonException or FormatException or OverflowException)
            {
                OnMalformed(line, source, lineNumber, e is JsonException je ? InvalidJson(je, _syntax) : e.Message, checkUtf8);
            }
        }

        private void ParseRecord(ReadOnlySpan<byte> json, ReadOnlySpan<byte> line)
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new MalformedValueException("the record is not a JSON object");
            ParseObject(ref reader, _builders, _topMatcher, line);
            if (_corruptIndex >= 0) _builders[_corruptIndex].AppendNull();
            if (reader.Read()) throw new MalformedValueException("unexpected content after the JSON object");
        }

        private void OnMalformed(ReadOnlySpan<byte> line, string source, long lineNumber, string reason, bool checkUtf8)
        {
            foreach (var b in _builders) b.Truncate(_rows);
            switch (_options.Mode)
            {
                case ParseMode.FailFast:
                    throw new MalformedRecordException(source, lineNumber, reason);
                case ParseMode.DropMalformed:
                    return;
                default:
                    for (int i = 0; i < _builders.Length; i++)
                    {
                        if (i == _corruptIndex) Utf8Lines.Append((BinaryColumnBuilder)_builders[i], line, checkUtf8);
                        else _builders[i].AppendNull();
                    }
                    _rows++;
                    return;
            }
        }

        public RecordBatch Finish() => ArrowValues.Build(_schema, _builders, _rows);

        private FieldMatcher MatcherFor(StructColumnBuilder b)
        {
            if (!_matchers.TryGetValue(b, out var m)) _matchers[b] = m = new FieldMatcher(b.StructType.Fields, -1);
            return m;
        }

        private void ParseObject(ref Utf8JsonReader r, ColumnBuilder[] children, FieldMatcher matcher, ReadOnlySpan<byte> line)
        {
            int n = children.Length;
            Span<bool> seen = n <= 128 ? stackalloc bool[n] : new bool[n];
            int hint = 0;
            while (true)
            {
                if (!r.Read()) throw new MalformedValueException("unexpected end of the record");
                if (r.TokenType == JsonTokenType.EndObject) break;
                int index = matcher.Find(ref r, hint);
                if (!r.Read()) throw new MalformedValueException("unexpected end of the record");
                if (index < 0 || seen[index])
                {
                    r.Skip();
                    continue;
                }
                try
                {
                    ParseValue(ref r, children[index], line);
                }
                catch (MalformedValueException e)
                {
                    throw new MalformedValueException($"field '{matcher.Names[index]}': {e.Message}");
                }
                seen[index] = true;
                hint = index + 1;
            }
            for (int i = 0; i < n; i++)
                if (!seen[i] && i != matcher.SkipIndex) children[i].AppendNull();
        }

        private void ParseValue(ref Utf8JsonReader r, ColumnBuilder b, ReadOnlySpan<byte> line)
        {
            var token = r.TokenType;
            if (token == JsonTokenType.Null)
            {
                b.AppendNull();
                return;
            }
            switch (b.Type.TypeId)
            {
                case ArrowTypeId.String:
                {
                    var sb = (BinaryColumnBuilder)b;
                    if (token == JsonTokenType.String) AppendJsonString(ref r, sb);
                    else if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    {
                        long start = r.TokenStartIndex;
                        r.Skip();
                        sb.AppendBytes(Raw(line, start, r.BytesConsumed));
                    }
                    else if (_syntax.IsRewritten) sb.AppendBytes(Raw(line, r.TokenStartIndex, r.TokenStartIndex + r.ValueSpan.Length));
                    else sb.AppendBytes(r.ValueSpan);
                    return;
                }
                case ArrowTypeId.Binary:
                {
                    Expect(token == JsonTokenType.String && !_syntax.IsNonNumericNumber(r.TokenStartIndex), ref r, "binary (base64 string)");
                    ((BinaryColumnBuilder)b).AppendBytes(r.GetBytesFromBase64());
                    return;
                }
                case ArrowTypeId.Boolean:
                    Expect(token is JsonTokenType.True or JsonTokenType.False, ref r, "boolean");
                    ((BooleanColumnBuilder)b).Append(token == JsonTokenType.True);
                    return;
                case ArrowTypeId.Int8:
                    if (token != JsonTokenType.Number || !r.TryGetSByte(out var i8)) throw Mismatch(ref r, "tinyint");
                    ((FixedWidthColumnBuilder<sbyte>)b).Append(i8);
                    return;
                case ArrowTypeId.Int16:
                    if (token != JsonTokenType.Number || !r.TryGetInt16(out var i16)) throw Mismatch(ref r, "smallint");
                    ((FixedWidthColumnBuilder<short>)b).Append(i16);
                    return;
                case ArrowTypeId.Int32:
                    if (token != JsonTokenType.Number || !r.TryGetInt32(out var i32)) throw Mismatch(ref r, "int");
                    ((FixedWidthColumnBuilder<int>)b).Append(i32);
                    return;
                case ArrowTypeId.Int64:
                    if (token != JsonTokenType.Number || !r.TryGetInt64(out var i64)) throw Mismatch(ref r, "bigint");
                    ((FixedWidthColumnBuilder<long>)b).Append(i64);
                    return;
                case ArrowTypeId.Float:
                    ((FixedWidthColumnBuilder<float>)b).Append((float)ReadDouble(ref r, "float"));
                    return;
                case ArrowTypeId.Double:
                    ((FixedWidthColumnBuilder<double>)b).Append(ReadDouble(ref r, "double"));
                    return;
                case ArrowTypeId.Decimal128:
                    if (token != JsonTokenType.Number || !r.TryGetDecimal(out var dec)
                        || !ClrConvert.TryDecimalToInt128(dec, ((Decimal128Type)b.Type).Scale, out var unscaled)) throw Mismatch(ref r, "decimal");
                    ((FixedWidthColumnBuilder<Int128>)b).Append(unscaled);
                    return;
                case ArrowTypeId.Timestamp:
                    if (!TryReadMicros(ref r, out var micros) || !ClrConvert.TryMicrosToUnit(micros, ((TimestampType)b.Type).Unit, out var ts))
                        throw Mismatch(ref r, "timestamp");
                    ((FixedWidthColumnBuilder<long>)b).Append(ts);
                    return;
                case ArrowTypeId.Date32:
                {
                    if (token != JsonTokenType.String || !TryGetChars(ref r, TextValueParser.TryParseDate, out int days)) throw Mismatch(ref r, "date");
                    ((FixedWidthColumnBuilder<int>)b).Append(days);
                    return;
                }
                case ArrowTypeId.Struct:
                {
                    var sb = (StructColumnBuilder)b;
                    Expect(token == JsonTokenType.StartObject, ref r, "struct");
                    sb.AppendValid();
                    ParseObject(ref r, sb.Children, MatcherFor(sb), line);
                    return;
                }
                case ArrowTypeId.Map:
                {
                    var mb = (MapColumnBuilder)b;
                    Expect(token == JsonTokenType.StartObject, ref r, "map");
                    if (mb.Keys is not BinaryColumnBuilder keys || mb.Keys.Type is not StringType)
                        throw new MalformedValueException("JSON maps need string keys");
                    while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                    {
                        AppendJsonString(ref r, keys);
                        r.Read();
                        ParseValue(ref r, mb.Values, line);
                    }
                    mb.EndMap();
                    return;
                }
                case ArrowTypeId.List:
                {
                    var lb = (ListColumnBuilder)b;
                    Expect(token == JsonTokenType.StartArray, ref r, "array");
                    while (r.Read() && r.TokenType != JsonTokenType.EndArray) ParseValue(ref r, lb.Child, line);
                    lb.EndList();
                    return;
                }
                default:
                    throw new NotSupportedException($"JSON reading does not support type {b.Type.Name}.");
            }
        }

        /// <summary>A timestamp from an ISO string or a number of seconds since the epoch; false when neither, or out of range.</summary>
        private static bool TryReadMicros(ref Utf8JsonReader r, out long micros)
        {
            const long maxSeconds = long.MaxValue / 1_000_000;
            micros = 0;
            if (r.TokenType == JsonTokenType.String) return TryGetChars(ref r, TextValueParser.TryParseTimestamp, out micros);
            if (r.TokenType != JsonTokenType.Number) return false;
            if (r.TryGetInt64(out var secs))
            {
                if (secs is > maxSeconds or < -maxSeconds) return false;
                micros = secs * 1_000_000;
                return true;
            }
            if (!r.TryGetDouble(out var d) || !(Math.Abs(d) < maxSeconds)) return false;
            micros = (long)(d * 1_000_000);
            return true;
        }

        private double ReadDouble(ref Utf8JsonReader r, string typeName)
        {
            if (r.TokenType == JsonTokenType.Number && r.TryGetDouble(out var d)) return d;
            // A bare NaN or infinity was rewritten into this string; Spark takes the same words quoted.
            if (r.TokenType == JsonTokenType.String && _options.AllowNonNumericNumbers && TryGetNonNumeric(ref r, out d)) return d;
            throw Mismatch(ref r, typeName);
        }

        /// <summary>Spark's non-numeric numbers as JSON text: NaN, Infinity, +Infinity, +INF, -Infinity, -INF.</summary>
        private static bool TryGetNonNumeric(ref Utf8JsonReader r, out double value)
        {
            try
            {
                if (r.ValueTextEquals("NaN"u8)) value = double.NaN;
                else if (r.ValueTextEquals("Infinity"u8) || r.ValueTextEquals("+Infinity"u8) || r.ValueTextEquals("+INF"u8)) value = double.PositiveInfinity;
                else if (r.ValueTextEquals("-Infinity"u8) || r.ValueTextEquals("-INF"u8)) value = double.NegativeInfinity;
                else
                {
                    value = 0;
                    return false;
                }
                return true;
            }
            catch (InvalidOperationException e)
            {
                throw Undecodable(e);
            }
        }

        /// <summary>The text of the record between two offsets of what the reader reads, as it is in the file.</summary>
        private ReadOnlySpan<byte> Raw(ReadOnlySpan<byte> line, long start, long end) =>
            _syntax.IsRewritten ? line[_syntax.OriginalOffset(start).._syntax.OriginalOffset(end)] : line[(int)start..(int)end];

        private delegate bool SpanParser<T>(ReadOnlySpan<char> s, out T value);

        private static bool TryGetChars<T>(ref Utf8JsonReader r, SpanParser<T> parse, out T value)
        {
            int max = r.HasValueSequence ? (int)r.ValueSequence.Length : r.ValueSpan.Length;
            if (max > 256) { value = default!; return false; }
            Span<char> chars = stackalloc char[max];
            int n;
            try
            {
                n = r.CopyString(chars);
            }
            catch (InvalidOperationException e)
            {
                throw Undecodable(e);
            }
            return parse(chars[..n], out value);
        }

        private static void AppendJsonString(ref Utf8JsonReader r, BinaryColumnBuilder b)
        {
            if (!r.HasValueSequence && !r.ValueIsEscaped)
            {
                b.AppendBytes(r.ValueSpan);
                return;
            }
            int max = r.HasValueSequence ? (int)r.ValueSequence.Length : r.ValueSpan.Length;
            var span = b.BeginWrite(max);
            try
            {
                b.CommitWritten(r.CopyString(span));
            }
            catch (InvalidOperationException e)
            {
                throw Undecodable(e);
            }
        }

        // The escapes of a string do not decode (a lone surrogate such as \uD800); the line is valid UTF-8 by then.
        private static MalformedValueException Undecodable(InvalidOperationException e) => new("cannot decode the string: " + e.Message);

        private void Expect(bool ok, ref Utf8JsonReader r, string typeName)
        {
            if (!ok) throw Mismatch(ref r, typeName);
        }

        private MalformedValueException Mismatch(ref Utf8JsonReader r, string typeName)
        {
            // The raw text as in the file (escapes included), shortened; the reader runs over one span, so never a sequence.
            string text = r.TokenType switch
            {
                JsonTokenType.StartObject => "an object",
                JsonTokenType.StartArray => "an array",
                JsonTokenType.String when _syntax.IsNonNumericNumber(r.TokenStartIndex) => RecordExcerpt.Quote(r.ValueSpan, ""),
                JsonTokenType.String => RecordExcerpt.Quote(r.ValueSpan, "\""),
                _ => RecordExcerpt.Quote(r.ValueSpan, ""),
            };
            return new MalformedValueException($"cannot parse {text} as {typeName}");
        }
    }

    /// <summary>Finds the field index of the current property name without allocating.</summary>
    private sealed class FieldMatcher
    {
        private readonly byte[][] _utf8;

        public FieldMatcher(IReadOnlyList<Field> fields, int skipIndex)
        {
            SkipIndex = skipIndex;
            Names = new string[fields.Count];
            _utf8 = new byte[fields.Count][];
            for (int i = 0; i < fields.Count; i++)
            {
                Names[i] = fields[i].Name;
                _utf8[i] = Encoding.UTF8.GetBytes(fields[i].Name);
            }
        }

        public string[] Names { get; }

        public int SkipIndex { get; }

        public int Find(ref Utf8JsonReader r, int hint)
        {
            try
            {
                return FindName(ref r, hint);
            }
            catch (InvalidOperationException)
            {
                // A name whose escapes do not decode (a lone surrogate such as \uD800) equals no field name: an unknown field.
                return -1;
            }
        }

        private int FindName(ref Utf8JsonReader r, int hint)
        {
            int n = _utf8.Length;
            for (int k = 0; k < n; k++)
            {
                int i = hint + k;
                if (i >= n) i -= n;
                if (i != SkipIndex && r.ValueTextEquals(_utf8[i])) return i;
            }
            return -1;
        }
    }
}
