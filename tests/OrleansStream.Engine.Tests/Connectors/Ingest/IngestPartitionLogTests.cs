using Apache.Arrow;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Connectors.Ingest;
using OrleansStream.Engine.Tests.Data;
using OrleansStream.Plan.Data;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Tests.Connectors.Ingest;

public sealed class IngestPartitionLogTests : IDisposable
{
    private static readonly Schema Schema = DataTypes.ParseSchema("id BIGINT NOT NULL, user STRING");
    private readonly TempDir _dir = new();
    private readonly FileSystemCheckpointStore _store;

    public IngestPartitionLogTests() => _store = new FileSystemCheckpointStore(Path.Combine(_dir.Path, "checkpoints"));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Append_AssignsConsecutiveOffsetsAndWritesOneSegmentPerFlushNamedByItsStart()
    {
        var log = await IngestPartitionLog.OpenAsync(_store, "clicks", 1, Schema, default);

        Assert.Equal([0L, 2], await log.AppendAsync([Append("a", 1, 0, 2), Append("b", 1, 2, 3)], 1000, default));
        Assert.Equal([5L], await log.AppendAsync([Append("a", 2, 5, 1)], 2000, default));

        Assert.Equal(6, log.End);
        Assert.Equal(["ingest/clicks/p0001/00000000000000000000.arrow", "ingest/clicks/p0001/00000000000000000005.arrow"],
            await _store.ListAsync("ingest/clicks/p0001/"));
    }

    [Fact]
    public async Task Open_AfterAppends_KnowsItsEndAndWhichAppendsItHolds()
    {
        var log = await IngestPartitionLog.OpenAsync(_store, "clicks", 0, Schema, default);
        await log.AppendAsync([Append("a", 1, 0, 2), Append("b", 7, 2, 3)], 1000, default);

        var reopened = await IngestPartitionLog.OpenAsync(_store, "clicks", 0, Schema, default);

        Assert.Equal(5, reopened.End);
        Assert.True(reopened.TryFindAppended("b", 7, out var offset));
        Assert.Equal(2, offset);
        Assert.False(reopened.TryFindAppended("b", 8, out _));
        Assert.False(reopened.TryFindAppended("c", 1, out _));
    }

    [Fact]
    public async Task Open_AfterAppends_KnowsEachProducersHighestSequence()
    {
        var log = await IngestPartitionLog.OpenAsync(_store, "clicks", 0, Schema, default);
        await log.AppendAsync([Append("a", 9, 0, 1), Append("a", 4, 1, 1), Append("b", 2, 2, 1)], 1000, default);

        var reopened = await IngestPartitionLog.OpenAsync(_store, "clicks", 0, Schema, default);

        Assert.Equal(9, reopened.LastSequence("a"));
        Assert.Equal(2, reopened.LastSequence("b"));
        Assert.Null(reopened.LastSequence("c"));
    }

    [Fact]
    public async Task Append_WhenAnotherWriterTookTheOffset_ThrowsConflictAndStoresNothing()
    {
        var first = await IngestPartitionLog.OpenAsync(_store, "clicks", 0, Schema, default);
        var stale = await IngestPartitionLog.OpenAsync(_store, "clicks", 0, Schema, default);
        await first.AppendAsync([Append("a", 1, 0, 2)], 1000, default);

        await Assert.ThrowsAsync<CheckpointConflictException>(() => stale.AppendAsync([Append("b", 1, 100, 4)], 1000, default));

        Assert.Equal([0L, 1], await ReadIdsAsync(0, null, 10));
    }

    [Fact]
    public async Task Read_ARangeAcrossSegments_YieldsExactlyTheRowsOfTheRange()
    {
        var log = await IngestPartitionLog.OpenAsync(_store, "clicks", 0, Schema, default);
        await log.AppendAsync([Append("a", 1, 0, 3)], 1000, default);
        await log.AppendAsync([Append("a", 2, 3, 3), Append("a", 3, 6, 4)], 1000, default);
        await log.AppendAsync([Append("a", 4, 10, 2)], 1000, default);

        Assert.Equal([2L, 3, 4, 5, 6, 7, 8], await ReadIdsAsync(0, 2, 9));
        Assert.Equal([0L, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], await ReadIdsAsync(0, null, 12));
        Assert.Equal([10L], await ReadIdsAsync(0, 10, 11));
        Assert.Empty(await ReadIdsAsync(0, 12, 12));
    }

    [Fact]
    public async Task Trim_DeletesOnlySegmentsBothBelowTheCommittedOffsetAndPastRetention_AndKeepsTheNewest()
    {
        var log = await IngestPartitionLog.OpenAsync(_store, "clicks", 0, Schema, default);
        await log.AppendAsync([Append("a", 1, 0, 2)], 1000, default);   // [0, 2)
        await log.AppendAsync([Append("a", 2, 2, 2)], 2000, default);   // [2, 4)
        await log.AppendAsync([Append("a", 3, 4, 2)], 3000, default);   // [4, 6)

        Assert.Equal(0, await log.TrimAsync(committedBelow: 1, createdBeforeMs: 10_000, default));  // nobody is past [0, 2)
        Assert.Equal(1, await log.TrimAsync(committedBelow: 6, createdBeforeMs: 1500, default));    // only [0, 2) is old enough
        Assert.Equal(1, await log.TrimAsync(committedBelow: 6, createdBeforeMs: 10_000, default));  // the newest stays

        Assert.Equal(4, log.Start);
        Assert.Equal([4L, 5], await ReadIdsAsync(0, null, 6));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ReadIdsAsync(0, 1, 6));
        Assert.Contains("offsets [1, 4) were deleted by retention", error.Message);
        Assert.Equal(6, (await IngestPartitionLog.OpenAsync(_store, "clicks", 0, Schema, default)).End);
    }

    [Fact]
    public async Task Readers_MinimumIsTheLowestCommittedOffsetOverQueries_AndAReportNeverMovesBack()
    {
        Assert.Null(await IngestReaders.MinimumAsync(_store, "clicks", 0, default));
        await IngestReaders.ReportAsync(_store, "clicks", "sources/q1/0/", [10, 4], default);
        await IngestReaders.ReportAsync(_store, "clicks", "sources/q2/0/", [7, 9], default);
        await IngestReaders.ReportAsync(_store, "clicks", "sources/q2/0/", [5, 12], default);

        Assert.Equal(7, await IngestReaders.MinimumAsync(_store, "clicks", 0, default));
        Assert.Equal(4, await IngestReaders.MinimumAsync(_store, "clicks", 1, default));
    }

    private async Task<List<long>> ReadIdsAsync(int partition, long? start, long end)
    {
        var ids = new List<long>();
        await foreach (var batch in IngestPartitionLog.ReadAsync(_store, "clicks", partition, start, end, default))
            foreach (var row in ArrowValues.ToRows(batch)) ids.Add((long)row[0]!);
        return ids;
    }

    private static IngestAppend Append(string producer, long sequence, long firstId, int rows) => new(producer, sequence,
        ArrowValues.FromRows(Schema, Enumerable.Range(0, rows).Select(i => new object?[] { firstId + i, $"u{firstId + i}" }).ToList()));
}
