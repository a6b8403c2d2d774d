using System.Text;

namespace OrleansStream.Engine.Formats;

/// <summary>
/// Quotes a bad value in an error message: whole when short, else its first <see cref="MaxChars"/> characters, "..." and
/// its total length, so that a huge value cannot make a huge message (error paths only; allocates).
/// </summary>
internal static class RecordExcerpt
{
    public const int MaxChars = 100;

    /// <summary>Quotes text, e.g. <c>'abc'</c> or <c>'abc...' (1000000 characters)</c>.</summary>
    public static string Quote(ReadOnlySpan<char> text, string quote) => text.Length <= MaxChars
        ? $"{quote}{text}{quote}"
        : $"{quote}{Prefix(text)}...{quote} ({text.Length} characters)";

    /// <summary>Quotes UTF-8 text (invalid sequences shown as U+FFFD), e.g. <c>"abc"</c> or <c>"abc..." (1000000 bytes)</c>.</summary>
    public static string Quote(ReadOnlySpan<byte> utf8, string quote)
    {
        // A character takes at most 4 bytes, so this many bytes always decode to enough characters for the excerpt.
        var head = Encoding.UTF8.GetString(utf8[..Math.Min(utf8.Length, MaxChars * 4)]);
        return utf8.Length <= MaxChars * 4 && head.Length <= MaxChars
            ? $"{quote}{head}{quote}"
            : $"{quote}{Prefix(head)}...{quote} ({utf8.Length} bytes)";
    }

    // Does not cut a surrogate pair in two.
    private static string Prefix(ReadOnlySpan<char> text)
    {
        int n = Math.Min(text.Length, MaxChars);
        if (n < text.Length && char.IsHighSurrogate(text[n - 1])) n--;
        return text[..n].ToString();
    }
}
