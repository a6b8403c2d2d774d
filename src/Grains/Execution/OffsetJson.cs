using System.Text.Json;

namespace OrleansStream.Grains.Execution;

/// <summary>
/// A run's source offsets read as JSON for its progress, each offset text read once per source: an epoch's start offset
/// is the previous epoch's end, and its end is also its latest offset. Reading all three every epoch was most of the
/// progress object's cost (q12: 0.96% of the process's CPU in ProgressReport's SourceProgress).
/// </summary>
internal sealed class OffsetJson
{
    private readonly Dictionary<string, (string Text, JsonElement Element)> _last = new(StringComparer.Ordinal);

    /// <summary><paramref name="offset"/> read as JSON (null for none); the element of the source's last offset read when the text is the same.</summary>
    public JsonElement? Of(string sourceId, string? offset)
    {
        if (offset is null) return null;
        if (_last.TryGetValue(sourceId, out var last) && string.Equals(last.Text, offset, StringComparison.Ordinal)) return last.Element;
        using var doc = JsonDocument.Parse(offset);
        // A clone owns its memory: progress objects of later epochs may share it, and none of them changes it.
        var element = doc.RootElement.Clone();
        _last[sourceId] = (offset, element);
        return element;
    }
}
