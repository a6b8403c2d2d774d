using System.Runtime.CompilerServices;
using System.Text.Json;
using Apache.Arrow;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Planning;
using OrleansStream.Grains.Connectors;
using OrleansStream.Plan.Types;

namespace OrleansStream.Grains.Execution;

/// <summary>
/// A batch subplan of a streaming query that a stage pipeline cannot carry (an aggregation, a deduplication or a join of
/// batch relations on the static side of a stream-static join), run as a batch query for every epoch, as Spark evaluates
/// the batch DataFrame again each micro-batch. Its version is the versions of the relations it reads, so an epoch run
/// again computes it from the same rows.
/// </summary>
internal sealed class StaticPlanSource : IStaticSource
{
    private readonly LogicalPlan _plan;
    private readonly Dictionary<string, IStaticSource> _leaves;

    public StaticPlanSource(ConnectorFactory connectors, SourceRelation relation)
    {
        _plan = PlanSerializer.Deserialize(relation.Options[StaticLeaves.PlanOption]);
        _leaves = _plan.Leaves().OfType<SourceRelation>().DistinctBy(s => s.SourceId).ToDictionary(s => s.SourceId, connectors.OpenStatic, StringComparer.Ordinal);
        Schema = DataTypes.ParseSchema(relation.SchemaDdl ?? throw new ArgumentException("A static subplan needs its schema pinned when the query starts."));
    }

    public Schema Schema { get; }

    public async Task<string> VersionAsync(CancellationToken cancellationToken)
    {
        var versions = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (id, leaf) in _leaves) versions[id] = await leaf.VersionAsync(cancellationToken);
        return JsonSerializer.Serialize(versions);
    }

    public async IAsyncEnumerable<RecordBatch> ReadAsync(string version, Schema columns, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var versions = JsonSerializer.Deserialize<Dictionary<string, string>>(version) ?? throw new JsonException("Empty static subplan version.");
        // The relations are read first (a memory table is a grain call away), then the subplan runs as a batch query.
        var rows = new Dictionary<string, List<RecordBatch>>(StringComparer.Ordinal);
        foreach (var (id, leaf) in _leaves)
        {
            var batches = rows[id] = [];
            await foreach (var batch in leaf.ReadAsync(versions[id], leaf.Schema, cancellationToken)) batches.Add(batch);
        }
        var physical = QueryPlanner.Plan(_plan, r => _leaves[r.SourceId].Schema);
        // Whole batches of each relation: a pruned pipeline takes them as they are.
        yield return BatchExecutor.Run(physical, pipeline => pipeline.Leaf switch
        {
            LocalRelation local => ArrowIpc.DeserializeMany(local.ArrowIpc),
            SourceRelation source => rows[source.SourceId],
            _ => throw new NotSupportedException($"Cannot read {pipeline.Leaf.GetType().Name} in a static subplan."),
        }, EpochContext.ForBatch(DateTimeOffset.UnixEpoch));
    }
}
