using System.Runtime.InteropServices;

namespace OrleansStream.Engine.Checkpointing;

/// <summary>
/// Whether a file created in a directory needs that directory flushed, after its own flush, for its name to survive a
/// power loss. POSIX says yes. On Linux, ext4 (ext2/ext3 through the ext4 driver), XFS and btrfs make a new file's name
/// durable with the file's own fsync or fdatasync: ext4 and XFS commit their journal or log up to the file's last change,
/// which follows the create; ext4 without a journal flushes a newly created file's parent itself (ext4_sync_parent); btrfs
/// logs a new file's name with it. A directory flush there only repeats a device cache flush: on the 2-core benchmark VM
/// as long as the file's fdatasync. Elsewhere (other file systems, macOS) the store flushes the directory as POSIX asks;
/// on Windows it never does (<see cref="DirectoryFlush"/>).
/// </summary>
internal static partial class NewEntryFlush
{
    private const long Ext4Magic = 0xEF53; // ext2, ext3 and ext4
    private const long XfsMagic = 0x58465342;
    private const long BtrfsMagic = 0x9123683E;

    /// <summary>True when files created in <paramref name="directory"/> need it flushed after them.</summary>
    public static bool IsNeeded(string directory)
    {
        if (OperatingSystem.IsWindows()) return false;
        return !OperatingSystem.IsLinux() || FileSystemType(directory) is not { } type || !FlushesNewNames(type);
    }

    /// <summary>Whether a Linux file system of statfs type <paramref name="type"/> makes a new file's name durable with the
    /// file's own flush.</summary>
    public static bool FlushesNewNames(long type) => type is Ext4Magic or XfsMagic or BtrfsMagic;

    // statfs's f_type, the first field of struct statfs (a long on 64-bit Linux, an int on 32-bit); null when unknown.
    private static unsafe long? FileSystemType(string directory)
    {
        var buffer = stackalloc byte[256];
        if (StatFs(directory, buffer) != 0) return null;
        return IntPtr.Size == 8 ? *(long*)buffer : (uint)*(int*)buffer;
    }

    [LibraryImport("libc", EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int StatFs(string path, byte* buffer);
}
