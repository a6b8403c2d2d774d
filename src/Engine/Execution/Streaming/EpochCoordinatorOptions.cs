namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>How one run of the coordinator is configured.</summary>
public sealed record EpochCoordinatorOptions
{
    public required TriggerPolicy Trigger { get; init; }
    /// <summary>Whether the host resumed this run after its coordinator moved (it keeps its partition count).</summary>
    public bool Resumed { get; init; }
    /// <summary>"min" or "max" from the query's options; frozen at the first start.</summary>
    public string WatermarkPolicy { get; init; } = "min";
    /// <summary>The query's numStatePartitions, when it sets one.</summary>
    public int? RequestedStatePartitions { get; init; }
    /// <summary>The configured default; 0 asks the runtime.</summary>
    public int StatePartitions { get; init; }
    public int NumKeyGroups { get; init; } = 128;
    /// <summary>Epochs of offset and commit log kept behind the last committed one (the trigger rewrites them every epoch).</summary>
    public int MinBatchesToRetain { get; init; } = 10;
    public TimeSpan PollingDelay { get; init; } = TimeSpan.FromMilliseconds(10);
    /// <summary>Spark's noDataProgressEventInterval: while the query is idle, a progress event at most this often (engine time).</summary>
    public TimeSpan NoDataProgressEventInterval { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Whether the next epoch may be planned and written ahead while the current one runs, where its plan cannot
    /// depend on the current one's outcome (see the coordinator's PlansAhead); on by default.</summary>
    public bool PlanAhead { get; init; } = true;
    /// <summary>With <see cref="PlanAhead"/> and no watermark: how many epochs are planned ahead together and written ahead in
    /// one write (group commit: one flush of the offset log per group instead of one per epoch). The next group is planned
    /// once the previous group's first epoch runs and their write is durable, so that the write is in flight while the
    /// previous group's epochs run. 1 writes each epoch ahead alone. The size a run starts with: groups grow while their
    /// epochs wait on their write (<see cref="WriteAheadGroupGrowth"/>).</summary>
    public int WriteAheadGroup { get; init; } = 8;
    /// <summary>How many times <see cref="WriteAheadGroup"/> a group may grow to while epochs wait on their group's write
    /// (see <see cref="WriteAheadGrouping"/>); 1 keeps every group at <see cref="WriteAheadGroup"/>.</summary>
    public int WriteAheadGroupGrowth { get; init; } = 8;
    public TimeSpan EpochRetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan EpochRetryMaxDelay { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan EpochRetryBudget { get; init; } = TimeSpan.FromMinutes(6);
    /// <summary>Where the run's metrics, epoch spans and logging scopes go; none when null.</summary>
    public Telemetry.QueryTelemetry? Telemetry { get; init; }
}
