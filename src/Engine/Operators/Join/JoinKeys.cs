using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions.Kernels;

namespace OrleansStream.Engine.Operators.Join;

/// <summary>
/// A join's key columns as the join buffer and routing read them: a struct key (a time window <c>{start, end}</c>) stands for
/// its leaf fields, in order, so that keys of any supported leaf types hash and compare field by field; a null struct reads
/// as nulls in every field. Other columns are themselves.
/// </summary>
internal static class JoinKeys
{
    /// <summary>True when some key column is a struct (so the exchange appends the flattened keys to route on).</summary>
    public static bool HasStruct(Schema schema, IReadOnlyList<int> keyColumns)
    {
        foreach (var k in keyColumns) if (schema.FieldsList[k].DataType is StructType) return true;
        return false;
    }

    /// <summary>The flattened key fields, named <paramref name="prefix"/>0, 1, ... (nullable).</summary>
    public static List<Field> Fields(Schema schema, IReadOnlyList<int> keyColumns, string prefix)
    {
        var fields = new List<Field>();
        foreach (var k in keyColumns) AddFields(schema.FieldsList[k].DataType, fields, prefix);
        return fields;
    }

    private static void AddFields(IArrowType type, List<Field> fields, string prefix)
    {
        if (type is StructType st)
        {
            foreach (var f in st.Fields) AddFields(f.DataType, fields, prefix);
            return;
        }
        fields.Add(new Field(prefix + fields.Count, type, true));
    }

    /// <summary>The flattened key columns of <paramref name="batch"/>.</summary>
    public static IArrowArray[] Columns(RecordBatch batch, IReadOnlyList<int> keyColumns)
    {
        var columns = new List<IArrowArray>(keyColumns.Count);
        foreach (var k in keyColumns) AddColumns(batch.Column(k), columns);
        return columns.ToArray();
    }

    private static void AddColumns(IArrowArray column, List<IArrowArray> columns)
    {
        if (column is not StructArray s)
        {
            columns.Add(column);
            return;
        }
        int[]? nullRows = null;
        if (s.NullCount > 0)
        {
            nullRows = new int[s.Length];
            for (var i = 0; i < nullRows.Length; i++) nullRows[i] = s.IsNull(i) ? -1 : i;
        }
        foreach (var child in s.Fields)
        {
            // Arrow 23 already gives a struct's children sliced to the struct's offset and length: slicing them again
            // read the wrong rows of a struct key in a sliced batch.
            AddColumns(nullRows is null ? child : TakeKernel.Take(child, nullRows), columns);
        }
    }
}
