namespace OrleansStream.Client;

/// <summary>
/// A <see cref="StatefulProcessor"/> whose handlers may <c>await</c> (an enrichment call to a service, a lookup in a
/// database): <c>GroupBy(...).TransformWithState(asyncProcessor, ...)</c>. Not in Spark, whose handlers are synchronous.
/// <para>
/// Within a state partition, up to <see cref="MaxKeysInFlight"/> grouping keys are handled at once; one key's calls run one
/// after another and see their own state updates. State accessed through the handle is the awaiting key's, also after an
/// <c>await</c> (the key flows with the call, as an <see cref="System.Threading.AsyncLocal{T}"/> does), and the state store
/// serialises the accesses of concurrent keys. The output is in the order of the synchronous processor (the epoch's keys in
/// key order, then the fired timers in time order) whatever order the handlers complete in, so that an epoch run again writes
/// the same rows; the epoch ends, and its state version is written, only after every handler of it has completed, so
/// exactly-once holds as for a synchronous processor. An exception from a handler fails the epoch (the query fails naming
/// the processor type and the key); the state of the epoch is dropped and the epoch runs again on restart.
/// </para>
/// <para>
/// The <see cref="CancellationToken"/> given to the handlers is cancelled when the partition releases the processor (its
/// silo stops or its activation is released) and, once a handler of the epoch has failed, for the other keys of that epoch.
/// Stopping a query lets the running epoch finish.
/// </para>
/// </summary>
public abstract class AsyncStatefulProcessor
{
    /// <summary>
    /// The most grouping keys a state partition handles at once (16 unless overridden; at least 1). Each key holds one
    /// call to the service at a time, so this bounds the calls per partition (a query runs as many partitions as its
    /// state stage has, spark.sql.shuffle.partitions).
    /// </summary>
    public virtual int MaxKeysInFlight => 16;

    /// <summary>Declares the state variables and keeps the handle (synchronous: declaring state does no I/O; open clients in the constructor, from the silo's services).</summary>
    public abstract void Init(StatefulProcessorHandle handle);

    /// <summary>
    /// Handles the rows of one grouping key that arrived in this epoch (Spark's handleInputRows); state accessed through the
    /// handle is this key's. Yields the output rows, each with the values of the query's output schema in order.
    /// </summary>
    public abstract IAsyncEnumerable<Row> HandleInputRowsAsync(Row key, IReadOnlyList<Row> rows, TimerValues timerValues, CancellationToken cancellationToken);

    /// <summary>Handles one timer of <paramref name="key"/> that fired (it is deleted already); state accessed through the handle is this key's.</summary>
    public virtual IAsyncEnumerable<Row> HandleExpiredTimerAsync(Row key, TimerValues timerValues, ExpiredTimerInfo expiredTimerInfo, CancellationToken cancellationToken) =>
        AsyncEnumerable.Empty<Row>();

    /// <summary>Called when the partition running this instance releases it.</summary>
    public virtual void Close() { }
}
