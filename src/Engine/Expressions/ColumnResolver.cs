using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Engine.Expressions;

/// <summary>A column reference bound to a schema: a top-level column and a path of struct field indices below it.</summary>
internal sealed record ResolvedColumn(int ColumnIndex, int[] FieldPath, Field Field);

/// <summary>Resolves column names (dotted struct paths, backtick quoting) against a schema, case-insensitively like Spark.</summary>
internal static class ColumnResolver
{
    /// <summary>Splits "a.b.`c.d`" into its parts.</summary>
    public static List<string> SplitPath(string name)
    {
        var parts = new List<string>();
        var sb = new StringBuilder();
        var i = 0;
        var quotedPart = false;
        while (i < name.Length)
        {
            var c = name[i];
            if (c == '`')
            {
                quotedPart = true;
                i++;
                while (i < name.Length)
                {
                    if (name[i] == '`')
                    {
                        if (i + 1 < name.Length && name[i + 1] == '`') { sb.Append('`'); i += 2; continue; }
                        i++;
                        break;
                    }
                    sb.Append(name[i++]);
                }
                continue;
            }
            if (c == '.')
            {
                parts.Add(sb.ToString());
                sb.Clear();
                quotedPart = false;
                i++;
                continue;
            }
            sb.Append(c);
            i++;
        }
        if (sb.Length > 0 || quotedPart || parts.Count > 0) parts.Add(sb.ToString());
        return parts;
    }

    /// <summary>Index of a top-level column: exact name first, then case-insensitive; -1 when absent.</summary>
    public static int IndexOf(Schema schema, string name)
    {
        var fields = schema.FieldsList;
        for (var i = 0; i < fields.Count; i++)
            if (string.Equals(fields[i].Name, name, StringComparison.Ordinal)) return i;
        for (var i = 0; i < fields.Count; i++)
            if (string.Equals(fields[i].Name, name, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }

    private static int IndexOf(StructType st, string name)
    {
        for (var i = 0; i < st.Fields.Count; i++)
            if (string.Equals(st.Fields[i].Name, name, StringComparison.Ordinal)) return i;
        for (var i = 0; i < st.Fields.Count; i++)
            if (string.Equals(st.Fields[i].Name, name, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }

    /// <summary>Resolves <paramref name="name"/> or throws Spark's UNRESOLVED_COLUMN error.</summary>
    public static ResolvedColumn Resolve(Schema schema, string name) =>
        TryResolve(schema, name) ?? throw AnalysisException.UnresolvedColumn(name, schema.FieldsList.Select(f => f.Name));

    /// <summary>Resolves <paramref name="column"/> (by its DataFrame when it has a plan id) or throws Spark's error.</summary>
    public static ResolvedColumn Resolve(Schema schema, ColumnRef column)
    {
        if (TryResolve(schema, column.Name, column.PlanId) is { } resolved) return resolved;
        if (column.PlanId is null) throw AnalysisException.UnresolvedColumn(column.Name, schema.FieldsList.Select(f => f.Name));
        // Spark Connect's words for df2.select(df1.col("a")): the DataFrame that made the reference is not below.
        throw new AnalysisException(
            $"[CANNOT_RESOLVE_DATAFRAME_COLUMN] Cannot resolve dataframe column \"{column.Name}\". It's probably because of illegal references like `df1.select(df2.col(\"a\"))`.");
    }

    /// <summary>Resolves <paramref name="column"/>, or null.</summary>
    /// <exception cref="AnalysisException">The name matches more than one column (Spark's AMBIGUOUS_REFERENCE).</exception>
    public static ResolvedColumn? TryResolve(Schema schema, ColumnRef column) => TryResolve(schema, column.Name, column.PlanId);

    /// <summary>
    /// Resolves <paramref name="name"/>, or null, as Spark's analyzer does: a top-level column named exactly so; else
    /// <c>q.c</c> as column <c>c</c> qualified by alias <c>q</c> (<see cref="ColumnQualifiers"/>); else a path into struct
    /// columns. With <paramref name="planId"/>, only the columns of that DataFrame's output are candidates.
    /// </summary>
    /// <exception cref="AnalysisException">The name matches more than one column (Spark's AMBIGUOUS_REFERENCE).</exception>
    public static ResolvedColumn? TryResolve(Schema schema, string name, long? planId = null)
    {
        var fields = schema.FieldsList;
        bool Candidate(int i) => planId is not { } id || ColumnQualifiers.HasPlanId(fields[i], id);
        if (!name.Contains('`', StringComparison.Ordinal))
        {
            var direct = Unique(schema, name, i => Candidate(i) && string.Equals(fields[i].Name, name, StringComparison.Ordinal))
                ?? Unique(schema, name, i => Candidate(i) && string.Equals(fields[i].Name, name, StringComparison.OrdinalIgnoreCase));
            if (direct is { } d) return new ResolvedColumn(d, [], fields[d]);
        }
        var parts = SplitPath(name);
        if (parts.Count == 0) return null;
        if (parts.Count >= 2)
        {
            bool Qualified(int i, StringComparison c) => Candidate(i) && ColumnQualifiers.Qualifier(fields[i]) is { } q
                && string.Equals(q, parts[0], StringComparison.OrdinalIgnoreCase) && string.Equals(fields[i].Name, parts[1], c);
            var qualified = Unique(schema, name, i => Qualified(i, StringComparison.Ordinal))
                ?? Unique(schema, name, i => Qualified(i, StringComparison.OrdinalIgnoreCase));
            if (qualified is { } q && Path(fields[q], q, parts, 2) is { } inQualified) return inQualified;
        }
        var top = Unique(schema, name, i => Candidate(i) && string.Equals(fields[i].Name, parts[0], StringComparison.Ordinal))
            ?? Unique(schema, name, i => Candidate(i) && string.Equals(fields[i].Name, parts[0], StringComparison.OrdinalIgnoreCase));
        return top is { } t ? Path(fields[t], t, parts, 1) : null;
    }

    // The one field matching, null when none; more than one is Spark's AMBIGUOUS_REFERENCE, naming the candidates.
    private static int? Unique(Schema schema, string name, Func<int, bool> matches)
    {
        int? found = null;
        List<int>? more = null;
        for (var i = 0; i < schema.FieldsList.Count; i++)
        {
            if (!matches(i)) continue;
            if (found is null) found = i;
            else (more ??= [found.Value]).Add(i);
        }
        if (more is null) return found;
        var reference = string.Join(".", SplitPath(name).Select(ColumnQualifiers.Quote));
        throw new AnalysisException(
            $"[AMBIGUOUS_REFERENCE] Reference {reference} is ambiguous, could be: [{string.Join(", ", more.Select(i => ColumnQualifiers.SqlName(schema.FieldsList[i])))}].");
    }

    private static ResolvedColumn? Path(Field field, int top, List<string> parts, int from)
    {
        var nullable = field.IsNullable;
        var path = new int[parts.Count - from];
        for (var p = from; p < parts.Count; p++)
        {
            if (field.DataType is not StructType st) return null;
            var k = IndexOf(st, parts[p]);
            if (k < 0) return null;
            path[p - from] = k;
            field = st.Fields[k];
            nullable |= field.IsNullable;
        }
        return new ResolvedColumn(top, path, path.Length == 0 ? field : new Field(field.Name, field.DataType, nullable));
    }
}
