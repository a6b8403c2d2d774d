using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace OrleansStream.Engine.Checkpointing;

/// <summary>
/// Flushes a file's data to disk without its timestamps (fdatasync): for a write into blocks the file already has, that
/// is all a power loss could lose, and it needs no journal commit. Elsewhere than Linux it is a full flush.
/// </summary>
internal static partial class DataFlush
{
    /// <summary>Flushes the data written through <paramref name="handle"/>.</summary>
    /// <exception cref="IOException">The flush failed.</exception>
    public static void Flush(SafeFileHandle handle, string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(handle);
            return;
        }
        if (Fdatasync(handle) != 0)
            throw new IOException($"Could not flush '{path}' to disk: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
    }

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int Fdatasync(SafeFileHandle fd);
}
