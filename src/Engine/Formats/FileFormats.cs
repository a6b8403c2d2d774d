namespace OrleansStream.Engine.Formats;

/// <summary>The registry of file formats: json, csv, text, parquet (names are case-insensitive).</summary>
public static class FileFormats
{
    private static readonly Dictionary<string, BuiltInFileFormat> Formats = new(StringComparer.OrdinalIgnoreCase)
    {
        ["json"] = BuiltInFileFormat.Json,
        ["csv"] = BuiltInFileFormat.Csv,
        ["text"] = BuiltInFileFormat.Text,
        ["parquet"] = BuiltInFileFormat.Parquet,
    };

    /// <summary>The names of every registered format.</summary>
    public static IReadOnlyCollection<string> Names => Formats.Keys;

    /// <summary>The reader of <paramref name="format"/>.</summary>
    /// <exception cref="ArgumentException">The format is unknown.</exception>
    public static IFileFormatReader Get(string format) => Lookup(format);

    /// <summary>The writer of <paramref name="format"/>.</summary>
    /// <exception cref="ArgumentException">The format is unknown.</exception>
    public static IFileFormatWriter GetWriter(string format) => Lookup(format);

    /// <summary>True when <paramref name="format"/> is registered.</summary>
    public static bool IsSupported(string format) => format is not null && Formats.ContainsKey(format);

    private static BuiltInFileFormat Lookup(string format)
    {
        ArgumentNullException.ThrowIfNull(format);
        return Formats.TryGetValue(format, out var f)
            ? f
            : throw new ArgumentException($"Unknown file format '{format}': expected one of json, csv, text, parquet.", nameof(format));
    }
}
