using System.Numerics;
using Apache.Arrow;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.Logical;

namespace OrleansStream.Engine.Operators.Filter;

/// <summary>WHERE: keeps the rows whose predicate is true (null counts as false) and compacts every column.</summary>
public sealed class FilterOperator : IBatchOperator
{
    private readonly Expr _condition;

    /// <summary>Binds <paramref name="condition"/> to <paramref name="inputSchema"/>.</summary>
    /// <exception cref="AnalysisException">The condition does not resolve or is not boolean.</exception>
    public FilterOperator(Expr condition, Schema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(inputSchema);
        AnalyzerProjection.CheckFilter(condition, inputSchema);
        _condition = condition;
        OutputSchema = inputSchema;
    }

    /// <inheritdoc />
    public Schema OutputSchema { get; }

    /// <inheritdoc />
    public RecordBatch Process(RecordBatch input, EpochContext context)
    {
        ArgumentNullException.ThrowIfNull(input);
        var n = input.Length;
        if (n == 0) return input;
        var predicate = ExpressionEvaluator.EvaluatePredicate(_condition, input, context);
        var selected = Selection(predicate);
        if (selected.Length == n) return new RecordBatch(OutputSchema, input.Arrays, n);
        var columns = new IArrowArray[input.ColumnCount];
        for (var c = 0; c < columns.Length; c++) columns[c] = TakeKernel.Take(input.Column(c), selected);
        return new RecordBatch(OutputSchema, columns, selected.Length);
    }

    /// <summary>Indices of the rows where <paramref name="predicate"/> is true and not null.</summary>
    internal static int[] Selection(BooleanArray predicate)
    {
        var n = predicate.Length;
        var bits = Bitmaps.Values(predicate);
        var valid = Bitmaps.Validity(predicate);
        if (valid is not null)
            for (var i = 0; i < bits.Length; i++) bits[i] &= valid[i];
        // clear the padding bits past n
        if ((n & 7) != 0) bits[^1] &= (byte)((1 << (n & 7)) - 1);
        var count = 0;
        foreach (var b in bits) count += BitOperations.PopCount(b);
        var result = new int[count];
        var k = 0;
        for (var byteIndex = 0; byteIndex < bits.Length; byteIndex++)
        {
            uint b = bits[byteIndex];
            while (b != 0)
            {
                var bit = BitOperations.TrailingZeroCount(b);
                result[k++] = (byteIndex << 3) + bit;
                b &= b - 1;
            }
        }
        return result;
    }
}
