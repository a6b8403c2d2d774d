namespace OrleansStream.Engine.Operators.Join;

/// <summary>
/// A join condition split as Spark's JoinConditionSplitPredicates does for a stream-stream join: the conjuncts that read only
/// left columns (a left row failing them can never join), those that read only right columns, and the rest, evaluated over
/// joined pairs. A conjunct with a non-deterministic call stays with the pairs.
/// </summary>
internal sealed record JoinConditionSplit(Expr? LeftOnly, Expr? RightOnly, Expr? BothSides)
{
    private static readonly HashSet<string> NonDeterministic = new(StringComparer.OrdinalIgnoreCase)
    {
        "rand", "randn", "random", "uuid", "shuffle", "monotonically_increasing_id", "spark_partition_id", "current_timestamp", "now",
    };

    /// <summary>Splits <paramref name="condition"/> (null: nothing).</summary>
    public static JoinConditionSplit Of(Expr? condition)
    {
        if (condition is null) return new JoinConditionSplit(null, null, null);
        Expr? left = null, right = null, both = null;
        foreach (var c in ExprTree.Conjuncts(condition))
        {
            var (readsLeft, readsRight, deterministic) = (false, false, true);
            Visit(c, ref readsLeft, ref readsRight, ref deterministic);
            if (deterministic && !readsRight) left = And(left, c);
            else if (deterministic && !readsLeft) right = And(right, c);
            else both = And(both, c);
        }
        return new JoinConditionSplit(left, right, both);
    }

    /// <summary>Which columns of the pair row (<paramref name="leftCount"/> left ones, then <paramref name="rightCount"/> right ones)
    /// <paramref name="condition"/> reads; every one when it names a column that is not a pair column.</summary>
    public static bool[] ColumnsRead(Expr condition, int leftCount, int rightCount)
    {
        var reads = new bool[leftCount + rightCount];
        if (!MarkReads(condition, reads, leftCount)) System.Array.Fill(reads, true);
        return reads;
    }

    private static bool MarkReads(Expr e, bool[] reads, int leftCount)
    {
        switch (e)
        {
            case ColumnRef col:
                if (!StateValueWatermark.TryParseColumn(col.Name.Trim('`'), out var isLeft, out var index)) return false;
                var at = isLeft ? index : leftCount + index;
                if ((uint)at >= (uint)reads.Length || (isLeft && index >= leftCount)) return false;
                reads[at] = true;
                return true;
            case Star: return false;
            default:
            {
                var ok = true;
                foreach (var child in ExprTree.Children(e)) ok &= MarkReads(child, reads, leftCount);
                return ok;
            }
        }
    }

    private static Expr And(Expr? a, Expr b) => a is null ? b : new BinaryExpr(BinaryOp.And, a, b);

    private static void Visit(Expr e, ref bool left, ref bool right, ref bool deterministic)
    {
        switch (e)
        {
            case ColumnRef col:
                if (StateValueWatermark.TryParseColumn(col.Name.Trim('`'), out var isLeft, out _))
                {
                    if (isLeft) left = true;
                    else right = true;
                }
                else
                {
                    // Not one of the pair's names: keep it with the pairs, where binding reports it.
                    left = right = true;
                }
                break;
            case Star:
                left = right = true;
                break;
            default:
                if (e is FunctionCall f && NonDeterministic.Contains(f.Name)) deterministic = false;
                foreach (var child in ExprTree.Children(e)) Visit(child, ref left, ref right, ref deterministic);
                break;
        }
    }
}
