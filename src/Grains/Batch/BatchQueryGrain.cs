using Apache.Arrow;
using OrleansStream.Plan;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Planning;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Engine.Sinks;
using OrleansStream.Grains.Execution;
using OrleansStream.Grains.Hosting;
using OrleansStream.Engine.Connectors;
using OrleansStream.Grains.Connectors;
using OrleansStream.Interfaces.Batch;
using OrleansStream.Interfaces.Sinks;

namespace OrleansStream.Grains.Batch;

/// <summary>Runs batch DataFrame plans with the same planner and operators as streaming epochs.</summary>
[StatelessWorker]
internal sealed class BatchQueryGrain(TimeProvider time, PathResolver paths, ConnectorFactory connectors) : Grain, IBatchQueryGrain
{
    public async Task<byte[]> CollectAsync(string planJson, CancellationToken cancellationToken = default) =>
        ArrowIpc.Serialize(await RunAsync(PlanSerializer.Deserialize(planJson), cancellationToken));

    public async Task<long> WriteAsync(string planJson, string format, string path, string saveMode, IReadOnlyDictionary<string, string> options, CancellationToken cancellationToken = default)
    {
        var dir = PathResolver.DataPath(path, "path");
        paths.CheckFileRoot(dir, "path");
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
        {
            switch (saveMode)
            {
                case "ignore": return 0;
                case "error" or "errorifexists": throw new IOException($"[PATH_ALREADY_EXISTS] Path {dir} already exists. Set mode as \"overwrite\" to overwrite the existing path.");
                case "overwrite": Directory.Delete(dir, recursive: true); break;
            }
        }
        Directory.CreateDirectory(dir);
        var batch = await RunAsync(PlanSerializer.Deserialize(planJson), cancellationToken);
        // Batch writes name their file by time so that appends never collide; a streaming sink uses its epoch instead.
        new FileSinkWriter(dir, FileFormats.GetWriter(format), options, paths.FileRoots).Write(time.GetUtcNow().ToUnixTimeMilliseconds(), 0, Guid.NewGuid(), batch);
        return batch.Length;
    }

    public async Task<AnalysisResult> AnalyzeAsync(string planJson, CancellationToken cancellationToken = default)
    {
        var plan = PlanSerializer.Deserialize(planJson);
        try
        {
            var sources = await OpenSourcesAsync(plan, cancellationToken);
            // Unlike a run, analysis takes streaming sources too (a streaming DataFrame has a schema).
            var schema = Analyzer.Analyze(plan, s => s.IsStreaming ? connectors.ResolveSchema(s) : sources[s.SourceId].Schema);
            return new AnalysisResult { SchemaIpc = ArrowIpc.Serialize(ArrowValues.Empty(schema)) };
        }
        catch (AnalysisException e)
        {
            // Orleans would turn our exception type into a fallback one on the client: send its message instead.
            return new AnalysisResult { Error = e.Message };
        }
    }

    private async Task<RecordBatch> RunAsync(LogicalPlan plan, CancellationToken cancellationToken)
    {
        var sources = await OpenSourcesAsync(plan, cancellationToken);
        var physical = QueryPlanner.Plan(plan, s => SchemaOf(s, sources));
        return BatchExecutor.Run(physical, pipeline => ReadLeaf(pipeline, sources), EpochContext.ForBatch(time.GetUtcNow()), ServiceProvider);
    }

    // Opened before analysis, by source id: a connector whose schema or rows live elsewhere (a memory table's grain) fetches
    // them here.
    private async Task<Dictionary<string, IBatchSource>> OpenSourcesAsync(LogicalPlan plan, CancellationToken cancellationToken)
    {
        var sources = new Dictionary<string, IBatchSource>(StringComparer.Ordinal);
        foreach (var source in plan.Leaves().OfType<SourceRelation>().Where(s => !s.IsStreaming))
            if (!sources.ContainsKey(source.SourceId)) sources[source.SourceId] = await connectors.OpenBatchAsync(source, cancellationToken);
        return sources;
    }

    private static Schema SchemaOf(SourceRelation source, Dictionary<string, IBatchSource> sources) => source.IsStreaming
        ? throw new InvalidOperationException("Queries with streaming sources must be executed with writeStream.start().")
        : sources[source.SourceId].Schema;

    // A source that cannot decode fewer columns returns whole batches; the pipeline takes them as they are.
    private static IEnumerable<RecordBatch> ReadLeaf(SourcePipeline pipeline, Dictionary<string, IBatchSource> sources) => pipeline.Leaf switch
    {
        LocalRelation local => ArrowIpc.DeserializeMany(local.ArrowIpc),
        SourceRelation source => sources[source.SourceId].Read(pipeline.ReadSchema),
        _ => throw new NotSupportedException($"Cannot read {pipeline.Leaf.GetType().Name} in a batch query."),
    };
}
