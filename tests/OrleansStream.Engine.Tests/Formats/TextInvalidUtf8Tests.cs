using System.Text;
using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Tests.Data;
using Xunit;

namespace OrleansStream.Engine.Tests.Formats;

/// <summary>The text format never fails on bytes: invalid UTF-8 becomes U+FFFD, as when Spark decodes a line.</summary>
public class TextInvalidUtf8Tests
{
    [Fact]
    public void Invalid_sequences_are_replaced_and_every_line_is_kept()
    {
        using var dir = new TempDir();
        var path = System.IO.Path.Combine(dir.Path, "bad.txt");
        byte[] bytes = [.. "ok\n"u8, (byte)'a', 0xFF, (byte)'b', (byte)'\n', 0xC0, 0xAF, (byte)'\n', .. "{\"n\":\"1"u8, 0xE4, .. "\"}\n"u8, .. "é\n"u8];
        File.WriteAllBytes(path, bytes);

        var batch = FileFormats.Get("text").Read(path, TextFileReader.Schema, ReaderOptions.Default);

        Assert.Equal(["ok", "a\uFFFDb", "\uFFFD\uFFFD", "{\"n\":\"1\uFFFD\"}", "é"], ArrowValues.ToRows(batch).Select(r => (string?)r[0]));
        // The column's bytes are those of the replaced text, which is what sinks and string functions see.
        var column = (StringArray)batch.Column(0);
        var expected = Encoding.UTF8.GetBytes("oka\uFFFDb\uFFFD\uFFFD{\"n\":\"1\uFFFD\"}é");
        Assert.Equal(expected, column.ValueBuffer.Span[..column.ValueOffsets[column.Length]].ToArray());
    }
}
