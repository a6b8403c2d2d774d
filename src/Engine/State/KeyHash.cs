using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace OrleansStream.Engine.State;

/// <summary>
/// MurmurHash64A over bytes plus a 64-bit integer finalizer. Both are fixed algorithms over the value's bytes, so every
/// process computes the same hash for the same key (unlike <see cref="string.GetHashCode()"/>, which is randomised per
/// process); key groups, and therefore which partition owns a key's state, depend on that.
/// </summary>
internal static class KeyHash
{
    /// <summary>The seed for key hashing. Changing it moves every key to a different key group and breaks restored state.</summary>
    public const ulong DefaultSeed = 0x5BD1E9955BD1E995UL;

    internal const ulong M = 0xC6A4A7935BD1E995UL;
    internal const int R = 47;

    /// <summary>MurmurHash64A of <paramref name="data"/> (words read little-endian on every platform).</summary>
    public static ulong Hash(ReadOnlySpan<byte> data, ulong seed = DefaultSeed)
    {
        var h = seed ^ ((ulong)data.Length * M);
        var blocks = data.Length >> 3;
        for (var i = 0; i < blocks; i++)
        {
            var k = BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i << 3, 8));
            k *= M;
            k ^= k >> R;
            k *= M;
            h ^= k;
            h *= M;
        }
        var tail = data[(blocks << 3)..];
        if (tail.Length > 0)
        {
            for (var i = tail.Length - 1; i >= 0; i--) h ^= (ulong)tail[i] << (8 * i);
            h *= M;
        }
        h ^= h >> R;
        h *= M;
        h ^= h >> R;
        return h;
    }

    /// <summary>
    /// <see cref="Hash"/> of the <see cref="KeyEncoder"/> encoding of a single bigint/timestamp key column (marker byte, then
    /// the value's 8 little-endian bytes, all zero for null), computed from the value without encoding it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong HashInt64Key(long value, bool valid)
    {
        // 9 bytes: one 8-byte block (marker + the value's low 7 bytes), then a 1-byte tail (the value's high byte).
        var v = valid ? (ulong)value : 0UL;
        var k = (valid ? 1UL : 0UL) | (v << 8);
        k *= M;
        k ^= k >> R;
        k *= M;
        var h = DefaultSeed ^ unchecked(9UL * M);
        h ^= k;
        h *= M;
        h ^= v >> 56;
        h *= M;
        h ^= h >> R;
        h *= M;
        h ^= h >> R;
        return h;
    }

    /// <summary>
    /// <see cref="Hash"/> of the <see cref="KeyEncoder"/> encoding of a key of one to seven bigint/timestamp columns (per
    /// column a marker byte, then the value's 8 little-endian bytes, all zero for null), computed from the values without
    /// encoding them: <paramref name="values"/> holds column c's value and bit c of <paramref name="nullMask"/> is set when
    /// column c is null (its value is then ignored). For one column this equals <see cref="HashInt64Key"/>.
    /// </summary>
    public static ulong HashInt64Columns(ReadOnlySpan<long> values, int nullMask)
    {
        var h = StartInt64Columns(values.Length);
        var carry = 0UL;
        for (var c = 0; c < values.Length; c++) AddInt64Column(ref h, ref carry, c, values[c], ((nullMask >> c) & 1) == 0);
        return FinishInt64Columns(h, carry);
    }

    // HashInt64Columns in steps, so that a caller can take each column's value from its own array (see FixedKeys.Load):
    // StartInt64Columns, then AddInt64Column for columns 0, 1, ... in order, then FinishInt64Columns.
    //
    // Column c is a 72-bit chunk (marker | value << 8) at bit 72c of the encoding. With fewer than 8 columns each chunk
    // completes exactly one 8-byte block: the 8c bits carried from earlier chunks plus the chunk's low 64 - 8c bits. The
    // chunk's top 8c + 8 bits carry on, and after the last column the carry is the tail (one byte per column).

    /// <summary>The hash state before the first column of a key of <paramref name="columns"/> bigint/timestamp columns (at most 7).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong StartInt64Columns(int columns) => DefaultSeed ^ unchecked((ulong)(9 * columns) * M);

    /// <summary>Adds column <paramref name="column"/> (columns are added in order; see <see cref="HashInt64Columns"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddInt64Column(ref ulong h, ref ulong carry, int column, long value, bool valid)
    {
        var shift = 8 * column;
        var v = valid ? (ulong)value : 0UL;
        var low = (valid ? 1UL : 0UL) | (v << 8);
        var k = carry | (low << shift);
        // (low >> 1) >> (63 - shift) is low >> (64 - shift), and 0 for shift 0 (a shift by 64 would not shift in C#).
        carry = ((low >> 1) >> (63 - shift)) | ((v >> 56) << shift);
        k *= M;
        k ^= k >> R;
        k *= M;
        h ^= k;
        h *= M;
    }

    /// <summary>The hash once every column has been added.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong FinishInt64Columns(ulong h, ulong carry)
    {
        h ^= carry;
        h *= M;
        h ^= h >> R;
        h *= M;
        h ^= h >> R;
        return h;
    }

    /// <summary>A bijective 64-bit mix (MurmurHash3's fmix64 after adding <paramref name="seed"/>): distinct inputs never collide.</summary>
    public static ulong Mix(ulong value, ulong seed = DefaultSeed)
    {
        var x = value + seed;
        x ^= x >> 33;
        x *= 0xFF51AFD7ED558CCDUL;
        x ^= x >> 33;
        x *= 0xC4CEB9FE1A85EC53UL;
        x ^= x >> 33;
        return x;
    }
}
