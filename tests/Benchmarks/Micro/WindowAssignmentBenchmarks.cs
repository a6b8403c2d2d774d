using BenchmarkDotNet.Attributes;
using OrleansStream.Engine.Operators.Windows;

namespace OrleansStream.Benchmarks.Micro;

/// <summary>Event-time window assignment (WindowAssigner) of one batch's timestamps: q7's tumbling and q5's sliding windows.</summary>
public class WindowAssignmentBenchmarks
{
    private readonly WindowAssigner _tumbling = new(10_000_000, 10_000_000, 0);
    private readonly WindowAssigner _sliding = new(10_000_000, 2_000_000, 0);
    private readonly int[] _rows = new int[MicroData.Rows];
    private readonly long[] _starts = new long[MicroData.Rows];
    private readonly long[] _ends = new long[MicroData.Rows];

    /// <summary>10-second tumbling windows: one window per row.</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public int Tumbling() => Assign(_tumbling);

    /// <summary>10-second windows every 2 seconds: five windows per row.</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public int Sliding() => Assign(_sliding);

    private int Assign(WindowAssigner assigner)
    {
        var time = MicroData.Bids.Column(5);
        var kept = 0;
        for (var overlap = 0; overlap < assigner.Overlaps; overlap++) kept += assigner.Assign(time, overlap, _rows, _starts, _ends);
        return kept;
    }
}
