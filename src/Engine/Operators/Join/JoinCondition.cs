using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Analysis;
using OrleansStream.Engine.Analysis.Bound;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.Logical;

namespace OrleansStream.Engine.Operators.Join;

/// <summary>
/// A join's residual (non-equi) condition, bound once over the concatenated row whose columns are named <c>__l{i}</c>
/// (left column i) and <c>__r{j}</c> (right column j), and evaluated over candidate pairs slice by slice: each slice's pair
/// columns are gathered from the two sources, so no row object is ever built. A null result counts as false.
/// </summary>
internal sealed class JoinCondition
{
    /// <summary>Pairs per evaluated slice: the gathered pair columns stay small and reuse warm memory.</summary>
    private const int SliceRows = 4096;

    private readonly BoundExpr _condition;
    private readonly int _slots;
    private readonly Schema _pairSchema;
    private readonly int _leftCount;
    private readonly bool[] _reads;

    /// <summary>Binds <paramref name="condition"/> over pairs of <paramref name="left"/> and <paramref name="right"/> rows.</summary>
    /// <exception cref="AnalysisException">The condition does not resolve or is not boolean.</exception>
    public JoinCondition(Expr condition, Schema left, Schema right)
    {
        _pairSchema = PairSchema(left, right);
        _leftCount = left.FieldsList.Count;
        AnalyzerProjection.CheckFilter(condition, _pairSchema);
        var binder = new ExpressionBinder(_pairSchema);
        _condition = binder.Bind(condition);
        _slots = binder.SlotCount;
        _reads = JoinConditionSplit.ColumnsRead(condition, _leftCount, right.FieldsList.Count);
    }

    /// <summary>The schema the condition reads: <c>__l{i}</c> for the left columns, then <c>__r{j}</c> for the right ones.</summary>
    public static Schema PairSchema(Schema left, Schema right)
    {
        var fields = new List<Field>(left.FieldsList.Count + right.FieldsList.Count);
        for (var i = 0; i < left.FieldsList.Count; i++) fields.Add(Rename(left.FieldsList[i], "__l" + i));
        for (var j = 0; j < right.FieldsList.Count; j++) fields.Add(Rename(right.FieldsList[j], "__r" + j));
        return new Schema(fields, null);
    }

    private static Field Rename(Field f, string name) => new(name, f.DataType, f.IsNullable, f.Metadata);

    /// <summary>Sets <c>pass[i]</c> to whether the condition, reading one side only, holds for row i of <paramref name="rows"/>
    /// (the other side's columns read as nulls).</summary>
    public void EvaluateOneSide(RecordBatch rows, bool left, Span<bool> pass, EpochContext context)
    {
        var n = rows.Length;
        var columns = new IArrowArray[_pairSchema.FieldsList.Count];
        var fields = _pairSchema.FieldsList;
        for (var start = 0; start < n; start += SliceRows)
        {
            var length = Math.Min(SliceRows, n - start);
            for (var c = 0; c < columns.Length; c++)
            {
                var own = left ? c < _leftCount : c >= _leftCount;
                columns[c] = !_reads[c] ? new NullArray(length)
                    : !own ? ArrayFactory.Nulls(fields[c].DataType, length)
                    : ArrowArrayFactory.Slice(rows.Column(left ? c : c - _leftCount), start, length);
            }
            var result = _condition.Evaluate(new EvaluationScope(new RecordBatch(_pairSchema, columns, length), context, _slots));
            var predicate = result as BooleanArray ?? (BooleanArray)CastKernels.Cast(result, BooleanType.Default);
            for (var i = 0; i < length; i++) pass[start + i] = predicate.GetValue(i) == true;
        }
    }

    /// <summary>Sets <c>pass[i]</c> to whether the condition holds for (<c>left[leftRows[i]]</c>, <c>right[rightRows[i]]</c>).</summary>
    public void Evaluate(RecordBatch left, ReadOnlySpan<int> leftRows, RecordBatch right, ReadOnlySpan<int> rightRows, Span<bool> pass, EpochContext context)
    {
        var n = leftRows.Length;
        var columns = new IArrowArray[_pairSchema.FieldsList.Count];
        for (var start = 0; start < n; start += SliceRows)
        {
            var length = Math.Min(SliceRows, n - start);
            var l = leftRows.Slice(start, length);
            var r = rightRows.Slice(start, length);
            // Only the columns the condition reads are gathered; the others are placeholders it never touches.
            for (var c = 0; c < _leftCount; c++) columns[c] = _reads[c] ? TakeKernel.Take(left.Column(c), l) : new NullArray(length);
            for (var c = _leftCount; c < columns.Length; c++)
                columns[c] = _reads[c] ? TakeKernel.Take(right.Column(c - _leftCount), r) : new NullArray(length);
            var result = _condition.Evaluate(new EvaluationScope(new RecordBatch(_pairSchema, columns, length), context, _slots));
            var predicate = result as BooleanArray ?? (BooleanArray)CastKernels.Cast(result, BooleanType.Default);
            for (var i = 0; i < length; i++) pass[start + i] = predicate.GetValue(i) == true;
        }
    }
}
