using Apache.Arrow.Types;
using OrleansStream.Engine.Data;

namespace OrleansStream.Engine.Formats;

/// <summary>Appends a text field (CSV) to a typed column, throwing <see cref="MalformedValueException"/> when it does not parse.</summary>
internal static class TextColumnAppender
{
    public static bool IsSupported(IArrowType type) => type.TypeId is ArrowTypeId.String or ArrowTypeId.Binary or ArrowTypeId.Boolean
        or ArrowTypeId.Int8 or ArrowTypeId.Int16 or ArrowTypeId.Int32 or ArrowTypeId.Int64 or ArrowTypeId.Float or ArrowTypeId.Double
        or ArrowTypeId.Decimal128 or ArrowTypeId.Timestamp or ArrowTypeId.Date32;

    /// <summary>Appends <paramref name="text"/>; an empty non-string value is null.</summary>
    public static void Append(ColumnBuilder b, ReadOnlySpan<char> text)
    {
        var id = b.Type.TypeId;
        if (id == ArrowTypeId.String || id == ArrowTypeId.Binary)
        {
            ((BinaryColumnBuilder)b).AppendString(text);
            return;
        }
        if (text.IsWhiteSpace())
        {
            b.AppendNull();
            return;
        }
        switch (id)
        {
            case ArrowTypeId.Boolean:
                if (!TextValueParser.TryParseBool(text, out var bo)) throw Fail(text, "boolean");
                ((BooleanColumnBuilder)b).Append(bo);
                return;
            case ArrowTypeId.Int8:
                if (!TextValueParser.TryParseInt64(text, out var l8) || l8 is < sbyte.MinValue or > sbyte.MaxValue) throw Fail(text, "tinyint");
                ((FixedWidthColumnBuilder<sbyte>)b).Append((sbyte)l8);
                return;
            case ArrowTypeId.Int16:
                if (!TextValueParser.TryParseInt64(text, out var l16) || l16 is < short.MinValue or > short.MaxValue) throw Fail(text, "smallint");
                ((FixedWidthColumnBuilder<short>)b).Append((short)l16);
                return;
            case ArrowTypeId.Int32:
                if (!TextValueParser.TryParseInt64(text, out var l32) || l32 is < int.MinValue or > int.MaxValue) throw Fail(text, "int");
                ((FixedWidthColumnBuilder<int>)b).Append((int)l32);
                return;
            case ArrowTypeId.Int64:
                if (!TextValueParser.TryParseInt64(text, out var l64)) throw Fail(text, "bigint");
                ((FixedWidthColumnBuilder<long>)b).Append(l64);
                return;
            case ArrowTypeId.Float:
                if (!TextValueParser.TryParseDouble(text, out var f)) throw Fail(text, "float");
                ((FixedWidthColumnBuilder<float>)b).Append((float)f);
                return;
            case ArrowTypeId.Double:
                if (!TextValueParser.TryParseDouble(text, out var d)) throw Fail(text, "double");
                ((FixedWidthColumnBuilder<double>)b).Append(d);
                return;
            case ArrowTypeId.Decimal128:
                if (!TextValueParser.TryParseDecimal(text, out var m) || !ClrConvert.TryDecimalToInt128(m, ((Decimal128Type)b.Type).Scale, out var scaled)) throw Fail(text, "decimal");
                ((FixedWidthColumnBuilder<Int128>)b).Append(scaled);
                return;
            case ArrowTypeId.Timestamp:
                if (!TextValueParser.TryParseTimestamp(text, out var micros) || !ClrConvert.TryMicrosToUnit(micros, ((TimestampType)b.Type).Unit, out var ts)) throw Fail(text, "timestamp");
                ((FixedWidthColumnBuilder<long>)b).Append(ts);
                return;
            case ArrowTypeId.Date32:
                if (!TextValueParser.TryParseDate(text, out var days)) throw Fail(text, "date");
                ((FixedWidthColumnBuilder<int>)b).Append(days);
                return;
            default:
                throw new NotSupportedException($"Type {b.Type.Name} cannot be read from text.");
        }
    }

    private static MalformedValueException Fail(ReadOnlySpan<char> text, string type) => new($"cannot parse {RecordExcerpt.Quote(text, "'")} as {type}");
}
