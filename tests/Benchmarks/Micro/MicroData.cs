using Apache.Arrow;
using OrleansStream.Benchmarks.Nexmark;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Operators.Windows;
using OrleansStream.Engine.Sources.Nexmark;
using OrleansStream.Plan.Types;

namespace OrleansStream.Benchmarks.Micro;

/// <summary>The input every micro-benchmark shares: one batch of generated Nexmark bids, as the engine's operators see them.</summary>
public static class MicroData
{
    /// <summary>Rows per batch: the size of a batch the engine moves between grains (DESIGN.md §9: thousands of rows per call).</summary>
    public const int Rows = 65_536;

    /// <summary>Bids 0 .. Rows - 1 at the default event-time rate.</summary>
    public static RecordBatch Bids { get; } = new NexmarkGenerator(new NexmarkConfig()).Bids(0, Rows);

    /// <summary>Rows of <see cref="WindowKeys"/>: each bid falls into five 10-second windows sliding by 2 seconds.</summary>
    public const int WindowRows = 5 * Rows;

    /// <summary>The key schema of <see cref="WindowKeys"/>.</summary>
    public static Schema WindowKeySchema { get; } = DataTypes.ParseSchema("auction BIGINT, window_start TIMESTAMP, window_end TIMESTAMP");

    /// <summary>
    /// q5's grouping keys (auction, window start, window end) for the bids' 10-second windows sliding by 2 seconds, a window
    /// at a time as the window operator emits them: <see cref="WindowRows"/> rows, about 21,600 distinct keys.
    /// </summary>
    public static IArrowArray[] WindowKeys { get; } = BuildWindowKeys();

    /// <summary>An epoch context for operators that ask for one.</summary>
    public static EpochContext Context { get; } = new(1, NexmarkConfig.Default.BaseTimeMicros);

    private static IArrowArray[] BuildWindowKeys()
    {
        var assigner = new WindowAssigner(10_000_000, 2_000_000, 0);
        var auctions = ((Int64Array)Bids.Column(0)).Values;
        var rows = new int[Rows];
        var starts = new long[Rows];
        var ends = new long[Rows];
        var auction = new long[WindowRows];
        var start = new long[WindowRows];
        var end = new long[WindowRows];
        var n = 0;
        for (var overlap = 0; overlap < assigner.Overlaps; overlap++)
        {
            var kept = assigner.Assign(Bids.Column(5), overlap, rows, starts, ends);
            for (var i = 0; i < kept; i++) auction[n + i] = auctions[rows[i]];
            starts.AsSpan(0, kept).CopyTo(start.AsSpan(n));
            ends.AsSpan(0, kept).CopyTo(end.AsSpan(n));
            n += kept;
        }
        if (n != WindowRows) throw new InvalidOperationException($"Expected {WindowRows} window rows, got {n}.");
        return [Int64Column(WindowKeySchema.FieldsList[0].DataType, auction), Int64Column(WindowKeySchema.FieldsList[1].DataType, start),
            Int64Column(WindowKeySchema.FieldsList[2].DataType, end)];
    }

    private static IArrowArray Int64Column(Apache.Arrow.Types.IArrowType type, long[] values)
    {
        var bytes = new byte[values.Length * sizeof(long)];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(bytes);
        return ArrowArrayFactory.BuildArray(new ArrayData(type, values.Length, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(bytes)]));
    }
}
