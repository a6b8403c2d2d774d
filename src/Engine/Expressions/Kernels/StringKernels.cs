using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Engine.Expressions.Kernels;

/// <summary>String functions on UTF-8 value/offset buffers: lower, upper, length, substring, concat, trim, split, like.</summary>
internal static class StringKernels
{
    private static readonly ConcurrentDictionary<string, Regex> RegexCache = new();

    /// <summary>The Spark type of split(...): array&lt;string&gt; with non-null elements.</summary>
    public static readonly ListType SplitType = new(new Field("element", StringType.Default, false));

    private static Regex GetRegex(string pattern) =>
        RegexCache.GetOrAdd(pattern, static p => new Regex(p, RegexOptions.CultureInvariant | RegexOptions.Compiled));

    public static IArrowArray ChangeCase(StringArray s, bool upper)
    {
        var n = s.Length;
        var offsets = s.ValueOffsets;
        var data = s.Values;
        var w = new StringColumnWriter(n, ByteSpan(s));
        for (var i = 0; i < n; i++)
        {
            if (s.IsNull(i)) { w.AppendNull(); continue; }
            var v = data[offsets[i]..offsets[i + 1]];
            if (System.Text.Ascii.IsValid(v))
            {
                var dst = w.Reserve(v.Length);
                if (upper) System.Text.Ascii.ToUpper(v, dst, out _);
                else System.Text.Ascii.ToLower(v, dst, out _);
                w.Commit(v.Length);
            }
            else
            {
                var str = Encoding.UTF8.GetString(v);
                var changed = upper ? str.ToUpperInvariant() : str.ToLowerInvariant();
                w.Append(Encoding.UTF8.GetBytes(changed));
            }
        }
        return w.Build();
    }

    /// <summary>Bytes of string data covered by the array (0 for an empty array, whose offsets buffer may be empty).</summary>
    private static int ByteSpan(BinaryArray a) => a.Length == 0 ? 0 : a.ValueOffsets[a.Length] - a.ValueOffsets[0];

    private static int CharCount(ReadOnlySpan<byte> v)
    {
        if (System.Text.Ascii.IsValid(v)) return v.Length;
        var count = 0;
        foreach (var b in v)
            if ((b & 0xC0) != 0x80) count++;
        return count;
    }

    /// <summary>Byte offset of the code point with index <paramref name="chars"/> (clamped to the end).</summary>
    private static int ByteOffsetOfChar(ReadOnlySpan<byte> v, int chars)
    {
        if (chars <= 0) return 0;
        var seen = 0;
        for (var i = 0; i < v.Length; i++)
        {
            if ((v[i] & 0xC0) != 0x80)
            {
                if (seen == chars) return i;
                seen++;
            }
        }
        return v.Length;
    }

    public static IArrowArray Length(IArrowArray a)
    {
        var s = (BinaryArray)a;
        var n = s.Length;
        var offsets = s.ValueOffsets;
        var data = s.Values;
        var bytes = ArrayFactory.NewValues<int>(n);
        var dst = MemoryMarshal.Cast<byte, int>(bytes.AsSpan());
        // bytes are characters for binary values and for ASCII text, which one vectorised check over all rows finds
        var bytesAreChars = a is not StringArray || n == 0 || System.Text.Ascii.IsValid(data[offsets[0]..offsets[n]]);
        if (bytesAreChars)
            for (var i = 0; i < n; i++) dst[i] = offsets[i + 1] - offsets[i];
        else
            for (var i = 0; i < n; i++) dst[i] = CharCount(data[offsets[i]..offsets[i + 1]]);
        return ArrayFactory.Primitive(Int32Type.Default, bytes, Bitmaps.Validity(a), n);
    }

    /// <summary>Spark's substring(str, pos, len): 1-based pos, 0 acts as 1, negative pos counts from the end, len &lt; 1 gives "".</summary>
    public static IArrowArray Substring(StringArray s, Int32Array pos, Int32Array? len)
    {
        var n = s.Length;
        var offsets = s.ValueOffsets;
        var data = s.Values;
        var p = pos.Values;
        var w = new StringColumnWriter(n, ByteSpan(s));
        for (var i = 0; i < n; i++)
        {
            if (s.IsNull(i) || pos.IsNull(i) || (len is not null && len.IsNull(i))) { w.AppendNull(); continue; }
            var v = data[offsets[i]..offsets[i + 1]];
            var chars = CharCount(v);
            long position = p[i];
            long length = len is null ? int.MaxValue : len.Values[i];
            long start = position > 0 ? position - 1 : position < 0 ? chars + position : 0;
            long end = length == int.MaxValue ? chars : start + length;
            start = Math.Max(start, 0);
            end = Math.Min(end, chars);
            if (start >= end) { w.Append(default); continue; }
            int bs, be;
            if (chars == v.Length) { bs = (int)start; be = (int)end; }
            else { bs = ByteOffsetOfChar(v, (int)start); be = ByteOffsetOfChar(v, (int)end); }
            w.Append(v[bs..be]);
        }
        return w.Build();
    }

    /// <summary>concat(...): null when any argument is null.</summary>
    public static IArrowArray Concat(IReadOnlyList<StringArray> args, int n)
    {
        var total = 0;
        foreach (var a in args) total += ByteSpan(a);
        var w = new StringColumnWriter(n, total);
        for (var i = 0; i < n; i++)
        {
            var isNull = false;
            foreach (var a in args)
                if (a.IsNull(i)) { isNull = true; break; }
            if (isNull) { w.AppendNull(); continue; }
            foreach (var a in args) w.AppendPart(a.GetBytes(i));
            w.EndValue();
        }
        return w.Build();
    }

    /// <summary>trim / ltrim / rtrim: remove ASCII spaces from the chosen ends.</summary>
    public static IArrowArray Trim(StringArray s, bool left, bool right)
    {
        var n = s.Length;
        var offsets = s.ValueOffsets;
        var data = s.Values;
        var w = new StringColumnWriter(n, ByteSpan(s));
        for (var i = 0; i < n; i++)
        {
            if (s.IsNull(i)) { w.AppendNull(); continue; }
            var v = data[offsets[i]..offsets[i + 1]];
            var a = 0;
            var b = v.Length;
            if (left) while (a < b && v[a] == ' ') a++;
            if (right) while (b > a && v[b - 1] == ' ') b--;
            w.Append(v[a..b]);
        }
        return w.Build();
    }

    /// <summary>split(str, regex[, limit]) with Java's String.split semantics (limit &lt;= 0: unlimited, trailing empty strings kept).</summary>
    public static IArrowArray Split(StringArray s, string pattern, int limit)
    {
        var n = s.Length;
        var offsets = s.ValueOffsets;
        var data = s.Values;
        var w = new StringColumnWriter(n * 2, ByteSpan(s));
        var listOffsets = new int[n + 1];
        var validity = Bitmaps.Validity(s);
        byte literal = 0;
        var isLiteral = pattern.Length == 1 && pattern[0] < 0x80 && !".$|()[{^?*+\\".Contains(pattern[0], StringComparison.Ordinal);
        if (pattern.Length == 2 && pattern[0] == '\\' && pattern[1] < 0x80 && !char.IsLetterOrDigit(pattern[1]))
        {
            isLiteral = true;
            literal = (byte)pattern[1];
        }
        else if (isLiteral) literal = (byte)pattern[0];
        var regex = isLiteral || pattern.Length == 0 ? null : GetRegex(pattern);
        for (var i = 0; i < n; i++)
        {
            if (Bitmaps.Get(validity, i))
            {
                var v = data[offsets[i]..offsets[i + 1]];
                if (isLiteral)
                {
                    var start = 0;
                    var parts = 0;
                    for (var k = 0; k < v.Length; k++)
                    {
                        if (v[k] != literal || (limit > 0 && parts == limit - 1)) continue;
                        w.Append(v[start..k]);
                        parts++;
                        start = k + 1;
                    }
                    w.Append(v[start..]);
                }
                else if (regex is null)
                {
                    // empty pattern: every character
                    var str = Encoding.UTF8.GetString(v);
                    var e = StringInfoEnumerate(str, limit);
                    foreach (var part in e) w.Append(Encoding.UTF8.GetBytes(part));
                }
                else
                {
                    var str = Encoding.UTF8.GetString(v);
                    var start = 0;
                    var parts = 0;
                    for (var m = regex.Match(str); m.Success; m = m.NextMatch())
                    {
                        if (limit > 0 && parts == limit - 1) break;
                        if (m.Length == 0 && m.Index == 0) continue;
                        if (m.Length == 0 && m.Index >= str.Length) break;
                        w.Append(Encoding.UTF8.GetBytes(str, start, m.Index - start));
                        parts++;
                        start = m.Index + m.Length;
                    }
                    w.Append(Encoding.UTF8.GetBytes(str, start, str.Length - start));
                }
            }
            listOffsets[i + 1] = w.Count;
        }
        return ArrayFactory.List(SplitType, listOffsets, w.Build(), validity, n);
    }

    private static List<string> StringInfoEnumerate(string s, int limit)
    {
        var parts = new List<string>();
        var e = System.Globalization.StringInfo.GetTextElementEnumerator(s);
        while (e.MoveNext())
        {
            if (limit > 0 && parts.Count == limit - 1)
            {
                parts.Add(s[e.ElementIndex..]);
                return parts;
            }
            parts.Add(e.GetTextElement());
        }
        return parts;
    }

    /// <summary>str LIKE pattern (% and _ wildcards, \ escape) or RLIKE regex (search anywhere).</summary>
    public static BooleanArray Like(StringArray s, string pattern, bool isRegex, bool ignoreCase)
    {
        var regexText = isRegex ? pattern : LikeToRegex(pattern);
        var options = RegexOptions.CultureInvariant | RegexOptions.Compiled | (isRegex ? RegexOptions.None : RegexOptions.Singleline) | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);
        var regex = RegexCache.GetOrAdd((ignoreCase ? "i:" : "c:") + regexText, _ => new Regex(regexText, options));
        var n = s.Length;
        var bits = new byte[BitUtility.ByteCount(n)];
        for (var i = 0; i < n; i++)
        {
            if (s.IsNull(i)) continue;
            if (regex.IsMatch(Encoding.UTF8.GetString(s.GetBytes(i)))) Bitmaps.Set(bits, i);
        }
        return ArrayFactory.Boolean(bits, Bitmaps.Validity(s), n);
    }

    private static string LikeToRegex(string pattern)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length) sb.Append(Regex.Escape(pattern[++i].ToString()));
            else if (c == '%') sb.Append(".*");
            else if (c == '_') sb.Append('.');
            else sb.Append(Regex.Escape(c.ToString()));
        }
        return sb.Append('$').ToString();
    }
}
