using System.Text.Json.Nodes;
using OrleansStream.Engine.Planning;
using OrleansStream.Grains.Connectors;
using OrleansStream.Plan.Types;

namespace OrleansStream.Grains.Execution;

/// <summary>
/// The batch relations of a streaming plan (the static side of a stream-static join), made ready to run in epochs before the
/// query starts: each gets a stable id of its own and its schema pinned into the plan.
/// </summary>
internal static class StaticLeaves
{
    /// <summary>The start of a static relation's id; streaming sources are numbered "0", "1", ... by the client.</summary>
    public const string IdPrefix = "static:";

    /// <summary>The format of a leaf that stands for a batch subplan a stage pipeline cannot carry (<see cref="StaticPlanSource"/>).</summary>
    public const string PlanFormat = "static-plan";

    /// <summary>The option of a <see cref="PlanFormat"/> leaf that holds the subplan's JSON.</summary>
    public const string PlanOption = "plan";

    // Plan nodes a source stage's pipeline carries; a batch subtree with any other node runs as a batch query each epoch.
    private static readonly HashSet<string> PipelineNodes = new(StringComparer.Ordinal)
        { "source", "local", "project", "filter", "withColumns", "rename", "drop", "union", "subqueryAlias", "watermark" };

    /// <summary>
    /// <paramref name="planJson"/> with every batch <see cref="SourceRelation"/> renamed "static:n" (n by first appearance,
    /// left to right) and its schema given. The session's ids of batch relations could equal a streaming source's number, and
    /// change from session to session, while an epoch's recorded static version must find its relation again after a
    /// restart; and every grain that plans the query (source tasks, partitions) must see one schema, fixed now, even where
    /// only a grain call can learn it (a memory table).
    /// </summary>
    public static async Task<string> PinAsync(string planJson, ConnectorFactory connectors, CancellationToken cancellationToken)
    {
        var plan = PlanSerializer.Deserialize(planJson);
        var relations = plan.Leaves().OfType<SourceRelation>().Where(s => !s.IsStreaming).DistinctBy(s => s.SourceId).ToList();
        if (!plan.Leaves().Any(l => l is SourceRelation { IsStreaming: true })) return planJson;
        var pinned = new Dictionary<string, (string Id, string Ddl)>(StringComparer.Ordinal);
        foreach (var relation in relations)
        {
            var ddl = relation.SchemaDdl ?? DataTypes.ToDdl((await connectors.OpenBatchAsync(relation, cancellationToken)).Schema);
            pinned[relation.SourceId] = ($"{IdPrefix}{pinned.Count}", ddl);
        }
        var root = JsonNode.Parse(planJson)!;
        Rewrite(root, pinned);
        var next = pinned.Count;
        return Collapse(root, ref next).ToJsonString();
    }

    /// <summary>
    /// Replaces each largest batch subtree that holds a node no pipeline carries (an aggregation of the static side, say)
    /// by one <see cref="PlanFormat"/> leaf: planned in the stage graph, its aggregation would keep state from epoch to epoch
    /// and count the static rows once per epoch, where Spark computes the batch DataFrame afresh each micro-batch. An alias
    /// on top stays above the leaf, and the leaf keeps the subtree's plan id, so that column references still resolve.
    /// </summary>
    private static JsonNode Collapse(JsonNode node, ref int next)
    {
        if (node is not JsonObject obj) return node;
        if (IsPlanNode(obj) && !Has(obj, IsStreamingSource) && Has(obj, n => !PipelineNodes.Contains(Kind(n))))
        {
            if (Kind(obj) == "subqueryAlias" && obj["Child"] is JsonObject child)
            {
                var collapsed = Collapse(child, ref next);
                if (!ReferenceEquals(collapsed, child)) obj["Child"] = collapsed;
                return obj;
            }
            return StaticPlanLeaf(obj, $"{IdPrefix}{next++}");
        }
        foreach (var (key, value) in obj.ToList())
        {
            if (value is null) continue;
            var replaced = value is JsonArray array ? CollapseItems(array, ref next) : Collapse(value, ref next);
            if (!ReferenceEquals(replaced, value)) obj[key] = replaced;
        }
        return obj;
    }

    private static JsonNode CollapseItems(JsonArray array, ref int next)
    {
        for (var i = 0; i < array.Count; i++)
            if (array[i] is { } item && Collapse(item, ref next) is var replaced && !ReferenceEquals(replaced, item)) array[i] = replaced;
        return array;
    }

    private static JsonObject StaticPlanLeaf(JsonObject subtree, string id)
    {
        var json = subtree.ToJsonString();
        var plan = PlanSerializer.Deserialize(json);
        // The subplan's result schema, as the batch planner gives it (its leaves' schemas are pinned by now).
        var schema = QueryPlanner.Plan(plan, r => DataTypes.ParseSchema(r.SchemaDdl!)).OutputSchema;
        var leaf = new JsonObject
        {
            ["$p"] = "source",
            ["SourceId"] = id,
            ["Format"] = PlanFormat,
            ["Options"] = new JsonObject { [PlanOption] = json },
            ["SchemaDdl"] = DataTypes.ToDdl(schema),
            ["IsStreaming"] = false,
        };
        if (subtree["PlanId"] is { } planId) leaf["PlanId"] = planId.DeepClone();
        return leaf;
    }

    private static bool IsPlanNode(JsonObject obj) => obj["$p"] is JsonValue;

    private static string Kind(JsonObject obj) => obj["$p"]!.GetValue<string>();

    private static bool IsStreamingSource(JsonObject obj) => Kind(obj) == "source" && obj["IsStreaming"]?.GetValue<bool>() == true;

    // Whether a plan node at or under obj (not inside expressions, which are no plan nodes) satisfies the test.
    private static bool Has(JsonNode? node, Func<JsonObject, bool> test) => node switch
    {
        JsonObject obj => (IsPlanNode(obj) && test(obj)) || obj.Any(p => Has(p.Value, test)),
        JsonArray array => array.Any(item => Has(item, test)),
        _ => false,
    };

    // On the JSON, so that every kind of plan node (those added later too) keeps its shape: only batch source leaves change.
    private static void Rewrite(JsonNode? node, Dictionary<string, (string Id, string Ddl)> pinned)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["$p"]?.GetValue<string>() == "source" && obj["IsStreaming"]?.GetValue<bool>() == false
                    && obj["SourceId"]?.GetValue<string>() is { } id && pinned.TryGetValue(id, out var to))
                {
                    obj["SourceId"] = to.Id;
                    obj["SchemaDdl"] = to.Ddl;
                }
                foreach (var (_, child) in obj.ToList()) Rewrite(child, pinned);
                break;
            case JsonArray array:
                foreach (var child in array) Rewrite(child, pinned);
                break;
        }
    }
}
