using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Analysis.Bound;

/// <summary>A column by ordinal, possibly a field path into struct columns below it. Timestamps read as microseconds.</summary>
internal sealed class BoundColumn : BoundExpr
{
    private readonly int[] _fieldPath;

    /// <summary>Column <paramref name="ordinal"/> of the input, then struct fields <paramref name="fieldPath"/>.</summary>
    public BoundColumn(int ordinal, int[] fieldPath, IArrowType type, bool nullable)
        : base(type, nullable)
    {
        Ordinal = ordinal;
        _fieldPath = fieldPath;
    }

    /// <summary>The top-level column's position in the input schema.</summary>
    public int Ordinal { get; }

    /// <summary>True when the node reads the top-level column itself (no struct field below it).</summary>
    public bool IsTopLevel => _fieldPath.Length == 0;

    /// <inheritdoc />
    protected override IArrowArray Compute(EvaluationScope scope)
    {
        var array = scope.Batch.Column(Ordinal);
        foreach (var k in _fieldPath) array = BoundGetField.StructChild((StructArray)array, k);
        // a source may hand over milli- or nanosecond timestamps: every kernel reads microseconds
        return array.Data.DataType is TimestampType ts && ts.Unit != TimeUnit.Microsecond
            ? CastKernels.Cast(array, DataTypes.Timestamp)
            : array;
    }
}
