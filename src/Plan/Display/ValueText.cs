using System.Globalization;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Plan.Data;

namespace OrleansStream.Plan.Display;

/// <summary>Spark's textual forms of values (Java number formatting, timestamps, casts of nested values to string).</summary>
internal static class ValueText
{
    /// <summary>Java's <c>Double.toString</c>: "1.0", "0.001", "1.0E7", "1.5E-4", "NaN", "Infinity".</summary>
    public static string JavaDouble(double d) => JavaFormat(d, d.ToString("R", CultureInfo.InvariantCulture));

    /// <summary>Java's <c>Float.toString</c>.</summary>
    public static string JavaFloat(float f) => JavaFormat(f, f.ToString("R", CultureInfo.InvariantCulture));

    private static string JavaFormat(double d, string shortest)
    {
        if (double.IsNaN(d)) return "NaN";
        if (double.IsPositiveInfinity(d)) return "Infinity";
        if (double.IsNegativeInfinity(d)) return "-Infinity";
        if (d == 0) return 1 / d < 0 ? "-0.0" : "0.0";
        bool negative = shortest[0] == '-';
        var s = negative ? shortest[1..] : shortest;
        int exp = 0;
        int e = s.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exp = int.Parse(s.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            s = s[..e];
        }
        int dot = s.IndexOf('.');
        string digits = dot < 0 ? s : s.Remove(dot, 1);
        int intLen = dot < 0 ? s.Length : dot;
        // value = 0.digits * 10^(intLen + exp); normalise leading zeros.
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') lead++;
        digits = digits[lead..].TrimEnd('0');
        if (digits.Length == 0) digits = "0";
        int sciExp = intLen + exp - lead - 1; // value = d1.d2d3... * 10^sciExp
        var sb = new StringBuilder(24);
        if (negative) sb.Append('-');
        double abs = Math.Abs(d);
        if (abs >= 1e-3 && abs < 1e7)
        {
            if (sciExp >= 0)
            {
                for (int i = 0; i <= sciExp; i++) sb.Append(i < digits.Length ? digits[i] : '0');
                sb.Append('.');
                sb.Append(digits.Length > sciExp + 1 ? digits[(sciExp + 1)..] : "0");
            }
            else
            {
                sb.Append("0.").Append('0', -sciExp - 1).Append(digits);
            }
        }
        else
        {
            sb.Append(digits[0]).Append('.').Append(digits.Length > 1 ? digits[1..] : "0").Append('E').Append(sciExp.ToString(CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>The written form of timestamps (JSON and CSV sinks): Spark's default <c>yyyy-MM-dd'T'HH:mm:ss.SSSXXX</c> in UTC, e.g. 2024-01-02T03:04:05.123Z.</summary>
    public static string TimestampIso(long micros) =>
        ClrConvert.MicrosToDateTime(micros).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Spark's cast of a timestamp to string (UTC session time zone): "yyyy-MM-dd HH:mm:ss" plus the fraction without trailing zeros.</summary>
    public static string TimestampShow(long micros)
    {
        var dt = ClrConvert.MicrosToDateTime(micros);
        var s = dt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        long frac = ((micros % 1_000_000) + 1_000_000) % 1_000_000;
        return frac == 0 ? s : s + "." + frac.ToString("D6", CultureInfo.InvariantCulture).TrimEnd('0');
    }

    public static string Date(int days) => ClrConvert.Date32ToDateOnly(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static long TimestampMicros(TimestampArray a, int i) =>
        ((TimestampType)a.Data.DataType).Unit switch
        {
            TimeUnit.Second => a.Values[i] * 1_000_000,
            TimeUnit.Millisecond => a.Values[i] * 1000,
            TimeUnit.Nanosecond => a.Values[i] / 1000,
            _ => a.Values[i],
        };

    /// <summary>Spark's cast to string of a value, as show() prints it; nested nulls print as "null".</summary>
    public static string Show(IArrowArray array, int i, bool nested)
    {
        if (array.IsNull(i)) return nested ? "null" : "NULL";
        var sb = new StringBuilder();
        AppendShow(sb, array, i);
        return sb.ToString();
    }

    private static void AppendShow(StringBuilder sb, IArrowArray array, int i)
    {
        if (array.IsNull(i))
        {
            sb.Append("null");
            return;
        }
        switch (array)
        {
            case BooleanArray a: sb.Append(a.GetValue(i)!.Value ? "true" : "false"); break;
            case DoubleArray a: sb.Append(JavaDouble(a.Values[i])); break;
            case FloatArray a: sb.Append(JavaFloat(a.Values[i])); break;
            case Int32Array a: sb.Append(a.Values[i]); break;
            case Int64Array a: sb.Append(a.Values[i]); break;
            case Int16Array a: sb.Append(a.Values[i]); break;
            case Int8Array a: sb.Append(a.Values[i]); break;
            case Decimal128Array a: sb.Append(a.GetString(i)); break;
            case StringArray a: sb.Append(a.GetString(i)); break;
            case BinaryArray a:
                sb.Append('[');
                var bytes = a.GetBytes(i);
                for (int k = 0; k < bytes.Length; k++)
                {
                    if (k > 0) sb.Append(' ');
                    sb.Append(bytes[k].ToString("X2", CultureInfo.InvariantCulture));
                }
                sb.Append(']');
                break;
            case TimestampArray a: sb.Append(TimestampShow(TimestampMicros(a, i))); break;
            case Date32Array a: sb.Append(Date(a.Values[i])); break;
            case StructArray a:
                sb.Append('{');
                for (int f = 0; f < a.Fields.Count; f++)
                {
                    if (f > 0) sb.Append(", ");
                    AppendShow(sb, a.Fields[f], i);
                }
                sb.Append('}');
                break;
            case MapArray a:
                sb.Append('{');
                for (int k = a.ValueOffsets[i]; k < a.ValueOffsets[i + 1]; k++)
                {
                    if (k > a.ValueOffsets[i]) sb.Append(", ");
                    AppendShow(sb, a.Keys, k);
                    sb.Append(" -> ");
                    AppendShow(sb, a.Values, k);
                }
                sb.Append('}');
                break;
            case ListArray a:
                sb.Append('[');
                for (int k = a.ValueOffsets[i]; k < a.ValueOffsets[i + 1]; k++)
                {
                    if (k > a.ValueOffsets[i]) sb.Append(", ");
                    AppendShow(sb, a.Values, k);
                }
                sb.Append(']');
                break;
            default:
                sb.Append(Convert.ToString(ArrowValues.GetValue(array, i), CultureInfo.InvariantCulture));
                break;
        }
    }
}
