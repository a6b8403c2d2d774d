using System.Buffers.Text;
using System.Globalization;

namespace OrleansStream.Engine.Expressions.Kernels;

/// <summary>Formats and parses numbers as Spark (Java) does, on UTF-8 bytes.</summary>
internal static class NumberText
{
    /// <summary>Writes a double like Java's Double.toString ("1.0", "0.001", "1.0E7", "1.5E-4"); returns bytes written (at most 32).</summary>
    public static int FormatDouble(double v, Span<byte> dest) => FormatFloating(v, false, dest);

    /// <summary>Writes a float like Java's Float.toString.</summary>
    public static int FormatFloat(float v, Span<byte> dest) => FormatFloating(v, true, dest);

    private static int FormatFloating(double v, bool isFloat, Span<byte> dest)
    {
        if (double.IsNaN(v)) return Copy("NaN"u8, dest);
        if (double.IsPositiveInfinity(v)) return Copy("Infinity"u8, dest);
        if (double.IsNegativeInfinity(v)) return Copy("-Infinity"u8, dest);
        if (v == 0) return Copy(double.IsNegative(v) ? "-0.0"u8 : "0.0"u8, dest);
        Span<char> chars = stackalloc char[40];
        int n;
        if (isFloat) ((float)v).TryFormat(chars, out n, "R", CultureInfo.InvariantCulture);
        else v.TryFormat(chars, out n, "R", CultureInfo.InvariantCulture);
        var s = chars[..n];
        Span<byte> digits = stackalloc byte[32];
        var nd = 0;
        var neg = false;
        var intDigits = -1;
        var exp = 0;
        var i = 0;
        if (s[0] == '-') { neg = true; i++; }
        for (; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '.') { intDigits = nd; continue; }
            if (c is 'E' or 'e')
            {
                exp = int.Parse(s[(i + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                break;
            }
            digits[nd++] = (byte)c;
        }
        if (intDigits < 0) intDigits = nd;
        // strip leading zeros (e.g. "0.001")
        var lead = 0;
        while (lead < nd - 1 && digits[lead] == '0') { lead++; intDigits--; }
        var d = digits[lead..nd];
        // strip trailing zeros
        var len = d.Length;
        while (len > 1 && d[len - 1] == '0') len--;
        d = d[..len];
        var point = intDigits + exp; // value = 0.d * 10^point  ... i.e. d[0] is at 10^(point-1)
        var abs = Math.Abs(v);
        var p = 0;
        if (neg) dest[p++] = (byte)'-';
        if (abs >= 1e-3 && abs < 1e7)
        {
            if (point <= 0)
            {
                dest[p++] = (byte)'0';
                dest[p++] = (byte)'.';
                for (var z = 0; z < -point; z++) dest[p++] = (byte)'0';
                d.CopyTo(dest[p..]);
                p += d.Length;
            }
            else
            {
                for (var k = 0; k < point; k++) dest[p++] = k < d.Length ? d[k] : (byte)'0';
                dest[p++] = (byte)'.';
                if (point < d.Length)
                {
                    d[point..].CopyTo(dest[p..]);
                    p += d.Length - point;
                }
                else dest[p++] = (byte)'0';
            }
        }
        else
        {
            dest[p++] = d[0];
            dest[p++] = (byte)'.';
            if (d.Length > 1)
            {
                d[1..].CopyTo(dest[p..]);
                p += d.Length - 1;
            }
            else dest[p++] = (byte)'0';
            dest[p++] = (byte)'E';
            Utf8Formatter.TryFormat(point - 1, dest[p..], out var w);
            p += w;
        }
        return p;
    }

    private static int Copy(ReadOnlySpan<byte> s, Span<byte> dest)
    {
        s.CopyTo(dest);
        return s.Length;
    }

    /// <summary>Writes a decimal with exactly <paramref name="scale"/> fraction digits; returns bytes written (at most 48).</summary>
    public static int FormatDecimal(decimal v, int scale, Span<byte> dest)
    {
        Span<char> chars = stackalloc char[64];
        Span<char> fmt = stackalloc char[4];
        fmt[0] = 'F';
        scale.TryFormat(fmt[1..], out var fw, default, CultureInfo.InvariantCulture);
        v.TryFormat(chars, out var n, fmt[..(1 + fw)], CultureInfo.InvariantCulture);
        for (var i = 0; i < n; i++) dest[i] = (byte)chars[i];
        return n;
    }

    public static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s)
    {
        var a = 0;
        var b = s.Length;
        while (a < b && s[a] <= (byte)' ') a++;
        while (b > a && s[b - 1] <= (byte)' ') b--;
        return s[a..b];
    }

    /// <summary>Spark's string-to-integral: trimmed, an integer or a decimal that is truncated; false when invalid.</summary>
    public static bool TryParseLong(ReadOnlySpan<byte> text, out long value)
    {
        var s = Trim(text);
        if (s.Length > 0 && s[0] == '+') s = s[1..];
        if (Utf8Parser.TryParse(s, out value, out var used) && used == s.Length && s.Length > 0) return true;
        if (TryParseDecimal(s, out var d) && d >= long.MinValue && d <= long.MaxValue)
        {
            value = (long)decimal.Truncate(d);
            return true;
        }
        value = 0;
        return false;
    }

    /// <summary>Parses a decimal number (no exponent); false when invalid.</summary>
    public static bool TryParseDecimal(ReadOnlySpan<byte> text, out decimal value)
    {
        var s = Trim(text);
        if (s.Length > 0 && s[0] == '+') s = s[1..];
        if (s.Length > 0 && Utf8Parser.TryParse(s, out value, out var used) && used == s.Length) return true;
        if (TryParseDouble(s, out var dbl) && double.IsFinite(dbl) && Math.Abs(dbl) < 7.9e28)
        {
            value = (decimal)dbl;
            return true;
        }
        value = 0;
        return false;
    }

    /// <summary>Java's Double.parseDouble on trimmed text (NaN, Infinity, optional d/f suffix); false when invalid.</summary>
    public static bool TryParseDouble(ReadOnlySpan<byte> text, out double value)
    {
        var s = Trim(text);
        if (s.Length > 0 && s[^1] is (byte)'d' or (byte)'D' or (byte)'f' or (byte)'F') s = s[..^1];
        if (s.Length > 0 && s[0] == '+') s = s[1..];
        if (s.Length == 0) { value = 0; return false; }
        if (Utf8Parser.TryParse(s, out value, out var used) && used == s.Length) return true;
        if (Utf8Parser.TryParse(s, out value, out used, 'E') && used == s.Length) return true;
        var neg = s[0] == '-';
        var body = neg ? s[1..] : s;
        if (System.Text.Ascii.EqualsIgnoreCase(body, "NaN"u8)) { value = double.NaN; return true; }
        if (System.Text.Ascii.EqualsIgnoreCase(body, "Infinity"u8) || System.Text.Ascii.EqualsIgnoreCase(body, "Inf"u8))
        {
            value = neg ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        value = 0;
        return false;
    }

    /// <summary>Spark's string-to-boolean: t/true/y/yes/1 and f/false/n/no/0, case-insensitive, trimmed.</summary>
    public static bool TryParseBoolean(ReadOnlySpan<byte> text, out bool value)
    {
        var s = Trim(text);
        value = false;
        if (s.Length is 0 or > 5) return false;
        Span<byte> lower = stackalloc byte[5];
        for (var i = 0; i < s.Length; i++) lower[i] = (byte)(s[i] | 0x20);
        var l = lower[..s.Length];
        if (l.SequenceEqual("t"u8) || l.SequenceEqual("true"u8) || l.SequenceEqual("y"u8) || l.SequenceEqual("yes"u8) || s.SequenceEqual("1"u8))
        {
            value = true;
            return true;
        }
        return l.SequenceEqual("f"u8) || l.SequenceEqual("false"u8) || l.SequenceEqual("n"u8) || l.SequenceEqual("no"u8) || s.SequenceEqual("0"u8);
    }
}
