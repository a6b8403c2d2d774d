using OrleansStream.Engine.Data;

namespace OrleansStream.Engine.State;

/// <summary>
/// Allocation of the per-slot arrays a keyed state grows and keeps for the query's life (key tables, aggregate buffers).
/// Such an array lives on: in gen 0 it would be copied into gen 1 and again into gen 2 by the collections that found it
/// alive (under a raised large-object threshold, as executables once set, those copies were most of the pauses while a
/// million-key state grew). From the default large-object size on (85,000 bytes) it goes to the pinned-object heap,
/// which, like the large-object heap, is collected with gen 2 and never copied, whatever threshold the host sets.
/// </summary>
/// <remarks>
/// An array of <see cref="HugePageBytes"/> or more is also offered transparent huge pages (<see cref="PageAdvice"/>): a
/// million-key table's buckets and values are read at random, one row at a time, and with 4 KB pages nearly every such
/// read also missed the TLB, and each first write of a page faulted (count-1m: 13% of its CPU in page faults while its
/// state grew). Pinned, the array never moves, so the advice stays with its memory. Every pinned array's memory is faulted
/// in at once before it is written (<see cref="PageAdvice.FaultIn{T}"/>), and a resize zeroes only the new elements: a
/// 50,000-key partition's growth took a tenth of q12's CPU in page faults, one first write of a 4 KB page at a time.
/// </remarks>
internal static class SlotArrays
{
    /// <summary>Arrays of at least this many bytes are allocated on the pinned-object heap (the GC's default
    /// large-object threshold).</summary>
    public const int LongLivedBytes = 85_000;

    /// <summary>Arrays of at least this many bytes (one huge page's) are offered huge pages for the whole aligned 2 MB pages
    /// inside them: none or one in an array below 4 MB, most of a larger one.</summary>
    public const int HugePageBytes = 2 << 20;

    /// <summary>A zeroed array of <paramref name="length"/> elements, where a long-lived array of that size belongs.</summary>
    public static T[] New<T>(int length) where T : unmanaged
    {
        var array = NewUninitialized<T>(length, out var cleared);
        if (!cleared) System.Array.Clear(array);
        return array;
    }

    // A pinned array's memory is offered huge pages (when large enough) and faulted in at once before anything writes it,
    // and the caller then writes every element. Cleared: whether it is zeroed already (an array below the pinned size is).
    private static T[] NewUninitialized<T>(int length, out bool cleared) where T : unmanaged
    {
        var bytes = (long)length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        cleared = bytes < LongLivedBytes;
        if (cleared) return new T[length];
        var array = GC.AllocateUninitializedArray<T>(length, pinned: true);
        // The advice comes before the first write: the fault-in then maps the memory as huge pages.
        if (bytes >= HugePageBytes) PageAdvice.OfferHugePages(array);
        PageAdvice.FaultIn(array);
        return array;
    }

    /// <summary>
    /// <see cref="Resize{T}"/> into <paramref name="spare"/>, an array its owner no longer reads (one it has just outgrown),
    /// when it has exactly <paramref name="length"/> elements and the array grows: its content is overwritten (the old
    /// elements, then zeros), so the resize allocates nothing. False, and nothing done, otherwise.
    /// </summary>
    public static bool ResizeInto<T>(ref T[] array, T[]? spare, int length) where T : unmanaged
    {
        if (spare is null || spare.Length != length || length <= array.Length || ReferenceEquals(spare, array)) return false;
        array.CopyTo(spare, 0);
        spare.AsSpan(array.Length).Clear();
        array = spare;
        return true;
    }

    /// <summary><see cref="System.Array.Resize{T}"/> into an array from <see cref="New{T}"/>: the old elements copied, new ones zero.</summary>
    public static void Resize<T>(ref T[] array, int length) where T : unmanaged
    {
        if (array.Length == length) return;
        var resized = NewUninitialized<T>(length, out var cleared);
        var kept = Math.Min(array.Length, length);
        array.AsSpan(0, kept).CopyTo(resized);
        // Only the new elements are zeroed: the kept ones were just written.
        if (!cleared) resized.AsSpan(kept).Clear();
        array = resized;
    }
}
