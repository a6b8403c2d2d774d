using Apache.Arrow;
using OrleansStream.Engine.Logical;

namespace OrleansStream.Engine.Connectors.Redis;

/// <summary>
/// The <c>redis-streams</c> source: entries that services add to Redis streams with XADD, read by id range (see
/// <see cref="RedisStreamsOptions"/> for the options and <see cref="RedisStreamsSource"/> for how epochs read them). Holds the
/// silo's connections to Redis, shared by every query and source task.
/// </summary>
public sealed class RedisStreamsSourceProvider : ISourceProvider, IDisposable
{
    private readonly RedisConnections _connections = new();

    /// <inheritdoc/>
    public IReadOnlyCollection<string> Formats { get; } = ["redis-streams"];

    /// <inheritdoc/>
    public Schema ResolveSchema(SourceRelation source, SourceContext context)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Options(source).Schema;
    }

    /// <inheritdoc/>
    public IStreamSource CreateStream(SourceRelation source, SourceContext context)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(context);
        return new RedisStreamsSource(Options(source), _connections, context.MemoryBudgetBytes, context.Checkpoints, context.MetadataPrefix);
    }

    /// <inheritdoc/>
    public void Dispose() => _connections.Dispose();

    private static RedisStreamsOptions Options(SourceRelation source) => new(source.Options, source.SchemaDdl);
}
