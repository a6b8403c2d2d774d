using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Planning;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Grains.Connectors;
using OrleansStream.Grains.Sources;
using OrleansStream.Plan.Types;

namespace OrleansStream.Grains.Execution;

/// <summary>A grain's compiled physical plan and source connectors, rebuilt only when the plan text changes (once per run).</summary>
internal sealed class PlanCache(ConnectorFactory connectors)
{
    private string? _planJson;
    private PhysicalPlan? _plan;
    private Dictionary<string, IStreamSource>? _connectors;
    private Dictionary<string, IStaticSource>? _statics;

    /// <summary>The static leaves' connectors of the plan last given to <see cref="Get"/>, by leaf id (batch relations only).</summary>
    public IReadOnlyDictionary<string, IStaticSource> StaticSources => _statics ?? [];

    public (PhysicalPlan Plan, IReadOnlyDictionary<string, IStreamSource> Connectors) Get(string planJson)
    {
        if (_planJson != planJson)
        {
            var logical = PlanSerializer.Deserialize(planJson);
            var sources = logical.Leaves().OfType<SourceRelation>().Where(s => s.IsStreaming).DistinctBy(s => s.SourceId).ToDictionary(s => s.SourceId, s => connectors.Create(s));
            // A batch relation's schema was pinned into the plan when the query started (StaticLeaves); its connector opens lazily.
            _plan = QueryPlanner.Plan(logical, r => sources.TryGetValue(r.SourceId, out var s) ? s.Schema
                : DataTypes.ParseSchema(r.SchemaDdl ?? throw new InvalidOperationException($"Batch relation '{r.SourceId}' ({r.Format}) has no pinned schema.")));
            _statics = logical.Leaves().OfType<SourceRelation>().Where(s => !s.IsStreaming).DistinctBy(s => s.SourceId)
                .ToDictionary(s => s.SourceId, s => connectors.OpenStatic(s));
            _connectors = sources;
            _planJson = planJson;
        }
        return (_plan!, _connectors!);
    }
}
