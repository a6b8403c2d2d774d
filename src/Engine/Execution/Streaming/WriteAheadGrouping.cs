namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>
/// How many epochs the coordinator plans ahead into its next write-ahead group. One write is in flight at a time and the
/// next group's write starts once the previous group's is durable, so a group whose epochs finish before the next group's
/// write leaves the next epoch waiting on that write (the cores idle). The group doubles then, up to
/// <see cref="EpochCoordinatorOptions.WriteAheadGroupGrowth"/> times <see cref="EpochCoordinatorOptions.WriteAheadGroup"/>,
/// so that more epochs run per write; it halves back towards the configured size when at least half of the previous
/// group's epochs ran after the next group's write was durable (half the group would have covered the write).
/// Only the count of epochs planned changes: each epoch is planned with the same bounds and rules as before.
/// </summary>
internal sealed class WriteAheadGrouping(int group, int growth)
{
    private readonly int _min = Math.Max(1, group);
    private readonly int _max = Math.Max(1, group) * Math.Max(1, growth);
    /// <summary>Epochs of the group running now that were taken with the next group's write already durable.</summary>
    private int _coveredEpochs;

    /// <summary>How many epochs the next group plans.</summary>
    public int Size { get; private set; } = Math.Max(1, group);

    /// <summary>An epoch of the running group was taken; <paramref name="nextWritten"/>: whether the next group's write was durable by then.</summary>
    public void OnQueuedTaken(bool nextWritten)
    {
        if (nextWritten) _coveredEpochs++;
    }

    /// <summary>The first epoch of a new group was taken (the previous group's all ran); <paramref name="written"/>: whether
    /// the new group's write was durable by then (else that epoch waits on it, past its source tasks).</summary>
    public void OnGroupTaken(bool written, int previousGroupSize)
    {
        if (!written) Size = Math.Min(Size * 2, _max);
        else if (_coveredEpochs * 2 >= previousGroupSize) Size = Math.Max(Size / 2, _min);
        _coveredEpochs = 0;
    }
}
