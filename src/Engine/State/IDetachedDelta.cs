using Apache.Arrow;

namespace OrleansStream.Engine.State;

/// <summary>
/// A version's delta taken out of its state (<see cref="IVersionedState.DetachDelta"/>): its rows are fixed when it is
/// taken, and it is built later, once, on any thread, while the state goes on changing. <see cref="VersionedStateStore"/>
/// encodes and writes it in the background, so that an epoch's commit does not wait for its delta to be laid out.
/// </summary>
public interface IDetachedDelta : IDisposable
{
    /// <summary>The delta's rows (0: the version changed nothing).</summary>
    int Length { get; }

    /// <summary>The delta as a batch of the state's schema (as <see cref="IVersionedState.Delta"/>). Call it once; the batch
    /// is valid until <see cref="IDisposable.Dispose"/>, which may reuse its buffers.</summary>
    RecordBatch Build();
}
