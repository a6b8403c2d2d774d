using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Analysis.Bound;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Expressions.Kernels;

namespace OrleansStream.Engine.Operators.Filter;

/// <summary>
/// A filter condition <c>c op k</c> or <c>c % d op k</c> over a bigint column c and bigint constants (q2's
/// <c>auction % 123 = 0</c>), specialised at binding into one loop that writes the indices of the kept rows: the general
/// path materialises the remainder column (8 bytes a row) and the comparison's bitmap for every slice, and walks the
/// bitmap again. Same results: a null c is not kept; d is neither 0 nor -1 (those take the general path, which gives null
/// and 0).
/// </summary>
internal sealed class Int64Selection
{
    private readonly int _column;
    private readonly long _divisor;   // 0: no remainder
    private readonly BinaryOp _op;    // c [% d] _op _constant, one of = != < <= > >=
    private readonly long _constant;

    private Int64Selection(int column, long divisor, BinaryOp op, long constant) =>
        (_column, _divisor, _op, _constant) = (column, divisor, op, constant);

    /// <summary>The specialised form of <paramref name="condition"/>, or null when it is not of that form.</summary>
    public static Int64Selection? TryCreate(BoundExpr condition)
    {
        if (condition is not BoundComparison { Common.TypeId: ArrowTypeId.Int64 } comparison || Mirror(comparison.Op) is not { } mirrored) return null;
        var (op, operand, constantSide) = (comparison.Op, comparison.Left, comparison.Right);
        if (Constant(constantSide) is not { } constant)
        {
            (op, operand, constantSide) = (mirrored, comparison.Right, comparison.Left);
            if (Constant(constantSide) is not { } swapped) return null;
            constant = swapped;
        }
        if (Column(operand) is { } column) return new Int64Selection(column, 0, op, constant);
        if (operand is BoundArithmetic { Op: BinaryOp.Modulo, Type.TypeId: ArrowTypeId.Int64 } remainder
            && Column(remainder.Left) is { } dividend && Constant(remainder.Right) is { } divisor and not (0 or -1))
            return new Int64Selection(dividend, divisor, op, constant);
        return null;
    }

    /// <summary>Writes the indices of the rows of <paramref name="batch"/> the condition keeps into <paramref name="selection"/>; returns how many.</summary>
    public int Select(RecordBatch batch, Span<int> selection)
    {
        var column = batch.Column(_column);
        var values = ArrowSpans.Values<long>(column);
        var validity = ArrowSpans.Validity(column);
        var offset = column.Data.Offset;
        return _op switch
        {
            BinaryOp.Equal => Select<EqualOp>(values, validity, offset, negate: false, selection),
            BinaryOp.NotEqual => Select<EqualOp>(values, validity, offset, negate: true, selection),
            BinaryOp.LessThan => Select<LessOp>(values, validity, offset, negate: false, selection),
            BinaryOp.GreaterThanOrEqual => Select<LessOp>(values, validity, offset, negate: true, selection),
            BinaryOp.GreaterThan => Select<GreaterOp>(values, validity, offset, negate: false, selection),
            _ => Select<GreaterOp>(values, validity, offset, negate: true, selection),
        };
    }

    private int Select<TOp>(ReadOnlySpan<long> values, ReadOnlySpan<byte> validity, int offset, bool negate, Span<int> selection)
        where TOp : ICompareOp
    {
        var (divisor, constant) = (_divisor, _constant);
        var k = 0;
        // Branch-free: every row's index is written, and the count moves on only for a kept row.
        if (divisor == 0)
            for (var i = 0; i < values.Length; i++)
            {
                selection[k] = i;
                k += TOp.Test(values[i], constant) != negate ? 1 : 0;
            }
        else
            for (var i = 0; i < values.Length; i++)
            {
                selection[k] = i;
                k += TOp.Test(values[i] % divisor, constant) != negate ? 1 : 0;
            }
        if (validity.IsEmpty) return k;
        // A null row is never kept: drop those the loop above kept (their values are unspecified).
        var kept = 0;
        for (var j = 0; j < k; j++)
            if (ArrowSpans.IsValid(validity, offset, selection[j])) selection[kept++] = selection[j];
        return kept;
    }

    private static int? Column(BoundExpr e) => e is BoundColumn { IsTopLevel: true, Type.TypeId: ArrowTypeId.Int64 } c ? c.Ordinal : null;

    // An integer constant (the binder keeps a literal's own type, e.g. int for 123; the kernels widen it to bigint).
    private static long? Constant(BoundExpr e) => e switch
    {
        BoundConstant c => c.Value switch
        {
            Int64Array { Length: 1 } a => a.GetValue(0),
            Int32Array { Length: 1 } a => a.GetValue(0),
            Int16Array { Length: 1 } a => a.GetValue(0),
            Int8Array { Length: 1 } a => a.GetValue(0),
            _ => null,
        },
        BoundLiteral { Value: long or int or short or sbyte } literal => Convert.ToInt64(literal.Value, System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };

    // k op c as c op' k; null for an operator this does not handle (<=>).
    private static BinaryOp? Mirror(BinaryOp op) => op switch
    {
        BinaryOp.Equal or BinaryOp.NotEqual => op,
        BinaryOp.LessThan => BinaryOp.GreaterThan,
        BinaryOp.LessThanOrEqual => BinaryOp.GreaterThanOrEqual,
        BinaryOp.GreaterThan => BinaryOp.LessThan,
        BinaryOp.GreaterThanOrEqual => BinaryOp.LessThanOrEqual,
        _ => null,
    };
}
