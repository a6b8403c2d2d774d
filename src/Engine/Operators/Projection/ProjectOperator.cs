using Apache.Arrow;
using OrleansStream.Engine.Analysis;
using OrleansStream.Engine.Analysis.Bound;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.Logical;

namespace OrleansStream.Engine.Operators.Projection;

/// <summary>SELECT list without generators: evaluates each expression over the input batch into a new batch.</summary>
public sealed class ProjectOperator : IBatchOperator
{
    private readonly BoundExpr[] _exprs;
    private readonly int _slots;

    /// <summary>Binds <paramref name="selectList"/> (stars allowed) to <paramref name="inputSchema"/>.</summary>
    /// <exception cref="AnalysisException">An expression does not resolve.</exception>
    /// <exception cref="ArgumentException">The list contains a generator (use <see cref="Generate.GenerateOperator"/>).</exception>
    public ProjectOperator(IReadOnlyList<Expr> selectList, Schema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(selectList);
        ArgumentNullException.ThrowIfNull(inputSchema);
        var items = AnalyzerProjection.Bind(selectList, inputSchema);
        if (items.Any(i => i.IsGenerator)) throw new ArgumentException("A select list with a generator needs a GenerateOperator.", nameof(selectList));
        // items often repeat a sub-expression (q14's price * 0.908 in several places): one binder shares it, so it is
        // computed once per batch
        var binder = new ExpressionBinder(inputSchema);
        _exprs = items.Select(i => binder.Bind(i.Expr)).ToArray();
        _slots = binder.SlotCount;
        InputSchema = inputSchema;
        OutputSchema = new Schema(items.Select(i => i.Fields[0]), null);
    }

    /// <summary>The schema the operator was bound to.</summary>
    public Schema InputSchema { get; }

    /// <inheritdoc />
    public Schema OutputSchema { get; }

    /// <inheritdoc />
    public RecordBatch Process(RecordBatch input, EpochContext context)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        var columns = new IArrowArray[_exprs.Length];
        var scope = new EvaluationScope(input, context, _slots);
        for (var i = 0; i < _exprs.Length; i++)
        {
            var array = _exprs[i].Evaluate(scope);
            var target = OutputSchema.FieldsList[i].DataType;
            if (array.Data.DataType.TypeId != target.TypeId || target is Apache.Arrow.Types.Decimal128Type)
                array = CastKernels.Cast(array, target);
            columns[i] = array;
        }
        return new RecordBatch(OutputSchema, columns, input.Length);
    }
}
