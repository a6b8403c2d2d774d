using System.Numerics;
using Apache.Arrow;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.Operators.Windows;

namespace OrleansStream.Engine.Operators.Watermark;

/// <summary>
/// withWatermark in the stateless stage (Spark's EventTimeWatermarkExec): rows pass unchanged; the min/max/avg of the
/// event-time column are recorded for the trigger, which derives the next epoch's watermark from the maxima.
/// </summary>
public sealed class WatermarkOperator : IBatchOperator
{
    private readonly int _column;

    /// <summary>Creates the operator for watermark node <paramref name="id"/> on column <paramref name="column"/> of <paramref name="schema"/>.</summary>
    public WatermarkOperator(int id, int column, Schema schema)
    {
        Id = id;
        _column = column;
        OutputSchema = schema ?? throw new ArgumentNullException(nameof(schema));
    }

    /// <summary>The watermark node's id inside the query.</summary>
    public int Id { get; }

    /// <inheritdoc />
    public Schema OutputSchema { get; }

    /// <inheritdoc />
    public RecordBatch Process(RecordBatch input, EpochContext context)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        if (context.EventTime is not { } collector || input.Length == 0) return input;
        var times = WindowAssigner.TimeValues(input.Column(_column));
        var validity = Bitmaps.Validity(input.Column(_column));
        var stats = validity is null ? Stats(times) : StatsOfValid(times, validity);
        if (stats.Count > 0) collector.Add(Id, stats);
        return input;
    }

    private static EventTimeStats StatsOfValid(ReadOnlySpan<long> times, byte[] validity)
    {
        long min = long.MaxValue, max = long.MinValue, count = 0;
        double sum = 0;
        for (var i = 0; i < times.Length; i++)
        {
            if (!Bitmaps.Get(validity, i)) continue;
            var t = times[i];
            if (t < min) min = t;
            if (t > max) max = t;
            sum += t;
            count++;
        }
        return new EventTimeStats(min, max, sum, count);
    }

    // Without nulls, a vector at a time. The sum adds each time's distance from the first one: the distances are small
    // (a batch spans seconds, not the 50 years since the epoch), so a double holds them exactly, and lanes add in parallel
    // where one running sum would wait on every addition.
    private static EventTimeStats Stats(ReadOnlySpan<long> times)
    {
        var first = times[0];
        var min = new Vector<long>(long.MaxValue);
        var max = new Vector<long>(long.MinValue);
        var offsets = Vector<double>.Zero;
        var origin = new Vector<long>(first);
        var i = 0;
        for (; i <= times.Length - Vector<long>.Count; i += Vector<long>.Count)
        {
            var v = new Vector<long>(times[i..]);
            min = Vector.Min(min, v);
            max = Vector.Max(max, v);
            offsets += Vector.ConvertToDouble(v - origin);
        }
        long lo = long.MaxValue, hi = long.MinValue;
        double offset = 0;
        for (var lane = 0; lane < Vector<long>.Count; lane++)
        {
            lo = Math.Min(lo, min[lane]);
            hi = Math.Max(hi, max[lane]);
            offset += offsets[lane];
        }
        for (; i < times.Length; i++)
        {
            lo = Math.Min(lo, times[i]);
            hi = Math.Max(hi, times[i]);
            offset += times[i] - first;
        }
        return new EventTimeStats(lo, hi, (double)first * times.Length + offset, times.Length);
    }
}
