using System.Buffers.Binary;
using System.IO.Hashing;
using Microsoft.Win32.SafeHandles;

namespace OrleansStream.Engine.Checkpointing;

/// <summary>
/// The file of a record created in place (format "OSC3"): a header (magic, data length, version), the data and an
/// XxHash128 of both (not the SHA-256 of <see cref="SlottedRecord"/>'s small slots: a created record is a state delta or
/// snapshot of up to megabytes per partition and epoch, and the hash only has to tell a cut write from a whole one). The
/// store creates the file under its key exclusively and flushes it once, with no temp file or rename. A file that a crash
/// cut short (a kill during the write, a power loss before its data reached the disk) fails its length or its hash: it
/// is torn, and a torn file is no record. It is not listed, reads as absent, and a create of its key replaces it. A
/// record cannot be torn once the store has returned its ETag.
/// </summary>
internal static class CreatedRecord
{
    /// <summary>Bytes before the data: magic, data length, version.</summary>
    public const int HeaderLength = 4 + 4 + VersionLength;
    public const int VersionLength = 16;
    public const int HashLength = 16;

    public static ReadOnlySpan<byte> Magic => "OSC3"u8;

    /// <summary>What a file's first bytes say it is.</summary>
    public enum Kind
    {
        /// <summary>A record of another format ("OSC1", "OSC2"), or a file that is no record at all.</summary>
        Other,
        /// <summary>A created record whose length is whole (its hash is checked when it is read).</summary>
        Whole,
        /// <summary>What a create cut short leaves: an empty file, or one too short for its header or for the length it
        /// names. (A file whose start is zeros is not taken for one: the file systems that order data before size, ext4's
        /// default and XFS, never leave it, and a slotted record's file with both headers lost must stay an error.)</summary>
        Torn,
    }

    /// <summary>The bytes of a file for <paramref name="length"/> bytes of data.</summary>
    public static long EncodedLength(int length) => (long)HeaderLength + length + HashLength;

    /// <summary>Writes the header for <paramref name="length"/> bytes of data; the hash of header and data goes after the data.</summary>
    public static void WriteHeader(Span<byte> header, ReadOnlySpan<byte> version, int length)
    {
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], length);
        version.CopyTo(header[8..]);
    }

    // One hasher per write thread, reset for each record: a state partition writes one every epoch.
    [ThreadStatic] private static XxHash128? _hasher;

    /// <summary>Writes the hash of <paramref name="header"/> and <paramref name="data"/> (<see cref="HashLength"/> bytes) to
    /// <paramref name="destination"/>.</summary>
    public static void Hash(ReadOnlySpan<byte> header, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        var hash = _hasher ??= new XxHash128();
        hash.Reset();
        hash.Append(header);
        hash.Append(data);
        hash.GetCurrentHash(destination);
    }

    /// <summary>What a file of <paramref name="fileLength"/> bytes starting with <paramref name="start"/> (its first
    /// <see cref="HeaderLength"/> bytes, fewer when it is shorter) is, from its length alone.</summary>
    public static Kind Classify(ReadOnlySpan<byte> start, long fileLength)
    {
        if (fileLength == 0) return Kind.Torn;
        var magic = start[..Math.Min(start.Length, Magic.Length)];
        if (!magic.SequenceEqual(Magic[..magic.Length])) return Kind.Other;
        if (start.Length < HeaderLength || !start.StartsWith(Magic)) return Kind.Torn;
        var length = BinaryPrimitives.ReadInt32LittleEndian(start[4..]);
        return length >= 0 && fileLength == EncodedLength(length) ? Kind.Whole : Kind.Torn;
    }

    /// <summary>What the file at <paramref name="handle"/> is, reading only its header.</summary>
    public static Kind Classify(SafeFileHandle handle)
    {
        Span<byte> start = stackalloc byte[HeaderLength];
        var read = SlottedRecord.ReadFully(handle, start, 0);
        return Classify(start[..read], RandomAccess.GetLength(handle));
    }

    /// <summary>Whether the file read whole in <paramref name="file"/> is a torn created record.</summary>
    public static bool IsTorn(ReadOnlySpan<byte> file) =>
        Classify(file[..Math.Min(file.Length, HeaderLength)], file.Length) switch
        {
            Kind.Torn => true,
            Kind.Whole => Verify(file) is null,
            _ => false,
        };

    /// <summary>The data's range and the ETag of a whole created record; null when its hash fails (torn).</summary>
    public static (int Offset, int Length, string ETag)? Verify(ReadOnlySpan<byte> file)
    {
        if (Classify(file[..Math.Min(file.Length, HeaderLength)], file.Length) != Kind.Whole) return null;
        var length = BinaryPrimitives.ReadInt32LittleEndian(file[4..]);
        Span<byte> hash = stackalloc byte[HashLength];
        XxHash128.Hash(file[..(HeaderLength + length)], hash);
        if (!hash.SequenceEqual(file.Slice(HeaderLength + length, HashLength))) return null;
        return (HeaderLength, length, Convert.ToHexStringLower(file.Slice(8, VersionLength)));
    }
}
