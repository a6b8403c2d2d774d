using System.Runtime.InteropServices;

namespace OrleansStream.Engine.Checkpointing;

/// <summary>
/// Flushes a directory's entries to disk. Flushing a file makes its bytes durable, but a file renamed or created into a
/// directory survives a power loss only once the directory is flushed as well (POSIX leaves the entry in the page cache
/// until then). .NET cannot open a directory as a file, so this calls the C library. On Windows it does nothing: NTFS
/// journals the rename itself, and a directory cannot be flushed there.
/// </summary>
internal static partial class DirectoryFlush
{
    private const int ReadOnly = 0;

    /// <summary>Flushes <paramref name="directory"/>'s entries.</summary>
    /// <exception cref="IOException">The directory cannot be opened or flushed.</exception>
    public static void Flush(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        var fd = Open(directory, ReadOnly);
        if (fd < 0) throw Failure("open", directory);
        try
        {
            if (Fsync(fd) != 0) throw Failure("flush", directory);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static IOException Failure(string action, string directory) =>
        new($"Could not {action} directory '{directory}' to make its entries durable: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
