using System.Globalization;
using System.Text.RegularExpressions;

namespace OrleansStream.Plan.Types;

/// <summary>Parses Spark interval strings: "10 seconds", "1 minute", "500 ms", "1 hour 30 minutes".</summary>
public static partial class IntervalParser
{
    /// <summary>Parses <paramref name="text"/>; <paramref name="what"/> names the value in the error ("trigger interval", "window duration").</summary>
    /// <exception cref="FormatException">The text is not an interval.</exception>
    public static TimeSpan Parse(string text, string what)
    {
        ArgumentNullException.ThrowIfNull(text);
        var matches = Part().Matches(text.Trim().ToLowerInvariant().Replace("interval", "", StringComparison.Ordinal));
        if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)).Replace(" ", "", StringComparison.Ordinal) != text.ToLowerInvariant().Replace("interval", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal))
            throw new FormatException($"Invalid {what} '{text}': expected e.g. '10 seconds', '500 milliseconds', '1 minute'.");
        var total = TimeSpan.Zero;
        foreach (Match m in matches)
        {
            var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            total += m.Groups[2].Value switch
            {
                "us" or "microsecond" or "microseconds" => TimeSpan.FromMicroseconds(n),
                "ms" or "millisecond" or "milliseconds" => TimeSpan.FromMilliseconds(n),
                "s" or "sec" or "secs" or "second" or "seconds" => TimeSpan.FromSeconds(n),
                "m" or "min" or "mins" or "minute" or "minutes" => TimeSpan.FromMinutes(n),
                "h" or "hour" or "hours" => TimeSpan.FromHours(n),
                "d" or "day" or "days" => TimeSpan.FromDays(n),
                "week" or "weeks" => TimeSpan.FromDays(7 * n),
                // Spark counts a month as 31 days in watermark delays and window durations.
                "month" or "months" => TimeSpan.FromDays(31 * n),
                "year" or "years" => TimeSpan.FromDays(12 * 31 * n),
                var unit => throw new FormatException($"Invalid {what} '{text}': unknown unit '{unit}'."),
            };
        }
        return total;
    }

    [GeneratedRegex(@"\s*(-?\d+(?:\.\d+)?)\s*([a-z]+)\s*")]
    private static partial Regex Part();

    /// <summary>The interval in whole microseconds (Spark's resolution for timestamps).</summary>
    public static long ParseMicros(string text, string what) => Parse(text, what).Ticks / 10;
}
