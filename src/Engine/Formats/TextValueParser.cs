using System.Globalization;
using OrleansStream.Engine.Data;

namespace OrleansStream.Engine.Formats;

/// <summary>Spark-like parsing of text values (CSV fields, JSON strings) into Arrow physical values.</summary>
internal static class TextValueParser
{
    private const DateTimeStyles TsStyles = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal | DateTimeStyles.AllowWhiteSpaces;

    /// <summary>A timestamp (ISO 8601 / "yyyy-MM-dd HH:mm:ss[.ffffff]" / a date; no zone means UTC) as microseconds since the epoch.</summary>
    public static bool TryParseTimestamp(ReadOnlySpan<char> s, out long micros)
    {
        micros = 0;
        s = s.Trim();
        if (s.Length < 8 || !char.IsAsciiDigit(s[0])) return false;
        if (!DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, TsStyles, out var dto)) return false;
        micros = (dto.UtcTicks - ClrConvert.UnixEpochTicks) / 10;
        return true;
    }

    /// <summary>A date "yyyy-MM-dd" (or a timestamp whose date part is taken) as days since the epoch.</summary>
    public static bool TryParseDate(ReadOnlySpan<char> s, out int days)
    {
        s = s.Trim();
        if (DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            || DateOnly.TryParseExact(s, "yyyy-M-d", CultureInfo.InvariantCulture, DateTimeStyles.None, out d))
        {
            days = d.DayNumber - ClrConvert.UnixEpochDayNumber;
            return true;
        }
        if (TryParseTimestamp(s, out var micros))
        {
            days = (int)Math.Floor(micros / 86_400_000_000.0);
            return true;
        }
        days = 0;
        return false;
    }

    public static bool TryParseBool(ReadOnlySpan<char> s, out bool value)
    {
        s = s.Trim();
        if (s.Equals("true", StringComparison.OrdinalIgnoreCase)) { value = true; return true; }
        if (s.Equals("false", StringComparison.OrdinalIgnoreCase)) { value = false; return true; }
        value = false;
        return false;
    }

    public static bool TryParseDouble(ReadOnlySpan<char> s, out double value)
    {
        s = s.Trim();
        if (TryParseNonNumeric(s, out value)) return true;
        if (s.Length > 0 && (char.IsAsciiDigit(s[^1]) || s[^1] == '.')
            && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value)) return true;
        return false;
    }

    /// <summary>Spark's non-numeric numbers: NaN, Infinity, +Infinity, -Infinity, Inf, +INF, -INF.</summary>
    public static bool TryParseNonNumeric(ReadOnlySpan<char> s, out double value)
    {
        if (s.SequenceEqual("NaN")) { value = double.NaN; return true; }
        if (s.SequenceEqual("Infinity") || s.SequenceEqual("+Infinity") || s.Equals("Inf", StringComparison.OrdinalIgnoreCase) || s.Equals("+Inf", StringComparison.OrdinalIgnoreCase)) { value = double.PositiveInfinity; return true; }
        if (s.SequenceEqual("-Infinity") || s.Equals("-Inf", StringComparison.OrdinalIgnoreCase)) { value = double.NegativeInfinity; return true; }
        value = 0;
        return false;
    }

    public static bool TryParseInt64(ReadOnlySpan<char> s, out long value) =>
        long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    public static bool TryParseDecimal(ReadOnlySpan<char> s, out decimal value) =>
        decimal.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
}
