using System.Text.Json;

namespace OrleansStream.Engine.Planning.Physical;

/// <summary>
/// A physical plan as a JSON description for display (the web UI draws it): every stage with its kind, what it reads, its
/// keyed operator, its stateless operators and where its rows go. Names only, never options, so nothing secret is carried.
/// </summary>
public static class StageGraphJson
{
    /// <summary>Describes <paramref name="plan"/>, whose rows end in a sink of format <paramref name="sinkFormat"/>.</summary>
    /// <example><c>{"sink":"memory","stages":[{"id":0,"kind":"keyed","operator":"stateStoreSave","pipeline":["Project"],
    /// "inputs":[{"stage":1,"exchange":"KeyGroups","input":0}],"outputs":[{"stage":null,"input":0}]}, ...]}</c></example>
    public static string Write(PhysicalPlan plan, string sinkFormat)
    {
        ArgumentNullException.ThrowIfNull(plan);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("sink", sinkFormat);
            json.WriteStartArray("stages");
            foreach (var stage in plan.Stages) WriteStage(json, stage);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteStage(Utf8JsonWriter json, Stage stage)
    {
        json.WriteStartObject();
        json.WriteNumber("id", stage.Id);
        json.WriteString("kind", stage.IsKeyed ? "keyed" : "source");
        if (stage.Operator is { } keyed) json.WriteString("operator", keyed.Name);
        if (stage.Source is { } source) json.WriteString("leaf", LeafName(source.Leaf));
        json.WriteStartArray("pipeline");
        foreach (var op in stage.Pipeline) json.WriteStringValue(OperatorName(op.GetType().Name));
        json.WriteEndArray();
        json.WriteStartArray("inputs");
        foreach (var input in stage.Inputs) WriteEdge(json, input.UpstreamStageId, input.Exchange.ToString(), input.InputIndex);
        json.WriteEndArray();
        json.WriteStartArray("outputs");
        foreach (var output in stage.Outputs) WriteEdge(json, output.StageId, null, output.InputIndex);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    // An edge's other end: a stage, or null for the stage's leaf (an input) or the sink (an output).
    private static void WriteEdge(Utf8JsonWriter json, int? stage, string? exchange, int inputIndex)
    {
        json.WriteStartObject();
        if (stage is { } id) json.WriteNumber("stage", id);
        else json.WriteNull("stage");
        if (exchange is not null) json.WriteString("exchange", exchange);
        json.WriteNumber("input", inputIndex);
        json.WriteEndObject();
    }

    private static string LeafName(LogicalPlan leaf) => leaf switch
    {
        SourceRelation s => s.Format,
        _ => leaf.GetType().Name,
    };

    private static string OperatorName(string typeName) =>
        typeName.EndsWith("Operator", StringComparison.Ordinal) ? typeName[..^"Operator".Length] : typeName;
}
