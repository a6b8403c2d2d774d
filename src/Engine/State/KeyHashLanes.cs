using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OrleansStream.Engine.State;

/// <summary>
/// <see cref="KeyHash"/>'s hashes of keys of bigint/timestamp columns without nulls, eight rows at a time in the lanes of a
/// 512-bit vector (AVX-512 multiplies 64-bit lanes): the same values as <see cref="KeyHash.HashInt64Key"/> and
/// <see cref="KeyHash.HashInt64Columns"/>, row by row where the vector multiply is missing and for the last rows. A batch
/// hashes every row of its key once or twice (routing, then the state's table): MurmurHash64A's chain of multiplies per
/// row, one row at a time, cost about as much as the table's probe on q5's window keys.
/// </summary>
internal static class KeyHashLanes
{
    /// <summary>True where eight rows hash at once.</summary>
    public static bool IsAccelerated => Vector512.IsHardwareAccelerated && Avx512DQ.IsSupported;

    /// <summary><c>hashes[r] = KeyHash.HashInt64Key(values[r], true)</c> for every row of <paramref name="values"/>.</summary>
    public static void HashInt64Keys(ReadOnlySpan<long> values, Span<ulong> hashes)
    {
        if (hashes.Length < values.Length) throw new ArgumentException("The hashes span is shorter than the values.", nameof(hashes));
        var r = 0;
        if (IsAccelerated)
        {
            ref var source = ref Unsafe.As<long, ulong>(ref MemoryMarshal.GetReference(values));
            ref var target = ref MemoryMarshal.GetReference(hashes);
            var m = Vector512.Create(KeyHash.M);
            var start = Vector512.Create(KeyHash.DefaultSeed ^ unchecked(9UL * KeyHash.M));
            for (; r <= values.Length - Vector512<ulong>.Count; r += Vector512<ulong>.Count)
            {
                var v = Vector512.LoadUnsafe(ref source, (nuint)r);
                var k = Mix(Vector512<ulong>.One | Vector512.ShiftLeft(v, 8), m);
                var h = ((start ^ k) * m ^ Vector512.ShiftRightLogical(v, 56)) * m;
                Finish(h, m).StoreUnsafe(ref target, (nuint)r);
            }
        }
        for (; r < values.Length; r++) hashes[r] = KeyHash.HashInt64Key(values[r], true);
    }

    /// <summary><c>hashes[r] = KeyHash.HashInt64Columns([c0[r], c1[r], ...], 0)</c> for the first <c>hashes.Length</c> rows of
    /// a key of <paramref name="width"/> columns (2 to 4; the spans past the width are not read).</summary>
    public static void HashInt64Columns(int width, ReadOnlySpan<long> c0, ReadOnlySpan<long> c1, ReadOnlySpan<long> c2, ReadOnlySpan<long> c3, Span<ulong> hashes)
    {
        if (width is < FixedKeys.MinColumns or > FixedKeys.MaxColumns) throw new ArgumentOutOfRangeException(nameof(width));
        var n = hashes.Length;
        if (c0.Length < n || c1.Length < n || (width > 2 && c2.Length < n) || (width > 3 && c3.Length < n))
            throw new ArgumentException("A key column is shorter than the hashes span.");
        var r = 0;
        if (IsAccelerated)
        {
            ref var target = ref MemoryMarshal.GetReference(hashes);
            var m = Vector512.Create(KeyHash.M);
            var start = Vector512.Create(KeyHash.StartInt64Columns(width));
            for (; r <= n - Vector512<ulong>.Count; r += Vector512<ulong>.Count)
            {
                var h = start;
                var carry = Vector512<ulong>.Zero;
                AddColumn(ref h, ref carry, 0, Load(c0, r), m);
                AddColumn(ref h, ref carry, 1, Load(c1, r), m);
                if (width > 2)
                {
                    AddColumn(ref h, ref carry, 2, Load(c2, r), m);
                    if (width > 3) AddColumn(ref h, ref carry, 3, Load(c3, r), m);
                }
                Finish((h ^ carry) * m, m).StoreUnsafe(ref target, (nuint)r);
            }
        }
        Span<long> row = stackalloc long[width];
        for (; r < n; r++)
        {
            row[0] = c0[r];
            row[1] = c1[r];
            if (width > 2) row[2] = c2[r];
            if (width > 3) row[3] = c3[r];
            hashes[r] = KeyHash.HashInt64Columns(row, 0);
        }
    }

    // KeyHash.AddInt64Column of a valid value in each lane.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddColumn(ref Vector512<ulong> h, ref Vector512<ulong> carry, int column, Vector512<ulong> v, Vector512<ulong> m)
    {
        var shift = 8 * column;
        var low = Vector512<ulong>.One | Vector512.ShiftLeft(v, 8);
        var k = carry | Vector512.ShiftLeft(low, shift);
        carry = Vector512.ShiftRightLogical(Vector512.ShiftRightLogical(low, 1), 63 - shift) | Vector512.ShiftLeft(Vector512.ShiftRightLogical(v, 56), shift);
        h = (h ^ Mix(k, m)) * m;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Load(ReadOnlySpan<long> column, int r) =>
        Vector512.LoadUnsafe(ref Unsafe.As<long, ulong>(ref MemoryMarshal.GetReference(column)), (nuint)r);

    // A block's k *= M; k ^= k >> R; k *= M.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Mix(Vector512<ulong> k, Vector512<ulong> m)
    {
        k *= m;
        k ^= Vector512.ShiftRightLogical(k, KeyHash.R);
        return k * m;
    }

    // The final h ^= h >> R; h *= M; h ^= h >> R.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Finish(Vector512<ulong> h, Vector512<ulong> m)
    {
        h ^= Vector512.ShiftRightLogical(h, KeyHash.R);
        h *= m;
        return h ^ Vector512.ShiftRightLogical(h, KeyHash.R);
    }
}
