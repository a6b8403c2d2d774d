using System.Buffers.Text;
using Apache.Arrow;

namespace OrleansStream.Engine.Expressions.Kernels;

/// <summary>Appends Spark's string form of one element of any array ("{1, a}" for structs, "[1, 2]" for arrays,
/// "{a -> 1}" for maps, "null" for nulls inside nested values) to the value being built in a <see cref="StringColumnWriter"/>.</summary>
internal static class ValueFormatter
{
    public static void AppendValue(StringColumnWriter w, IArrowArray array, int i)
    {
        if (array.IsNull(i))
        {
            w.AppendPart("null"u8);
            return;
        }
        Span<byte> tmp = stackalloc byte[64];
        int n;
        switch (array)
        {
            case BooleanArray b:
                w.AppendPart(b.GetValue(i) == true ? "true"u8 : "false"u8);
                return;
            case Int8Array a: Utf8Formatter.TryFormat(a.Values[i], tmp, out n); break;
            case Int16Array a: Utf8Formatter.TryFormat(a.Values[i], tmp, out n); break;
            case Int32Array a: Utf8Formatter.TryFormat(a.Values[i], tmp, out n); break;
            case Int64Array a: Utf8Formatter.TryFormat(a.Values[i], tmp, out n); break;
            case FloatArray a: n = NumberText.FormatFloat(a.Values[i], tmp); break;
            case DoubleArray a: n = NumberText.FormatDouble(a.Values[i], tmp); break;
            case Decimal128Array a: n = NumberText.FormatDecimal(a.GetValue(i)!.Value, a.Scale, tmp); break;
            case TimestampArray a: n = DateTimeText.FormatTimestamp(a.Values[i], tmp); break;
            case Date32Array a: n = DateTimeText.FormatDate(a.Values[i], tmp); break;
            case BinaryArray a:
                w.AppendPart(a.GetBytes(i));
                return;
            case StructArray s:
            {
                w.AppendPart("{"u8);
                for (var k = 0; k < s.Fields.Count; k++)
                {
                    if (k > 0) w.AppendPart(", "u8);
                    AppendValue(w, s.Fields[k], i);
                }
                w.AppendPart("}"u8);
                return;
            }
            case MapArray m:
            {
                w.AppendPart("{"u8);
                int start = m.ValueOffsets[i], end = m.ValueOffsets[i + 1];
                var keys = m.Keys;
                var values = m.Values;
                for (var k = start; k < end; k++)
                {
                    if (k > start) w.AppendPart(", "u8);
                    AppendValue(w, keys, k);
                    w.AppendPart(" -> "u8);
                    AppendValue(w, values, k);
                }
                w.AppendPart("}"u8);
                return;
            }
            case ListArray l:
            {
                w.AppendPart("["u8);
                int start = l.ValueOffsets[i], end = l.ValueOffsets[i + 1];
                for (var k = start; k < end; k++)
                {
                    if (k > start) w.AppendPart(", "u8);
                    AppendValue(w, l.Values, k);
                }
                w.AppendPart("]"u8);
                return;
            }
            default:
                throw new NotSupportedException($"Cannot format values of type {array.Data.DataType.Name}.");
        }
        w.AppendPart(tmp[..n]);
    }
}
