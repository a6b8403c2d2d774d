namespace OrleansStream.Engine.Planning.Physical;

/// <summary>What one side of a join reads: an unbounded stream or a static (batch) relation.</summary>
public enum JoinInputKind
{
    /// <summary>A streaming input: new rows arrive epoch by epoch and are buffered in state when the other side is a stream too.</summary>
    Stream,

    /// <summary>A static input: its rows arrive in full in every epoch (a batch query runs one epoch) and are never state.</summary>
    Static,
}
