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
    private readonly Dictionary<string, (string Version, List<RecordBatch> Batches)> _read = new(StringComparer.Ordinal);

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

    // Through the contract (no epoch at hand): current_timestamp() in the subplan reads as the Unix epoch.
    public IAsyncEnumerable<RecordBatch> ReadAsync(string version, Schema columns, CancellationToken cancellationToken) =>
        ReadAsync(version, EpochContext.ForBatch(DateTimeOffset.UnixEpoch), cancellationToken);

    /// <summary>
    /// The subplan's rows at <paramref name="version"/>, computed in <paramref name="epoch"/> (its batch timestamp is the
    /// subplan's current_timestamp(), as Spark gives the whole micro-batch one). The relations' batches of the versions read
    /// last are kept, so an unchanged folder is not read again; the subplan itself runs every time.
    /// </summary>
    public async IAsyncEnumerable<RecordBatch> ReadAsync(string version, EpochContext epoch, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var versions = JsonSerializer.Deserialize<Dictionary<string, string>>(version) ?? throw new JsonException("Empty static subplan version.");
        // The relations are read first (a memory table is a grain call away), then the subplan runs as a batch query.
        foreach (var (id, leaf) in _leaves)
        {
            if (_read.TryGetValue(id, out var kept) && kept.Version == versions[id]) continue;
            var batches = new List<RecordBatch>();
            await foreach (var batch in leaf.ReadAsync(versions[id], leaf.Schema, cancellationToken)) batches.Add(batch);
            _read[id] = (versions[id], batches);
        }
        var physical = QueryPlanner.Plan(_plan, r => _leaves[r.SourceId].Schema);
        // Whole batches of each relation: a pruned pipeline takes them as they are.
        yield return BatchExecutor.Run(physical, pipeline => pipeline.Leaf switch
        {
            LocalRelation local => ArrowIpc.DeserializeMany(local.ArrowIpc),
            SourceRelation source => _read[source.SourceId].Batches,
            _ => throw new NotSupportedException($"Cannot read {pipeline.Leaf.GetType().Name} in a static subplan."),
        }, epoch);
    }
}
