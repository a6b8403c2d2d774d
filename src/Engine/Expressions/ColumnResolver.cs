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

    /// <summary>Resolves <paramref name="name"/>, or null.</summary>
    public static ResolvedColumn? TryResolve(Schema schema, string name)
    {
        if (!name.Contains('`', StringComparison.Ordinal))
        {
            var direct = IndexOf(schema, name);
            if (direct >= 0) return new ResolvedColumn(direct, [], schema.FieldsList[direct]);
        }
        var parts = SplitPath(name);
        if (parts.Count == 0) return null;
        var top = IndexOf(schema, parts[0]);
        if (top < 0) return null;
        var field = schema.FieldsList[top];
        var nullable = field.IsNullable;
        var path = new int[parts.Count - 1];
        for (var p = 1; p < parts.Count; p++)
        {
            if (field.DataType is not StructType st) return null;
            var k = IndexOf(st, parts[p]);
            if (k < 0) return null;
            path[p - 1] = k;
            field = st.Fields[k];
            nullable |= field.IsNullable;
        }
        return new ResolvedColumn(top, path, path.Length == 0 ? field : new Field(field.Name, field.DataType, nullable));
    }
}
