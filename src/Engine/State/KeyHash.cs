using System.Buffers.Binary;

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

    private const ulong M = 0xC6A4A7935BD1E995UL;
    private const int R = 47;

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
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
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
