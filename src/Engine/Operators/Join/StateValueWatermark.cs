using System.Globalization;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Operators.Join;

/// <summary>
/// The state value watermark of one join side (Spark's StreamingJoinHelper.getStateValueWatermark): from the condition's
/// conjuncts of the form <c>thisTime + c1 &lt; otherTime + c2</c> (or &lt;=, &gt;, &gt;=), where otherTime is the other side's
/// watermarked event-time column, solves for the bound below which no future row of the other side can match a row of this
/// side: with the watermark W, <c>W + c2 - c1 &lt; thisTime</c>, so rows of this side whose time is at or below that bound
/// can be dropped. Terms are summed in microseconds as Spark does: a column is its value, a number is seconds, an interval
/// its length; the result is truncated to milliseconds and one millisecond less for a non-strict comparison (Spark's
/// watermark resolution). The smallest bound over all conjuncts wins; none when no conjunct solves.
/// </summary>
internal static class StateValueWatermark
{
    private readonly record struct Term(bool IsColumn, bool Left, int Column, double Constant, bool Negated);

    /// <summary>
    /// The state watermark, in microseconds (a whole millisecond), of the <paramref name="forLeft"/> side's rows, given the
    /// other side's watermarked event-time column <paramref name="otherEventTime"/> and the watermark; null when the condition
    /// yields none.
    /// </summary>
    public static long? Of(Expr? condition, bool forLeft, int? otherEventTime, long watermarkMicros)
    {
        if (condition is null || otherEventTime is null) return null;
        long? best = null;
        foreach (var conjunct in ExprTree.Conjuncts(condition))
        {
            if (conjunct is not BinaryExpr { Op: var op } b) continue;
            long? bound = op switch
            {
                BinaryOp.LessThan => Solve(b.Left, b.Right, forLeft, otherEventTime.Value, watermarkMicros),
                BinaryOp.LessThanOrEqual => Solve(b.Left, b.Right, forLeft, otherEventTime.Value, watermarkMicros) - 1,
                BinaryOp.GreaterThan => Solve(b.Right, b.Left, forLeft, otherEventTime.Value, watermarkMicros),
                BinaryOp.GreaterThanOrEqual => Solve(b.Right, b.Left, forLeft, otherEventTime.Value, watermarkMicros) - 1,
                _ => null,
            };
            if (bound is { } ms) best = best is { } m ? Math.Min(m, ms) : ms;
        }
        return best is { } millis ? millis * 1000 : null;
    }

    // Solves "less < greater" for this side's time; the bound in milliseconds, or null.
    private static long? Solve(Expr less, Expr greater, bool forLeft, int otherEventTime, long watermarkMicros)
    {
        var terms = new List<Term>();
        if (!Collect(less, false, terms) || !Collect(greater, true, terms)) return null;
        int thisSide = 0, otherSide = 0;
        foreach (var t in terms)
        {
            if (!t.IsColumn) continue;
            if (t.Left == forLeft) thisSide++;
            else otherSide++;
        }
        // Spark: more than one column of either side in the comparison cannot be solved, and exactly one term must hold this
        // side's column, negated once everything is moved to the left of "< 0" (so that it solves as "... < thisTime").
        if (thisSide != 1 || otherSide > 1) return null;
        double sum = 0;
        foreach (var t in terms)
        {
            if (t.IsColumn && t.Left == forLeft)
            {
                if (!t.Negated) return null;
                continue;
            }
            double value;
            if (t.IsColumn)
            {
                // Only the other side's watermarked column has a value (the watermark); any other column does not solve.
                if (t.Column != otherEventTime) return null;
                value = watermarkMicros;
            }
            else value = t.Constant;
            sum += t.Negated ? -value : value;
        }
        return (long)(sum / 1000.0);
    }

    // Flattens a sum into terms (each a column or a constant in microseconds, maybe negated); false when a part is not a sum
    // of columns and constants.
    private static bool Collect(Expr e, bool negate, List<Term> terms)
    {
        switch (e)
        {
            case BinaryExpr { Op: BinaryOp.Add } add:
                return Collect(add.Left, negate, terms) && Collect(add.Right, negate, terms);
            case BinaryExpr { Op: BinaryOp.Subtract } sub:
                return Collect(sub.Left, negate, terms) && Collect(sub.Right, !negate, terms);
            case UnaryExpr { Op: UnaryOp.Negate } neg:
                return Collect(neg.Child, !negate, terms);
            case CastExpr cast:
                return IsNumericOrTimestamp(cast.TypeName) && Collect(cast.Child, negate, terms);
            case Alias alias:
                return Collect(alias.Child, negate, terms);
            case ColumnRef col when TryParseColumn(col.Name, out var left, out var index):
                terms.Add(new Term(true, left, index, 0, negate));
                return true;
            case Literal lit when ConstantMicros(lit) is { } micros:
                terms.Add(new Term(false, false, 0, micros, negate));
                return true;
            default:
                return false;
        }
    }

    private static bool IsNumericOrTimestamp(string typeName)
    {
        var t = typeName.Trim().ToLowerInvariant();
        return t is "timestamp" or "tinyint" or "byte" or "smallint" or "short" or "int" or "integer" or "bigint" or "long" or "float"
            or "real" or "double" || t.StartsWith("decimal", StringComparison.Ordinal);
    }

    /// <summary>Parses <c>__l{i}</c> / <c>__r{j}</c>.</summary>
    public static bool TryParseColumn(string name, out bool left, out int index)
    {
        left = false;
        index = -1;
        if (name.Length < 4 || !name.StartsWith("__", StringComparison.Ordinal) || (name[2] != 'l' && name[2] != 'r')) return false;
        left = name[2] == 'l';
        return int.TryParse(name.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }

    private static double? TryParseInterval(string text)
    {
        try
        {
            return IntervalParser.ParseMicros(text, "join condition interval");
        }
        catch (FormatException)
        {
            return null;
        }
    }

    // A literal as microseconds: an interval its length, a timestamp its value, a number seconds (Spark's reading).
    private static double? ConstantMicros(Literal lit)
    {
        var type = lit.TypeName.Trim().ToLowerInvariant();
        if (type.StartsWith("interval", StringComparison.Ordinal))
        {
            // Spark refuses months and years here: their length varies, so no bound follows from them.
            if (lit.Value is string text && (text.Contains("month", StringComparison.OrdinalIgnoreCase) || text.Contains("year", StringComparison.OrdinalIgnoreCase)))
                return null;
            return lit.Value switch
            {
                string s => TryParseInterval(s),
                TimeSpan ts => ts.Ticks / 10,
                long l => l,
                int i => i,
                _ => null,
            };
        }
        return lit.Value switch
        {
            DateTime dt => (dt.ToUniversalTime() - DateTime.UnixEpoch).Ticks / 10,
            int i => i * 1_000_000.0,
            long l => l * 1_000_000.0,
            short s => s * 1_000_000.0,
            sbyte b => b * 1_000_000.0,
            byte b => b * 1_000_000.0,
            float f => f * 1_000_000.0,
            double d => d * 1_000_000.0,
            decimal m => (double)m * 1_000_000.0,
            _ => null,
        };
    }
}
