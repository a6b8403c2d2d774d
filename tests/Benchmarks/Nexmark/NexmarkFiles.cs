using System.Globalization;
using Apache.Arrow;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Sources.Nexmark;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// Writes generated tables as files a file source replays: JSON lines or Parquet, through the engine's own writers
/// (src/Engine/Formats), one batch per file. A file is written under a hidden temporary name and then renamed into the
/// folder, so a source listing the folder never sees half a file, and file k always holds the same rows.
/// </summary>
public static class NexmarkFiles
{
    /// <summary>Writes bids <paramref name="firstBid"/> .. + <paramref name="bids"/> - 1 into <paramref name="directory"/>, <paramref name="bidsPerFile"/> per file.</summary>
    /// <returns>The files written, in order.</returns>
    public static IReadOnlyList<string> WriteBids(NexmarkGenerator generator, string directory, string format, long firstBid, long bids, int bidsPerFile) =>
        Write(directory, format, "bids", firstBid, bids, bidsPerFile, generator.Bids);

    /// <summary>Writes people as <see cref="WriteBids"/> writes bids.</summary>
    public static IReadOnlyList<string> WritePersons(NexmarkGenerator generator, string directory, string format, long first, long count, int perFile) =>
        Write(directory, format, "persons", first, count, perFile, generator.Persons);

    /// <summary>Writes auctions as <see cref="WriteBids"/> writes bids.</summary>
    public static IReadOnlyList<string> WriteAuctions(NexmarkGenerator generator, string directory, string format, long first, long count, int perFile) =>
        Write(directory, format, "auctions", first, count, perFile, generator.Auctions);

    /// <summary>One batch as the content of one file of <paramref name="format"/> (json or parquet).</summary>
    public static byte[] Encode(RecordBatch batch, string format)
    {
        using var stream = new MemoryStream();
        FileFormats.GetWriter(format).Write(stream, batch);
        return stream.ToArray();
    }

    /// <summary>Puts ready file content into <paramref name="directory"/> atomically (temporary name, then rename). With
    /// <paramref name="durable"/> the content is flushed to disk first, so that the kernel's write-back of a freshly generated
    /// data set does not compete with the first measured run.</summary>
    public static string Publish(string directory, string name, byte[] content, bool durable = false)
    {
        var temp = Path.Combine(directory, "." + name + ".tmp");
        var path = Path.Combine(directory, name);
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(content);
            if (durable) file.Flush(flushToDisk: true);
        }
        File.Move(temp, path);
        return path;
    }

    /// <summary>The name of file <paramref name="index"/> of a table: zero-padded, so names sort as the files were written.</summary>
    public static string FileName(string table, long index, string format) =>
        string.Create(CultureInfo.InvariantCulture, $"{table}-{index:D7}.{FileFormats.GetWriter(format).Extension}");

    private static IReadOnlyList<string> Write(string directory, string format, string table, long first, long count, int perFile, Func<long, int, RecordBatch> generate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perFile);
        Directory.CreateDirectory(directory);
        var files = new List<string>();
        for (long offset = 0, index = 0; offset < count; offset += perFile, index++)
        {
            var batch = generate(first + offset, (int)Math.Min(perFile, count - offset));
            files.Add(Publish(directory, FileName(table, first / perFile + index, format), Encode(batch, format), durable: true));
        }
        return files;
    }
}
