using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Engine.Analysis.Bound;

/// <summary>
/// A constant operand facing a column (<c>price * 0.908</c>, <c>CAST('2024-01-01' AS TIMESTAMP) &lt; ts</c>), folded once at
/// binding into a one-row array: the kernels apply it to every row without materialising it as a column. When folding
/// failed at binding, the fold runs per batch so that its error surfaces where it always did.
/// </summary>
internal sealed class BoundConstant : BoundExpr
{
    private readonly IArrowArray? _folded;
    private readonly Func<IArrowArray> _fold;

    /// <summary>The constant computed by <paramref name="fold"/> (one row long).</summary>
    public BoundConstant(Func<IArrowArray> fold, IArrowType type, bool nullable)
        : base(type, nullable)
    {
        _fold = fold;
        try
        {
            _folded = fold();
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException or ArgumentException or AnalysisException)
        {
            _folded = null;
        }
    }

    /// <summary>The one-row value (the operand of a kernel that broadcasts it).</summary>
    public IArrowArray Value => _folded ?? _fold();

    /// <inheritdoc />
    protected override IArrowArray Compute(EvaluationScope scope) => Value;
}
