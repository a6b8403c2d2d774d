using System.Runtime.CompilerServices;
using System.Text.Json;
using Apache.Arrow;

namespace OrleansStream.Engine.Connectors;

/// <summary>
/// A streaming source with typed offsets: it plans and reads <typeparamref name="TOffset"/> values, which round-trip
/// through JSON (camelCase properties by default; override <see cref="SerializeOffset"/> and <see cref="DeserializeOffset"/>
/// for another text). The offset log and the source tasks see only the JSON.
/// </summary>
/// <typeparam name="TOffset">The offset: immutable, fully describing a position in the source.</typeparam>
public abstract class StreamSource<TOffset> : IStreamSource where TOffset : class
{
    /// <summary>How offsets are written: camelCase properties, as Spark's offsets read.</summary>
    protected static readonly JsonSerializerOptions OffsetJson = new(JsonSerializerDefaults.Web);

    private static readonly IReadOnlyDictionary<string, string> NoBacklog = new Dictionary<string, string>();

    /// <inheritdoc/>
    public abstract Schema Schema { get; }

    /// <inheritdoc/>
    public virtual int NumPartitions => 1;

    /// <inheritdoc/>
    public abstract string Description { get; }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, string> Backlog { get; private set; } = NoBacklog;

    /// <inheritdoc/>
    public virtual Task ValidateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The JSON text of <paramref name="offset"/>.</summary>
    public virtual string SerializeOffset(TOffset offset) => JsonSerializer.Serialize(offset, OffsetJson);

    /// <summary>The offset <paramref name="json"/> (from <see cref="SerializeOffset"/>) describes.</summary>
    public virtual TOffset DeserializeOffset(string json) =>
        JsonSerializer.Deserialize<TOffset>(json, OffsetJson) ?? throw new JsonException($"Empty offset for {GetType().Name}.");

    /// <summary>The end of the next epoch after <paramref name="previous"/> (null: the beginning), or null without new data.</summary>
    protected abstract Task<TOffset?> LatestOffsetAsync(TOffset? previous, TOffset? bound, ISourcePlanningState state, CancellationToken cancellationToken);

    /// <summary>
    /// The end of the next epoch, asked in <paramref name="round"/> with the query's other sources. Override this one when the
    /// source plans from a store other sources share (read it through <see cref="SourcePlanningRound.ShareAsync{T}"/>); the
    /// default ignores the round.
    /// </summary>
    protected virtual Task<TOffset?> LatestOffsetAsync(TOffset? previous, TOffset? bound, ISourcePlanningState state, SourcePlanningRound round, CancellationToken cancellationToken) =>
        LatestOffsetAsync(previous, bound, state, cancellationToken);

    /// <summary>What is available now (Trigger.AvailableNow's bound); null when the source cannot bound itself.</summary>
    protected virtual Task<TOffset?> AvailableNowBoundAsync(ISourcePlanningState state, CancellationToken cancellationToken) =>
        Task.FromResult<TOffset?>(null);

    /// <summary>What is available now, captured in <paramref name="round"/> with the query's other sources; the default ignores the round.</summary>
    protected virtual Task<TOffset?> AvailableNowBoundAsync(ISourcePlanningState state, SourcePlanningRound round, CancellationToken cancellationToken) =>
        AvailableNowBoundAsync(state, cancellationToken);

    /// <summary>Records that the epoch ending at <paramref name="end"/> was planned.</summary>
    protected virtual void OnPlanned(TOffset end, ISourcePlanningState state) { }

    /// <summary>Yields <paramref name="partition"/> of (<paramref name="start"/>, <paramref name="end"/>] as Arrow batches (see <see cref="IStreamSource.ReadAsync"/>).</summary>
    protected abstract IAsyncEnumerable<RecordBatch> ReadAsync(TOffset? start, TOffset end, SourcePartition partition, Schema columns, CancellationToken cancellationToken);

    /// <summary>Sets <see cref="Backlog"/> to one metric, or to nothing when nothing is left behind.</summary>
    protected void SetBacklog(string metric, long behind) => Backlog = behind <= 0 ? NoBacklog
        : new Dictionary<string, string> { [metric] = behind.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    /// <summary>Yields the batches of a synchronous read.</summary>
    protected static async IAsyncEnumerable<RecordBatch> Yield(IEnumerable<RecordBatch> batches, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var batch in batches)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return batch;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    async Task<string?> IStreamSource.LatestOffsetAsync(string? previousEnd, ISourcePlanningState state, string? bound, SourcePlanningRound round, CancellationToken cancellationToken)
    {
        var next = await LatestOffsetAsync(Parse(previousEnd), Parse(bound), state, round, cancellationToken).ConfigureAwait(false);
        return next is null ? null : SerializeOffset(next);
    }

    async Task<string?> IStreamSource.AvailableNowBoundAsync(ISourcePlanningState state, SourcePlanningRound round, CancellationToken cancellationToken) =>
        await AvailableNowBoundAsync(state, round, cancellationToken).ConfigureAwait(false) is { } bound ? SerializeOffset(bound) : null;

    void IStreamSource.OnPlanned(string end, ISourcePlanningState state) => OnPlanned(DeserializeOffset(end), state);

    IAsyncEnumerable<RecordBatch> IStreamSource.ReadAsync(string? start, string end, SourcePartition partition, Schema columns, CancellationToken cancellationToken) =>
        ReadAsync(Parse(start), DeserializeOffset(end), partition, columns, cancellationToken);

    private TOffset? Parse(string? json) => json is null ? null : DeserializeOffset(json);
}
