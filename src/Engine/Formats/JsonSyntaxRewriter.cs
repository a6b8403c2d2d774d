using System.Buffers;

namespace OrleansStream.Engine.Formats;

/// <summary>
/// Rewrites one JSON line that uses the non-standard syntax Spark's reader options allow (Jackson's parser features:
/// single-quoted strings, NaN and infinities, unquoted field names, numbers with leading zeros, comments, control
/// characters in strings, a backslash before any character) into standard JSON in a reused buffer, for
/// System.Text.Json's <c>Utf8JsonReader</c>. Syntax whose option is off is left as it is, so the reader still rejects it.
/// A bare non-numeric number becomes a string whose position is remembered (<see cref="IsNonNumericNumber"/>), so that
/// it still counts as a number; positions in the rewritten line map back to the original (<see cref="OriginalOffset"/>).
/// Callers try the line as it is first: only a line that is not standard JSON pays for this.
/// </summary>
internal sealed class JsonSyntaxRewriter
{
    private static readonly SearchValues<byte> DoubleQuoted = SearchValues.Create("\"\\"u8);
    private static readonly SearchValues<byte> DoubleQuotedOrControl = SearchValues.Create(ControlAnd("\"\\"u8));
    private static readonly SearchValues<byte> SingleQuoted = SearchValues.Create("'\"\\"u8);
    private static readonly SearchValues<byte> SingleQuotedOrControl = SearchValues.Create(ControlAnd("'\"\\"u8));
    private static readonly byte[] Hex = "0123456789ABCDEF"u8.ToArray();

    private readonly bool _singleQuotes;
    private readonly bool _unquotedNames;
    private readonly bool _leadingZeros;
    private readonly bool _nonNumeric;
    private readonly bool _comments;
    private readonly bool _anyEscape;
    private readonly bool _controlChars;

    private byte[] _out = [];
    private int _length;
    private int _copied;
    private bool _editing;
    private int[] _marks = new int[8];
    private int _markCount;
    private int[] _anchorOut = new int[8];
    private int[] _anchorIn = new int[8];
    private int _anchorCount;

    public JsonSyntaxRewriter(ReaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _singleQuotes = options.AllowSingleQuotes;
        _unquotedNames = options.AllowUnquotedFieldNames;
        _leadingZeros = options.AllowNumericLeadingZeros;
        _nonNumeric = options.AllowNonNumericNumbers;
        _comments = options.AllowComments;
        _anyEscape = options.AllowBackslashEscapingAnyCharacter;
        _controlChars = options.AllowUnquotedControlChars;
        Enabled = _singleQuotes || _unquotedNames || _leadingZeros || _nonNumeric || _comments || _anyEscape || _controlChars;
    }

    /// <summary>Whether any option allows non-standard syntax.</summary>
    public bool Enabled { get; }

    /// <summary>Whether the last <see cref="TryRewrite"/> rewrote its line (until <see cref="Reset"/>).</summary>
    public bool IsRewritten { get; private set; }

    /// <summary>The last rewritten line, standard JSON where the options allowed it.</summary>
    public ReadOnlySpan<byte> Rewritten => _out.AsSpan(0, _length);

    /// <summary>Forgets the last line: nothing is rewritten.</summary>
    public void Reset()
    {
        IsRewritten = false;
        _markCount = 0;
        _anchorCount = 0;
    }

    /// <summary>Rewrites <paramref name="line"/> into <see cref="Rewritten"/>; false (and nothing rewritten) when nothing in it needs rewriting.</summary>
    public bool TryRewrite(ReadOnlySpan<byte> line)
    {
        Reset();
        if (!Enabled) return false;
        _editing = false;
        _copied = 0;
        _length = 0;
        int i = 0;
        bool nameMayFollow = false; // after '{' or ','
        while (i < line.Length)
        {
            byte b = line[i];
            switch (b)
            {
                case (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n':
                    i++;
                    continue;
                case (byte)'"':
                    i = String(line, i, (byte)'"');
                    break;
                case (byte)'\'' when _singleQuotes:
                    i = String(line, i, (byte)'\'');
                    break;
                case (byte)'/' when _comments && i + 1 < line.Length && line[i + 1] is (byte)'/' or (byte)'*':
                {
                    int end = CommentEnd(line, i);
                    if (end < 0)
                    {
                        i = line.Length; // an unterminated comment stays, and the reader rejects it
                        break;
                    }
                    Edit(line, i, end, " "u8);
                    i = end;
                    continue; // a comment is whitespace: a name may still follow
                }
                case (byte)'{' or (byte)',':
                    i++;
                    nameMayFollow = true;
                    continue;
                case (byte)'}' or (byte)'[' or (byte)']' or (byte)':' or (byte)'\'' or (byte)'/':
                    i++;
                    break;
                default:
                    i = BareToken(line, i, nameMayFollow);
                    break;
            }
            nameMayFollow = false;
        }
        if (!_editing) return false;
        Append(line[_copied..]);
        IsRewritten = true;
        return true;
    }

    /// <summary>Whether the string token starting at <paramref name="tokenStart"/> of the rewritten line was a bare NaN or infinity.</summary>
    public bool IsNonNumericNumber(long tokenStart) =>
        _markCount > 0 && _marks.AsSpan(0, _markCount).BinarySearch((int)tokenStart) >= 0;

    /// <summary>The offset in the original line of offset <paramref name="rewritten"/> of the rewritten line (exact at token boundaries).</summary>
    public int OriginalOffset(long rewritten)
    {
        int p = (int)rewritten;
        int k = _anchorOut.AsSpan(0, _anchorCount).BinarySearch(p);
        if (k < 0) k = ~k - 1;
        return k < 0 ? p : _anchorIn[k] + (p - _anchorOut[k]);
    }

    // A string from its opening quote; returns the index after it. Rewrites single quotes, escapes and control characters
    // the options allow; an unterminated string is left as it is.
    private int String(ReadOnlySpan<byte> line, int start, byte quote)
    {
        bool single = quote == (byte)'\'';
        if (single) Edit(line, start, start + 1, "\""u8);
        var stops = (single, _controlChars) switch
        {
            (false, false) => DoubleQuoted,
            (false, true) => DoubleQuotedOrControl,
            (true, false) => SingleQuoted,
            (true, true) => SingleQuotedOrControl,
        };
        int i = start + 1;
        while (true)
        {
            int k = line[i..].IndexOfAny(stops);
            if (k < 0) return line.Length;
            i += k;
            byte c = line[i];
            if (c == quote)
            {
                if (single) Edit(line, i, i + 1, "\""u8);
                return i + 1;
            }
            if (c == (byte)'"') // inside single quotes
            {
                Edit(line, i, i + 1, "\\\""u8);
                i++;
            }
            else if (c == (byte)'\\')
            {
                if (i + 1 >= line.Length) return line.Length;
                byte e = line[i + 1];
                if (e is (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t' or (byte)'u') { }
                else if ((e == (byte)'\'' && _singleQuotes) || _anyEscape)
                {
                    if (e < 0x20) EditControl(line, i, i + 2, e);
                    else Edit(line, i, i + 2, line.Slice(i + 1, 1));
                }
                i += 2;
            }
            else // a control character, allowed
            {
                EditControl(line, i, i + 1, c);
                i++;
            }
        }
    }

    // A token outside strings (a number, a literal, a name, or garbage the reader rejects); returns the index after it.
    private int BareToken(ReadOnlySpan<byte> line, int start, bool nameMayFollow)
    {
        int end = start;
        while (end < line.Length && !IsDelimiter(line[end])) end++;
        var token = line[start..end];
        if (end == start) return end + 1;
        if (_unquotedNames && nameMayFollow && IsName(token) && ColonFollows(line, end))
        {
            EditQuoted(line, start, end, mark: false);
            return end;
        }
        if (_nonNumeric && IsNonNumeric(token))
        {
            EditQuoted(line, start, end, mark: true);
            return end;
        }
        if (_leadingZeros)
        {
            int digits = token[0] == (byte)'-' ? 1 : 0;
            int z = digits;
            // Jackson skips every leading zero followed by a digit: 0018 is 18, 000 is 0, -00.5 is -0.5.
            while (z + 1 < token.Length && token[z] == (byte)'0' && char.IsAsciiDigit((char)token[z + 1])) z++;
            if (z > digits)
            {
                // The whole token is replaced, so that its start and end map back to the token as written.
                Begin(line, start, token.Length);
                if (digits == 1) _out[_length++] = (byte)'-';
                Append(token[z..]);
                End(end);
            }
        }
        return end;
    }

    private static bool IsDelimiter(byte b) =>
        b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)',' or (byte)':' or (byte)'{' or (byte)'}'
            or (byte)'[' or (byte)']' or (byte)'"' or (byte)'\'' or (byte)'/';

    // Jackson's unquoted names (UTF-8 input): Java identifier characters, '@', '#', '*', '-', '+', and any non-ASCII byte.
    private static bool IsName(ReadOnlySpan<byte> token)
    {
        foreach (var b in token)
        {
            if (b >= 0x80 || char.IsAsciiLetterOrDigit((char)b)) continue;
            if (b is (byte)'_' or (byte)'$' or (byte)'@' or (byte)'#' or (byte)'*' or (byte)'-' or (byte)'+' or 0x7F) continue;
            return false;
        }
        return true;
    }

    private bool ColonFollows(ReadOnlySpan<byte> line, int i)
    {
        while (i < line.Length)
        {
            byte b = line[i];
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') i++;
            else if (_comments && b == (byte)'/' && i + 1 < line.Length && line[i + 1] is (byte)'/' or (byte)'*')
            {
                i = CommentEnd(line, i);
                if (i < 0) return false;
            }
            else return b == (byte)':';
        }
        return false;
    }

    // Jackson's non-numeric numbers: NaN, Infinity, +Infinity, -Infinity, +INF, -INF (not INF alone).
    private static bool IsNonNumeric(ReadOnlySpan<byte> t) =>
        t.SequenceEqual("NaN"u8) || t.SequenceEqual("Infinity"u8) || t.SequenceEqual("+Infinity"u8) || t.SequenceEqual("-Infinity"u8)
        || t.SequenceEqual("+INF"u8) || t.SequenceEqual("-INF"u8);

    // The index after the comment starting at i ("//" to the end of the line, "/* ... */"), or -1 when it does not end.
    private static int CommentEnd(ReadOnlySpan<byte> line, int i)
    {
        if (line[i + 1] == (byte)'/') return line.Length;
        int k = line[(i + 2)..].IndexOf("*/"u8);
        return k < 0 ? -1 : i + 2 + k + 2;
    }

    private void EditQuoted(ReadOnlySpan<byte> line, int start, int end, bool mark)
    {
        Begin(line, start, (end - start) + 2);
        if (mark)
        {
            if (_markCount == _marks.Length) Array.Resize(ref _marks, _markCount * 2);
            _marks[_markCount++] = _length;
        }
        _out[_length++] = (byte)'"';
        line[start..end].CopyTo(_out.AsSpan(_length));
        _length += end - start;
        _out[_length++] = (byte)'"';
        End(end);
    }

    private void EditControl(ReadOnlySpan<byte> line, int start, int end, byte c)
    {
        Span<byte> escape = [(byte)'\\', (byte)'u', (byte)'0', (byte)'0', Hex[c >> 4], Hex[c & 0xF]];
        Edit(line, start, end, escape);
    }

    // Replaces line[start..end) with the replacement.
    private void Edit(ReadOnlySpan<byte> line, int start, int end, ReadOnlySpan<byte> replacement)
    {
        Begin(line, start, replacement.Length);
        replacement.CopyTo(_out.AsSpan(_length));
        _length += replacement.Length;
        End(end);
    }

    private void Begin(ReadOnlySpan<byte> line, int start, int extra)
    {
        if (!_editing)
        {
            // No edit grows the line more than six times (a control character becomes \u00XX).
            long need = (long)line.Length * 6 + 8;
            if (_out.Length < need) _out = new byte[need];
            _editing = true;
        }
        Append(line[_copied..start]);
        if (_out.Length - _length < extra) Array.Resize(ref _out, _length + extra);
    }

    private void End(int end)
    {
        _copied = end;
        if (_anchorCount == _anchorOut.Length)
        {
            Array.Resize(ref _anchorOut, _anchorCount * 2);
            Array.Resize(ref _anchorIn, _anchorCount * 2);
        }
        _anchorOut[_anchorCount] = _length;
        _anchorIn[_anchorCount] = end;
        _anchorCount++;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_out.AsSpan(_length));
        _length += bytes.Length;
    }

    private static byte[] ControlAnd(ReadOnlySpan<byte> others)
    {
        var all = new byte[0x20 + others.Length];
        for (int c = 0; c < 0x20; c++) all[c] = (byte)c;
        others.CopyTo(all.AsSpan(0x20));
        return all;
    }
}
