namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>What one query's engine runs measured (written by the child process as JSON, read by the suite).</summary>
public sealed class EngineResult
{
    /// <summary>Query name.</summary>
    public string Query { get; set; } = "";
    /// <summary>Output mode of the throughput run.</summary>
    public string Mode { get; set; } = "";
    /// <summary>Whether the source schema declared only the columns the query reads.</summary>
    public bool PrunedSchema { get; set; }
    /// <summary>The throughput run again with all seven bid columns declared (when asked for).</summary>
    public ThroughputResult? FullSchema { get; set; }
    /// <summary>Rows the throughput run read (bids; for a join, the rows of every table it reads).</summary>
    public long Events { get; set; }
    /// <summary>Wall seconds of the throughput run (query start to its end after the last epoch).</summary>
    public double WallSeconds { get; set; }
    /// <summary>CPU seconds of the whole process over the same interval.</summary>
    public double CpuSeconds { get; set; }
    /// <summary>Epochs that read data.</summary>
    public int DataEpochs { get; set; }
    /// <summary>Epochs without data (the watermark moved and state had to be emitted or evicted).</summary>
    public int NoDataEpochs { get; set; }
    /// <summary>Mean progress durationMs per data epoch: latestOffset, walCommit, addBatch, commitOffsets, triggerExecution.</summary>
    public Dictionary<string, double> EpochMs { get; set; } = new();
    /// <summary>Mean stateOperators commitTimeMs per data epoch (summed over operators).</summary>
    public double StateCommitMs { get; set; }
    /// <summary>Mean stateOperators customMetrics["backgroundWriteTimeMs"] per data epoch (summed over operators): the
    /// previous version's write, which ran while the epoch did and is not part of its time.</summary>
    public double StateBackgroundWriteMs { get; set; }
    /// <summary>Mean stateOperators numRowsRemoved per epoch with data or an eviction (summed over operators): the rows the
    /// watermark evicted (a join's buffered rows, an aggregation's emitted groups).</summary>
    public double StateRowsRemovedPerEpoch { get; set; }
    /// <summary>Mean stateOperators allRemovalsTimeMs over the same epochs (summed over operators and their partitions).</summary>
    public double StateRemovalsMs { get; set; }
    /// <summary>stateOperators numRowsDroppedByWatermark over the run (late rows; none for the suite's in-order input).</summary>
    public long RowsDroppedByWatermark { get; set; }
    /// <summary>Mean stateOperators customMetrics["stateBytesWritten"] per data epoch (summed over operators).</summary>
    public double StateBytesPerEpoch { get; set; }
    /// <summary>Largest stateBytesWritten of one epoch.</summary>
    public long StateBytesMax { get; set; }
    /// <summary>Rows the sink received over the run (for Update, the rows of every epoch).</summary>
    public long OutputRows { get; set; }
    /// <summary>Keys held in state after the last epoch.</summary>
    public long StateRows { get; set; }
    /// <summary>Peak resident bytes of the process during the throughput run.</summary>
    public long PeakResidentBytes { get; set; }
    /// <summary>Whether <see cref="PeakResidentBytes"/> covers only the run (false: the process's whole life).</summary>
    public bool PeakResidentIsPerRun { get; set; }
    /// <summary>Largest sampled managed heap during the throughput run.</summary>
    public long PeakManagedBytes { get; set; }
    /// <summary>Managed bytes allocated during the throughput run.</summary>
    public long AllocatedBytes { get; set; }
    /// <summary>Seconds the GC paused the process during the throughput run.</summary>
    public double GcPauseSeconds { get; set; }
    /// <summary>GC collections during the throughput run, per generation 0, 1, 2.</summary>
    public int[] Collections { get; set; } = [0, 0, 0];
    /// <summary>Thread-pool work items completed during the throughput run (grain turns, continuations, timer callbacks).</summary>
    public long ThreadPoolWorkItems { get; set; }
    /// <summary>Voluntary context switches of the process's threads during the run (blocking, futex waits, sched_yield spins).</summary>
    public long VoluntaryContextSwitches { get; set; }
    /// <summary>Involuntary context switches (preemption) of the process's threads during the run.</summary>
    public long InvoluntaryContextSwitches { get; set; }
    /// <summary>The scaling run of a pinned process (<see cref="EngineRunRequest.ScalingSeconds"/>): the same query over rows
    /// enough to last that long; null when none ran (the scaling figures are then this run's).</summary>
    public EngineResult? Scaling { get; set; }
    /// <summary>Whether <see cref="Scaling"/> read the throughput run's prebuilt rows again and again (queries without event
    /// time), rather than a larger prebuilt input made for it (event-time queries).</summary>
    public bool ScalingRepeated { get; set; }
    /// <summary>The first latency run (at the first fraction asked, 10% by default).</summary>
    public LatencyResult? Latency { get; set; }
    /// <summary>Every latency run, one per fraction of the saturated rate.</summary>
    public List<LatencyResult> Latencies { get; set; } = new();
    /// <summary>Cores the process could run on (Environment.ProcessorCount: the taskset affinity when pinned).</summary>
    public int Cores { get; set; }
    /// <summary>The cores the suite pinned the process to with taskset (0: not pinned).</summary>
    public int PinnedCores { get; set; }
    /// <summary>Wall seconds generating the prebuilt input before anything was timed (0 for other sources).</summary>
    public double PrebuildSeconds { get; set; }
    /// <summary>Why the query failed, if it did.</summary>
    public string? Error { get; set; }
}
