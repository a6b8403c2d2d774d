using Apache.Arrow;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Logical;
using OrleansStream.Plan.Types;
using OrleansStream.Grains.Execution;
using OrleansStream.Grains.Hosting;
using OrleansStream.Grains.Sources;
using OrleansStream.Interfaces.Execution;

namespace OrleansStream.Grains.Connectors;

/// <summary>
/// Opens a query's sources and sink through the connectors registered for their formats (<see cref="ConnectorRegistry"/>),
/// giving them what the silo has: its clock, file roots, memory budget, logging, services and checkpoint store.
/// </summary>
internal sealed class ConnectorFactory(ConnectorRegistry registry, IServiceProvider services, TimeProvider time, PathResolver paths,
    ILoggerFactory loggers, ICheckpointStore checkpoints, IOptions<OrleansStreamOptions> options)
{
    private static readonly string[] ReadLimits = ["maxFilesPerTrigger", "maxBytesPerTrigger", "maxRowsPerTrigger", "maxEntriesPerTrigger"];

    /// <summary>The connectors of this silo.</summary>
    public ConnectorRegistry Registry => registry;

    /// <param name="source">The streaming relation.</param>
    /// <param name="ignoreReadLimits">Take everything available in an epoch (Trigger.Once): no maxFilesPerTrigger,
    /// maxBytesPerTrigger, maxRowsPerTrigger, maxEntriesPerTrigger nor the memory budget's defaults.</param>
    /// <param name="queryKey">The query's checkpoint key when this copy plans epochs (the trigger's), so that a source may keep
    /// a log of its own under <c>sources/&lt;query&gt;/&lt;source id&gt;/</c>; null for copies that only read.</param>
    /// <exception cref="NotSupportedException">No connector reads the format; the message names it and the known ones.</exception>
    public IStreamSource Create(SourceRelation source, bool ignoreReadLimits = false, string? queryKey = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var provider = registry.Source(source.Format);
        var sourceOptions = new Dictionary<string, string>(source.Options, StringComparer.OrdinalIgnoreCase);
        var budget = options.Value.EpochMemoryBudgetBytes;
        if (ignoreReadLimits)
        {
            foreach (var limit in ReadLimits) sourceOptions.Remove(limit);
            budget = long.MaxValue;
        }
        return provider.CreateStream(source with { Options = sourceOptions }, Context(budget, queryKey is null ? null
            : $"sources/{Uri.EscapeDataString(queryKey)}/{Uri.EscapeDataString(source.SourceId)}/"));
    }

    /// <summary>The schema of a streaming <paramref name="source"/> (given, or inferred on this silo), for analysis.</summary>
    /// <exception cref="NotSupportedException">No connector reads the format; the message names it and the known ones.</exception>
    public Schema ResolveSchema(SourceRelation source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return registry.Source(source.Format).ResolveSchema(source, Context(options.Value.EpochMemoryBudgetBytes, null));
    }

    /// <summary>Opens a batch query's <paramref name="source"/> through the connector of its format.</summary>
    /// <exception cref="NotSupportedException">No connector reads the format; the message names it and the known ones.</exception>
    public Task<IBatchSource> OpenBatchAsync(SourceRelation source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        return registry.TryGetSource(source.Format, out var provider)
            ? provider.OpenBatchAsync(source, Context(options.Value.EpochMemoryBudgetBytes, null), cancellationToken)
            : throw new NotSupportedException($"Data source '{source.Format}' does not support batch reading. Supported: {string.Join(", ", registry.SourceFormats)}.");
    }

    /// <summary>Opens a streaming query's batch <paramref name="source"/> (its schema pinned) as a static relation, re-read every epoch.</summary>
    /// <exception cref="NotSupportedException">No connector reads the format, or it cannot be read as a static relation.</exception>
    public IStaticSource OpenStatic(SourceRelation source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Format == StaticLeaves.PlanFormat) return new StaticPlanSource(this, source);
        return registry.TryGetSource(source.Format, out var provider)
            ? provider.OpenStatic(source, Context(options.Value.EpochMemoryBudgetBytes, null))
            : throw new NotSupportedException($"Data source '{source.Format}' does not support batch reading. Supported: {string.Join(", ", registry.SourceFormats)}.");
    }

    /// <summary>Checks <paramref name="sink"/> with the connector of its format.</summary>
    /// <exception cref="NotSupportedException">No connector writes the format; the message names it and the known ones.</exception>
    public void ValidateSink(SinkDescriptor sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        registry.Sink(sink.Format).Validate(sink, SinkContext);
    }

    /// <summary>Opens the sink <paramref name="sink"/> describes.</summary>
    public IStreamSink CreateSink(SinkSpec sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        return registry.Sink(sink.Format).CreateSink(Describe(sink), SinkContext);
    }

    /// <summary>The engine's view of a sink spec.</summary>
    public static SinkDescriptor Describe(SinkSpec sink) =>
        new(sink.Format, sink.OutputMode, sink.Options, sink.QueryName, DataTypes.ParseSchema(sink.OutputSchemaDdl));

    private SinkContext SinkContext => new() { Time = time, FileRoots = paths.FileRoots, Loggers = loggers, Services = services };

    private SourceContext Context(long budget, string? metadataPrefix) => new()
    {
        Time = time,
        FileRoots = paths.FileRoots,
        MemoryBudgetBytes = budget,
        Loggers = loggers,
        Services = services,
        Checkpoints = metadataPrefix is null ? null : checkpoints,
        MetadataPrefix = metadataPrefix,
    };
}
