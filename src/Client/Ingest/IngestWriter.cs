using Apache.Arrow;
using OrleansStream.Interfaces.Ingest;
using OrleansStream.Plan.Types;

namespace OrleansStream.Client;

/// <summary>
/// Writes to a declared ingest. Each <c>WriteAsync</c> appends its rows as one batch to one partition (round robin by its
/// sequence number; by key with <see cref="IngestWriterOptions.PartitionBy"/>) and returns once they are durable in the
/// ingest's log: all of them or, when a row does not match the declared schema, none
/// (the error names the row and column). When the ingest is behind, a write waits; it never drops rows and never fails for
/// being full. A write retried after a lost answer is stored once: every append carries this writer's producer id and a
/// sequence number (<see cref="IngestWriterOptions"/> keeps them across a client's restart).
/// Safe to use from several tasks at once.
/// </summary>
public class IngestWriter : IAsyncDisposable
{
    /// <summary>Appends in flight per partition: few enough that duplicate detection always remembers them.</summary>
    private const int MaxInFlightPerPartition = 8;

    private readonly StreamSession _session;
    private readonly IngestWriterOptions _options;
    private readonly string _producerId;
    private Task<(IngestDescription Description, Schema Schema, Partition[] Partitions)>? _opened;
    private long _sequence;

    internal IngestWriter(StreamSession session, string name, IngestWriterOptions? options = null)
    {
        _options = options ?? new IngestWriterOptions();
        if (_options.ProducerId is { } id && string.IsNullOrWhiteSpace(id))
            throw new ArgumentException($"Ingest '{name}': IngestWriterOptions.ProducerId must not be empty.", nameof(options));
        if (_options.NextSequence is { } next && (next < 1 || _options.ProducerId is null))
            throw new ArgumentException($"Ingest '{name}': IngestWriterOptions.NextSequence ({next}) must be at least 1 and needs a ProducerId: a sequence names writes only with the producer's id.", nameof(options));
        _session = session;
        _producerId = _options.ProducerId ?? Guid.NewGuid().ToString("N");
        Name = name;
    }

    /// <summary>The ingest written to.</summary>
    public string Name { get; }

    /// <summary>The producer id this writer's appends carry.</summary>
    public string ProducerId => _producerId;

    /// <summary>The sequence number of the latest write begun (0 before the first): record it once a write returns, to resend from the next one after a restart.</summary>
    public long LastSequence => Interlocked.Read(ref _sequence);

    /// <summary>Appends <paramref name="batch"/>, whose schema must be the declared one; returns once it is durable.</summary>
    /// <exception cref="ArgumentException">The ingest does not exist, or the batch does not match its schema (nothing was appended).</exception>
    public async Task WriteAsync(RecordBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Length == 0) return;
        var (description, schema, partitions) = await OpenAsync().ConfigureAwait(false);
        var sequence = Interlocked.Increment(ref _sequence);
        if (_options.PartitionBy is null)
        {
            // The partition follows from the sequence, so that a resent write goes where it went the first time.
            var partition = partitions[(int)((ulong)sequence % (ulong)partitions.Length)];
            await partition.AppendAsync(new IngestBatch(_producerId, sequence, ArrowIpc.Serialize(batch)), cancellationToken).ConfigureAwait(false);
            return;
        }
        // Each partition gets its share under the write's sequence: (producer, sequence) names one append per partition.
        var shares = KeyPartitioner.Split(description.Name, schema, batch, _options.PartitionBy, partitions.Length);
        var appends = new List<Task>(shares.Length);
        for (int p = 0; p < shares.Length; p++)
            if (shares[p] is { } share)
                appends.Add(partitions[p].AppendAsync(new IngestBatch(_producerId, sequence, ArrowIpc.Serialize(share)), cancellationToken));
        await Task.WhenAll(appends).ConfigureAwait(false);
    }

    /// <summary>Appends rows given as values in the declared column order; returns once they are durable.</summary>
    /// <exception cref="ArgumentException">The ingest does not exist, or a value does not fit its column (the message names row and column; nothing was appended).</exception>
    public async Task WriteAsync(IEnumerable<object?[]> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var (description, schema, _) = await OpenAsync().ConfigureAwait(false);
        RecordBatch batch;
        try
        {
            batch = ArrowValues.FromRows(schema, rows as IReadOnlyList<object?[]> ?? rows.ToList());
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Ingest '{description.Name}': {e.Message}; nothing was appended.", e);
        }
        await WriteAsync(batch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The declared schema (read from the cluster on first use).</summary>
    public async Task<Schema> GetSchemaAsync() => (await OpenAsync().ConfigureAwait(false)).Schema;

    /// <summary>Nothing to release: every write was durable when it returned.</summary>
    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    private Task<(IngestDescription Description, Schema Schema, Partition[] Partitions)> OpenAsync()
    {
        var opened = _opened;
        if (opened is null || opened.IsFaulted || opened.IsCanceled)
        {
            opened = DescribeAsync();
            _opened = opened;
        }
        return opened;
    }

    private async Task<(IngestDescription Description, Schema Schema, Partition[] Partitions)> DescribeAsync()
    {
        var description = await _session.Grains.GetGrain<IIngestCatalogGrain>(Name).DescribeAsync().ConfigureAwait(false);
        var partitions = new Partition[description.Partitions];
        for (int p = 0; p < partitions.Length; p++)
            partitions[p] = new Partition(_session.Grains.GetGrain<IIngestGrain>($"{Name}/{p.ToString(System.Globalization.CultureInfo.InvariantCulture)}"));
        var last = _options.NextSequence - 1;
        if (last is null && _options.ProducerId is not null)
        {
            last = 0;
            foreach (var partition in partitions) last = Math.Max(last.Value, await partition.Grain.GetLastSequenceAsync(_producerId).ConfigureAwait(false) ?? 0);
        }
        if (last is not null) Interlocked.CompareExchange(ref _sequence, last.Value, 0);
        return (description, DataTypes.ParseSchema(description.SchemaDdl), partitions);
    }

    private sealed class Partition(IIngestGrain grain)
    {
        private readonly SemaphoreSlim _inFlight = new(MaxInFlightPerPartition);

        public IIngestGrain Grain => grain;

        public async Task AppendAsync(IngestBatch batch, CancellationToken cancellationToken)
        {
            await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                for (int failures = 0; ; )
                {
                    try
                    {
                        await grain.AppendAsync(batch).WaitAsync(cancellationToken).ConfigureAwait(false);
                        return;
                    }
                    catch (TimeoutException)
                    {
                        // The partition is behind (its log is slow): ask again with the same sequence, which it stores once.
                    }
                    catch (Exception e) when (e is not ArgumentException and not OperationCanceledException && ++failures < 5)
                    {
                        // A lost answer or a replaced activation: the same sequence makes the retry safe.
                        await Task.Delay(TimeSpan.FromMilliseconds(200 << failures), cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            finally
            {
                _inFlight.Release();
            }
        }
    }
}
