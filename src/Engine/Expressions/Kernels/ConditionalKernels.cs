using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Engine.Expressions.Kernels;

/// <summary>Null-handling functions that pick, per row, one of several columns.</summary>
internal static class ConditionalKernels
{
    /// <summary>coalesce(a, b, ...): per row the first non-null argument, all cast to <paramref name="type"/> (their common type).</summary>
    public static IArrowArray Coalesce(IArrowArray[] args, IArrowType type, int n)
    {
        if (type is NullType) return new NullArray(n);
        var cast = new IArrowArray[args.Length];
        for (var k = 0; k < args.Length; k++) cast[k] = CastKernels.Cast(args[k], type);
        var choice = new int[n];
        System.Array.Fill(choice, -1);
        for (var k = cast.Length - 1; k >= 0; k--)
        {
            var a = cast[k];
            if (a.NullCount == 0) { System.Array.Fill(choice, k); continue; }
            for (var i = 0; i < n; i++)
                if (a.IsValid(i)) choice[i] = k;
        }
        return TakeKernel.Choose(cast, choice, type);
    }
}
