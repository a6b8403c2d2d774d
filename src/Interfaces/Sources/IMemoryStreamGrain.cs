namespace OrleansStream.Interfaces.Sources;

/// <summary>
/// Holds the rows added to the in-memory test streams of one session, as an append-only log per stream.
/// All streams of a session live in one grain so that data added to several of them in one call lands in one epoch.
/// </summary>
[Alias("OrleansStream.IMemoryStreamGrain")]
public interface IMemoryStreamGrain : IGrainWithStringKey
{
    /// <summary>Appends one entry per (stream, batch) atomically; returns the new offsets (entry counts) per stream.</summary>
    [Alias("Add")] Task<IReadOnlyDictionary<string, long>> AddAsync(IReadOnlyList<MemoryStreamAppend> appends);
    /// <summary>The number of entries of <paramref name="streamId"/>: its latest offset.</summary>
    [Alias("GetLatestOffset")] Task<long> GetLatestOffsetAsync(string streamId);
    /// <summary>
    /// The latest offset (entry count) of every stream of the session, read at one instant: an <see cref="AddAsync"/> is in
    /// it for all its streams or for none. A query's planning round asks this once for all its memory streams.
    /// </summary>
    [Alias("GetLatestOffsets")] Task<IReadOnlyDictionary<string, long>> GetLatestOffsetsAsync();
    /// <summary>The entries in [<paramref name="start"/>, <paramref name="end"/>) of <paramref name="streamId"/>, as Arrow IPC bytes.</summary>
    [Alias("Read")] Task<IReadOnlyList<byte[]>> ReadAsync(string streamId, long start, long end);
}

/// <summary>One batch to append to a memory stream.</summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.MemoryStreamAppend")]
public sealed record MemoryStreamAppend([property: Id(0)] string StreamId, [property: Id(1)] byte[] ArrowIpc);
