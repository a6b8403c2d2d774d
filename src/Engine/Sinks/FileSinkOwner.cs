namespace OrleansStream.Engine.Sinks;

/// <summary>
/// The query that owns a file sink's output folder, recorded next to its log (<c>_spark_metadata/owner.json</c>; readers
/// of the log, Spark's among them, skip names that are not batch ids). Its epoch e is the log's batch
/// <see cref="FirstBatchId"/> + e: a query that took the folder over continues the log after the batches already in it.
/// </summary>
/// <param name="QueryId">The owning query's id (stable across its restarts).</param>
/// <param name="CheckpointLocation">The owning query's checkpoint location, for messages.</param>
/// <param name="FirstBatchId">The log batch id of the owner's epoch 0.</param>
public sealed record FileSinkOwner(Guid QueryId, string CheckpointLocation, long FirstBatchId);
