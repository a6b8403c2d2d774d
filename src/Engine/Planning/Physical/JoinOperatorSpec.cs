using Apache.Arrow;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Operators.Join;

namespace OrleansStream.Engine.Planning.Physical;

/// <summary>
/// A join (Spark's StreamingSymmetricHashJoinExec for two streams; a hash join for a batch query or a stream-static join):
/// input 0 is the left side, input 1 the right, each routed on its equi-join keys so that equal keys meet in one key group.
/// </summary>
public sealed class JoinOperatorSpec : KeyedOperatorSpec
{
    /// <summary>Creates the spec.</summary>
    /// <param name="type">The join type.</param>
    /// <param name="left">The schema of the rows arriving from the left side (input 0).</param>
    /// <param name="right">The schema of the rows arriving from the right side (input 1).</param>
    /// <param name="leftKeys">The left side's equi-join key columns; empty for a cross or non-equi join (one key group).</param>
    /// <param name="rightKeys">The right side's key columns, pairwise of the same Arrow type as <paramref name="leftKeys"/>.</param>
    /// <param name="nullSafe"><c>nullSafe[i]</c>: key pair i compares with <c>&lt;=&gt;</c> (null equals null); otherwise a null key never matches.</param>
    /// <param name="condition">The residual predicate over the concatenated row (<c>__l{i}</c>, <c>__r{j}</c>), or null.</param>
    /// <param name="leftKind">Whether the left side is a stream or static.</param>
    /// <param name="rightKind">Whether the right side is a stream or static.</param>
    /// <param name="leftEventTime">The left side's watermarked event-time column (timestamp or window struct), or null.</param>
    /// <param name="rightEventTime">The right side's watermarked event-time column, or null.</param>
    /// <exception cref="ArgumentException">Key lists of different lengths, or a key pair of two types.</exception>
    /// <exception cref="AnalysisException">A key's type cannot be hashed (an array or a map).</exception>
    public JoinOperatorSpec(JoinType type, Schema left, Schema right, IReadOnlyList<int> leftKeys, IReadOnlyList<int> rightKeys,
        IReadOnlyList<bool> nullSafe, Expr? condition, JoinInputKind leftKind, JoinInputKind rightKind, int? leftEventTime, int? rightEventTime)
        : base([left ?? throw new ArgumentNullException(nameof(left)), right ?? throw new ArgumentNullException(nameof(right))])
    {
        ArgumentNullException.ThrowIfNull(leftKeys);
        ArgumentNullException.ThrowIfNull(rightKeys);
        ArgumentNullException.ThrowIfNull(nullSafe);
        if (leftKeys.Count != rightKeys.Count || nullSafe.Count != leftKeys.Count)
            throw new ArgumentException($"A join needs as many right keys and null-safe flags as left keys ({leftKeys.Count}), not {rightKeys.Count} and {nullSafe.Count}.");
        for (var i = 0; i < leftKeys.Count; i++)
        {
            var l = left.FieldsList[leftKeys[i]].DataType;
            var r = right.FieldsList[rightKeys[i]].DataType;
            if (l.TypeId != r.TypeId)
                throw new ArgumentException($"Join key pair {i} has different types ({l.Name} and {r.Name}); the planner casts them to one type.");
            foreach (var leaf in JoinKeys.Fields(left, [leftKeys[i]], "k"))
            {
                if (State.KeyEncoder.IsSupported(leaf.DataType)) continue;
                throw new AnalysisException(
                    $"Join key column '{left.FieldsList[leftKeys[i]].Name}' = '{right.FieldsList[rightKeys[i]].Name}' has type {DataTypes.ToDdl(l)}, which cannot be "
                    + "a join key here (supported: boolean, tinyint, smallint, int, bigint, float, double, decimal, string, binary, timestamp, date, and structs of them).");
            }
        }
        Type = type;
        Left = left;
        Right = right;
        LeftKeys = leftKeys;
        RightKeys = rightKeys;
        NullSafe = nullSafe;
        Condition = condition;
        LeftKind = leftKind;
        RightKind = rightKind;
        LeftEventTime = leftEventTime;
        RightEventTime = rightEventTime;
        StateOutputSchema = OutputSchemaOf(type, left, right);
    }

    /// <summary>The join type.</summary>
    public JoinType Type { get; }

    /// <summary>The left side's rows.</summary>
    public Schema Left { get; }

    /// <summary>The right side's rows.</summary>
    public Schema Right { get; }

    /// <summary>The left side's key columns.</summary>
    public IReadOnlyList<int> LeftKeys { get; }

    /// <summary>The right side's key columns.</summary>
    public IReadOnlyList<int> RightKeys { get; }

    /// <summary>Per key pair, whether it compares null-safely.</summary>
    public IReadOnlyList<bool> NullSafe { get; }

    /// <summary>The residual condition, or null.</summary>
    public Expr? Condition { get; }

    /// <summary>Whether the left side is a stream or static.</summary>
    public JoinInputKind LeftKind { get; }

    /// <summary>Whether the right side is a stream or static.</summary>
    public JoinInputKind RightKind { get; }

    /// <summary>The left side's watermarked event-time column, or null.</summary>
    public int? LeftEventTime { get; }

    /// <summary>The right side's watermarked event-time column, or null.</summary>
    public int? RightEventTime { get; }

    /// <summary>True for a join of two streams (state buffered across epochs).</summary>
    public bool IsStreamStream => LeftKind == JoinInputKind.Stream && RightKind == JoinInputKind.Stream;

    /// <inheritdoc />
    public override string Name => "symmetricHashJoin";

    /// <inheritdoc />
    public override Schema StateOutputSchema { get; }

    /// <summary>
    /// A stream-stream join may still emit a row as old as the state it keeps: its output watermark is the lower of its
    /// sides' state watermarks (Spark 3.5's watermark propagation), so a windowed aggregation after it counts such a row
    /// instead of dropping it as late. Without a watermark yet (0) it stays 0.
    /// </summary>
    public override long OutputWatermarkMs(long inputWatermarkMs)
    {
        if (!IsStreamStream || inputWatermarkMs == 0) return inputWatermarkMs;
        var (left, right) = StateWatermarks(inputWatermarkMs * 1000);
        long? lowest = left is { } l ? (right is { } r ? Math.Min(l, r) : l) : right;
        return lowest is { } micros ? micros / 1000 : inputWatermarkMs;
    }

    /// <summary>Each side's state watermark (µs) under the watermark <paramref name="watermarkMicros"/>: its buffered rows
    /// whose event time is at or below it can no longer match (Spark's <c>getStateWatermark</c>). Both sides take the
    /// watermark itself when the event time is a join key; a side takes the bound a time-range condition gives it from the
    /// other side's watermark; null where neither applies.</summary>
    public (long? Left, long? Right) StateWatermarks(long watermarkMicros)
    {
        if (StreamingJoinRules.WatermarkKeyOrdinal(this) is not null) return (watermarkMicros, watermarkMicros);
        long? left = LeftEventTime is null ? null : StateValueWatermark.Of(Condition, true, RightEventTime, watermarkMicros);
        long? right = RightEventTime is null ? null : StateValueWatermark.Of(Condition, false, LeftEventTime, watermarkMicros);
        return (left, right);
    }

    /// <summary>A stream-static join keeps nothing between epochs: Spark lists no state operator for it.</summary>
    public override bool ReportsState => IsStreamStream;

    /// <inheritdoc />
    public override bool UsesWatermark => IsStreamStream && (LeftEventTime is not null || RightEventTime is not null);

    /// <inheritdoc />
    public override IExchangeWriter CreateExchangeWriter(int inputIndex)
    {
        CheckInput(inputIndex);
        return inputIndex == 0 ? new JoinExchangeWriter(Left, LeftKeys) : new JoinExchangeWriter(Right, RightKeys);
    }

    /// <inheritdoc />
    public override IStatefulOperator CreateOperator(string outputMode) => new JoinOperator(this);

    /// <summary>
    /// Throws Spark's refusal (UnsupportedOperationChecker, StreamingJoinHelper) when the join cannot run on streams: join
    /// types a stream-static join cannot produce, left anti between two streams, and outer or semi joins of two streams
    /// without a watermark in the join keys or a watermark on the nullable side with a range condition that evicts state.
    /// Output-mode rules are the planner's.
    /// </summary>
    /// <exception cref="AnalysisException">The join is not supported.</exception>
    public void CheckStreaming() => StreamingJoinRules.Check(this);

    /// <summary>Left fields then right fields under their own names, nullable where the join type pads with nulls; left
    /// fields only for semi and anti joins.</summary>
    public static Schema OutputSchemaOf(JoinType type, Schema left, Schema right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        var leftNullable = type is JoinType.RightOuter or JoinType.FullOuter;
        var rightNullable = type is JoinType.LeftOuter or JoinType.FullOuter;
        var fields = new List<Field>();
        foreach (var f in left.FieldsList) fields.Add(leftNullable && !f.IsNullable ? new Field(f.Name, f.DataType, true, f.Metadata) : f);
        if (!type.OutputsLeftOnly())
            foreach (var f in right.FieldsList) fields.Add(rightNullable && !f.IsNullable ? new Field(f.Name, f.DataType, true, f.Metadata) : f);
        return new Schema(fields, null);
    }
}
