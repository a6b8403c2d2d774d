namespace OrleansStream.Plan.Types;

/// <summary>Parses and formats Spark timestamps (microseconds since the epoch, UTC) and dates (days since the epoch) on UTF-8 bytes.</summary>
internal static class DateTimeText
{
    public const long MicrosPerSecond = 1_000_000L;
    public const long MicrosPerDay = 86_400_000_000L;

    /// <summary>Days since 1970-01-01 of a proleptic Gregorian civil date.</summary>
    public static int DaysFromCivil(int y, int m, int d)
    {
        y -= m <= 2 ? 1 : 0;
        var era = (y >= 0 ? y : y - 399) / 400;
        var yoe = y - era * 400;
        var doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        var doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
    }

    /// <summary>The civil date of a day number.</summary>
    public static (int Year, int Month, int Day) CivilFromDays(int z)
    {
        z += 719468;
        var era = (z >= 0 ? z : z - 146096) / 146097;
        var doe = z - era * 146097;
        var yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        var y = yoe + era * 400;
        var doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        var mp = (5 * doy + 2) / 153;
        var d = doy - (153 * mp + 2) / 5 + 1;
        var m = mp + (mp < 10 ? 3 : -9);
        return (y + (m <= 2 ? 1 : 0), m, d);
    }

    private static bool IsLeap(int y) => (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    private static int DaysInMonth(int y, int m) => m switch { 2 => IsLeap(y) ? 29 : 28, 4 or 6 or 9 or 11 => 30, _ => 31 };

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s)
    {
        var a = 0;
        var b = s.Length;
        while (a < b && s[a] <= (byte)' ') a++;
        while (b > a && s[b - 1] <= (byte)' ') b--;
        return s[a..b];
    }

    private static bool ReadInt(ReadOnlySpan<byte> s, ref int pos, int minDigits, int maxDigits, out int value)
    {
        value = 0;
        var start = pos;
        while (pos < s.Length && pos - start < maxDigits && (uint)(s[pos] - '0') <= 9) value = value * 10 + (s[pos++] - '0');
        return pos - start >= minDigits;
    }

    private static bool ReadDate(ReadOnlySpan<byte> s, ref int pos, out int days)
    {
        days = 0;
        var neg = false;
        if (pos < s.Length && s[pos] is (byte)'-' or (byte)'+') neg = s[pos++] == '-';
        if (!ReadInt(s, ref pos, 4, 6, out var y)) return false;
        if (neg) y = -y;
        int m = 1, d = 1;
        if (pos < s.Length && s[pos] == '-')
        {
            pos++;
            if (!ReadInt(s, ref pos, 1, 2, out m)) return false;
            if (pos < s.Length && s[pos] == '-')
            {
                pos++;
                if (!ReadInt(s, ref pos, 1, 2, out d)) return false;
            }
        }
        if (m is < 1 or > 12 || d < 1 || d > DaysInMonth(y, m)) return false;
        days = DaysFromCivil(y, m, d);
        return true;
    }

    /// <summary>Spark's string-to-date: yyyy[-[m]m[-[d]d]] optionally followed by ' ' or 'T' and anything.</summary>
    public static bool TryParseDate(ReadOnlySpan<byte> text, out int days)
    {
        var s = Trim(text);
        var pos = 0;
        if (!ReadDate(s, ref pos, out days)) return false;
        return pos == s.Length || s[pos] is (byte)' ' or (byte)'T';
    }

    /// <summary>Spark's string-to-timestamp: yyyy[-mm[-dd]][( |T)hh[:mm[:ss[.f{1,9}]]]][Z | ±hh[:mm] | UTC], UTC when no zone is given.</summary>
    public static bool TryParseTimestamp(ReadOnlySpan<byte> text, out long micros)
    {
        micros = 0;
        var s = Trim(text);
        var pos = 0;
        if (!ReadDate(s, ref pos, out var days)) return false;
        long h = 0, mi = 0, sec = 0, frac = 0;
        if (pos < s.Length && s[pos] is (byte)' ' or (byte)'T')
        {
            pos++;
            if (pos < s.Length && (uint)(s[pos] - '0') <= 9)
            {
                if (!ReadInt(s, ref pos, 1, 2, out var hh)) return false;
                h = hh;
                if (pos < s.Length && s[pos] == ':')
                {
                    pos++;
                    if (!ReadInt(s, ref pos, 1, 2, out var mm)) return false;
                    mi = mm;
                    if (pos < s.Length && s[pos] == ':')
                    {
                        pos++;
                        if (!ReadInt(s, ref pos, 1, 2, out var ss)) return false;
                        sec = ss;
                        if (pos < s.Length && s[pos] == '.')
                        {
                            pos++;
                            var digits = 0;
                            while (pos < s.Length && (uint)(s[pos] - '0') <= 9)
                            {
                                if (digits < 6) { frac = frac * 10 + (s[pos] - '0'); digits++; }
                                pos++;
                            }
                            for (; digits < 6; digits++) frac *= 10;
                        }
                    }
                }
                if (h > 23 || mi > 59 || sec > 59) return false;
            }
        }
        long offsetSeconds = 0;
        while (pos < s.Length && s[pos] == ' ') pos++;
        if (pos < s.Length)
        {
            var rest = s[pos..];
            if (rest.SequenceEqual("Z"u8) || rest.SequenceEqual("UTC"u8) || rest.SequenceEqual("GMT"u8)) pos = s.Length;
            else if (rest[0] is (byte)'+' or (byte)'-')
            {
                var sign = rest[0] == '-' ? -1 : 1;
                pos++;
                if (!ReadInt(s, ref pos, 1, 2, out var oh)) return false;
                var om = 0;
                if (pos < s.Length && s[pos] == ':') pos++;
                if (pos < s.Length && !ReadInt(s, ref pos, 2, 2, out om)) return false;
                offsetSeconds = sign * (oh * 3600L + om * 60L);
            }
            if (pos != s.Length) return false;
        }
        micros = days * MicrosPerDay + ((h * 60 + mi) * 60 + sec - offsetSeconds) * MicrosPerSecond + frac;
        return true;
    }

    private static void Write2(Span<byte> d, int v) { d[0] = (byte)('0' + v / 10); d[1] = (byte)('0' + v % 10); }

    private static int WriteYear(Span<byte> d, int y)
    {
        var pos = 0;
        if (y < 0) { d[pos++] = (byte)'-'; y = -y; }
        if (y > 9999)
        {
            System.Buffers.Text.Utf8Formatter.TryFormat(y, d[pos..], out var w);
            return pos + w;
        }
        d[pos] = (byte)('0' + y / 1000);
        d[pos + 1] = (byte)('0' + y / 100 % 10);
        d[pos + 2] = (byte)('0' + y / 10 % 10);
        d[pos + 3] = (byte)('0' + y % 10);
        return pos + 4;
    }

    /// <summary>Writes yyyy-MM-dd; returns the byte count (at most 16).</summary>
    public static int FormatDate(int days, Span<byte> d)
    {
        var (y, m, dd) = CivilFromDays(days);
        var p = WriteYear(d, y);
        d[p] = (byte)'-';
        Write2(d[(p + 1)..], m);
        d[p + 3] = (byte)'-';
        Write2(d[(p + 4)..], dd);
        return p + 6;
    }

    /// <summary>Writes Spark's timestamp text 'yyyy-MM-dd HH:mm:ss[.ffffff]' (fraction without trailing zeros), or
    /// the ISO form 'yyyy-MM-ddTHH:mm:ss.fffZ' used by to_json; returns the byte count (at most 32).</summary>
    public static int FormatTimestamp(long micros, Span<byte> d, bool iso = false)
    {
        var days = (int)Math.Floor(micros / (double)MicrosPerDay);
        var rem = micros - days * MicrosPerDay;
        if (rem < 0) { days--; rem += MicrosPerDay; }
        else if (rem >= MicrosPerDay) { days++; rem -= MicrosPerDay; }
        var p = FormatDate(days, d);
        d[p++] = iso ? (byte)'T' : (byte)' ';
        var secs = rem / MicrosPerSecond;
        var frac = (int)(rem % MicrosPerSecond);
        Write2(d[p..], (int)(secs / 3600));
        d[p + 2] = (byte)':';
        Write2(d[(p + 3)..], (int)(secs / 60 % 60));
        d[p + 5] = (byte)':';
        Write2(d[(p + 6)..], (int)(secs % 60));
        p += 8;
        if (iso)
        {
            var ms = frac / 1000;
            d[p++] = (byte)'.';
            d[p++] = (byte)('0' + ms / 100);
            d[p++] = (byte)('0' + ms / 10 % 10);
            d[p++] = (byte)('0' + ms % 10);
            d[p++] = (byte)'Z';
        }
        else if (frac != 0)
        {
            d[p++] = (byte)'.';
            var div = 100000;
            while (frac != 0)
            {
                d[p++] = (byte)('0' + frac / div);
                frac %= div;
                div /= 10;
            }
        }
        return p;
    }

    /// <summary>Microseconds since the epoch of a CLR date-time (unspecified kinds are taken as UTC).</summary>
    public static long ToMicros(DateTime dt)
    {
        var utc = dt.Kind == DateTimeKind.Local ? dt.ToUniversalTime() : dt;
        return (utc.Ticks - DateTime.UnixEpoch.Ticks) / 10;
    }
}
