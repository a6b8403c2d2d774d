using Apache.Arrow;
using OrleansStream.Engine;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Planning;
using OrleansStream.Engine.Sinks;
using OrleansStream.Engine.Types;
using OrleansStream.Grains.Execution;
using OrleansStream.Grains.Hosting;
using OrleansStream.Grains.Connectors;
using OrleansStream.Interfaces.Batch;
using OrleansStream.Interfaces.Sinks;

namespace OrleansStream.Grains.Batch;

/// <summary>Runs batch DataFrame plans with the same planner and operators as streaming epochs.</summary>
[StatelessWorker]
internal sealed class BatchQueryGrain(TimeProvider time, PathResolver paths, ConnectorFactory connectors) : Grain, IBatchQueryGrain
{
    public async Task<byte[]> CollectAsync(string planJson, CancellationToken cancellationToken = default) =>
        ArrowIpc.Serialize(await RunAsync(PlanSerializer.Deserialize(planJson)));

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
        var batch = await RunAsync(PlanSerializer.Deserialize(planJson));
        // Batch writes name their file by time so that appends never collide; a streaming sink uses its epoch instead.
        new FileSinkWriter(dir, FileFormats.GetWriter(format), options, paths.FileRoots).Write(time.GetUtcNow().ToUnixTimeMilliseconds(), 0, Guid.NewGuid(), batch);
        return batch.Length;
    }

    public async Task<string> AnalyzeAsync(string planJson, CancellationToken cancellationToken = default)
    {
        var plan = PlanSerializer.Deserialize(planJson);
        var tables = await LoadTablesAsync(plan);
        return DataTypes.ToDdl(Analyzer.Analyze(plan, s => SchemaOf(s, tables)));
    }

    private async Task<RecordBatch> RunAsync(LogicalPlan plan)
    {
        var tables = await LoadTablesAsync(plan);
        var physical = QueryPlanner.Plan(plan, s => SchemaOf(s, tables));
        return BatchExecutor.Run(physical, pipeline => ReadLeaf(pipeline, tables), EpochContext.ForBatch(time.GetUtcNow()));
    }

    private async Task<Dictionary<string, byte[]>> LoadTablesAsync(LogicalPlan plan)
    {
        var tables = new Dictionary<string, byte[]>();
        foreach (var source in plan.Leaves().OfType<SourceRelation>().Where(s => s.Format == "memory-table"))
        {
            var name = source.Options["name"];
            var bytes = await GrainFactory.GetGrain<IMemorySinkGrain>(name).ReadAsync();
            tables[name] = bytes.Length > 0 ? bytes : throw new AnalysisException($"[TABLE_OR_VIEW_NOT_FOUND] The table or view `{name}` cannot be found.");
        }
        return tables;
    }

    private Schema SchemaOf(SourceRelation source, Dictionary<string, byte[]> tables) => source.Format == "memory-table"
        ? ArrowIpc.ReadSchema(tables[source.Options["name"]])
        : source.IsStreaming
            ? throw new InvalidOperationException("Queries with streaming sources must be executed with writeStream.start().")
            : connectors.ResolveSchema(source);

    // A source that cannot decode fewer columns returns whole batches; the pipeline takes them as they are.
    private IEnumerable<RecordBatch> ReadLeaf(SourcePipeline pipeline, Dictionary<string, byte[]> tables) => pipeline.Leaf switch
    {
        LocalRelation local => ArrowIpc.DeserializeMany(local.ArrowIpc),
        SourceRelation { Format: "memory-table" } table => ArrowIpc.DeserializeMany(tables[table.Options["name"]]),
        SourceRelation source => connectors.ReadBatch(source, pipeline.InputSchema, pipeline.ReadSchema),
        _ => throw new NotSupportedException($"Cannot read {pipeline.Leaf.GetType().Name} in a batch query."),
    };
}
