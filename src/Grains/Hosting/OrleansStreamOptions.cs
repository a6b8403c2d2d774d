namespace OrleansStream.Grains.Hosting;

/// <summary>Engine options of a silo.</summary>
public sealed class OrleansStreamOptions
{
    /// <summary>The configuration section and environment-variable prefix ("OrleansStream__DataDirectory").</summary>
    public const string SectionName = "OrleansStream";

    /// <summary>Root of checkpoints and memory-sink spill; relative checkpoint locations resolve under it.</summary>
    public string DataDirectory { get; set; } = Path.Combine(Environment.CurrentDirectory, "orleansstream-data");

    /// <summary>Where checkpoints are stored: the file system under <see cref="DataDirectory"/> (default) or Azure Blob Storage.</summary>
    public CheckpointStorageOptions Checkpoints { get; set; } = new();

    /// <summary>
    /// Directories (';'-separated) that file sources and sinks may use. Unset (the embedded default), any path is allowed;
    /// set (a cluster: OrleansStream__FileRoots=/data), a query reading or writing elsewhere is refused at start.
    /// </summary>
    public string? FileRoots { get; set; }

    /// <summary>How long the default trigger waits before asking the sources again when no data was there.</summary>
    public TimeSpan PollingDelay { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>How many progress reports a query keeps (Spark's spark.sql.streaming.numRecentProgressUpdates).</summary>
    public int RecentProgressCount { get; set; } = 100;

    /// <summary>How many progress reports the query catalog keeps per query.</summary>
    public int CatalogProgressCount { get; set; } = 100;

    /// <summary>How many stopped or failed queries the query catalog keeps (the oldest ended are forgotten first).</summary>
    public int CatalogCompletedQueries { get; set; } = 100;

    /// <summary>
    /// How many epochs of offset and commit log are kept in the checkpoint behind the last committed one (Spark's
    /// minBatchesToRetain). 10 rather than Spark's 100: both logs live in the trigger's one record, rewritten at every
    /// epoch's write-ahead, and recovery reads only from the last committed epoch on.
    /// </summary>
    public int MinBatchesToRetain { get; set; } = 10;

    /// <summary>
    /// How long an epoch is attempted again when grain calls fail for infrastructure reasons (a silo died, a call timed
    /// out, an activation was replaced) before the query fails. Longer than Orleans takes to declare a silo dead (its
    /// probes, votes and membership refresh: seconds), so that a dead silo's grains are re-placed first, and longer than the
    /// checkpoint store's outage budget (OrleansStream__Checkpoints__OutageBudget, 5 minutes), so that a storage outage
    /// stalls a stateful query (whose partitions write through grain calls) as long as it stalls the store.
    /// </summary>
    public TimeSpan EpochRetryBudget { get; set; } = TimeSpan.FromMinutes(6);

    /// <summary>The pause before the second attempt of an epoch; it doubles with each further attempt up to <see cref="EpochRetryMaxDelay"/>.</summary>
    public TimeSpan EpochRetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest pause between attempts of an epoch.</summary>
    public TimeSpan EpochRetryMaxDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Whether an AvailableNow query without processing-time timers plans its next epoch and writes it ahead while the current
    /// one runs, with a watermark once the current one's source tasks have answered (OrleansStream__PlanAhead=false plans each
    /// epoch after the previous one, as Spark's microbatch does).
    /// </summary>
    public bool PlanAhead { get; set; } = true;

    /// <summary>
    /// With <see cref="PlanAhead"/>, for a query without a watermark: how many epochs are planned ahead together and their
    /// offset records written in one durable write (group commit; 1 writes each alone). A restart re-runs the epochs written
    /// ahead and not committed, up to about twice this many.
    /// </summary>
    public int WriteAheadGroup { get; set; } = 8;

    /// <summary>State partitions per stateful operator for queries that do not set option "numStatePartitions"; 0 sizes it to the cluster (two per active silo).</summary>
    public int StatePartitions { get; set; }

    /// <summary>
    /// The memory an epoch's input may use, from which each source's default admission limit per epoch derives (rows for
    /// rate and nexmark, bytes of files for file sources; the options maxRowsPerTrigger and maxBytesPerTrigger override it).
    /// A query that cannot keep up falls behind with its epochs bounded, and says so in progress and logs.
    /// </summary>
    public long EpochMemoryBudgetBytes { get; set; } = Engine.Sources.EpochAdmission.DefaultBudgetBytes;

    /// <summary>Key groups a query's keys hash into, fixed when the query first starts (DESIGN.md §2).</summary>
    public int NumKeyGroups { get; set; } = 128;

    /// <summary>
    /// A state partition writes a delta every epoch; once at least this many versions follow its last snapshot and their
    /// deltas add up to half of its size, a new snapshot falls due: the partition encodes it after the epoch (off the commit
    /// path), writes it in the background and, once that version commits, drops the older files.
    /// </summary>
    public int StateSnapshotInterval { get; set; } = 10;

    /// <summary>
    /// The least time between two snapshots of a state partition (counted from its load for the first), whatever
    /// <see cref="StateSnapshotInterval"/> says: a query running a hundred short epochs a second otherwise encoded and wrote
    /// its whole state every tenth epoch, and deleted the files it replaced (q12's 1.4 MB partitions: about a tenth of its
    /// CPU). Spark's state store snapshots at most once per maintenance interval (60 s). Restoring replays at most about this
    /// long of deltas beyond the half-a-snapshot bound. Zero (the default): by versions and bytes alone. Off by default
    /// because it costs latency: at 1 s, a query running hundreds of epochs a second piles up a second of delta files
    /// that one snapshot then replaces and deletes at once, and the epochs beside it stall (q5-agg's and q12's p99 at 10%
    /// of their saturated rate 8-9 ms with it off, 38-109 ms at 1 s).
    /// </summary>
    public TimeSpan StateSnapshotMinInterval { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Committed epochs whose output a query's live subscriptions keep in memory, so that a subscriber that reconnects resumes
    /// after the last epoch it saw (a resume from an older epoch is refused, naming this bound). Also the most epochs one
    /// subscriber may have in flight before it is dropped as unreachable.
    /// </summary>
    public int SubscriptionRetainedEpochs { get; set; } = 16;
}
