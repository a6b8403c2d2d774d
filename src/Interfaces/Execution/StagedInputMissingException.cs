using Orleans.Runtime;

namespace OrleansStream.Interfaces.Execution;

/// <summary>
/// A partition was asked to finish an epoch attempt, but fewer stage calls reached this activation than the attempt's
/// producers made: staged rows live in activation memory, and Orleans replaced the activation they reached (its silo died,
/// or the grain moved). Transient: the trigger runs the epoch again from its offset record.
/// </summary>
[GenerateSerializer, Alias("OrleansStream.StagedInputMissingException")]
public sealed class StagedInputMissingException : OrleansException
{
    /// <summary>Creates the exception naming the partition, the epoch and the counts.</summary>
    public StagedInputMissingException(string message) : base(message) { }

    /// <summary>Throws unless <paramref name="staged"/> equals <paramref name="expected"/>.</summary>
    public static void ThrowIfMissing(string grain, long batchId, int expected, int staged)
    {
        if (staged != expected)
            throw new StagedInputMissingException($"{grain} cannot finish batch {batchId}: the producers staged {expected} inputs for this attempt, this activation holds {staged}.");
    }
}
