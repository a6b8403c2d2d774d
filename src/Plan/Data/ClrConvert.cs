using System.Globalization;
using Apache.Arrow.Types;

namespace OrleansStream.Plan.Data;

/// <summary>Conversions from CLR values to Arrow physical values (used at the API edge: rows to columns).</summary>
internal static class ClrConvert
{
    public const long UnixEpochTicks = 621355968000000000L;
    public static readonly int UnixEpochDayNumber = new DateOnly(1970, 1, 1).DayNumber;

    public static long ToInt64(object v) => v switch
    {
        long l => l,
        int i => i,
        short s => s,
        sbyte b => b,
        byte b => b,
        ushort u => u,
        uint u => u,
        ulong u => checked((long)u),
        char c => c,
        double d when d == Math.Floor(d) => checked((long)d),
        float f when f == MathF.Floor(f) => checked((long)f),
        decimal m when m == decimal.Truncate(m) => decimal.ToInt64(m),
        string s => long.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture),
        _ => throw new InvalidCastException($"Cannot store {v.GetType().Name} value '{v}' in an integer column."),
    };

    public static int ToInt32(object v) => v is int i ? i : checked((int)ToInt64(v));

    public static short ToInt16(object v) => checked((short)ToInt64(v));

    public static sbyte ToSByte(object v) => checked((sbyte)ToInt64(v));

    public static double ToDouble(object v) => v switch
    {
        double d => d,
        float f => f,
        decimal m => (double)m,
        string s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
        bool => throw new InvalidCastException("Cannot store a boolean in a floating-point column."),
        _ => ToInt64(v),
    };

    public static float ToSingle(object v) => v is float f ? f : (float)ToDouble(v);

    public static decimal ToDecimal(object v) => v switch
    {
        decimal m => m,
        double d => (decimal)d,
        float f => (decimal)f,
        string s => decimal.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
        _ => ToInt64(v),
    };

    /// <summary>The unscaled 128-bit integer of <paramref name="value"/> at <paramref name="scale"/> (rounded half away from zero).</summary>
    public static Int128 ToDecimal128(object value, int scale) => DecimalToInt128(ToDecimal(value), scale);

    public static Int128 DecimalToInt128(decimal value, int scale)
    {
        Span<int> bits = stackalloc int[4];
        if (scale <= 28) value = decimal.Round(value, scale, MidpointRounding.AwayFromZero);
        decimal.GetBits(value, bits);
        Int128 mantissa = ((Int128)(uint)bits[2] << 64) | ((Int128)(uint)bits[1] << 32) | (uint)bits[0];
        int valueScale = (bits[3] >> 16) & 0xFF;
        bool negative = bits[3] < 0;
        for (int s = valueScale; s < scale; s++) mantissa = checked(mantissa * 10);
        for (int s = scale; s < valueScale; s++) mantissa /= 10;
        return negative ? -mantissa : mantissa;
    }

    /// <summary><see cref="DecimalToInt128"/>, false where the value does not fit 128 bits at <paramref name="scale"/> (readers: a malformed value).</summary>
    public static bool TryDecimalToInt128(decimal value, int scale, out Int128 result)
    {
        try
        {
            result = DecimalToInt128(value, scale);
            return true;
        }
        catch (OverflowException)
        {
            result = default;
            return false;
        }
    }

    public static long ToTimestamp(object v, TimeUnit unit)
    {
        long micros = v switch
        {
            DateTime dt => DateTimeToMicros(dt),
            DateTimeOffset dto => (dto.UtcTicks - UnixEpochTicks) / 10,
            DateOnly d => (d.DayNumber - UnixEpochDayNumber) * 86_400_000_000L,
            string s => DateTimeToMicros(DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).UtcDateTime),
            _ => ToInt64(v),
        };
        return MicrosToUnit(micros, unit);
    }

    public static long MicrosToUnit(long micros, TimeUnit unit)
    {
        return unit switch
        {
            TimeUnit.Second => Math.DivRem(micros, 1_000_000).Quotient,
            TimeUnit.Millisecond => micros / 1000,
            TimeUnit.Nanosecond => checked(micros * 1000),
            _ => micros,
        };
    }

    /// <summary><see cref="MicrosToUnit"/>, false where nanoseconds would overflow (beyond the years 1677-2262).</summary>
    public static bool TryMicrosToUnit(long micros, TimeUnit unit, out long result)
    {
        if (unit == TimeUnit.Nanosecond && micros is > long.MaxValue / 1000 or < long.MinValue / 1000)
        {
            result = default;
            return false;
        }
        result = MicrosToUnit(micros, unit);
        return true;
    }

    /// <summary>Microseconds since the Unix epoch; Local times are converted, Unspecified ones are taken as UTC.</summary>
    public static long DateTimeToMicros(DateTime dt)
    {
        if (dt.Kind == DateTimeKind.Local) dt = dt.ToUniversalTime();
        return (dt.Ticks - UnixEpochTicks) / 10;
    }

    public static DateTime MicrosToDateTime(long micros) => new(UnixEpochTicks + micros * 10, DateTimeKind.Utc);

    public static int ToDate32(object v) => v switch
    {
        DateOnly d => d.DayNumber - UnixEpochDayNumber,
        DateTime dt => DateOnly.FromDateTime(dt).DayNumber - UnixEpochDayNumber,
        DateTimeOffset dto => DateOnly.FromDateTime(dto.UtcDateTime).DayNumber - UnixEpochDayNumber,
        string s => DateOnly.Parse(s, CultureInfo.InvariantCulture).DayNumber - UnixEpochDayNumber,
        _ => ToInt32(v),
    };

    public static DateOnly Date32ToDateOnly(int days) => DateOnly.FromDayNumber(UnixEpochDayNumber + days);
}
