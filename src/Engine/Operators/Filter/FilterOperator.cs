using System.Buffers;
using System.Numerics;
using Apache.Arrow;
using OrleansStream.Engine.Analysis;
using OrleansStream.Engine.Analysis.Bound;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.Logical;

namespace OrleansStream.Engine.Operators.Filter;

/// <summary>WHERE: keeps the rows whose predicate is true (null counts as false) and compacts every column.</summary>
public sealed class FilterOperator : IBatchOperator
{
    /// <summary>Rows per slice the predicate is evaluated over. Its intermediate columns (a 16-byte decimal column
    /// included) then stay below the large-object threshold and reuse warm gen-0 memory, where a whole-batch column
    /// is a fresh large-object allocation, paid for in page faults, per operator node and batch.</summary>
    internal const int DefaultChunkRows = 4096;

    private readonly BoundExpr _condition;
    private readonly int _slots;
    private readonly int _chunkRows;
    private readonly Int64Selection? _specialised;

    /// <summary>Binds <paramref name="condition"/> to <paramref name="inputSchema"/>.</summary>
    /// <exception cref="AnalysisException">The condition does not resolve or is not boolean.</exception>
    public FilterOperator(Expr condition, Schema inputSchema)
        : this(condition, inputSchema, DefaultChunkRows)
    {
    }

    /// <summary>As the public constructor, with the slice size (tests compare slicing with whole batches) and whether a
    /// condition of a specialised form (<see cref="Int64Selection"/>) runs as such (tests compare it with the general path).</summary>
    internal FilterOperator(Expr condition, Schema inputSchema, int chunkRows, bool specialise = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkRows, 1);
        _chunkRows = chunkRows;
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(inputSchema);
        AnalyzerProjection.CheckFilter(condition, inputSchema);
        var binder = new ExpressionBinder(inputSchema);
        _condition = binder.Bind(condition);
        _slots = binder.SlotCount;
        _specialised = specialise ? Int64Selection.TryCreate(_condition) : null;
        OutputSchema = inputSchema;
    }

    /// <summary>True when the condition runs as a specialised selection loop.</summary>
    internal bool IsSpecialised => _specialised is not null;

    /// <inheritdoc />
    public Schema OutputSchema { get; }

    /// <inheritdoc />
    public RecordBatch Process(RecordBatch input, EpochContext context)
    {
        ArgumentNullException.ThrowIfNull(input);
        var n = input.Length;
        if (n == 0) return input;
        var selection = ArrayPool<int>.Shared.Rent(n);
        try
        {
            var count = _specialised?.Select(input, selection) ?? Select(input, context, selection);
            if (count == n) return new RecordBatch(OutputSchema, input.Arrays, n);
            var kept = selection.AsSpan(0, count);
            var columns = new IArrowArray[input.ColumnCount];
            // the kept rows live as long as the batch's columns: in arrays of its owner, where it has one
            for (var c = 0; c < columns.Length; c++) columns[c] = TakeKernel.Take(input.Column(c), kept, context.Buffers);
            return new RecordBatch(OutputSchema, columns, count);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(selection);
        }
    }

    /// <summary>Writes the indices of the kept rows into <paramref name="selection"/>, slice by slice; returns how many.</summary>
    private int Select(RecordBatch input, EpochContext context, int[] selection)
    {
        var n = input.Length;
        var count = 0;
        // The slices' columns are garbage once counted: rented from the batch's owner, each would be held until the batch is released.
        if (context.Buffers is not null) context = context with { Buffers = null };
        for (var start = 0; start < n; start += _chunkRows)
        {
            var length = Math.Min(_chunkRows, n - start);
            var chunk = length == n ? input : Slice(input, start, length);
            var result = _condition.Evaluate(new EvaluationScope(chunk, context, _slots));
            // a null-typed condition is all-null booleans
            var predicate = result as BooleanArray ?? (BooleanArray)CastKernels.Cast(result, Apache.Arrow.Types.BooleanType.Default);
            count += AppendSelected(predicate, start, selection.AsSpan(count));
        }
        return count;
    }

    private static RecordBatch Slice(RecordBatch batch, int start, int length)
    {
        var columns = new IArrowArray[batch.ColumnCount];
        for (var c = 0; c < columns.Length; c++) columns[c] = ArrowArrayFactory.Slice(batch.Column(c), start, length);
        return new RecordBatch(batch.Schema, columns, length);
    }

    /// <summary>Writes <paramref name="first"/> + i for every row i where <paramref name="predicate"/> is true and not null
    /// into <paramref name="destination"/>; returns how many.</summary>
    private static int AppendSelected(BooleanArray predicate, int first, Span<int> destination)
    {
        var n = predicate.Length;
        var bits = Bitmaps.Values(predicate);
        var valid = Bitmaps.Validity(predicate);
        if (valid is not null)
            for (var i = 0; i < bits.Length; i++) bits[i] &= valid[i];
        // clear the padding bits past n
        if ((n & 7) != 0) bits[^1] &= (byte)((1 << (n & 7)) - 1);
        var k = 0;
        for (var byteIndex = 0; byteIndex < bits.Length; byteIndex++)
        {
            uint b = bits[byteIndex];
            while (b != 0)
            {
                var bit = BitOperations.TrailingZeroCount(b);
                destination[k++] = first + (byteIndex << 3) + bit;
                b &= b - 1;
            }
        }
        return k;
    }
}
