using Apache.Arrow;
using Apache.Arrow.Types;
using Microsoft.Extensions.Logging;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Types;
using OrleansStream.Grains.Hosting;

namespace OrleansStream.Grains.Sources;

/// <summary>Creates the connector of a streaming <see cref="SourceRelation"/> by its format.</summary>
internal sealed class SourceConnectorFactory(IGrainFactory grains, TimeProvider time, PathResolver paths, ILoggerFactory loggers,
    Microsoft.Extensions.Options.IOptions<OrleansStreamOptions> options)
{
    private static readonly string[] ReadLimits = ["maxFilesPerTrigger", "maxBytesPerTrigger", "maxRowsPerTrigger"];

    public static readonly IReadOnlySet<string> FileFormats = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "json", "csv", "text", "parquet" };

    /// <param name="source">The streaming relation.</param>
    /// <param name="ignoreReadLimits">Take everything available in an epoch (Trigger.Once): no maxFilesPerTrigger,
    /// maxBytesPerTrigger, maxRowsPerTrigger nor the memory budget's defaults.</param>
    public ISourceConnector Create(SourceRelation source, bool ignoreReadLimits = false)
    {
        var sourceOptions = new Dictionary<string, string>(source.Options, StringComparer.OrdinalIgnoreCase);
        var format = source.Format.ToLowerInvariant();
        var budget = options.Value.EpochMemoryBudgetBytes;
        if (ignoreReadLimits)
        {
            foreach (var limit in ReadLimits) sourceOptions.Remove(limit);
            budget = long.MaxValue;
        }
        return format switch
        {
            "memory" => new MemorySourceConnector(grains, Required(sourceOptions, "session", format), Required(sourceOptions, "streamId", format), UserSchema(source)),
            "rate" or "rate-micro-batch" => new RateSourceConnector(format, sourceOptions, time, budget),
            "nexmark" => new NexmarkSourceConnector(SourceSchemas.Resolve(source), sourceOptions, time, budget),
            _ when FileFormats.Contains(format) => new FileSourceConnector(format, PathResolver.DataPath(Required(sourceOptions, "path", format), "path"), FileSchema(source, format), sourceOptions,
                paths.FileRoots, budget, loggers.CreateLogger<FileSourceConnector>()),
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
