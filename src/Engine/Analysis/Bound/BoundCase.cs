using System.Buffers;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions.Kernels;

namespace OrleansStream.Engine.Analysis.Bound;

/// <summary>CASE WHEN ... THEN ... ELSE ... END: per row the first branch whose condition holds, values cast to the common type.</summary>
internal sealed class BoundCase : BoundExpr
{
    private readonly BoundExpr[] _conditions;
    private readonly BoundExpr[] _values; // the branches' values, then the ELSE value if any
    private readonly bool _hasElse;
    private readonly byte[]?[]? _stringLiterals;

    /// <summary>The CASE of <paramref name="conditions"/> and <paramref name="values"/> (one more value than conditions with an ELSE);
    /// <paramref name="stringLiterals"/> are the values' UTF-8 bytes when every value is a string literal.</summary>
    public BoundCase(BoundExpr[] conditions, BoundExpr[] values, bool hasElse, byte[]?[]? stringLiterals, IArrowType type, bool nullable)
        : base(type, nullable)
    {
        _conditions = conditions;
        _values = values;
        _hasElse = hasElse;
        _stringLiterals = stringLiterals;
    }

    /// <inheritdoc />
    protected override IArrowArray Compute(EvaluationScope scope)
    {
        var n = scope.Length;
        var conditions = new BooleanArray[_conditions.Length];
        for (var b = 0; b < conditions.Length; b++) conditions[b] = AsBoolean(_conditions[b].Eval(scope));
        var elseIndex = _hasElse ? _conditions.Length : -1;
        // the per-row choice is scratch: a pooled array spares a fresh large allocation per batch
        var rented = ArrayPool<int>.Shared.Rent(n);
        try
        {
            var choice = rented.AsSpan(0, n);
            CaseKernels.Choices(conditions, elseIndex, choice);
            if (_stringLiterals is not null) return CaseKernels.LiteralStrings(_stringLiterals, choice);
            var values = new IArrowArray[_values.Length];
            for (var k = 0; k < values.Length; k++) values[k] = _values[k].Eval(scope);
            if (Type is NullType) return new NullArray(n);
            for (var k = 0; k < values.Length; k++) values[k] = CastKernels.Cast(values[k], Type);
            return TakeKernel.Choose(values, choice, Type);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rented);
        }
    }
}
