namespace OrleansStream.Engine.Formats;

/// <summary>Splits UTF-8 text into lines ('\n' or "\r\n"), skipping a leading byte-order mark.</summary>
internal static class LineSplitter
{
    public readonly record struct Line(int Start, int Length);

    public static List<Line> Lines(ReadOnlySpan<byte> text)
    {
        var lines = new List<Line>();
        int pos = text.StartsWith("\uFEFF"u8) ? 3 : 0;
        while (pos < text.Length)
        {
            int nl = text[pos..].IndexOf((byte)'\n');
            int end = nl < 0 ? text.Length : pos + nl;
            int len = end - pos;
            if (len > 0 && text[pos + len - 1] == (byte)'\r') len--;
            lines.Add(new Line(pos, len));
            pos = nl < 0 ? text.Length : end + 1;
        }
        return lines;
    }

    public static bool IsBlank(ReadOnlySpan<byte> line)
    {
        foreach (var b in line) if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r')) return false;
        return true;
    }
}
