using System.Text.Json.Nodes;
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
        if (relations.Count == 0 || !plan.Leaves().Any(l => l is SourceRelation { IsStreaming: true })) return planJson;
        var pinned = new Dictionary<string, (string Id, string Ddl)>(StringComparer.Ordinal);
        foreach (var relation in relations)
        {
            var ddl = relation.SchemaDdl ?? DataTypes.ToDdl((await connectors.OpenBatchAsync(relation, cancellationToken)).Schema);
            pinned[relation.SourceId] = ($"{IdPrefix}{pinned.Count}", ddl);
        }
        var root = JsonNode.Parse(planJson)!;
        Rewrite(root, pinned);
        return root.ToJsonString();
    }

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
