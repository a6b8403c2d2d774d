using System.Runtime.InteropServices;

namespace OrleansStream.Engine.Checkpointing;

/// <summary>
/// Whether a file created in a directory needs that directory flushed, after its own flush, for its name to survive a
/// power loss. POSIX says yes. On Linux, ext4 (ext2/ext3 through the ext4 driver), XFS and btrfs make a new file's name
/// durable with the file's own fsync or fdatasync: ext4 and XFS commit their journal or log up to the file's last change,
/// which follows the create; ext4 without a journal flushes a newly created file's parent itself (ext4_sync_parent); btrfs
/// logs a new file's name with it. A directory flush there only repeats a device cache flush: on the 2-core benchmark VM
/// as long as the file's fdatasync. Elsewhere (other file systems, macOS) the store flushes the directory as POSIX asks;
/// on Windows it never does (<see cref="DirectoryFlush"/>). ext2 shares ext4's statfs type, and a kernel may mount it with
/// the legacy ext2 driver, whose fsync leaves the parent directory alone: a file system mounted as ext2 gets the flush.
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
        if (!OperatingSystem.IsLinux() || FileSystemType(directory) is not { } type) return true;
        return !FlushesNewNames(type, type == Ext4Magic ? MountedAs(directory) : null);
    }

    /// <summary>Whether a Linux file system of statfs type <paramref name="type"/>, mounted as <paramref name="mountedAs"/>
    /// (the type /proc/self/mountinfo names; null when unknown), makes a new file's name durable with the file's own flush.</summary>
    public static bool FlushesNewNames(long type, string? mountedAs) =>
        type switch
        {
            Ext4Magic => mountedAs is not (null or "ext2"),
            XfsMagic or BtrfsMagic => true,
            _ => false,
        };

    /// <summary>The file system type of the mount holding <paramref name="path"/> (a path without symbolic links), from
    /// lines of /proc/self/mountinfo: the mount point that is the longest prefix of the path wins, as the kernel's last
    /// mount over a point hides the earlier ones. Null when no line names one.</summary>
    public static string? MountTypeOf(string path, IEnumerable<string> mountInfo)
    {
        string? type = null;
        var longest = -1;
        foreach (var line in mountInfo)
        {
            // "id parent major:minor root mountPoint options [optional fields] - type source superOptions"
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-");
            if (fields.Length < 5 || separator < 5 || separator + 1 >= fields.Length) continue;
            var mountPoint = Unescape(fields[4]);
            if (!Contains(mountPoint, path) || mountPoint.Length < longest) continue;
            longest = mountPoint.Length;
            type = fields[separator + 1];
        }

        return type;
    }

    private static bool Contains(string mountPoint, string path) =>
        mountPoint == "/" || path == mountPoint || path.StartsWith(mountPoint + "/", StringComparison.Ordinal);

    // mountinfo escapes space, tab, newline and backslash in paths as \ooo (octal).
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal)) return field;
        var text = new System.Text.StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                text.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else text.Append(field[i]);
        }

        return text.ToString();
    }

    private static bool IsOctal(string s, int at) =>
        at + 3 <= s.Length && s[at] is >= '0' and <= '7' && s[at + 1] is >= '0' and <= '7' && s[at + 2] is >= '0' and <= '7';

    private static string? MountedAs(string directory)
    {
        try
        {
            return RealPath(directory) is { } path ? MountTypeOf(path, File.ReadLines("/proc/self/mountinfo")) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static unsafe string? RealPath(string path)
    {
        var resolved = Realpath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero) return null;
        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            NativeMemory.Free((void*)resolved);
        }
    }

    // statfs's f_type, the first field of struct statfs (a long on 64-bit Linux, an int on 32-bit); null when unknown.
    private static unsafe long? FileSystemType(string directory)
    {
        var buffer = stackalloc byte[256];
        if (StatFs(directory, buffer) != 0) return null;
        return IntPtr.Size == 8 ? *(long*)buffer : (uint)*(int*)buffer;
    }

    [LibraryImport("libc", EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr Realpath(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int StatFs(string path, byte* buffer);
}
