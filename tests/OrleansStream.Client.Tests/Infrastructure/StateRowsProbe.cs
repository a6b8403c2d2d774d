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
        var counts = StateRowCounts.Of(progress, _progress);
        _progress = progress.Count;
        Assert.Equal(total, counts.Total);
        Assert.Equal(updated, counts.Updated);
        Assert.Equal(dropped ?? new long[total.Length], counts.Dropped);
    }
}
