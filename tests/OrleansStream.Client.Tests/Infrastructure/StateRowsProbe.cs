namespace OrleansStream.Client.Tests.Infrastructure;

/// <summary>
/// Runs a query step by step as Spark's StateStoreMetricsTest does: after each AddData and processAllAvailable, the rows the
/// memory sink gained (as a multiset) and Spark's assertNumStateRows — numRowsTotal of the last progress, numRowsUpdated
/// and numRowsDroppedByWatermark summed over every epoch since the previous check (the data epoch and any no-data epoch
/// after it). Counts are given in Spark's order of operators: the one nearest the sink first.
/// </summary>
public sealed class StateRowsProbe(StreamSession session, StreamingQuery query, string table)
{
    private List<string> _seen = [];
    private int _progress;

    /// <summary>Checks one step with a single stateful operator.</summary>
    public Task Step(Func<Task> addData, string[] newRows, long total, long updated, long dropped = 0) =>
        Step(addData, newRows, [total], [updated], [dropped]);

    /// <summary>Checks one step; <paramref name="lastBatch"/> compares the whole table (Complete mode) instead of new rows.</summary>
    public async Task Step(Func<Task> addData, string[] newRows, long[] total, long[] updated, long[]? dropped = null, bool lastBatch = false)
    {
        await addData();
        await query.ProcessAllAvailableAsync();
        var rows = Scenario.Plain(await session.Table(table).CollectAsync()).ToList();
        var added = rows.ToList();
        if (!lastBatch)
            foreach (var old in _seen) added.Remove(old);
        Assert.Equal(newRows.Order(StringComparer.Ordinal), added.Order(StringComparer.Ordinal));
        _seen = rows;
        var progress = query.RecentProgress;
        var since = progress.Skip(_progress).ToList();
        _progress = progress.Count;
        var operators = progress[^1].StateOperators.Count;
        long[] SparkOrder(Func<StreamingQueryProgress, int, long> metric, IEnumerable<StreamingQueryProgress> over) =>
            Enumerable.Range(0, operators).Reverse().Select(i => over.Sum(p => metric(p, i))).ToArray();
        Assert.Equal(total, SparkOrder((p, i) => p.StateOperators[i].NumRowsTotal, [progress[^1]]));
        Assert.Equal(updated, SparkOrder((p, i) => p.StateOperators[i].NumRowsUpdated, since));
        Assert.Equal(dropped ?? new long[operators], SparkOrder((p, i) => p.StateOperators[i].NumRowsDroppedByWatermark, since));
    }
}
