using System.Globalization;
using Apache.Arrow;

namespace OrleansStream.Engine.Expressions;

/// <summary>
/// Where a column's qualifiers live while a plan is resolved: in its Arrow <see cref="Field"/> metadata. A column carries the
/// alias of the <c>df.As("a")</c> it came out of (Spark's attribute qualifier, so <c>a.id</c> names it) and the plan ids of
/// the DataFrames whose output it is part of (Spark Connect's plan id, so <c>df.Col("id")</c> names it). The planner writes
/// them where a <see cref="SubqueryAlias"/> or a referenced DataFrame's root is met, a join keeps each side's, a plain
/// column projection passes them on, and every computed column starts without them (as a Spark attribute's qualifier).
/// Operators bind names once against these planning schemas; the metadata is removed from the query's output schema.
/// </summary>
internal static class ColumnQualifiers
{
    private const string QualifierKey = "orleansstream.qualifier";
    private const string PlanIdsKey = "orleansstream.planIds";

    /// <summary>The alias qualifying <paramref name="field"/>, or null.</summary>
    public static string? Qualifier(Field field) =>
        field.HasMetadata && field.Metadata.TryGetValue(QualifierKey, out var q) ? q : null;

    /// <summary>Whether <paramref name="field"/> is part of the output of the DataFrame with plan id <paramref name="planId"/>.</summary>
    public static bool HasPlanId(Field field, long planId)
    {
        if (!field.HasMetadata || !field.Metadata.TryGetValue(PlanIdsKey, out var ids)) return false;
        foreach (var part in ids.Split(','))
            if (long.Parse(part, CultureInfo.InvariantCulture) == planId) return true;
        return false;
    }

    /// <summary>Every field qualified by <paramref name="alias"/> (replacing any earlier qualifier, as SubqueryAlias does).</summary>
    public static Schema WithQualifier(Schema schema, string alias) =>
        new(schema.FieldsList.Select(f => With(f, QualifierKey, alias)), schema.Metadata);

    /// <summary>Every field marked as output of the DataFrame <paramref name="planId"/> (kept with the ids it already has).</summary>
    public static Schema WithPlanId(Schema schema, long planId) =>
        new(schema.FieldsList.Select(f => HasPlanId(f, planId) ? f
            : With(f, PlanIdsKey, f.HasMetadata && f.Metadata.TryGetValue(PlanIdsKey, out var ids)
                ? ids + "," + planId.ToString(CultureInfo.InvariantCulture)
                : planId.ToString(CultureInfo.InvariantCulture))), schema.Metadata);

    /// <summary><paramref name="field"/> also marked with the plan ids of <paramref name="other"/> (a column that is the output
    /// of both: the key of an inner using join, which either side's <c>df.Col</c> names).</summary>
    public static Field WithPlanIdsOf(Field field, Field other)
    {
        if (!other.HasMetadata || !other.Metadata.TryGetValue(PlanIdsKey, out var ids)) return field;
        foreach (var id in ids.Split(','))
        {
            var planId = long.Parse(id, CultureInfo.InvariantCulture);
            if (HasPlanId(field, planId)) continue;
            field = With(field, PlanIdsKey, field.HasMetadata && field.Metadata.TryGetValue(PlanIdsKey, out var own) ? own + "," + id : id);
        }
        return field;
    }

    /// <summary>A field renamed and retyped, keeping the qualifiers of <paramref name="from"/>.</summary>
    public static Field Keep(Field from, string name, Apache.Arrow.Types.IArrowType type, bool nullable) =>
        new(name, type, nullable, Carried(from));

    /// <summary>Whether any field carries a qualifier or plan id.</summary>
    public static bool Any(Schema schema) => schema.FieldsList.Any(f => Carried(f) is not null);

    /// <summary>The schema without qualifiers and plan ids (the query's output as users see it).</summary>
    public static Schema Strip(Schema schema) => !Any(schema) ? schema
        : new Schema(schema.FieldsList.Select(f => Carried(f) is null ? f : new Field(f.Name, f.DataType, f.IsNullable, Others(f))), schema.Metadata);

    /// <summary>A name for messages: <c>`a`.`id`</c> for a qualified field, <c>`id`</c> otherwise (Spark's toSQLId).</summary>
    public static string SqlName(Field field) =>
        (Qualifier(field) is { } q ? Quote(q) + "." : "") + Quote(field.Name);

    /// <summary>Spark's toSQLId of one name part.</summary>
    public static string Quote(string part) => "`" + part.Replace("`", "``", StringComparison.Ordinal) + "`";

    private static Field With(Field f, string key, string value)
    {
        var metadata = f.HasMetadata ? new Dictionary<string, string>(f.Metadata) : new Dictionary<string, string>();
        metadata[key] = value;
        return new Field(f.Name, f.DataType, f.IsNullable, metadata);
    }

    private static Dictionary<string, string>? Carried(Field f)
    {
        if (!f.HasMetadata) return null;
        Dictionary<string, string>? result = null;
        foreach (var key in (ReadOnlySpan<string>)[QualifierKey, PlanIdsKey])
            if (f.Metadata.TryGetValue(key, out var v)) (result ??= new())[key] = v;
        return result;
    }

    private static Dictionary<string, string>? Others(Field f)
    {
        var rest = f.Metadata.Where(kv => kv.Key is not (QualifierKey or PlanIdsKey)).ToDictionary(kv => kv.Key, kv => kv.Value);
        return rest.Count == 0 ? null : rest;
    }
}
