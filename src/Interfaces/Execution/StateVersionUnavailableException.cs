using Orleans.Runtime;

namespace OrleansStream.Interfaces.Execution;

/// <summary>
/// A state partition cannot build on the version an epoch needs: its activation does not hold it (the grain moved or
/// its previous write failed) and the checkpoint does not commit it yet. Transient: the trigger runs the epochs after the
/// last committed one again.
/// </summary>
[GenerateSerializer, Alias("OrleansStream.StateVersionUnavailableException")]
public sealed class StateVersionUnavailableException : OrleansException
{
    /// <summary>Creates the exception naming the partition and the missing version.</summary>
    public StateVersionUnavailableException(string message) : base(message) { }
}
