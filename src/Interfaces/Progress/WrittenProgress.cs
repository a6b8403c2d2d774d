using System.Runtime.CompilerServices;

namespace OrleansStream.Interfaces.Progress;

/// <summary>
/// Spark's progress JSON as the trigger sends it to the query's client, and, within the trigger's own process, the object it
/// was written from. Orleans hands a string to a call within its process as the same instance (strings are immutable), so
/// a client in the silo's process finds the object by the JSON it received and does not parse back what was just
/// written; a client in another process receives a new string and reads it. The observer's message stays a string, so
/// clients and silos of different versions still exchange progress.
/// </summary>
public static class WrittenProgress
{
    // Keyed by the string instance, not its text, and held only while the string lives.
    private static readonly ConditionalWeakTable<string, StreamingQueryProgress> Sources = new();

    /// <summary>Writes <paramref name="progress"/> as its JSON, remembered as written from it.</summary>
    public static string Write(StreamingQueryProgress progress)
    {
        var json = progress.Json;
        Sources.AddOrUpdate(json, progress);
        return json;
    }

    /// <summary>The progress <paramref name="json"/> was written from in this process, else the JSON read.</summary>
    public static StreamingQueryProgress Read(string json) =>
        Sources.TryGetValue(json, out var progress) ? progress : StreamingQueryProgress.FromJson(json);
}
