using OrleansStream.Interfaces.Execution;
using OrleansStream.Grains.Sources;

namespace OrleansStream.Grains.Execution;

/// <summary>
/// The trigger's part of the checkpoint: the offset log (written ahead of every epoch) and the commit log
/// (written after its sink committed), plus per-source planning state. Trimmed to the last few epochs.
/// </summary>
[GenerateSerializer, Alias("OrleansStream.TriggerState")]
public sealed class TriggerState
{
    /// <summary>offsets[e]: what epoch e reads, decided before any work.</summary>
    [Id(0)] public SortedDictionary<long, OffsetRecord> Offsets { get; set; } = new();
    /// <summary>commits[e]: epoch e's output is committed.</summary>
    [Id(1)] public SortedDictionary<long, CommitRecord> Commits { get; set; } = new();
    /// <summary>Planning state per source id.</summary>
    [Id(2)] public Dictionary<string, SourcePlanningState> Sources { get; set; } = new();

    /// <summary>Key groups of the query's keyed state, fixed at first start (0 until then).</summary>
    [Id(3)] public int NumKeyGroups { get; set; }
    /// <summary>Per stateful operator id: the number of partitions that wrote its committed state.</summary>
    [Id(4)] public Dictionary<int, int> StatePartitions { get; set; } = new();
    /// <summary>Per watermark node id: the maximum event time seen so far (ms).</summary>
    [Id(5)] public Dictionary<int, long> EventTimeMaxMs { get; set; } = new();

    /// <summary>How the watermarks of several inputs combine ("min" or "max"), frozen at first start as in Spark.</summary>
    [Id(6)] public string? WatermarkPolicy { get; set; }

    /// <summary>The run in progress, so that a new activation (after the coordinator's silo died) resumes it; null when stopped.</summary>
    [Id(7)] public RunRequest? ActiveRun { get; set; }

    /// <summary>Why the last run ended, when it failed (null when it stopped or another run started since): the status of a
    /// stopped query names it, whichever activation of the trigger answers.</summary>
    [Id(8)] public string? LastRunError { get; set; }

    /// <summary>The last committed epoch, or -1.</summary>
    public long LastCommitted => Commits.Count == 0 ? -1 : Commits.Keys.Last();
}

/// <summary>One entry of the offset log.</summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.OffsetRecord")]
public sealed record OffsetRecord
{
    [Id(0)] public required long BatchId { get; init; }
    /// <summary>Per source id: the offset the epoch starts after (null: from the beginning).</summary>
    [Id(1)] public required Dictionary<string, string?> Start { get; init; }
    /// <summary>Per source id: the offset the epoch ends at.</summary>
    [Id(2)] public required Dictionary<string, string?> End { get; init; }
    /// <summary>The batch timestamp: current_timestamp() in this epoch (ms since the Unix epoch).</summary>
    [Id(3)] public required long BatchTimestampMs { get; init; }
    /// <summary>The watermark in force in this epoch (ms).</summary>
    [Id(4)] public long WatermarkMs { get; init; }
    /// <summary>The watermark of the previous epoch: input at or below it is late (Spark's watermark for late events).</summary>
    [Id(5)] public long LateWatermarkMs { get; init; }
    /// <summary>State partitions per stateful operator in this epoch.</summary>
    [Id(7)] public Dictionary<int, int> StatePartitions { get; init; } = new();
    /// <summary>Per source id: how many source tasks read this epoch (and so which part file gets which input). Recorded,
    /// because the default follows the core count, and a replay on another machine must split the epoch the same way.</summary>
    [Id(8)] public Dictionary<string, int> SourcePartitions { get; init; } = new();
    /// <summary>Per static leaf id (a batch relation the query reads every epoch): the version this epoch reads it at.</summary>
    [Id(9)] public Dictionary<string, string> StaticVersions { get; init; } = new();
}

/// <summary>One entry of the commit log.</summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.CommitRecord")]
public sealed record CommitRecord([property: Id(0)] long BatchId, [property: Id(1)] long NextWatermarkMs);
