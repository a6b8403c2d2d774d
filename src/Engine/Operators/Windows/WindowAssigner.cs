using Apache.Arrow;
using OrleansStream.Engine.Expressions.Kernels;

namespace OrleansStream.Engine.Operators.Windows;

/// <summary>
/// Assigns rows to event-time windows as Spark's TimeWindowing does: a row at time t belongs to the windows
/// [s, s + size) with s = lastStart - i * slide for i in [0, ceil(size / slide)), where lastStart is the latest
/// window start at or before t aligned to <see cref="StartMicros"/>; only windows with s &lt;= t &lt; s + size are kept.
/// Rows with a null time belong to no window.
/// </summary>
public sealed class WindowAssigner
{
    /// <summary>Creates an assigner; durations in microseconds.</summary>
    /// <exception cref="AnalysisException">A duration is not positive or the slide exceeds the size.</exception>
    public WindowAssigner(long sizeMicros, long slideMicros, long startMicros)
    {
        if (sizeMicros <= 0) throw new AnalysisException($"The window duration ({sizeMicros} µs) must be greater than 0.");
        if (slideMicros <= 0) throw new AnalysisException($"The slide duration ({slideMicros} µs) must be greater than 0.");
        if (slideMicros > sizeMicros)
            throw new AnalysisException($"The slide duration ({slideMicros} µs) must be less than or equal to the windowDuration ({sizeMicros} µs).");
        if (Math.Abs(startMicros) >= slideMicros)
            throw new AnalysisException($"The absolute value of start time ({startMicros} µs) must be less than the slideDuration ({slideMicros} µs).");
        SizeMicros = sizeMicros;
        SlideMicros = slideMicros;
        StartMicros = startMicros;
        Overlaps = (int)((sizeMicros + slideMicros - 1) / slideMicros);
    }

    /// <summary>Window length.</summary>
    public long SizeMicros { get; }
    /// <summary>Distance between window starts (equal to the size for tumbling windows).</summary>
    public long SlideMicros { get; }
    /// <summary>Offset of window starts from the Unix epoch.</summary>
    public long StartMicros { get; }
    /// <summary>How many windows can contain one row.</summary>
    public int Overlaps { get; }

    /// <summary>The start of the latest window holding time <paramref name="micros"/> (its first window: overlap 0).</summary>
    public long LatestStart(long micros) => micros - FloorMod(micros - StartMicros, SlideMicros);

    /// <summary>
    /// The <paramref name="overlap"/>-th window of each row of <paramref name="time"/> (timestamps in µs): writes the kept
    /// row indices, window starts and ends, and returns how many rows were kept.
    /// </summary>
    public int Assign(IArrowArray time, int overlap, Span<int> rows, Span<long> starts, Span<long> ends)
    {
        var values = TimeValues(time);
        var validity = Bitmaps.Validity(time);
        var kept = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if (!Bitmaps.Get(validity, i)) continue;
            var t = values[i];
            var start = LatestStart(t) - overlap * SlideMicros;
            var end = start + SizeMicros;
            if (start > t || t >= end) continue;
            rows[kept] = i;
            starts[kept] = start;
            ends[kept] = end;
            kept++;
        }
        return kept;
    }

    private static long FloorMod(long a, long b)
    {
        var m = a % b;
        return m < 0 ? m + b : m;
    }

    /// <summary>The µs values of a timestamp (or int64) column.</summary>
    internal static ReadOnlySpan<long> TimeValues(IArrowArray time) => time switch
    {
        TimestampArray t => t.Values,
        Int64Array l => l.Values,
        _ => throw new AnalysisException($"A window needs a timestamp column, not {time.Data.DataType.Name}."),
    };
}
