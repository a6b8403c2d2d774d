using Apache.Arrow;

namespace OrleansStream.Engine.Connectors;

/// <summary>A query's sink as the user wrote it: <c>WriteStream.Format(...).Option(...).OutputMode(...)</c>.</summary>
/// <param name="Format">The format name.</param>
/// <param name="OutputMode">"append", "update" or "complete" (lower case).</param>
/// <param name="Options">The writer's options (names case-insensitive).</param>
/// <param name="QueryName">The query's name, if any.</param>
/// <param name="Schema">The schema of the rows the query writes.</param>
public sealed record SinkDescriptor(string Format, string OutputMode, IReadOnlyDictionary<string, string> Options, string? QueryName, Schema Schema)
{
    /// <summary>The option <paramref name="name"/> (case-insensitive), or null.</summary>
    public string? Option(string name)
    {
        foreach (var (key, value) in Options)
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase)) return value;
        return null;
    }
}
