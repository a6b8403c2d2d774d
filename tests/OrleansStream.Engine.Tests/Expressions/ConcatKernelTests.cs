using Apache.Arrow;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Plan.Data;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Tests.Expressions;

/// <summary>
/// The bulk concatenation gives the rows of its parts in order, values and nulls, on the shapes where a bulk copy could go
/// wrong: slices at offsets that are not byte-aligned, parts with no nulls, some nulls and only nulls, empty parts, strings
/// (offsets rebased), booleans (bits) and structs (children sliced with their parent).
/// </summary>
public class ConcatKernelTests
{
    private static readonly Schema Schema = DataTypes.ParseSchema("a BIGINT, b STRING, c BOOLEAN, d INT, s STRUCT<x: BIGINT, y: STRING>");

    private static object?[] Row(int i) =>
    [
        i % 5 == 1 ? null : (long)i * 3,
        i % 7 == 2 ? null : "v" + new string('x', i % 4) + i,
        i % 3 == 0 ? null : i % 2 == 0,
        i % 11 == 4 ? null : i,
        i % 9 == 5 ? null : new object?[] { i % 4 == 0 ? null : (long)-i, "s" + i },
    ];

    private static RecordBatch Rows(int from, int count, Func<int, object?[]> row) =>
        ArrowValues.FromRows(Schema, Enumerable.Range(from, count).Select(row).ToList());

    [Fact]
    public void Concatenated_slices_hold_every_part_s_rows_in_order()
    {
        var all = Rows(0, 300, Row);
        // Slices at odd offsets, an empty one, one without nulls and one of nulls only.
        var noNulls = Rows(1000, 70, i => [(long)i, "n" + i, true, i, new object?[] { (long)i, "t" }]);
        var onlyNulls = Rows(0, 13, _ => [null, null, null, null, null]);
        var parts = new[] { all.Slice(3, 61), all.Slice(64, 0), noNulls.Slice(5, 60), all.Slice(101, 77), onlyNulls, all.Slice(200, 100) };
        var result = ConcatKernel.Concat(Schema, parts);
        var expected = parts.SelectMany(ArrowValues.ToRows).ToList();
        Assert.Equal(expected.Count, result.Length);
        Assert.Equal(expected, ArrowValues.ToRows(result));
        for (var c = 0; c < Schema.FieldsList.Count; c++)
            Assert.Equal(parts.Sum(p => p.Column(c).NullCount), result.Column(c).NullCount);
    }
}
