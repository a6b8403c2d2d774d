using System.Buffers;

namespace OrleansStream.Engine.Formats;

/// <summary>
/// A whole file's bytes in an array rented from <see cref="ArrayPool{T}.Shared"/>, for a reader that parses them into
/// columns of their own and keeps nothing of them: a stream's files, read one after another, reuse one array instead of
/// each allocating its size again (a large-object allocation for any file over 85 KB).
/// </summary>
internal sealed class RentedFileBytes : IDisposable
{
    private byte[]? _array;

    private RentedFileBytes(byte[] array, int length, bool rented)
    {
        _array = rented ? array : null;
        Memory = array.AsMemory(0, length);
    }

    /// <summary>The file's bytes; not to be read after <see cref="Dispose"/>.</summary>
    public ReadOnlyMemory<byte> Memory { get; }

    /// <summary>Reads <paramref name="path"/> whole, as <see cref="File.ReadAllBytes"/> does.</summary>
    public static RentedFileBytes Read(string path)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var length = RandomAccess.GetLength(file);
        // A file that reports no length (procfs and the like) may still have content: read it the plain way.
        if (length == 0) return Whole(path);
        if (length > Array.MaxLength) throw new IOException($"The file '{path}' is larger than 2 GB.");
        var array = ArrayPool<byte>.Shared.Rent((int)length);
        var read = 0;
        try
        {
            // A file cut short while read ends where it ends; one that grew is read up to its length at open, as ReadAllBytes does.
            while (read < length && RandomAccess.Read(file, array.AsSpan(read, (int)length - read), read) is var n and > 0) read += n;
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(array);
            throw;
        }
        return new RentedFileBytes(array, read, rented: true);
    }

    private static RentedFileBytes Whole(string path)
    {
        var bytes = File.ReadAllBytes(path);
        return new RentedFileBytes(bytes, bytes.Length, rented: false);
    }

    /// <summary>Returns the array to the pool.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _array, null) is { } array) ArrayPool<byte>.Shared.Return(array);
    }
}
