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
    /// <summary>The table's version now: which query's which epoch it holds (read as a static relation, every epoch records it).</summary>
    [AlwaysInterleave, Alias("GetVersion")] Task<string> GetVersionAsync();
    /// <summary>
    /// The rows of <paramref name="version"/> (from <see cref="GetVersionAsync"/>) as Arrow IPC stream bytes (empty array when
    /// the table had no schema then); the last few versions are kept, so that an epoch run again reads what it first read.
    /// </summary>
    /// <exception cref="InvalidOperationException">The version is no longer kept.</exception>
    [AlwaysInterleave, Alias("ReadVersion")] Task<byte[]> ReadVersionAsync(string version);
}
