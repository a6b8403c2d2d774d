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
        if (count > 0) collector.Add(Id, new EventTimeStats(min, max, sum, count));
        return input;
    }
}
