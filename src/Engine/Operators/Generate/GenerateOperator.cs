using Apache.Arrow;
using OrleansStream.Engine.Analysis;
using OrleansStream.Engine.Analysis.Bound;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.Logical;

namespace OrleansStream.Engine.Operators.Generate;

/// <summary>
/// A select list holding one generator (explode / explode_outer of an array or map): one output row per element, the other
/// projected columns repeated. explode drops rows whose array is null or empty; explode_outer keeps them with a null element.
/// An array yields one column ("col" or its alias); a map yields "key" and "value".
/// </summary>
public sealed class GenerateOperator : IBatchOperator
{
    private readonly List<AnalyzerProjectionItem> _items;
    private readonly AnalyzerProjectionItem _generator;
    private readonly BoundExpr _source;
    private readonly BoundExpr?[] _values; // per item, null for the generator
    private readonly int _slots;

    /// <summary>Binds <paramref name="selectList"/> (exactly one generator, stars allowed) to <paramref name="inputSchema"/>.</summary>
    /// <exception cref="AnalysisException">An expression does not resolve.</exception>
    public GenerateOperator(IReadOnlyList<Expr> selectList, Schema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(selectList);
        ArgumentNullException.ThrowIfNull(inputSchema);
        _items = AnalyzerProjection.Bind(selectList, inputSchema);
        if (_items.Count(i => i.IsGenerator) != 1) throw new ArgumentException("The select list must hold exactly one generator.", nameof(selectList));
        OutputSchema = new Schema(_items.SelectMany(i => i.Fields), null);
        _generator = _items.First(i => i.IsGenerator);
        var binder = new ExpressionBinder(inputSchema);
        _source = binder.Bind(((FunctionCall)_generator.Expr).Args[0]);
        _values = _items.Select(i => i.IsGenerator ? null : binder.Bind(i.Expr)).ToArray();
        _slots = binder.SlotCount;
    }

    /// <inheritdoc />
    public Schema OutputSchema { get; }

    /// <inheritdoc />
    public RecordBatch Process(RecordBatch input, EpochContext context)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Length == 0)
            return new RecordBatch(OutputSchema, OutputSchema.FieldsList.Select(f => ArrayFactory.Nulls(f.DataType, 0)), 0);
        var scope = new EvaluationScope(input, context, _slots);
        var source = _source.Evaluate(scope);
        if (source is not ListArray list)
            throw new AnalysisException($"[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] explode requires an array or map, got {source.Data.DataType.Name}.");
        var n = input.Length;
        var offsets = list.ValueOffsets;
        var outer = _generator.IsOuter;
        var total = 0;
        for (var i = 0; i < n; i++)
        {
            var len = list.IsNull(i) ? 0 : offsets[i + 1] - offsets[i];
            total += len == 0 && outer ? 1 : len;
        }
        var rows = new int[total];
        var elements = new int[total];
        var k = 0;
        for (var i = 0; i < n; i++)
        {
            var len = list.IsNull(i) ? 0 : offsets[i + 1] - offsets[i];
            if (len == 0)
            {
                if (outer) { rows[k] = i; elements[k++] = -1; }
                continue;
            }
            for (var j = offsets[i]; j < offsets[i + 1]; j++) { rows[k] = i; elements[k++] = j; }
        }
        var columns = new List<IArrowArray>(OutputSchema.FieldsList.Count);
        for (var c = 0; c < _items.Count; c++)
        {
            var item = _items[c];
            if (item.IsGenerator)
            {
                if (list is MapArray map)
                {
                    columns.Add(TakeKernel.Take(map.Keys, elements));
                    columns.Add(TakeKernel.Take(map.Values, elements));
                }
                else columns.Add(TakeKernel.Take(list.Values, elements));
                continue;
            }
            var target = item.Fields[0].DataType;
            var array = _values[c]!.Evaluate(scope);
            if (array.Data.DataType.TypeId != target.TypeId) array = CastKernels.Cast(array, target);
            columns.Add(TakeKernel.Take(array, rows));
        }
        return new RecordBatch(OutputSchema, columns, total);
    }
}
