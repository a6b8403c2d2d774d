using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Planning;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Grains.Connectors;
using OrleansStream.Grains.Sources;

namespace OrleansStream.Grains.Execution;

/// <summary>A grain's compiled physical plan and source connectors, rebuilt only when the plan text changes (once per run).</summary>
internal sealed class PlanCache(ConnectorFactory connectors)
{
    private string? _planJson;
    private PhysicalPlan? _plan;
    private Dictionary<string, IStreamSource>? _connectors;

    public (PhysicalPlan Plan, IReadOnlyDictionary<string, IStreamSource> Connectors) Get(string planJson)
    {
        if (_planJson != planJson)
        {
            var logical = PlanSerializer.Deserialize(planJson);
            var sources = logical.Leaves().OfType<SourceRelation>().Where(s => s.IsStreaming).DistinctBy(s => s.SourceId).ToDictionary(s => s.SourceId, s => connectors.Create(s));
            _plan = QueryPlanner.Plan(logical, r => sources[r.SourceId].Schema);
            _connectors = sources;
            _planJson = planJson;
        }
        return (_plan!, _connectors!);
    }
}
