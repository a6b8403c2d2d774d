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
/// One ingest partition: binds its log and its <see cref="IngestAppendQueue"/> (group commit, bounded by
/// <see cref="IngestGrainOptions.MaxUnflushedBytes"/>) to Orleans, and trims the log after a write when a trim is due.
/// Reentrant so that appends queue while a write awaits the store; all turns still run one at a time.
/// </summary>
[Reentrant]
internal sealed partial class IngestGrain(ICheckpointStore store, TimeProvider time, IOptions<IngestGrainOptions> options, ILogger<IngestGrain> logger)
    : Grain, IIngestGrain
{
    private IngestDeclaration _declaration = null!;
    private Schema _schema = null!;
    private IngestPartitionLog _log = null!;
    private IngestAppendQueue _queue = null!;
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
        _queue = new IngestAppendQueue(_log,
            appends => _log.AppendAsync(appends, time.GetUtcNow().ToUnixTimeMilliseconds(), CancellationToken.None),
            TrimIfDueAsync, OnWriteFailed, options.Value.MaxUnflushedBytes);
        _lastTrimMs = time.GetUtcNow().ToUnixTimeMilliseconds();
    }

    public async Task<long> AppendAsync(IngestBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        // A retry of an append seen before is answered without reading its rows again.
        if (_queue.TryFind(batch.ProducerId, batch.Sequence, out var known)) return await known;
        var rows = ArrowIpc.Deserialize(batch.ArrowIpc);
        IngestBatchValidator.Validate(_declaration.Name, _schema, rows);
        return await _queue.AppendAsync(new IngestAppend(batch.ProducerId, batch.Sequence, rows), batch.ArrowIpc.Length);
    }

    public Task<long> GetEndOffsetAsync() => Task.FromResult(_log.End);

    public Task<long?> GetLastSequenceAsync(string producerId) => Task.FromResult(_queue.LastSequence(producerId));

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

    // A conflict means another activation wrote this offset; any failure leaves this copy's view of the log uncertain.
    private void OnWriteFailed(Exception e, int appends)
    {
        LogWarningFlushFailed(logger, e, _declaration.Name, _log.Prefix, appends);
        DeactivateOnIdle();
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
