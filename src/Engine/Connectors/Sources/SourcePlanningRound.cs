namespace OrleansStream.Engine.Connectors;

/// <summary>
/// One planning round of a query: every source of the query is asked for its latest offset (or its Trigger.AvailableNow
/// bound) within it, in one consistent step (DESIGN.md §5). Sources that plan from one backing store (the memory streams of a
/// session) read it once per round through <see cref="ShareAsync{T}"/>, so that data written to several of them at once is
/// seen by all of them or by none, however the round interleaves with writers.
/// </summary>
public sealed class SourcePlanningRound
{
    private readonly Dictionary<string, Task<object>> _reads = new(StringComparer.Ordinal);

    /// <summary>
    /// The value <paramref name="read"/> gives for <paramref name="key"/>, read once in this round: every source that asks for
    /// the same key in the round gets the first read's value (or its failure).
    /// </summary>
    /// <param name="key">What is read, unique across connectors (e.g. "memory:" and the session).</param>
    /// <param name="read">Reads the value; called at most once per key and round.</param>
    /// <param name="cancellationToken">Cancels the first read.</param>
    public async Task<T> ShareAsync<T>(string key, Func<CancellationToken, Task<T>> read, CancellationToken cancellationToken) where T : class
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(read);
        Task<object> shared;
        lock (_reads)
        {
            if (!_reads.TryGetValue(key, out shared!)) _reads[key] = shared = ReadAsync(read, cancellationToken);
        }
        return (T)await shared.ConfigureAwait(false);
    }

    private static async Task<object> ReadAsync<T>(Func<CancellationToken, Task<T>> read, CancellationToken cancellationToken) where T : class =>
        await read(cancellationToken).ConfigureAwait(false);
}
