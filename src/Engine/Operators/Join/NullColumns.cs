using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions.Kernels;

namespace OrleansStream.Engine.Operators.Join;

/// <summary>
/// Columns of nulls for the side of a join row that has no values (outer rows' padding, the other side's columns of a state
/// row). Every buffer of such a column is zeros (validity, values, string offsets), so all of them are slices of one shared
/// zeroed array, grown when a longer column is asked for: a null column costs no allocation and no writes. Arrow arrays are
/// never written after they are built, which is what makes the sharing safe.
/// </summary>
internal static class NullColumns
{
    private static byte[] _zeros = new byte[64 * 1024];

    /// <summary>A column of <paramref name="length"/> nulls of <paramref name="type"/>.</summary>
    public static IArrowArray Of(IArrowType type, int length)
    {
        var validity = Zeros(BitUtility.ByteCount(length));
        switch (type)
        {
            case BooleanType:
                return new BooleanArray(validity, validity, length, length, 0);
            case FixedWidthType { BitWidth: var bits } when bits % 8 == 0:
                return ArrowArrayFactory.BuildArray(new ArrayData(type, length, length, 0, [validity, Zeros(length * (bits / 8))], []));
            case StringType or BinaryType:
                return ArrowArrayFactory.BuildArray(new ArrayData(type, length, length, 0, [validity, Zeros((length + 1) * 4), ArrowBuffer.Empty], []));
            case StructType st:
            {
                var children = new IArrowArray[st.Fields.Count];
                for (var f = 0; f < children.Length; f++) children[f] = Of(st.Fields[f].DataType, length);
                return new StructArray(st, length, children, validity, length, 0);
            }
            default:
                return ArrayFactory.Nulls(type, length);
        }
    }

    private static ArrowBuffer Zeros(int bytes)
    {
        var zeros = Volatile.Read(ref _zeros);
        if (zeros.Length < bytes)
        {
            zeros = new byte[Math.Max(bytes, zeros.Length * 2)];
            Volatile.Write(ref _zeros, zeros);
        }
        return new ArrowBuffer(zeros.AsMemory(0, bytes));
    }
}
