using Apache.Arrow;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Connectors.Ingest;
using OrleansStream.Interfaces.Ingest;
using OrleansStream.Plan.Data;
using OrleansStream.Plan.Types;

namespace OrleansStream.Grains.Ingest;

/// <summary>
/// One ingest partition. Appends queue up while a flush runs and go to the log together in the next one (group commit), so
/// many small appends cost one segment write; each caller is answered once its segment is durable. Past
/// <see cref="IngestGrainOptions.MaxUnflushedBytes"/> of queued data an append waits for a flush before it queues.
/// Reentrant so that appends queue while a flush awaits the store; all turns still run one at a time.
/// </summary>
[Reentrant]
internal sealed partial class IngestGrain(ICheckpointStore store, TimeProvider time, IOptions<IngestGrainOptions> options, ILogger<IngestGrain> logger)
    : Grain, IIngestGrain
{
    private readonly List<(IngestAppend Append, TaskCompletionSource<long> Done)> _pending = [];
    private readonly Dictionary<(string, long), Task<long>> _unflushed = [];
    private IngestDeclaration _declaration = null!;
    private Schema _schema = null!;
    private IngestPartitionLog _log = null!;
    private long _pendingBytes;
    private Task _flushing = Task.CompletedTask;
    private long _lastTrimMs;
    private int _partition;
    private Task<int> _trimming = Task.FromResult(0);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        var slash = key.LastIndexOf('/');
        var name = key[..slash];
        var partition = _partition = int.Parse(key[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        _declaration = await IngestCatalog.RequireAsync(store, name, cancellationToken);
        if (partition < 0 || partition >= _declaration.Partitions)
            throw new ArgumentException($"Ingest '{name}' has {_declaration.Partitions} partitions; there is no partition {partition}.");
        _schema = DataTypes.ParseSchema(_declaration.SchemaDdl);
        _log = await IngestPartitionLog.OpenAsync(store, name, partition, _schema, cancellationToken);
        _lastTrimMs = time.GetUtcNow().ToUnixTimeMilliseconds();
    }

    public async Task<long> AppendAsync(IngestBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var id = (batch.ProducerId, batch.Sequence);
        if (_log.TryFindAppended(batch.ProducerId, batch.Sequence, out var stored)) return stored;
        if (_unflushed.TryGetValue(id, out var queued)) return await queued;
        var rows = ArrowIpc.Deserialize(batch.ArrowIpc);
        IngestBatchValidator.Validate(_declaration.Name, _schema, rows);
        while (_pendingBytes >= options.Value.MaxUnflushedBytes)
        {
            await _flushing;
            // The same append may have been retried and queued while this one waited.
            if (_log.TryFindAppended(batch.ProducerId, batch.Sequence, out stored)) return stored;
            if (_unflushed.TryGetValue(id, out queued)) return await queued;
        }
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending.Add((new IngestAppend(batch.ProducerId, batch.Sequence, rows), done));
        _unflushed[id] = done.Task;
        _pendingBytes += batch.ArrowIpc.Length;
        if (_flushing.IsCompleted) _flushing = FlushAsync();
        return await done.Task;
    }

    public Task<long> GetEndOffsetAsync() => Task.FromResult(_log.End);

    // Appends still queued count too: a producer resuming from here must not reuse their sequences.
    public Task<long?> GetLastSequenceAsync(string producerId)
    {
        var last = _log.LastSequence(producerId);
        foreach (var (producer, sequence) in _unflushed.Keys)
            if (producer == producerId && (last is null || sequence > last)) last = sequence;
        return Task.FromResult(last);
    }

    // One trim at a time: two interleaved ones would both take the oldest segment.
    public Task<int> TrimAsync()
    {
        if (_trimming.IsCompleted) _trimming = TrimOnceAsync();
        return _trimming;
    }

    private async Task<int> TrimOnceAsync()
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        _lastTrimMs = now;
        var committed = await IngestReaders.MinimumAsync(store, _declaration.Name, _partition, CancellationToken.None) ?? _log.End;
        var deleted = await _log.TrimAsync(committed, now - _declaration.RetentionMs, CancellationToken.None);
        if (deleted > 0) LogInformationTrimmed(logger, _declaration.Name, _log.Prefix, deleted, _log.Start);
        return deleted;
    }

    // Runs while appends are queued. An append that arrives while the trim awaits the store finds this flush unfinished and
    // only queues, so the flush looks again after the trim: ending there left such an append unanswered (an asynchronous
    // listing, as the blob store's, made every append during a trim hang).
    private async Task FlushAsync()
    {
        do
        {
            await WriteQueuedAsync();
            await TrimIfDueAsync();
        }
        while (_pending.Count > 0);
    }

    // Each round writes everything queued so far as one segment.
    private async Task WriteQueuedAsync()
    {
        while (_pending.Count > 0)
        {
            var round = _pending.ToArray();
            _pending.Clear();
            _pendingBytes = 0;
            try
            {
                var offsets = await _log.AppendAsync(round.Select(p => p.Append).ToArray(), time.GetUtcNow().ToUnixTimeMilliseconds(), CancellationToken.None);
                for (int i = 0; i < round.Length; i++) round[i].Done.SetResult(offsets[i]);
            }
            catch (Exception e)
            {
                LogWarningFlushFailed(logger, e, _declaration.Name, _log.Prefix, round.Length);
                foreach (var p in round) p.Done.SetException(e);
                // A conflict means another activation wrote this offset; any failure leaves this copy's view of the log uncertain.
                DeactivateOnIdle();
            }
            finally
            {
                foreach (var p in round) _unflushed.Remove((p.Append.ProducerId, p.Append.Sequence));
            }
        }
    }

    private async Task TrimIfDueAsync()
    {
        if (time.GetUtcNow().ToUnixTimeMilliseconds() - _lastTrimMs < options.Value.TrimInterval.TotalMilliseconds) return;
        try { await TrimAsync(); }
        catch (Exception e) { LogWarningTrimFailed(logger, e, _declaration.Name, _log.Prefix); }
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Ingest {Ingest}: writing a segment under {Prefix} failed; {Appends} appends fail and the activation is replaced")]
    private static partial void LogWarningFlushFailed(ILogger logger, Exception exception, string ingest, string prefix, int appends);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Ingest {Ingest}: deleted {Segments} segments under {Prefix}; the log now starts at offset {Start}")]
    private static partial void LogInformationTrimmed(ILogger logger, string ingest, string prefix, int segments, long start);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Ingest {Ingest}: deleting old segments under {Prefix} failed; retried at the next interval")]
    private static partial void LogWarningTrimFailed(ILogger logger, Exception exception, string ingest, string prefix);
}
