using Microsoft.Extensions.Logging;

namespace OrleansStream.Grains.State;

/// <summary>The state partitions' log events.</summary>
internal static partial class StateLog
{
    [LoggerMessage(EventId = 1501, Level = LogLevel.Warning, Message = "State store: {Message}")]
    public static partial void LogWarningStateStore(ILogger logger, Exception exception, string message);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Warning, Message = "Taking a state snapshot of {Partition} failed")]
    public static partial void LogWarningSnapshotFailed(ILogger logger, Exception exception, string partition);
}
