using Apache.Arrow;
using OrleansStream.Engine.Operators.Filter;
using OrleansStream.Plan.Sql;
using static OrleansStream.Engine.Tests.Expressions.TestData;

namespace OrleansStream.Engine.Tests.Operators;

/// <summary>A bigint condition of the form c [% d] op k runs as one selection loop, with the general path's rows.</summary>
public sealed class Int64SelectionTests
{
    private static readonly long?[] Xs =
        [.. Enumerable.Range(-600, 1_500).Select(i => i % 11 == 0 ? null : (long?)(i * 37L)), long.MinValue, long.MaxValue, long.MinValue + 1, null, 0, 123, -123];

    [Theory]
    [InlineData("x % 123 = 0")]
    [InlineData("x % 7 != 3")]
    [InlineData("x % -5 < -1")]
    [InlineData("x % 3 <= 1")]
    [InlineData("x % 10 > 4")]
    [InlineData("x % 10 >= -4")]
    [InlineData("x >= 1000")]
    [InlineData("x = -3700")]
    [InlineData("5 > x")]
    [InlineData("-3 <= x % 4")]
    [InlineData("x < 9223372036854775807")]
    public void ASpecialisedCondition_KeepsTheGeneralPathsRows_InWholeAndSlicedBatches(string condition)
    {
        var batch = Batch(("x", Longs(Xs)), ("y", Strs(Xs.Select(x => x?.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray())));
        var specialised = new FilterOperator(SqlExpressionParser.Parse(condition), batch.Schema, FilterOperator.DefaultChunkRows);
        var general = new FilterOperator(SqlExpressionParser.Parse(condition), batch.Schema, FilterOperator.DefaultChunkRows, specialise: false);
        Assert.True(specialised.IsSpecialised);
        Assert.False(general.IsSpecialised);
        // a slice has an offset into its buffers, its validity bitmap included
        foreach (var input in new[] { batch, batch.Slice(333, 900) })
        {
            var expected = general.Process(input, Ctx);
            var actual = specialised.Process(input, Ctx);
            Assert.True(expected.Length > 0 && expected.Length < input.Length, $"{condition}: {expected.Length} of {input.Length}");
            Assert.Equal(Values(expected.Column(0)), Values(actual.Column(0)));
            Assert.Equal(Values(expected.Column(1)), Values(actual.Column(1)));
        }
    }

    [Theory]
    [InlineData("x % 0 = 0")]      // null for every row
    [InlineData("x % -1 = 0")]     // 0 for every row, the minimum value included
    [InlineData("x <=> 3")]        // null-safe
    [InlineData("x + 1 = 2")]
    [InlineData("x % 4 = x")]
    [InlineData("i % 3 = 1")]      // an int column
    public void OtherConditions_TakeTheGeneralPath(string condition)
    {
        var batch = Batch(("x", Longs(1, 2, null)), ("i", Ints(1, 2, 3)));
        Assert.False(new FilterOperator(SqlExpressionParser.Parse(condition), batch.Schema).IsSpecialised);
    }

    [Fact]
    public void Q2sCondition_AllocatesNoColumnPerBatch()
    {
        const int rows = 65_536;
        var batch = Batch(("auction", Longs(Enumerable.Range(0, rows).Select(i => (long?)(1_000 + i * 7L)).ToArray())), ("price", Longs(new long?[rows])));
        var filter = new FilterOperator(SqlExpressionParser.Parse("auction % 123 = 0"), batch.Schema);
        filter.Process(batch, Ctx);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var kept = filter.Process(batch, Ctx);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // the kept rows' two columns (533 rows of 8 bytes each) and a few objects; the general path's remainder column
        // alone is 512 KB
        Assert.Equal(533, kept.Length);
        Assert.True(allocated < 16 * 1024, $"allocated {allocated:N0} bytes");
    }
}
