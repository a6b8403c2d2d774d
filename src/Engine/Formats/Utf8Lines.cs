using System.Text;
using System.Text.Unicode;
using OrleansStream.Engine.Data;

namespace OrleansStream.Engine.Formats;

/// <summary>
/// UTF-8 checks for readers of raw bytes. A reader checks a whole file once (vectorised) and looks at single lines only
/// when the file holds invalid UTF-8, so valid files pay one pass and no allocation. String columns always hold valid
/// UTF-8: invalid sequences are replaced by U+FFFD, as when Spark decodes them to show or write them.
/// </summary>
internal static class Utf8Lines
{
    /// <summary>The offset of the first byte that is not part of valid UTF-8, or -1.</summary>
    public static int FirstInvalid(ReadOnlySpan<byte> utf8)
    {
        if (Utf8.IsValid(utf8)) return -1;
        int at = 0;
        while (at < utf8.Length)
        {
            if (System.Buffers.OperationStatus.Done != Rune.DecodeFromUtf8(utf8[at..], out _, out int consumed)) return at;
            at += consumed;
        }
        return -1;
    }

    /// <summary>Why the line is malformed, for an error message, e.g. "invalid UTF-8 (byte 0xFF) at offset 12 of the record".</summary>
    public static string Describe(ReadOnlySpan<byte> utf8, int at) => $"invalid UTF-8 (byte 0x{utf8[at]:X2}) at offset {at} of the record";

    /// <summary>Appends <paramref name="utf8"/> to a string column, replacing invalid sequences when <paramref name="mayBeInvalid"/>.</summary>
    public static void Append(BinaryColumnBuilder builder, ReadOnlySpan<byte> utf8, bool mayBeInvalid)
    {
        if (!mayBeInvalid || Utf8.IsValid(utf8)) builder.AppendBytes(utf8);
        else builder.AppendString(Encoding.UTF8.GetString(utf8));
    }
}
