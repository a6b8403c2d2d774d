using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;

namespace OrleansStream.Engine.Expressions.Kernels;

/// <summary>Functions that build arrays from columns.</summary>
internal static class CollectionKernels
{
    /// <summary>array(a, b, ...): per row a list of the arguments' values, cast to the element type of <paramref name="type"/>.</summary>
    public static IArrowArray MakeArray(IArrowArray[] args, ListType type, int n)
    {
        var m = args.Length;
        var offsets = new int[n + 1];
        for (var i = 0; i <= n; i++) offsets[i] = i * m;
        IArrowArray child;
        if (m == 0) child = ArrayFactory.Nulls(type.ValueDataType, 0);
        else
        {
            var cast = new IArrowArray[m];
            for (var k = 0; k < m; k++) cast[k] = CastKernels.Cast(args[k], type.ValueDataType);
            var all = m == 1 ? cast[0] : ArrowArrayConcatenator.Concatenate(cast, ManagedMemoryAllocator.Instance);
            // the values are laid out argument after argument: gather them row by row
            var idx = new int[n * m];
            for (var i = 0; i < n; i++)
                for (var k = 0; k < m; k++) idx[i * m + k] = k * n + i;
            child = TakeKernel.Take(all, idx);
        }
        return ArrayFactory.List(type, offsets, child, null, n);
    }
}
