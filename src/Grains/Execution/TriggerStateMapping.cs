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
        var offsets = records.Offsets.BatchIds.ToHashSet();
        foreach (var gone in state.Offsets.Keys.Where(k => !offsets.Contains(k)).ToList()) state.Offsets.Remove(gone);
        foreach (var record in records.Offsets.Records)
            if (!state.Offsets.ContainsKey(record.BatchId)) state.Offsets[record.BatchId] = ToWire(record);
        var commits = records.Commits.Records.Select(c => c.BatchId).ToHashSet();
        foreach (var gone in state.Commits.Keys.Where(k => !commits.Contains(k)).ToList()) state.Commits.Remove(gone);
        foreach (var commit in records.Commits.Records)
            if (!state.Commits.ContainsKey(commit.BatchId)) state.Commits[commit.BatchId] = new CommitRecord(commit.BatchId, commit.NextWatermarkMs);
        state.NumKeyGroups = records.NumKeyGroups;
        state.WatermarkPolicy = records.WatermarkPolicy;
        Replace(state.StatePartitions, records.StatePartitions);
        Replace(state.EventTimeMaxMs, records.EventTimeMaxMs);
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
