using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace OrleansStream.Engine.Checkpointing;

/// <summary>
/// Opens the file store's record files. On Linux by the C library's open alone: <see cref="File.OpenHandle"/> adds an
/// fstat, a shared flock (its emulation of <see cref="FileShare"/>) and, on close, an unlock, five system calls where one
/// does, and each epoch opens its records a few dozen times (reads, ETag checks, listings, creates). The store needs no
/// lock on a record (its key stripes exclude writers, <see cref="StripeLocks"/>), and a shared flock excludes nothing
/// but an exclusive one, which no one takes on a record. Elsewhere it is <see cref="File.OpenHandle"/> with the sharing
/// the store always used: readers and in-place writers beside each other.
/// </summary>
internal static partial class RecordFiles
{
    private const int ReadOnly = 0, WriteOnly = 1, ReadWrite = 2, Create = 0x40, Exclusive = 0x80, CloseOnExec = 0x80000;
    private const int NoEntry = 2, Exists = 17, Denied = 13, NotPermitted = 1, IsDirectory = 21;

    /// <summary>The record at <paramref name="path"/>, to read.</summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="DirectoryNotFoundException">Its directory is not there.</exception>
    public static SafeFileHandle OpenRead(string path) => OperatingSystem.IsLinux()
        ? Open(path, ReadOnly | CloseOnExec)
        : File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

    /// <summary>The record at <paramref name="path"/>, to write in place.</summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    public static SafeFileHandle OpenWrite(string path) => OperatingSystem.IsLinux()
        ? Open(path, WriteOnly | CloseOnExec)
        : File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);

    /// <summary>A new file at <paramref name="path"/> (O_CREAT | O_EXCL: of two creates one fails, in every process).</summary>
    /// <exception cref="IOException">A file is there already (or the create failed).</exception>
    public static SafeFileHandle CreateNew(string path) => OperatingSystem.IsLinux()
        ? Open(path, WriteOnly | Create | Exclusive | CloseOnExec)
        : File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete);

    /// <summary>The file at <paramref name="path"/>, created if missing, to read and write, with no lock of .NET's on it
    /// (Linux only: <see cref="StripeLocks"/> takes its own flock on it and keeps it open).</summary>
    public static SafeFileHandle OpenOrCreateUnlocked(string path) => Open(path, ReadWrite | Create | CloseOnExec);

    private static SafeFileHandle Open(string path, int flags)
    {
        // 0666 before the umask, as .NET creates files.
        var fd = OpenFile(path, flags, Convert.ToInt32("666", 8));
        if (fd >= 0) return new SafeFileHandle(fd, ownsHandle: true);
        var error = Marshal.GetLastPInvokeError();
        var message = $"Could not open '{path}': {Marshal.GetPInvokeErrorMessage(error)}.";
        throw error switch
        {
            // As .NET tells them apart: a missing file in a directory that is there, or a missing directory.
            NoEntry when Directory.Exists(Path.GetDirectoryName(path)) => new FileNotFoundException(message, path),
            NoEntry => new DirectoryNotFoundException(message),
            Exists => new IOException(message),
            Denied or NotPermitted or IsDirectory => new UnauthorizedAccessException(message),
            _ => new IOException(message),
        };
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenFile(string path, int flags, int mode);
}
