namespace OrleansStream.Client;

/// <summary>
/// The state of one group as a <c>[Flat]MapGroupsWithState</c> function sees it in one call (Spark's GroupState). The value
/// is kept per grouping key between epochs (checkpointed with each, as versioned JSON like a processor's value state). A
/// timeout lasts until the group's next call: each call that wants one sets it again, as in Spark.
/// </summary>
/// <typeparam name="TState">The state value's type (primitives, strings, records, POCOs).</typeparam>
public abstract class GroupState<TState>
{
    /// <summary>Whether the group has a state value (Spark's exists).</summary>
    public abstract bool Exists { get; }

    /// <summary>Whether this call is for a group whose timeout passed (it has no new rows then).</summary>
    public abstract bool HasTimedOut { get; }

    /// <summary>The group's state value.</summary>
    /// <exception cref="InvalidOperationException">"State is either not defined or has already been removed" (Spark's NoSuchElementException).</exception>
    public abstract TState Get();

    /// <summary>The group's state value, or <c>default</c> when it has none (Spark's getOption).</summary>
    public abstract TState? GetOption();

    /// <summary>Sets the group's state value.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="newState"/> is null ("'null' is not a valid state value").</exception>
    public abstract void Update(TState newState);

    /// <summary>Removes the group's state value (a timeout set in the same call is kept).</summary>
    public abstract void Remove();

    /// <summary>Times the group out <paramref name="durationMs"/> after this epoch's batch timestamp, unless it is called again before.</summary>
    /// <exception cref="NotSupportedException">The operation's timeout is not <see cref="GroupStateTimeout.ProcessingTimeTimeout"/>.</exception>
    /// <exception cref="ArgumentException">The duration is not positive.</exception>
    public abstract void SetTimeoutDuration(long durationMs);

    /// <summary>Spark's setTimeoutDuration with an interval string ("10 seconds", "1 hour"; a month counts 31 days).</summary>
    public abstract void SetTimeoutDuration(string duration);

    /// <summary>Times the group out once the watermark passes <paramref name="timestampMs"/> (ms since the Unix epoch).</summary>
    /// <exception cref="NotSupportedException">The operation's timeout is not <see cref="GroupStateTimeout.EventTimeTimeout"/>.</exception>
    /// <exception cref="ArgumentException">The timestamp is not positive, or is earlier than the current watermark.</exception>
    public abstract void SetTimeoutTimestamp(long timestampMs);

    /// <summary>Spark's setTimeoutTimestamp(timestampMs, additionalDuration).</summary>
    public abstract void SetTimeoutTimestamp(long timestampMs, string additionalDuration);

    /// <summary>Spark's setTimeoutTimestamp(Date).</summary>
    public abstract void SetTimeoutTimestamp(DateTime timestamp);

    /// <summary>Spark's setTimeoutTimestamp(Date, additionalDuration).</summary>
    public abstract void SetTimeoutTimestamp(DateTime timestamp, string additionalDuration);

    /// <summary>The watermark of this epoch (ms); -1 in a batch query.</summary>
    /// <exception cref="NotSupportedException">The input has no watermark.</exception>
    public abstract long GetCurrentWatermarkMs();

    /// <summary>This epoch's batch timestamp (ms since the Unix epoch); the same for every group of the epoch, and when it is re-run.</summary>
    public abstract long GetCurrentProcessingTimeMs();
}
