using OrleansStream.Engine.Execution.Streaming;

namespace OrleansStream.Grains.Execution;

/// <summary>
/// Maps the persisted <see cref="TriggerState"/> (its format unchanged, so that existing checkpoints load) to the engine's
/// <see cref="CheckpointRecords"/> and back. Offset and commit records never change once written, so a save copies only the
/// new ones and drops the trimmed ones.
/// </summary>
internal static class TriggerStateMapping
{
    public static CheckpointRecords Load(TriggerState state)
    {
        var records = new CheckpointRecords { NumKeyGroups = state.NumKeyGroups, WatermarkPolicy = state.WatermarkPolicy };
        foreach (var offsets in state.Offsets.Values) records.Offsets.Add(ToEngine(offsets));
        foreach (var commit in state.Commits.Values) records.Commits.Add(new CommitLogRecord(commit.BatchId, commit.NextWatermarkMs));
        foreach (var (id, partitions) in state.StatePartitions) records.StatePartitions[id] = partitions;
        foreach (var (id, maxMs) in state.EventTimeMaxMs) records.EventTimeMaxMs[id] = maxMs;
        return records;
    }

    public static void Apply(CheckpointRecords records, TriggerState state)
    {
        // Twice an epoch (write-ahead and commit): the logs are looked up, not copied into sets first.
        RemoveAbsent(state.Offsets, records.Offsets.Get);
        foreach (var record in records.Offsets.Records)
            if (!state.Offsets.ContainsKey(record.BatchId)) state.Offsets[record.BatchId] = ToWire(record);
        RemoveAbsent(state.Commits, records.Commits.Get);
        foreach (var commit in records.Commits.Records)
            if (!state.Commits.ContainsKey(commit.BatchId)) state.Commits[commit.BatchId] = new CommitRecord(commit.BatchId, commit.NextWatermarkMs);
        state.NumKeyGroups = records.NumKeyGroups;
        state.WatermarkPolicy = records.WatermarkPolicy;
        Replace(state.StatePartitions, records.StatePartitions);
        Replace(state.EventTimeMaxMs, records.EventTimeMaxMs);
    }

    // Removes the batch ids the log no longer holds (usually none or one: the log trims its oldest).
    private static void RemoveAbsent<TValue, TRecord>(SortedDictionary<long, TValue> state, Func<long, TRecord?> inLog) where TRecord : class
    {
        List<long>? gone = null;
        foreach (var batchId in state.Keys)
            if (inLog(batchId) is null) (gone ??= []).Add(batchId);
        if (gone is not null)
            foreach (var batchId in gone) state.Remove(batchId);
    }

    private static OffsetLogRecord ToEngine(OffsetRecord r) => new()
    {
        BatchId = r.BatchId, Start = r.Start, End = r.End, BatchTimestampMs = r.BatchTimestampMs, WatermarkMs = r.WatermarkMs,
        LateWatermarkMs = r.LateWatermarkMs, StatePartitions = r.StatePartitions, SourcePartitions = r.SourcePartitions,
        StaticVersions = r.StaticVersions,
    };

    private static OffsetRecord ToWire(OffsetLogRecord r) => new()
    {
        BatchId = r.BatchId, Start = Copy(r.Start), End = Copy(r.End), BatchTimestampMs = r.BatchTimestampMs, WatermarkMs = r.WatermarkMs,
        LateWatermarkMs = r.LateWatermarkMs, StatePartitions = Copy(r.StatePartitions), SourcePartitions = Copy(r.SourcePartitions),
        StaticVersions = Copy(r.StaticVersions),
    };

    private static Dictionary<TKey, TValue> Copy<TKey, TValue>(IReadOnlyDictionary<TKey, TValue> source) where TKey : notnull =>
        source as Dictionary<TKey, TValue> ?? source.ToDictionary(kv => kv.Key, kv => kv.Value);

    private static void Replace<TKey, TValue>(Dictionary<TKey, TValue> target, Dictionary<TKey, TValue> source) where TKey : notnull
    {
        target.Clear();
        foreach (var (key, value) in source) target[key] = value;
    }
}
