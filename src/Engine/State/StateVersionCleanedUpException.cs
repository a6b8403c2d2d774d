using System.Globalization;

namespace OrleansStream.Engine.State;

/// <summary>A state version older than the oldest snapshot a partition keeps: the versions before it were cleaned up.</summary>
public sealed class StateVersionCleanedUpException(string directory, long version, long oldestReadable)
    : InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
        $"State version {version} of {directory} was cleaned up; the oldest version it keeps is {oldestReadable}."))
{
    /// <summary>The oldest version the partition can still restore.</summary>
    public long OldestReadable { get; } = oldestReadable;
}
