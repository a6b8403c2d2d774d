using Apache.Arrow;
using OrleansStream.Engine.Files;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Sinks;
using OrleansStream.Engine.Sources.Nexmark;
using OrleansStream.Engine.Types;
using OrleansStream.Grains.Hosting;

namespace OrleansStream.Grains.Sources;

/// <summary>The schema of a source relation: given by the user, fixed by the format, or (batch file reads only) inferred.</summary>
public static class SourceSchemas
{
    /// <summary>
    /// Resolves the schema of <paramref name="source"/>; throws with the reason when it cannot be known. Inferring it reads
    /// files, which must really lie inside <paramref name="roots"/> when given (a silo's configured file roots).
    /// </summary>
    public static Schema Resolve(SourceRelation source, FileRoots? roots = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var format = source.Format.ToLowerInvariant();
        if (format == "text") return TextFileReader.Schema;
        if (format is "rate" or "rate-micro-batch") return RateSourceConnector.RateSchema;
        if (format == "nexmark")
            return source.SchemaDdl is null
                ? NexmarkSchemas.Of(new ReaderOptions(source.Options).Get("table")?.Trim() ?? "bid")
                : throw new ArgumentException("The nexmark source does not take a user-specified schema: its tables' columns are fixed (the planner reads only the columns a query uses).");
        if (source.SchemaDdl is { } ddl) return DataTypes.ParseSchema(ddl);
        if (source.IsStreaming || !SourceConnectorFactory.FileFormats.Contains(format))
            throw new ArgumentException($"Schema must be specified when creating a streaming source DataFrame ({format}): call .Schema(...) on the reader.");
        var options = new ReaderOptions(source.Options);
        return FileReading.Infer(format, DataFiles(source, roots), options);
    }

    /// <summary>
    /// The data files of a batch file read: one file, or the committed files of a folder (a file sink's log decides); with
    /// <paramref name="roots"/>, each must really lie inside them.
    /// </summary>
    internal static IReadOnlyList<string> DataFiles(SourceRelation source, FileRoots? roots = null)
    {
        var path = PathResolver.DataPath(source.Options.GetValueOrDefault("path") ?? "", "path");
        if (File.Exists(path))
        {
            roots?.ThrowIfOutside(path, "File");
            return [path];
        }
        if (!Directory.Exists(path)) throw new FileNotFoundException($"[PATH_NOT_FOUND] Path does not exist: {path}.", path);
        return FileSinkLog.ReadableFiles(path, roots);
    }
}
