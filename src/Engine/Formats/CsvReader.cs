using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;

namespace OrleansStream.Engine.Formats;

/// <summary>
/// Reads CSV files with Spark's options (header, sep, quote, escape, nullValue, mode, inferSchema).
/// One record per line (multiLine is not supported); blank lines are skipped; with header=true the first
/// line of each file is skipped (columns are matched by position, like Spark's enforceSchema default).
/// An empty unquoted field is null; a quoted empty field is an empty string. A record with the wrong number
/// of fields or a field that does not parse as its column's type is malformed.
/// </summary>
public static class CsvReader
{
    /// <summary>Reads a whole file.</summary>
    /// <exception cref="MalformedRecordException">FAILFAST and a record is malformed.</exception>
    public static RecordBatch Read(string path, Schema schema, ReaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        return ReadText(File.ReadAllText(path), schema, options, path);
    }

    /// <summary>Reads CSV text held in memory; <paramref name="sourceName"/> names it in errors.</summary>
    /// <exception cref="MalformedRecordException">FAILFAST and a record is malformed.</exception>
    public static RecordBatch ReadText(string text, Schema schema, ReaderOptions options, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(options);
        var builders = ArrowValues.CreateBuilders(schema);
        int corrupt = JsonLinesReader.CorruptColumnIndex(schema, options);
        var dataColumns = new List<int>();
        for (int i = 0; i < builders.Length; i++)
        {
            if (i == corrupt) continue;
            if (!TextColumnAppender.IsSupported(schema.FieldsList[i].DataType))
                throw new NotSupportedException($"CSV data source does not support {schema.FieldsList[i].DataType.Name} column '{schema.FieldsList[i].Name}'.");
            dataColumns.Add(i);
        }
        var tokenizer = new CsvTokenizer(options.Delimiter, options.Quote, options.Escape);
        int rows = 0;
        bool headerPending = options.Header;
        long lineNumber = 0;
        foreach (var line in EnumerateLines(text))
        {
            lineNumber++;
            var span = text.AsSpan(line.Start, line.Length);
            if (span.IsWhiteSpace()) continue;
            if (headerPending)
            {
                headerPending = false;
                continue;
            }
            try
            {
                if (!tokenizer.Tokenize(span)) throw new MalformedValueException("unclosed quoted field");
                var tokens = tokenizer.Tokens;
                if (tokens.Count != dataColumns.Count)
                    throw new MalformedValueException($"expected {dataColumns.Count} fields but found {tokens.Count}");
                for (int t = 0; t < tokens.Count; t++)
                {
                    var b = builders[dataColumns[t]];
                    var tok = tokens[t];
                    var value = tokenizer.Text(tok);
                    if (!tok.Quoted && value.SequenceEqual(options.NullValue)) b.AppendNull();
                    else
                    {
                        try { TextColumnAppender.Append(b, value); }
                        catch (MalformedValueException e) { throw new MalformedValueException($"field '{schema.FieldsList[dataColumns[t]].Name}': {e.Message}"); }
                    }
                }
                if (corrupt >= 0) builders[corrupt].AppendNull();
                rows++;
            }
            catch (MalformedValueException e)
            {
                foreach (var b in builders) b.Truncate(rows);
                switch (options.Mode)
                {
                    case ParseMode.FailFast: throw new MalformedRecordException(sourceName, lineNumber, e.Message);
                    case ParseMode.DropMalformed: continue;
                    default:
                        for (int i = 0; i < builders.Length; i++)
                        {
                            if (i == corrupt) ((BinaryColumnBuilder)builders[i]).AppendString(span);
                            else builders[i].AppendNull();
                        }
                        rows++;
                        break;
                }
            }
        }
        return ArrowValues.Build(schema, builders, rows);
    }

    /// <summary>
    /// The schema of CSV files: column names from the header (header=true) or _c0, _c1, ...; with inferSchema=true
    /// each column is the narrowest of int, bigint, double, boolean, timestamp that fits every value, else string;
    /// without inferSchema every column is a string.
    /// </summary>
    public static Schema InferSchema(IEnumerable<string> paths, ReaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(options);
        var tokenizer = new CsvTokenizer(options.Delimiter, options.Quote, options.Escape);
        List<string>? names = null;
        List<Kind>? kinds = null;
        foreach (var path in paths)
        {
            var text = File.ReadAllText(path);
            bool first = true;
            long lineNumber = 0;
            foreach (var line in EnumerateLines(text))
            {
                lineNumber++;
                var span = text.AsSpan(line.Start, line.Length);
                if (span.IsWhiteSpace()) continue;
                if (!tokenizer.Tokenize(span))
                {
                    if (options.Mode == ParseMode.FailFast) throw new MalformedRecordException(path, lineNumber, "unclosed quoted field");
                    continue;
                }
                var tokens = tokenizer.Tokens;
                if (names is null)
                {
                    names = new List<string>();
                    for (int t = 0; t < tokens.Count; t++)
                        names.Add(options.Header ? tokenizer.Text(tokens[t]).ToString() : "_c" + t);
                    kinds = Enumerable.Repeat(Kind.Null, names.Count).ToList();
                }
                if (first && options.Header)
                {
                    first = false;
                    continue;
                }
                first = false;
                if (!options.InferSchema) continue;
                for (int t = 0; t < Math.Min(tokens.Count, kinds!.Count); t++)
                {
                    var value = tokenizer.Text(tokens[t]);
                    if (!tokens[t].Quoted && value.SequenceEqual(options.NullValue) || value.IsWhiteSpace()) continue;
                    kinds[t] = Merge(kinds[t], KindOf(value));
                }
            }
            if (!options.InferSchema && names is not null) break;
        }
        var fields = new List<Field>();
        for (int i = 0; i < (names?.Count ?? 0); i++)
            fields.Add(new Field(names![i], options.InferSchema ? ToArrow(kinds![i]) : StringType.Default, true));
        return new Schema(fields, null);
    }

    private enum Kind { Null, Int, Long, Double, Boolean, Timestamp, String }

    private static Kind KindOf(ReadOnlySpan<char> v)
    {
        if (TextValueParser.TryParseInt64(v, out var l)) return l is >= int.MinValue and <= int.MaxValue ? Kind.Int : Kind.Long;
        if (TextValueParser.TryParseDouble(v, out _)) return Kind.Double;
        if (TextValueParser.TryParseBool(v, out _)) return Kind.Boolean;
        if (TextValueParser.TryParseTimestamp(v, out _)) return Kind.Timestamp;
        return Kind.String;
    }

    private static Kind Merge(Kind a, Kind b)
    {
        if (a == Kind.Null) return b;
        if (b == Kind.Null || a == b) return a;
        if (a is Kind.Int or Kind.Long or Kind.Double && b is Kind.Int or Kind.Long or Kind.Double) return a > b ? a : b;
        return Kind.String;
    }

    private static IArrowType ToArrow(Kind k) => k switch
    {
        Kind.Int => Int32Type.Default,
        Kind.Long => Int64Type.Default,
        Kind.Double => DoubleType.Default,
        Kind.Boolean => BooleanType.Default,
        Kind.Timestamp => new TimestampType(TimeUnit.Microsecond, "UTC"),
        _ => StringType.Default,
    };

    internal static IEnumerable<(int Start, int Length)> EnumerateLines(string text)
    {
        int pos = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;
        while (pos < text.Length)
        {
            int nl = text.IndexOf('\n', pos);
            int end = nl < 0 ? text.Length : nl;
            int len = end - pos;
            if (len > 0 && text[pos + len - 1] == '\r') len--;
            yield return (pos, len);
            pos = nl < 0 ? text.Length : end + 1;
        }
    }
}
