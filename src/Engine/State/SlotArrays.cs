namespace OrleansStream.Engine.State;

/// <summary>
/// Allocation of the per-slot arrays a keyed state grows and keeps for the query's life (key tables, aggregate buffers).
/// Such an array lives on: in gen 0 it would be copied into gen 1 and again into gen 2 by the collections that found it
/// alive (under a raised large-object threshold, as executables once set, those copies were most of the pauses while a
/// million-key state grew). From the default large-object size on (85,000 bytes) it goes to the pinned-object heap,
/// which, like the large-object heap, is collected with gen 2 and never copied, whatever threshold the host sets.
/// </summary>
internal static class SlotArrays
{
    /// <summary>Arrays of at least this many bytes are allocated on the pinned-object heap (the GC's default
    /// large-object threshold).</summary>
    public const int LongLivedBytes = 85_000;

    /// <summary>A zeroed array of <paramref name="length"/> elements, where a long-lived array of that size belongs.</summary>
    public static T[] New<T>(int length) where T : unmanaged =>
        (long)length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>() >= LongLivedBytes ? GC.AllocateArray<T>(length, pinned: true) : new T[length];

    /// <summary><see cref="System.Array.Resize{T}"/> into an array from <see cref="New{T}"/>: the old elements copied, new ones zero.</summary>
    public static void Resize<T>(ref T[] array, int length) where T : unmanaged
    {
        if (array.Length == length) return;
        var resized = New<T>(length);
        array.AsSpan(0, Math.Min(array.Length, length)).CopyTo(resized);
        array = resized;
    }
}
