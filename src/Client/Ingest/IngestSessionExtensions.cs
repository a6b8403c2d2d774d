using OrleansStream.Interfaces.Ingest;

namespace OrleansStream.Client;

/// <summary>Durable ingest from the SDK: declare an ingest, then write to it; queries read it with <c>ReadStream.Format("ingest").Load(name)</c>.</summary>
public static class IngestSessionExtensions
{
    /// <summary>
    /// Declares ingest <paramref name="name"/> with a schema (Spark DDL), persisted in the checkpoint store. Declaring an
    /// existing ingest again with the same schema and partitions returns it; with another, it throws.
    /// </summary>
    /// <exception cref="ArgumentException">The name, schema or options are not valid, or the ingest exists with another schema or partition count.</exception>
    public static async Task<IngestDescription> CreateIngestAsync(this StreamSession session, string name, string schemaDdl, IngestOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(schemaDdl);
        options ??= new IngestOptions();
        return await session.Grains.GetGrain<IIngestCatalogGrain>(name)
            .DeclareAsync(new IngestDescription(name, schemaDdl, options.Partitions, options.Retention)).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A writer of rows (object arrays in the declared column order) and Arrow batches to ingest <paramref name="name"/>.</summary>
    public static IngestWriter Ingest(this StreamSession session, string name)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new IngestWriter(session, name);
    }

    /// <summary>A writer of rows and Arrow batches to ingest <paramref name="name"/> whose writes are named as <paramref name="options"/> say, so that a restarted client's resent writes are stored once.</summary>
    /// <exception cref="ArgumentException">The options are not valid.</exception>
    public static IngestWriter Ingest(this StreamSession session, string name, IngestWriterOptions options)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new IngestWriter(session, name, options);
    }

    /// <summary>A writer of <typeparamref name="T"/> records to ingest <paramref name="name"/>, its writes named as <paramref name="options"/> say.</summary>
    /// <exception cref="ArgumentException">The options are not valid.</exception>
    public static IngestWriter<T> Ingest<T>(this StreamSession session, string name, IngestWriterOptions options)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new IngestWriter<T>(session, name, options);
    }

    /// <summary>A writer of <typeparamref name="T"/> records to ingest <paramref name="name"/>: its public properties map to the declared columns by name.</summary>
    public static IngestWriter<T> Ingest<T>(this StreamSession session, string name)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new IngestWriter<T>(session, name);
    }
}
