using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Analysis;
using OrleansStream.Engine.Analysis.Bound;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Operators.Filter;
using OrleansStream.Engine.Operators.Projection;
using OrleansStream.Plan.Sql;
using OrleansStream.Plan.Types;
using static OrleansStream.Engine.Tests.Expressions.TestData;

namespace OrleansStream.Engine.Tests.Analysis;

public class ExpressionBinderTests
{
    private static readonly RecordBatch Sample = Batch(("a", Ints(1, 2, null)), ("b", Strs("x", "y", "z")));

    private static BoundExpr Bind(string sql, Schema schema) => new ExpressionBinder(schema).Bind(SqlExpressionParser.Parse(sql));

    [Fact]
    public void Bind_ColumnReference_ResolvesToOrdinalCaseInsensitively()
    {
        var bound = Assert.IsType<BoundColumn>(Bind("B", Sample.Schema));
        Assert.Equal(1, bound.Ordinal);
        Assert.IsType<StringType>(bound.Type);
    }

    [Fact]
    public void Bind_BoundFormEvaluatesByPositionWithoutLookingUpNames()
    {
        // bound against one schema, evaluated over a batch whose columns are renamed: only ordinals are used
        var bound = Bind("a + 1", Sample.Schema);
        var renamed = Batch(("p", Ints(10, 20, null)), ("q", Strs("x", "y", "z")));
        Assert.Equal(new object?[] { 11, 21, null }, Values(bound.Evaluate(new EvaluationScope(renamed, Ctx, 0))));
    }

    [Fact]
    public void Bind_FixesTypesAsTheTyperReportsThem()
    {
        foreach (var sql in new[] { "a / 2", "a * 1.5", "CAST(a AS BIGINT)", "length(b)", "CASE WHEN a > 1 THEN b ELSE 'none' END", "coalesce(a, 0L)", "split(b, ',')" })
        {
            var expr = SqlExpressionParser.Parse(sql);
            var bound = new ExpressionBinder(Sample.Schema).Bind(expr);
            Assert.True(DataTypes.SameType(ExpressionTyper.TypeOf(expr, Sample.Schema), bound.Type), sql);
            Assert.True(DataTypes.SameType(bound.Type, bound.Evaluate(new EvaluationScope(Sample, Ctx, 0)).Data.DataType) || bound.Type is ListType, sql);
        }
    }

    [Fact]
    public void Bind_UnknownColumn_ThrowsSparksErrorAtBinding()
    {
        var e = Assert.Throws<AnalysisException>(() => Bind("x + 1", Sample.Schema));
        Assert.Equal("[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name `x` cannot be resolved. Did you mean one of the following? [`a`, `b`].", e.Message);
    }

    [Fact]
    public void Bind_UnknownFunction_ThrowsUnresolvedRoutine()
    {
        var e = Assert.Throws<AnalysisException>(() => Bind("frobnicate(a)", Sample.Schema));
        Assert.StartsWith("[UNRESOLVED_ROUTINE] Cannot resolve routine `frobnicate`", e.Message);
    }

    [Fact]
    public void Bind_AggregateOrGeneratorInRowExpression_Throws()
    {
        Assert.StartsWith("[MISSING_GROUP_BY]", Assert.Throws<AnalysisException>(() => Bind("count(a) + 1", Sample.Schema)).Message);
        Assert.StartsWith("[UNSUPPORTED_GENERATOR.OUTSIDE_SELECT]", Assert.Throws<AnalysisException>(() => Bind("explode(split(b, ','))", Sample.Schema)).Message);
    }

    [Fact]
    public void Bind_NonLiteralPattern_ThrowsAtBindingNotPerBatch()
    {
        var e = Assert.Throws<AnalysisException>(() => Bind("b LIKE b", Sample.Schema));
        Assert.StartsWith("[DATATYPE_MISMATCH.NON_FOLDABLE_INPUT]", e.Message);
    }

    [Fact]
    public void TypeOf_AcceptsAggregatesThatBindingRefuses()
    {
        var (type, nullable) = ExpressionBinder.TypeOf(SqlExpressionParser.Parse("count(*)"), Sample.Schema);
        Assert.IsType<Int64Type>(type);
        Assert.False(nullable);
    }

    [Fact]
    public void Bind_RepeatedSubexpression_IsSharedThroughOneSlot()
    {
        var binder = new ExpressionBinder(Sample.Schema);
        var first = binder.Bind(SqlExpressionParser.Parse("(a * 3) + 1"));
        var second = binder.Bind(SqlExpressionParser.Parse("(a * 3) - 1"));
        Assert.Equal(1, binder.SlotCount);
        var scope = new EvaluationScope(Sample, Ctx, binder.SlotCount);
        Assert.Equal(new object?[] { 4, 7, null }, Values(first.Evaluate(scope)));
        Assert.Equal(new object?[] { 2, 5, null }, Values(second.Evaluate(scope)));
        Assert.NotNull(scope.Slot(0));
    }

    [Fact]
    public void Bind_SubexpressionUsedOnce_TakesNoSlot()
    {
        var binder = new ExpressionBinder(Sample.Schema);
        binder.Bind(SqlExpressionParser.Parse("(a * 3) + 1"));
        binder.Bind(SqlExpressionParser.Parse("a * 4"));
        Assert.Equal(0, binder.SlotCount);
    }

    [Fact]
    public void Bind_ConstantOperand_IsFoldedOnceIntoOneRow()
    {
        Assert.Equal(new object?[] { true, false, null }, Values(Bind("a < CAST('2' AS INT)", Sample.Schema).Evaluate(new EvaluationScope(Sample, Ctx, 0))));
        var folds = 0;
        var constant = new BoundConstant(() => { folds++; return Ints(2); }, Int32Type.Default, false);
        Assert.Same(constant.Value, constant.Value);
        Assert.Equal(1, folds);
        Assert.Equal(1, constant.Value.Length);
    }

    [Fact]
    public void BoundConstant_FoldFailingAtBinding_FailsAtEvaluationInstead()
    {
        var constant = new BoundConstant(() => throw new FormatException("bad constant"), Int32Type.Default, false);
        Assert.Throws<FormatException>(() => constant.Value);
    }

    [Fact]
    public void Bind_CurrentTimestamp_IsTheEpochsBatchTimestamp()
    {
        var bound = Bind("current_timestamp()", Sample.Schema);
        var later = new EpochContext(4, 1_800_000_000_000_000L);
        var values = (TimestampArray)bound.Evaluate(new EvaluationScope(Sample, later, 0));
        Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(later.BatchTimestampMicros, values.GetValue(i)));
    }

    [Fact]
    public void Evaluate_EmptyBatch_GivesAnEmptyColumnOfTheBoundType()
    {
        var bound = Bind("lower(b)", Sample.Schema);
        var empty = new RecordBatch(Sample.Schema, [Ints(), Strs()], 0);
        var result = bound.Evaluate(new EvaluationScope(empty, Ctx, 0));
        Assert.Equal(0, result.Length);
        Assert.IsType<StringType>(result.Data.DataType);
    }

    [Fact]
    public void Operators_BindAtConstruction_SoErrorsSurfaceBeforeAnyBatch()
    {
        Assert.Throws<AnalysisException>(() => new FilterOperator(SqlExpressionParser.Parse("b RLIKE b"), Sample.Schema));
        Assert.Throws<AnalysisException>(() => new ProjectOperator([SqlExpressionParser.Parse("split(b, b)")], Sample.Schema));
    }
}
