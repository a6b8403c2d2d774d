using Apache.Arrow;

namespace OrleansStream.Engine.Expressions.Kernels;

/// <summary>AND, OR, NOT with SQL three-valued logic, IS [NOT] NULL, computed a byte (8 rows) at a time.</summary>
internal static class LogicKernels
{
    public static BooleanArray And(BooleanArray a, BooleanArray b) => Combine(a, b, isAnd: true);

    public static BooleanArray Or(BooleanArray a, BooleanArray b) => Combine(a, b, isAnd: false);

    private static BooleanArray Combine(BooleanArray a, BooleanArray b, bool isAnd)
    {
        var n = a.Length;
        var x = Bitmaps.Values(a);
        var y = Bitmaps.Values(b);
        var vx = Bitmaps.Validity(a);
        var vy = Bitmaps.Validity(b);
        var value = new byte[x.Length];
        if (vx is null && vy is null)
        {
            for (var i = 0; i < value.Length; i++) value[i] = (byte)(isAnd ? x[i] & y[i] : x[i] | y[i]);
            return ArrayFactory.Boolean(value, null, n);
        }
        var valid = new byte[x.Length];
        for (var i = 0; i < value.Length; i++)
        {
            var va = vx?[i] ?? 0xFF;
            var vb = vy?[i] ?? 0xFF;
            var xa = x[i] & va; // known true
            var xb = y[i] & vb;
            if (isAnd)
            {
                var falseA = va & ~x[i];
                var falseB = vb & ~y[i];
                valid[i] = (byte)((va & vb) | falseA | falseB);
                value[i] = (byte)(xa & xb);
            }
            else
            {
                valid[i] = (byte)((va & vb) | xa | xb);
                value[i] = (byte)(xa | xb);
            }
        }
        return ArrayFactory.Boolean(value, valid, n);
    }

    public static BooleanArray Not(BooleanArray a)
    {
        var x = Bitmaps.Values(a);
        for (var i = 0; i < x.Length; i++) x[i] = (byte)~x[i];
        return ArrayFactory.Boolean(x, Bitmaps.Validity(a), a.Length);
    }

    public static BooleanArray IsNull(IArrowArray a, bool negate)
    {
        var n = a.Length;
        var v = Bitmaps.Validity(a);
        byte[] bits;
        if (v is null)
        {
            bits = new byte[BitUtility.ByteCount(n)];
            if (negate) bits.AsSpan().Fill(0xFF);
        }
        else
        {
            bits = v;
            if (!negate)
                for (var i = 0; i < bits.Length; i++) bits[i] = (byte)~bits[i];
        }
        return ArrayFactory.Boolean(bits, null, n);
    }
}
