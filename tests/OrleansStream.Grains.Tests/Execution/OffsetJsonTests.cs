using System.Text.Json;
using OrleansStream.Grains.Execution;

namespace OrleansStream.Grains.Tests.Execution;

/// <summary>Progress offsets read once per text: every element read is the JSON of the offset asked for, never a stale one.</summary>
public sealed class OffsetJsonTests
{
    [Fact]
    public void EachEpochsStartEndAndLatest_ReadAsTheirOwnText()
    {
        var offsets = new OffsetJson();
        string? previousEnd = null;
        for (var epoch = 0; epoch < 5; epoch++)
        {
            var end = $"{{\"rows\":{(epoch + 1) * 200_000},\"partitions\":[1,2]}}";
            Assert.Equal(Text(previousEnd), Text(offsets.Of("0", previousEnd)));
            Assert.Equal(Text(end), Text(offsets.Of("0", end)));
            Assert.Equal(Text(end), Text(offsets.Of("0", end)));
            // Another source with the same text is its own entry; a changed text is read again.
            Assert.Equal(Text("{\"file\":3}"), Text(offsets.Of("1", "{\"file\":3}")));
            previousEnd = end;
        }
        Assert.Null(offsets.Of("0", null));
        Assert.Equal(Text("{\"rows\":1}"), Text(offsets.Of("0", "{\"rows\":1}")));
    }

    private static string? Text(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.GetRawText();

    private static string? Text(JsonElement? element) => element?.GetRawText();
}
