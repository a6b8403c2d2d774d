using Apache.Arrow;
using Apache.Arrow.Types;
using Microsoft.Extensions.Logging;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Types;
using OrleansStream.Grains.Hosting;

namespace OrleansStream.Grains.Sources;

/// <summary>Creates the connector of a streaming <see cref="SourceRelation"/> by its format.</summary>
internal sealed class SourceConnectorFactory(IGrainFactory grains, TimeProvider time, PathResolver paths, ILoggerFactory loggers)
{
    public static readonly IReadOnlySet<string> FileFormats = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "json", "csv", "text", "parquet" };

    public ISourceConnector Create(SourceRelation source)
    {
        var options = new Dictionary<string, string>(source.Options, StringComparer.OrdinalIgnoreCase);
        var format = source.Format.ToLowerInvariant();
        return format switch
        {
            "memory" => new MemorySourceConnector(grains, Required(options, "session", format), Required(options, "streamId", format), UserSchema(source)),
            "rate" or "rate-micro-batch" => new RateSourceConnector(format, options, time),
            "nexmark" => new NexmarkSourceConnector(SourceSchemas.Resolve(source), options, time),
            _ when FileFormats.Contains(format) => new FileSourceConnector(format, PathResolver.DataPath(Required(options, "path", format), "path"), FileSchema(source, format), options,
                paths.FileRoots, loggers.CreateLogger<FileSourceConnector>()),
            _ => throw new NotSupportedException($"Data source '{source.Format}' does not support streamed reading. Supported: memory, rate, rate-micro-batch, nexmark, json, csv, text, parquet."),
        };
    }

    private static Schema UserSchema(SourceRelation source) =>
        source.SchemaDdl is { } ddl ? DataTypes.ParseSchema(ddl) : throw new ArgumentException("The memory source needs a schema.");

    private static Schema FileSchema(SourceRelation source, string format)
    {
        if (format == "text") return new Schema.Builder().Field(f => f.Name("value").DataType(StringType.Default).Nullable(true)).Build();
        return source.SchemaDdl is { } ddl
            ? DataTypes.ParseSchema(ddl)
            : throw new ArgumentException($"Schema must be specified when creating a streaming source DataFrame ({format} at '{source.Options.GetValueOrDefault("path")}'): call .Schema(...) on the reader.");
    }

    private static string Required(IReadOnlyDictionary<string, string> options, string name, string format) =>
        options.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v : throw new ArgumentException($"Option '{name}' is required by the {format} source.");
}
