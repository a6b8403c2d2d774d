using OrleansStream.Grains.Hosting;
using OrleansStream.Interfaces.Execution;

namespace OrleansStream.Grains.Sinks;

/// <summary>Reads a sink's options the way Spark does: names are case-insensitive.</summary>
internal static class SinkSpecExtensions
{
    public static string? Option(this SinkSpec sink, string name) =>
        sink.Options.FirstOrDefault(o => o.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>The full output folder of a file sink.</summary>
    public static string OutputPath(this SinkSpec sink) => PathResolver.DataPath(sink.Option("path") ?? "", "path");
}
