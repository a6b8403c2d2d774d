using System.Runtime.CompilerServices;
using Apache.Arrow;
using Microsoft.Extensions.DependencyInjection;
using OrleansStream.Plan;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Logical;
using OrleansStream.Interfaces.Sinks;
using OrleansStream.Plan.Types;

namespace OrleansStream.Grains.Connectors;

/// <summary>
/// The <c>memory-table</c> batch source behind <c>Table(name)</c>: the table a memory sink keeps, read from its grain when a
/// batch query opens it (its schema exists only there).
/// </summary>
public sealed class MemoryTableSourceProvider : ISourceProvider
{
    /// <inheritdoc/>
    public IReadOnlyCollection<string> Formats { get; } = ["memory-table"];

    /// <inheritdoc/>
    public Schema ResolveSchema(SourceRelation source, SourceContext context) =>
        throw new NotSupportedException("A memory table's schema is known only in the cluster: it is read when a batch query opens the table.");

    /// <inheritdoc/>
    public IStreamSource CreateStream(SourceRelation source, SourceContext context) =>
        throw new NotSupportedException("Data source 'memory-table' does not support streamed reading.");

    /// <inheritdoc/>
    public async Task<IBatchSource> OpenBatchAsync(SourceRelation source, SourceContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(context);
        var grains = context.Services?.GetRequiredService<IGrainFactory>() ?? throw new InvalidOperationException("Memory tables live only in a silo.");
        var name = source.Options["name"];
        var bytes = await grains.GetGrain<IMemorySinkGrain>(name).ReadAsync();
        return bytes.Length > 0 ? new Table(bytes) : throw new AnalysisException($"[TABLE_OR_VIEW_NOT_FOUND] The table or view `{name}` cannot be found.");
    }

    /// <inheritdoc/>
    public IStaticSource OpenStatic(SourceRelation source, SourceContext context)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(context);
        var grains = context.Services?.GetRequiredService<IGrainFactory>() ?? throw new InvalidOperationException("Memory tables live only in a silo.");
        var schema = source.SchemaDdl is { } ddl ? DataTypes.ParseSchema(ddl)
            : throw new ArgumentException("A memory table read by a streaming query needs its schema pinned when the query starts.");
        return new StaticTable(grains.GetGrain<IMemorySinkGrain>(source.Options["name"]), schema);
    }

    private sealed class Table(byte[] bytes) : IBatchSource
    {
        public Schema Schema { get; } = ArrowIpc.ReadSchema(bytes);

        public IEnumerable<RecordBatch> Read(Schema columns) => ArrowIpc.DeserializeMany(bytes);
    }

    /// <summary>The table as the static side of a streaming query: versioned by the epoch it holds, read at a kept version.</summary>
    private sealed class StaticTable(IMemorySinkGrain table, Schema schema) : IStaticSource
    {
        public Schema Schema => schema;

        public Task<string> VersionAsync(CancellationToken cancellationToken) => table.GetVersionAsync();

        public async IAsyncEnumerable<RecordBatch> ReadAsync(string version, Schema columns, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var bytes = await table.ReadVersionAsync(version);
            if (bytes.Length == 0) yield break;
            foreach (var batch in ArrowIpc.DeserializeMany(bytes)) yield return batch;
        }
    }
}
