using System.Globalization;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Plan.Types;

/// <summary>
/// Spark SQL data types on Arrow: parses Spark DDL ("a INT, b STRUCT&lt;x: STRING&gt;") into Arrow types and schemas,
/// and prints Arrow types back with Spark's names (<c>simpleString</c> and <c>printSchema</c>).
/// </summary>
/// <remarks>
/// Engine type mapping: boolean = <see cref="BooleanType"/>, tinyint = <see cref="Int8Type"/>, smallint = <see cref="Int16Type"/>,
/// int = <see cref="Int32Type"/>, bigint = <see cref="Int64Type"/>, float, double, decimal(p,s) = <see cref="Decimal128Type"/>,
/// string = <see cref="StringType"/>, binary = <see cref="BinaryType"/>, timestamp = <see cref="TimestampType"/> (microseconds, "UTC"),
/// date = <see cref="Date32Type"/>, struct = <see cref="StructType"/>, array = <see cref="ListType"/>, map = <see cref="MapType"/>,
/// void (the type of an untyped null) = <see cref="NullType"/>.
/// </remarks>
public static class DataTypes
{
    /// <summary>The engine's timestamp type: microseconds since the Unix epoch, UTC.</summary>
    public static readonly TimestampType Timestamp = new(TimeUnit.Microsecond, "UTC");

    /// <summary>The engine's date type: days since the Unix epoch.</summary>
    public static readonly Date32Type Date = Date32Type.Default;

    /// <summary>Parses one Spark type name, case-insensitively: boolean, int/integer, long/bigint, float, double,
    /// decimal(p,s), string, binary, timestamp, date, struct&lt;a:int,b:string&gt;, array&lt;int&gt;, map&lt;string,int&gt;, ...</summary>
    /// <exception cref="FormatException">The text is not a type this engine knows.</exception>
    public static IArrowType ParseType(string typeName)
    {
        ArgumentNullException.ThrowIfNull(typeName);
        var p = new DdlParser(typeName);
        var t = p.ParseType();
        p.ExpectEnd();
        return t;
    }

    /// <summary>Parses a Spark DDL schema such as <c>"a INT, b STRING NOT NULL, payload STRUCT&lt;x: INT&gt;"</c>.
    /// Columns are nullable unless marked NOT NULL; <c>COMMENT '...'</c> is accepted and ignored.</summary>
    /// <exception cref="FormatException">The text is not a valid schema.</exception>
    public static Schema ParseSchema(string ddl)
    {
        ArgumentNullException.ThrowIfNull(ddl);
        var p = new DdlParser(ddl);
        var fields = p.ParseFieldList(endChar: null);
        p.ExpectEnd();
        return new Schema(fields, null);
    }

    /// <summary>Spark's <c>simpleString</c> of a type: int, bigint, string, double, timestamp, date, decimal(10,2),
    /// struct&lt;a:int,b:string&gt;, array&lt;int&gt;, map&lt;string,int&gt;.</summary>
    public static string ToDdl(IArrowType type)
    {
        var sb = new StringBuilder();
        AppendDdl(sb, type);
        return sb.ToString();
    }

    /// <summary>A schema as Spark DDL: <c>"a INT, b STRING"</c>... written with <see cref="ToDdl(IArrowType)"/> names
    /// (<c>"a int, b string NOT NULL"</c>); readable by <see cref="ParseSchema"/>.</summary>
    public static string ToDdl(Schema schema)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < schema.FieldsList.Count; i++)
        {
            var f = schema.FieldsList[i];
            if (i > 0) sb.Append(", ");
            sb.Append(QuoteIfNeeded(f.Name)).Append(' ');
            AppendDdl(sb, f.DataType);
            if (!f.IsNullable) sb.Append(" NOT NULL");
        }
        return sb.ToString();
    }

    /// <summary>Spark's <c>printSchema()</c> text: <c>"root\n |-- a: integer (nullable = true)\n"</c>, nested types indented.</summary>
    public static string ToTreeString(Schema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var sb = new StringBuilder("root\n");
        foreach (var f in schema.FieldsList)
            AppendTree(sb, " |", f.Name, f.DataType, "nullable", f.IsNullable);
        return sb.ToString();
    }

    /// <summary>The Spark type of a CLR literal value (null = void, bool, byte, short, int, long, float, double,
    /// decimal, string, byte[], DateTime/DateTimeOffset = timestamp, DateOnly = date).</summary>
    /// <exception cref="ArgumentException">The value has no Spark type.</exception>
    public static IArrowType InferLiteralType(object? value) => value switch
    {
        null => NullType.Default,
        bool => BooleanType.Default,
        sbyte or byte => Int8Type.Default,
        short => Int16Type.Default,
        int => Int32Type.Default,
        long => Int64Type.Default,
        float => FloatType.Default,
        double => DoubleType.Default,
        decimal d => DecimalTypeOf(d),
        string => StringType.Default,
        char => StringType.Default,
        byte[] => BinaryType.Default,
        DateTime or DateTimeOffset => Timestamp,
        DateOnly => Date,
        _ => throw new ArgumentException($"Unsupported literal type {value.GetType().FullName} for value '{value}'.", nameof(value)),
    };

    /// <summary>True when both types have the same Spark type (nullability and Arrow-only details such as timestamp zones ignored).</summary>
    public static bool SameType(IArrowType a, IArrowType b) => ToDdl(a) == ToDdl(b);

    internal static Decimal128Type DecimalTypeOf(decimal d)
    {
        var scale = d.Scale;
        var digits = Math.Abs(d).ToString(CultureInfo.InvariantCulture).Replace(".", "", StringComparison.Ordinal).TrimStart('0').Length;
        var precision = Math.Max(Math.Max(digits, scale), 1);
        return new Decimal128Type(Math.Min(precision, 38), scale);
    }

    internal static string QuoteIfNeeded(string name)
    {
        foreach (var c in name)
            if (!(char.IsLetterOrDigit(c) || c == '_'))
                return "`" + name.Replace("`", "``", StringComparison.Ordinal) + "`";
        return name.Length == 0 ? "``" : name;
    }

    private static void AppendDdl(StringBuilder sb, IArrowType type)
    {
        switch (type)
        {
            case StructType st:
                sb.Append("struct<");
                for (var i = 0; i < st.Fields.Count; i++)
                {
                    if (i > 0) sb.Append(',');
                    sb.Append(st.Fields[i].Name).Append(':');
                    AppendDdl(sb, st.Fields[i].DataType);
                }
                sb.Append('>');
                break;
            case MapType mt:
                sb.Append("map<");
                AppendDdl(sb, mt.KeyField.DataType);
                sb.Append(',');
                AppendDdl(sb, mt.ValueField.DataType);
                sb.Append('>');
                break;
            case ListType lt:
                sb.Append("array<");
                AppendDdl(sb, lt.ValueDataType);
                sb.Append('>');
                break;
            case Decimal128Type dt:
                sb.Append("decimal(").Append(dt.Precision).Append(',').Append(dt.Scale).Append(')');
                break;
            default:
                sb.Append(SimpleName(type));
                break;
        }
    }

    private static string SimpleName(IArrowType type) => type.TypeId switch
    {
        ArrowTypeId.Boolean => "boolean",
        ArrowTypeId.Int8 => "tinyint",
        ArrowTypeId.Int16 => "smallint",
        ArrowTypeId.Int32 => "int",
        ArrowTypeId.Int64 => "bigint",
        ArrowTypeId.UInt8 => "smallint",
        ArrowTypeId.UInt16 => "int",
        ArrowTypeId.UInt32 => "bigint",
        ArrowTypeId.UInt64 => "decimal(20,0)",
        ArrowTypeId.HalfFloat => "float",
        ArrowTypeId.Float => "float",
        ArrowTypeId.Double => "double",
        ArrowTypeId.String or ArrowTypeId.LargeString or ArrowTypeId.StringView => "string",
        ArrowTypeId.Binary or ArrowTypeId.LargeBinary or ArrowTypeId.BinaryView or ArrowTypeId.FixedSizedBinary => "binary",
        ArrowTypeId.Timestamp => "timestamp",
        ArrowTypeId.Date32 or ArrowTypeId.Date64 => "date",
        ArrowTypeId.Null => "void",
        _ => type.Name,
    };

    private static string TreeName(IArrowType type) => type switch
    {
        StructType => "struct",
        MapType => "map",
        ListType => "array",
        Decimal128Type dt => $"decimal({dt.Precision},{dt.Scale})",
        _ => type.TypeId switch
        {
            ArrowTypeId.Int8 => "byte",
            ArrowTypeId.Int16 => "short",
            ArrowTypeId.Int32 => "integer",
            ArrowTypeId.Int64 => "long",
            _ => SimpleName(type),
        },
    };

    private static void AppendTree(StringBuilder sb, string prefix, string name, IArrowType type, string nullLabel, bool? nullable)
    {
        sb.Append(prefix).Append("-- ").Append(name).Append(": ").Append(TreeName(type));
        if (nullable is { } n) sb.Append(" (").Append(nullLabel).Append(" = ").Append(n ? "true" : "false").Append(')');
        sb.Append('\n');
        var inner = prefix + "    |";
        switch (type)
        {
            case StructType st:
                foreach (var f in st.Fields) AppendTree(sb, inner, f.Name, f.DataType, "nullable", f.IsNullable);
                break;
            case MapType mt:
                AppendTree(sb, inner, "key", mt.KeyField.DataType, "", null);
                AppendTree(sb, inner, "value", mt.ValueField.DataType, "valueContainsNull", mt.ValueField.IsNullable);
                break;
            case ListType lt:
                AppendTree(sb, inner, "element", lt.ValueDataType, "containsNull", lt.ValueField.IsNullable);
                break;
        }
    }

    /// <summary>A small recursive-descent parser for Spark DDL types and field lists.</summary>
    private ref struct DdlParser(string text)
    {
        private readonly string _text = text;
        private int _pos;

        public void ExpectEnd()
        {
            SkipWs();
            if (_pos < _text.Length) throw Error($"unexpected '{_text[_pos..]}'");
        }

        public List<Field> ParseFieldList(char? endChar)
        {
            var fields = new List<Field>();
            SkipWs();
            if (endChar is { } e0 && Peek() == e0) return fields;
            if (endChar is null && _pos >= _text.Length) return fields;
            while (true)
            {
                var name = ParseName();
                SkipWs();
                if (Peek() == ':') _pos++;
                var type = ParseType();
                var nullable = true;
                SkipWs();
                if (TryKeyword("NOT"))
                {
                    if (!TryKeyword("NULL")) throw Error("expected NULL after NOT");
                    nullable = false;
                }
                if (TryKeyword("COMMENT")) ParseQuoted();
                fields.Add(new Field(name, type, nullable));
                SkipWs();
                if (Peek() == ',') { _pos++; continue; }
                return fields;
            }
        }

        public IArrowType ParseType()
        {
            SkipWs();
            var start = _pos;
            while (_pos < _text.Length && (char.IsLetterOrDigit(_text[_pos]) || _text[_pos] == '_')) _pos++;
            if (start == _pos) throw Error(_pos < _text.Length ? $"unexpected '{_text[_pos]}'" : "missing type");
            var word = _text[start.._pos].ToLowerInvariant();
            switch (word)
            {
                case "boolean" or "bool": return BooleanType.Default;
                case "tinyint" or "byte": return Int8Type.Default;
                case "smallint" or "short": return Int16Type.Default;
                case "int" or "integer": return Int32Type.Default;
                case "bigint" or "long": return Int64Type.Default;
                case "float" or "real": return FloatType.Default;
                case "double": return DoubleType.Default;
                case "string" or "text": return StringType.Default;
                case "varchar" or "char":
                    SkipWs();
                    if (Peek() == '(') { _pos++; ParseInt(); Expect(')'); }
                    return StringType.Default;
                case "binary": return BinaryType.Default;
                case "timestamp" or "timestamp_ltz" or "timestamp_ntz": return Timestamp;
                case "date": return Date;
                case "void" or "null": return NullType.Default;
                case "decimal" or "dec" or "numeric":
                {
                    int precision = 10, scale = 0;
                    SkipWs();
                    if (Peek() == '(')
                    {
                        _pos++;
                        precision = ParseInt();
                        SkipWs();
                        if (Peek() == ',') { _pos++; scale = ParseInt(); }
                        Expect(')');
                    }
                    if (precision is < 1 or > 38 || scale < 0 || scale > precision)
                        throw Error($"invalid decimal({precision},{scale})");
                    return new Decimal128Type(precision, scale);
                }
                case "array":
                {
                    Expect('<');
                    var element = ParseType();
                    Expect('>');
                    return new ListType(new Field("element", element, true));
                }
                case "map":
                {
                    Expect('<');
                    var k = ParseType();
                    Expect(',');
                    var v = ParseType();
                    Expect('>');
                    return new MapType(new Field("key", k, false), new Field("value", v, true), false);
                }
                case "struct":
                {
                    Expect('<');
                    var fields = ParseFieldList('>');
                    Expect('>');
                    return new StructType(fields);
                }
                default:
                    throw Error($"unsupported data type '{_text[start.._pos]}'");
            }
        }

        private string ParseName()
        {
            SkipWs();
            if (Peek() == '`')
            {
                _pos++;
                var sb = new StringBuilder();
                while (true)
                {
                    if (_pos >= _text.Length) throw Error("unterminated `");
                    var c = _text[_pos++];
                    if (c == '`')
                    {
                        if (Peek() == '`') { sb.Append('`'); _pos++; continue; }
                        return sb.ToString();
                    }
                    sb.Append(c);
                }
            }
            var start = _pos;
            while (_pos < _text.Length && (char.IsLetterOrDigit(_text[_pos]) || _text[_pos] is '_' or '$')) _pos++;
            if (start == _pos) throw Error(_pos < _text.Length ? $"unexpected '{_text[_pos]}'" : "missing column name");
            return _text[start.._pos];
        }

        private void ParseQuoted()
        {
            SkipWs();
            var q = Peek();
            if (q is not ('\'' or '"')) throw Error("expected a quoted comment");
            _pos++;
            while (_pos < _text.Length && _text[_pos] != q) _pos += _text[_pos] == '\\' ? 2 : 1;
            if (_pos >= _text.Length) throw Error("unterminated comment");
            _pos++;
        }

        private int ParseInt()
        {
            SkipWs();
            var start = _pos;
            while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos])) _pos++;
            if (start == _pos) throw Error("expected a number");
            return int.Parse(_text.AsSpan(start, _pos - start), CultureInfo.InvariantCulture);
        }

        private bool TryKeyword(string kw)
        {
            SkipWs();
            if (_pos + kw.Length <= _text.Length && string.Compare(_text, _pos, kw, 0, kw.Length, StringComparison.OrdinalIgnoreCase) == 0
                && (_pos + kw.Length == _text.Length || !char.IsLetterOrDigit(_text[_pos + kw.Length])))
            {
                _pos += kw.Length;
                return true;
            }
            return false;
        }

        private void Expect(char c)
        {
            SkipWs();
            if (Peek() != c) throw Error($"expected '{c}'");
            _pos++;
        }

        private readonly char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

        private void SkipWs()
        {
            while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos])) _pos++;
        }

        private readonly FormatException Error(string what) =>
            new($"[PARSE_SYNTAX_ERROR] Cannot parse data type '{_text}': {what} (position {_pos}).");
    }
}
