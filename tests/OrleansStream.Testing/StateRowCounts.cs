using OrleansStream.Interfaces.Progress;

namespace OrleansStream.Testing;

/// <summary>
/// Spark's StateStoreMetricsTest counters, per stateful operator in Spark's order (the one nearest the sink first):
/// numRowsTotal of the last progress, and numRowsUpdated and numRowsDroppedByWatermark summed over every progress since
/// the last check (a data epoch and the no-data epoch after it).
/// </summary>
/// <param name="Total">numRowsTotal per operator.</param>
/// <param name="Updated">numRowsUpdated per operator.</param>
/// <param name="Dropped">numRowsDroppedByWatermark per operator.</param>
public sealed record StateRowCounts(long[] Total, long[] Updated, long[] Dropped)
{
    /// <summary>The counts of <paramref name="progress"/> since index <paramref name="since"/> (the first progress not yet checked).</summary>
    public static StateRowCounts Of(IReadOnlyList<StreamingQueryProgress> progress, int since)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (progress.Count == 0) return new([], [], []);
        var operators = progress[^1].StateOperators.Count;
        var checkedNow = progress.Skip(since).ToList();
        long[] SparkOrder(Func<StateOperatorProgress, long> metric, IEnumerable<StreamingQueryProgress> over) =>
            Enumerable.Range(0, operators).Reverse().Select(i => over.Sum(p => i < p.StateOperators.Count ? metric(p.StateOperators[i]) : 0)).ToArray();
        return new(SparkOrder(o => o.NumRowsTotal, [progress[^1]]), SparkOrder(o => o.NumRowsUpdated, checkedNow), SparkOrder(o => o.NumRowsDroppedByWatermark, checkedNow));
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"total {string.Join(",", Total)}, updated {string.Join(",", Updated)}, droppedByWatermark {string.Join(",", Dropped)}";
}
