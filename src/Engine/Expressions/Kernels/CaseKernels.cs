using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Engine.Expressions.Kernels;

/// <summary>CASE WHEN helpers: which branch each row takes, and the common shape whose branches are all string
/// literals, written straight into the UTF-8 buffer instead of broadcasting, concatenating and gathering columns.</summary>
internal static class CaseKernels
{
    /// <summary>Writes per row the index of the first branch whose condition is true (not null), else <paramref name="elseIndex"/>
    /// (-1: no ELSE, the row is null).</summary>
    public static void Choices(IReadOnlyList<BooleanArray> conditions, int elseIndex, Span<int> choice)
    {
        var n = choice.Length;
        choice.Fill(elseIndex);
        var remaining = Bitmaps.AllSet(n);
        // padding bits past n must not be picked
        if ((n & 7) != 0) remaining[^1] = (byte)((1 << (n & 7)) - 1);
        for (var b = 0; b < conditions.Count; b++)
        {
            var cond = conditions[b];
            var values = Bitmaps.Values(cond);
            var valid = Bitmaps.Validity(cond);
            for (var j = 0; j < remaining.Length; j++)
            {
                var hit = values[j] & remaining[j] & (valid is null ? 0xFF : valid[j]);
                if (hit == 0) continue;
                remaining[j] &= (byte)~hit;
                // branch-free select per row: the condition bits are as good as random, a per-bit branch mispredicts
                var rows = choice.Slice(j << 3, Math.Min(8, n - (j << 3)));
                for (var t = 0; t < rows.Length; t++)
                {
                    var take = -((hit >> t) & 1);
                    rows[t] = (rows[t] & ~take) | (b & take);
                }
            }
        }
    }

    /// <summary>The UTF-8 bytes of every THEN value and of the ELSE (last; null entries are NULL literals or a missing ELSE)
    /// when all of them are string or NULL literals and at least one is a string; otherwise null.</summary>
    public static byte[]?[]? StringLiterals(CaseWhen cw)
    {
        var result = new byte[]?[cw.Branches.Count + 1];
        var anyString = false;
        for (var b = 0; b <= cw.Branches.Count; b++)
        {
            var value = b < cw.Branches.Count ? cw.Branches[b].Value : cw.Else;
            switch (value)
            {
                case null:
                    break;
                case Literal { Value: string s } l when ArrayFactory.ParseTypeCached(l.TypeName) is StringType:
                    result[b] = Encoding.UTF8.GetBytes(s);
                    anyString = true;
                    break;
                case Literal { Value: null } l when ArrayFactory.ParseTypeCached(l.TypeName) is NullType or StringType:
                    break;
                default:
                    return null;
            }
        }
        return anyString ? result : null;
    }

    /// <summary>A string column whose row i is <c>literals[choice[i]]</c> (null for a negative choice or a null literal).</summary>
    public static IArrowArray LiteralStrings(byte[]?[] literals, ReadOnlySpan<int> choice)
    {
        var n = choice.Length;
        var counts = new long[literals.Length];
        var longest = 0;
        foreach (var k in choice)
            if (k >= 0) counts[k]++;
        long total = 0;
        for (var k = 0; k < literals.Length; k++)
        {
            total += counts[k] * (literals[k]?.Length ?? 0);
            longest = Math.Max(longest, literals[k]?.Length ?? 0);
        }
        // short literals go in as one 16-byte store each; the slack past the end absorbs the last store's overhang
        var data = new byte[checked((int)total + Vector128<byte>.Count)];
        var offsetBytes = new byte[(n + 1) * sizeof(int)];
        var offsets = MemoryMarshal.Cast<byte, int>(offsetBytes.AsSpan());
        var validity = longest <= Vector128<byte>.Count ? WriteShort(literals, choice, data, offsets) : WriteAny(literals, choice, data, offsets);
        var nullBuffer = Bitmaps.ToBuffer(validity, n, out var nulls);
        return ArrowArrayFactory.BuildArray(new ArrayData(StringType.Default, n, nulls, 0,
            [nullBuffer, new ArrowBuffer(offsetBytes), new ArrowBuffer(data.AsMemory(0, (int)total))], []));
    }

    private static byte[]? WriteShort(byte[]?[] literals, ReadOnlySpan<int> choice, byte[] data, Span<int> offsets)
    {
        var n = choice.Length;
        var padded = new Vector128<byte>[literals.Length];
        var lengths = new int[literals.Length];
        Span<byte> buffer = stackalloc byte[Vector128<byte>.Count];
        for (var k = 0; k < literals.Length; k++)
        {
            if (literals[k] is not { } v) continue;
            buffer.Clear();
            v.CopyTo(buffer);
            padded[k] = Vector128.Create<byte>(buffer);
            lengths[k] = v.Length;
        }
        byte[]? validity = null;
        ref var target = ref MemoryMarshal.GetArrayDataReference(data);
        var pos = 0;
        for (var i = 0; i < n; i++)
        {
            var k = choice[i];
            if (k < 0 || literals[k] is null) Null(ref validity, n, i);
            else
            {
                padded[k].StoreUnsafe(ref target, (nuint)pos);
                pos += lengths[k];
            }
            offsets[i + 1] = pos;
        }
        return validity;
    }

    private static byte[]? WriteAny(byte[]?[] literals, ReadOnlySpan<int> choice, byte[] data, Span<int> offsets)
    {
        var n = choice.Length;
        byte[]? validity = null;
        var pos = 0;
        for (var i = 0; i < n; i++)
        {
            var k = choice[i];
            if ((k >= 0 ? literals[k] : null) is { } value)
            {
                value.AsSpan().CopyTo(data.AsSpan(pos));
                pos += value.Length;
            }
            else Null(ref validity, n, i);
            offsets[i + 1] = pos;
        }
        return validity;
    }

    private static void Null(ref byte[]? validity, int n, int i)
    {
        validity ??= Bitmaps.AllSet(n);
        Bitmaps.Clear(validity, i);
    }
}
