namespace OrleansStream.Interfaces.Sinks;

/// <summary>The in-memory table of a memory sink, keyed by the query name: readable as <c>session.Table(name)</c>.</summary>
[Alias("OrleansStream.IMemorySinkGrain")]
public interface IMemorySinkGrain : IGrainWithStringKey
{
    /// <summary>
    /// Applies epoch <paramref name="batchId"/> of query <paramref name="queryId"/> once: appends (append/update) or replaces (complete).
    /// A repeated epoch is ignored; another query taking over the name starts a new table.
    /// </summary>
    [Alias("Apply")] Task<bool> ApplyAsync(Guid queryId, long batchId, bool replace, byte[] arrowIpc);
    /// <summary>All rows as Arrow IPC stream bytes (empty array when the table has no schema yet).</summary>
    [AlwaysInterleave, Alias("Read")] Task<byte[]> ReadAsync();
}
