using OrleansStream.Client;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Operators.Stateful;

/// <summary>
/// The <see cref="GroupState{TState}"/> a function gets for one call (Spark's GroupStateImpl): it starts from the group's
/// stored value, with no timeout (a timeout lasts until the group's next call), and records what the call changes; the
/// operator stores the outcome after the call (<see cref="IGroupStateOutcome"/>). Refusals are Spark's, in its words.
/// </summary>
internal sealed class KeyedGroupState<TState> : GroupState<TState>, IGroupStateOutcome
{
    private readonly GroupStateClock _clock;
    private TState? _value;
    private bool _defined;

    public KeyedGroupState(byte[]? stored, GroupStateClock clock, bool hasTimedOut)
    {
        _clock = clock;
        HasTimedOut = hasTimedOut;
        if (stored is not null)
        {
            _value = StateValueCodec.Decode<TState>(stored, FlatMapGroupsWithStateOperator.StateFamilyName);
            _defined = true;
        }
    }

    public override bool Exists => _defined;

    public override bool HasTimedOut { get; }

    public bool IsUpdated { get; private set; }

    public bool IsRemoved { get; private set; }

    /// <summary>The timeout set in this call (ms), or null.</summary>
    public long? TimeoutTimestampMs { get; private set; }

    public override TState Get() => _defined ? _value! : throw new InvalidOperationException("State is either not defined or has already been removed");

    public override TState? GetOption() => _defined ? _value : default;

    public override void Update(TState newState)
    {
        if (newState is null) throw new ArgumentNullException(nameof(newState), "'null' is not a valid state value");
        _value = newState;
        _defined = true;
        IsUpdated = true;
        IsRemoved = false;
    }

    public override void Remove()
    {
        _value = default;
        _defined = false;
        IsUpdated = false;
        IsRemoved = true;
    }

    public override void SetTimeoutDuration(long durationMs)
    {
        CheckTimeoutDurationAllowed();
        if (durationMs <= 0) throw new ArgumentException("Timeout duration must be positive", nameof(durationMs));
        TimeoutTimestampMs = durationMs + _clock.ProcessingTimeMs;
    }

    public override void SetTimeoutDuration(string duration)
    {
        CheckTimeoutDurationAllowed();
        SetTimeoutDuration(ParseDuration(duration));
    }

    public override void SetTimeoutTimestamp(long timestampMs)
    {
        CheckTimeoutTimestampAllowed();
        if (timestampMs <= 0) throw new ArgumentException("Timeout timestamp must be positive", nameof(timestampMs));
        if (_clock.WatermarkMs is { } watermark && timestampMs < watermark)
            throw new ArgumentException($"Timeout timestamp ({timestampMs}) cannot be earlier than the current watermark ({watermark})", nameof(timestampMs));
        TimeoutTimestampMs = timestampMs;
    }

    public override void SetTimeoutTimestamp(long timestampMs, string additionalDuration)
    {
        CheckTimeoutTimestampAllowed();
        SetTimeoutTimestamp(ParseDuration(additionalDuration) + timestampMs);
    }

    public override void SetTimeoutTimestamp(DateTime timestamp)
    {
        CheckTimeoutTimestampAllowed();
        SetTimeoutTimestamp(UnixMs(timestamp));
    }

    public override void SetTimeoutTimestamp(DateTime timestamp, string additionalDuration)
    {
        CheckTimeoutTimestampAllowed();
        SetTimeoutTimestamp(UnixMs(timestamp) + ParseDuration(additionalDuration));
    }

    public override long GetCurrentWatermarkMs() => _clock.WatermarkPresent
        ? _clock.WatermarkMs ?? -1
        : throw new NotSupportedException("Cannot get event time watermark timestamp without setting watermark before [map|flatMap]GroupsWithState");

    public override long GetCurrentProcessingTimeMs() => _clock.ProcessingTimeMs;

    public byte[]? Encoded() => _defined ? StateValueCodec.Encode(_value!) : null;

    public override string ToString() => $"GroupState({(_defined ? _value?.ToString() : "<undefined>")})";

    private void CheckTimeoutDurationAllowed()
    {
        if (_clock.Timeout != GroupStateTimeout.ProcessingTimeTimeout)
            throw new NotSupportedException("Cannot set timeout duration without enabling processing time timeout in [map|flatMap]GroupsWithState");
    }

    private void CheckTimeoutTimestampAllowed()
    {
        if (_clock.Timeout != GroupStateTimeout.EventTimeTimeout)
            throw new NotSupportedException("Cannot set timeout timestamp without enabling event time timeout in [map|flatMapGroupsWithState");
    }

    private static long UnixMs(DateTime timestamp) =>
        new DateTimeOffset(timestamp.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(timestamp, DateTimeKind.Utc) : timestamp).ToUnixTimeMilliseconds();

    // Spark's parseDuration: an interval whose total (a month counts 31 days) is negative is refused.
    private static long ParseDuration(string duration)
    {
        if (string.IsNullOrWhiteSpace(duration)) throw new ArgumentException("Provided duration is null or blank.", nameof(duration));
        long ms;
        try
        {
            ms = (long)IntervalParser.Parse(duration, "duration").TotalMilliseconds;
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"Provided duration ({duration}) is not valid. {e.Message}", nameof(duration), e);
        }
        if (ms < 0) throw new ArgumentException($"Provided duration ({duration}) is negative", nameof(duration));
        return ms;
    }
}

/// <summary>The clocks and timeout kind every group of one epoch shares.</summary>
/// <param name="Timeout">The operation's timeout kind.</param>
/// <param name="ProcessingTimeMs">The batch timestamp (ms).</param>
/// <param name="WatermarkPresent">Whether the input has a watermark.</param>
/// <param name="WatermarkMs">The watermark the epoch evicts by (ms), or null (a batch query, or none yet).</param>
internal sealed record GroupStateClock(GroupStateTimeout Timeout, long ProcessingTimeMs, bool WatermarkPresent, long? WatermarkMs);

/// <summary>What a call did to its group's state, whatever the state's type.</summary>
internal interface IGroupStateOutcome
{
    bool IsUpdated { get; }

    bool IsRemoved { get; }

    long? TimeoutTimestampMs { get; }

    /// <summary>The value to store, or null when the group has none.</summary>
    byte[]? Encoded();
}
