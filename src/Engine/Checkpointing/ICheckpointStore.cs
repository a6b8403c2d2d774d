namespace OrleansStream.Engine.Checkpointing;

/// <summary>
/// The checkpoint store (DESIGN §5): small records under '/'-separated relative keys, written only with
/// conditional operations so that two activations of one writer can never both win.
/// Keys must not be empty, rooted, contain backslashes, ".." or empty segments (<see cref="CheckpointKeys.Validate"/>).
/// </summary>
public interface ICheckpointStore
{
    /// <summary>The record at <paramref name="key"/>, or null when absent.</summary>
    Task<CheckpointBlob?> ReadAsync(string key, CancellationToken ct = default);

    /// <summary>Creates <paramref name="key"/>; returns its ETag.</summary>
    /// <exception cref="CheckpointConflictException">The key already exists.</exception>
    Task<string> PutIfAbsentAsync(string key, ReadOnlyMemory<byte> data, CancellationToken ct = default);

    /// <summary>Overwrites <paramref name="key"/> if its current ETag is <paramref name="etag"/>; returns the new ETag.</summary>
    /// <exception cref="CheckpointConflictException">The key is missing or its ETag differs.</exception>
    Task<string> ReplaceAsync(string key, ReadOnlyMemory<byte> data, string etag, CancellationToken ct = default);

    /// <summary>The keys that start with <paramref name="prefix"/> (plain string prefix; "" for all), in ordinal order.</summary>
    Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct = default);

    /// <summary>Deletes <paramref name="key"/> (only if its ETag is <paramref name="etag"/> when one is given); false when it did not exist.</summary>
    /// <exception cref="CheckpointConflictException">An ETag was given and the current one differs.</exception>
    Task<bool> DeleteAsync(string key, string? etag, CancellationToken ct = default);

    /// <summary>
    /// Deletes <paramref name="key"/> whatever it holds (a record, one a crash cut short, nothing at all), without saying
    /// which: for a caller that created the key itself and needs no answer (a state partition deleting the versions a
    /// snapshot replaced). By default <see cref="DeleteAsync"/> without an ETag.
    /// </summary>
    Task DeleteUncheckedAsync(string key, CancellationToken ct = default) => DeleteAsync(key, null, ct);
}
