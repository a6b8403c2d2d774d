using Apache.Arrow;
using OrleansStream.Engine.Operators;

namespace OrleansStream.Engine.Planning.Physical;

/// <summary>Whether a join side is a stream or a table read whole.</summary>
public enum JoinInputKind
{
    /// <summary>A stream.</summary>
    Stream,
    /// <summary>A table read whole.</summary>
    Static,
}

/// <summary>TEMPORARY stand-in for the join-operator branch's spec (same contract), so that planning compiles until it lands.</summary>
public sealed class JoinOperatorSpec : KeyedOperatorSpec
{
    /// <summary>Creates the spec.</summary>
    public JoinOperatorSpec(Plan.Logical.JoinType type, Schema left, Schema right, IReadOnlyList<int> leftKeys, IReadOnlyList<int> rightKeys,
        IReadOnlyList<bool> nullSafe, Expr? condition, JoinInputKind leftKind, JoinInputKind rightKind, int? leftEventTime, int? rightEventTime)
        : base([left, right])
    {
        Type = type;
        LeftKeys = leftKeys;
        RightKeys = rightKeys;
        NullSafe = nullSafe;
        Condition = condition;
        LeftKind = leftKind;
        RightKind = rightKind;
        LeftEventTime = leftEventTime;
        RightEventTime = rightEventTime;
        var l = left.FieldsList.Select(f => new Field(f.Name, f.DataType, f.IsNullable || type is Plan.Logical.JoinType.RightOuter or Plan.Logical.JoinType.FullOuter));
        var r = right.FieldsList.Select(f => new Field(f.Name, f.DataType, f.IsNullable || type is Plan.Logical.JoinType.LeftOuter or Plan.Logical.JoinType.FullOuter));
        StateOutputSchema = new Schema(type is Plan.Logical.JoinType.LeftSemi or Plan.Logical.JoinType.LeftAnti ? l : l.Concat(r), null);
    }

    /// <summary>The join type.</summary>
    public Plan.Logical.JoinType Type { get; }
    /// <summary>Left keys.</summary>
    public IReadOnlyList<int> LeftKeys { get; }
    /// <summary>Right keys.</summary>
    public IReadOnlyList<int> RightKeys { get; }
    /// <summary>Null-safe flags.</summary>
    public IReadOnlyList<bool> NullSafe { get; }
    /// <summary>Residual condition.</summary>
    public Expr? Condition { get; }
    /// <summary>Left kind.</summary>
    public JoinInputKind LeftKind { get; }
    /// <summary>Right kind.</summary>
    public JoinInputKind RightKind { get; }
    /// <summary>Left event time.</summary>
    public int? LeftEventTime { get; }
    /// <summary>Right event time.</summary>
    public int? RightEventTime { get; }

    /// <inheritdoc />
    public override string Name => "symmetricHashJoin";

    /// <inheritdoc />
    public override Schema StateOutputSchema { get; }

    /// <inheritdoc />
    public override bool UsesWatermark => LeftEventTime is not null && RightEventTime is not null;

    /// <summary>Spark's refusals for stream-stream joins (the operator branch's).</summary>
    public void CheckStreaming()
    {
    }

    /// <inheritdoc />
    public override IExchangeWriter CreateExchangeWriter(int inputIndex) => throw new NotSupportedException("join operator not merged yet");

    /// <inheritdoc />
    public override IStatefulOperator CreateOperator(string outputMode) => throw new NotSupportedException("join operator not merged yet");
}
