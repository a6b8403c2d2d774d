using System.Numerics;
using System.Runtime.CompilerServices;

namespace OrleansStream.Engine.State;

/// <summary>Bitmaps over slot ids held as 64-bit words (bit b of word w is slot 64w + b), as the state's scans keep them.</summary>
internal static class SlotBits
{
    /// <summary>Adds to <paramref name="slots"/>, in ascending order, the slot of each bit set in <paramref name="bits"/>,
    /// word <paramref name="word"/> of such a bitmap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddSetBits(List<int> slots, int word, ulong bits)
    {
        for (; bits != 0; bits &= bits - 1) slots.Add((word << 6) + BitOperations.TrailingZeroCount(bits));
    }
}
