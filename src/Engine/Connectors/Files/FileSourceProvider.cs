using Apache.Arrow;
using Microsoft.Extensions.Logging;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Sinks;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Connectors.Files;

/// <summary>The file formats (json, csv, text, parquet) as sources: a folder that receives files, or a batch read of files.</summary>
public sealed class FileSourceProvider : ISourceProvider
{
    /// <inheritdoc/>
    public IReadOnlyCollection<string> Formats => FileFormats.Names;

    /// <inheritdoc/>
    public Schema ResolveSchema(SourceRelation source, SourceContext context)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(context);
        var format = source.Format.ToLowerInvariant();
        if (format == "text") return TextFileReader.Schema;
        if (source.SchemaDdl is { } ddl) return DataTypes.ParseSchema(ddl);
        if (source.IsStreaming)
            throw new ArgumentException($"Schema must be specified when creating a streaming source DataFrame ({format}): call .Schema(...) on the reader.");
        return FileReading.Infer(format, DataFiles(source, context), new ReaderOptions(source.Options));
    }

    /// <inheritdoc/>
    public IStreamSource CreateStream(SourceRelation source, SourceContext context)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(context);
        var format = source.Format.ToLowerInvariant();
        if (string.IsNullOrWhiteSpace(source.Options.GetValueOrDefault("path")))
            throw new ArgumentException($"Option 'path' is required by the {format} source.");
        var schema = format == "text" ? TextFileReader.Schema : source.SchemaDdl is { } ddl ? DataTypes.ParseSchema(ddl)
            : throw new ArgumentException($"Schema must be specified when creating a streaming source DataFrame ({format} at '{source.Options.GetValueOrDefault("path")}'): call .Schema(...) on the reader.");
        var log = context.Checkpoints is { } store && context.MetadataPrefix is { } prefix ? new FileSourceLog(store, prefix) : null;
        return new FileStreamSource(format, DataPath.Of(source.Options), schema, source.Options, context.FileRoots, context.MemoryBudgetBytes, log,
            ArrowBufferPool.Of(context.Services), context.Loggers.CreateLogger<FileStreamSource>());
    }

    /// <inheritdoc/>
    public Task<IBatchSource> OpenBatchAsync(SourceRelation source, SourceContext context, CancellationToken cancellationToken) =>
        Task.FromResult<IBatchSource>(new FileBatchSource(source, ResolveSchema(source, context), context));

    /// <inheritdoc/>
    public IStaticSource OpenStatic(SourceRelation source, SourceContext context)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(context);
        return new FileStaticSource(source, ResolveSchema(source, context), context);
    }

    /// <summary>
    /// The data files of a batch file read: one file, or the committed files of a folder (a file sink's log decides); with
    /// file roots, each must really lie inside them.
    /// </summary>
    internal static IReadOnlyList<string> DataFiles(SourceRelation source, SourceContext context)
    {
        var path = DataPath.Of(source.Options);
        if (File.Exists(path))
        {
            context.FileRoots?.ThrowIfOutside(path, "File");
            return [path];
        }
        if (!Directory.Exists(path)) throw new FileNotFoundException($"[PATH_NOT_FOUND] Path does not exist: {path}.", path);
        return FileSinkLog.ReadableFiles(path, context.FileRoots);
    }
}
