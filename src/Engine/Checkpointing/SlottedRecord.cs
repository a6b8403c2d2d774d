using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace OrleansStream.Engine.Checkpointing;

/// <summary>
/// The file of a record that is replaced in place (format "OSC2"): two slots of one size, a multiple of the page size, so
/// that writing one never rewrites a sector of the other. A slot holds a header (magic, sequence number, data length,
/// version), the data and a SHA-256 of both; the record is the intact slot with the higher sequence number. A replace
/// writes the other slot and flushes only its data: the file keeps its size and its blocks, so the flush needs no journal
/// commit (an fsync of a new file waits for every other file's dirty data on ext4) and no directory flush. A write torn by
/// a power loss leaves a slot that fails its hash, and the record it was replacing.
/// </summary>
internal static class SlottedRecord
{
    /// <summary>Bytes before a slot's data: magic, sequence number, data length, version.</summary>
    public const int HeaderLength = 4 + 8 + 4 + VersionLength;
    public const int VersionLength = 16;
    private const int HashLength = 32;
    private const int Page = 4096;

    public static ReadOnlySpan<byte> Magic => "OSC2"u8;

    /// <summary>The slot that holds a record: its index, sequence number, data length and version (the ETag). A record in
    /// the created format ("OSC1", no slots) is described with <see cref="SlotSize"/> 0 and sequence 0.</summary>
    public readonly record struct Current(int Slot, int SlotSize, long Sequence, int Length, string ETag);

    /// <summary>The slot size of a new file for <paramref name="length"/> bytes: room for twice as many, so that a record
    /// that grows a little is still replaced in place.</summary>
    public static int SlotSizeFor(int length) => checked((HeaderLength + HashLength + 2 * length + Page - 1) / Page * Page);

    /// <summary>Whether <paramref name="length"/> bytes fit a slot of <paramref name="slotSize"/>.</summary>
    public static bool Fits(int slotSize, int length) => (long)HeaderLength + length + HashLength <= slotSize;

    /// <summary>The bytes of a slot's content (without the padding after it) for <paramref name="length"/> bytes of data.</summary>
    public static int EncodedLength(int length) => HeaderLength + length + HashLength;

    /// <summary>Writes a slot's content (without the padding after it) into <paramref name="slot"/>: header, data, hash.</summary>
    public static void Encode(Span<byte> slot, long sequence, ReadOnlySpan<byte> version, ReadOnlySpan<byte> data)
    {
        Magic.CopyTo(slot);
        BinaryPrimitives.WriteInt64LittleEndian(slot[4..], sequence);
        BinaryPrimitives.WriteInt32LittleEndian(slot[12..], data.Length);
        version.CopyTo(slot[16..]);
        data.CopyTo(slot[HeaderLength..]);
        SHA256.HashData(slot[..(HeaderLength + data.Length)], slot.Slice(HeaderLength + data.Length, HashLength));
    }

    /// <summary>The record in a slotted file read whole, or null when no slot is intact (or the bytes are not one).</summary>
    public static Current? Find(ReadOnlySpan<byte> file)
    {
        if (SlotSizeOf(file.Length) is not { } slotSize) return null;
        var first = Verify(file[..slotSize], 0);
        var second = Verify(file[slotSize..], 1);
        return second is { } s && (first is not { } f || s.Sequence > f.Sequence) ? second : first;
    }

    /// <summary>
    /// The record a slotted file holds, or null when no slot is intact (or the file is not one), reading only the two slot
    /// headers and then the newer slot (the older one when the newer fails its hash): the ETag check of every replace.
    /// </summary>
    public static Current? Find(SafeFileHandle file)
    {
        if (SlotSizeOf(RandomAccess.GetLength(file)) is not { } slotSize) return null;
        Span<byte> header = stackalloc byte[HeaderLength];
        Span<long> sequences = stackalloc long[2];
        for (var slot = 0; slot < 2; slot++)
            sequences[slot] = ReadFully(file, header, (long)slot * slotSize) == HeaderLength && header.StartsWith(Magic)
                ? BinaryPrimitives.ReadInt64LittleEndian(header[4..]) : long.MinValue;
        var newer = sequences[1] > sequences[0] ? 1 : 0;
        foreach (var slot in (ReadOnlySpan<int>)[newer, 1 - newer])
        {
            if (sequences[slot] == long.MinValue) continue;
            ReadFully(file, header, (long)slot * slotSize);
            var length = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
            if (length < 0 || !Fits(slotSize, length)) continue;
            var buffer = ArrayPool<byte>.Shared.Rent(HeaderLength + length + HashLength);
            try
            {
                var content = buffer.AsSpan(0, HeaderLength + length + HashLength);
                if (ReadFully(file, content, (long)slot * slotSize) == content.Length && Verify(content, slot, slotSize) is { } found) return found;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        return null;
    }

    /// <summary>The byte offset of a record's data in its file.</summary>
    public static long DataOffset(Current current) => (long)current.Slot * current.SlotSize + HeaderLength;

    /// <summary>Reads until <paramref name="buffer"/> is full or the file ends; the bytes read.</summary>
    public static int ReadFully(SafeFileHandle file, Span<byte> buffer, long offset)
    {
        var read = 0;
        while (read < buffer.Length && RandomAccess.Read(file, buffer[read..], offset + read) is var n && n > 0) read += n;
        return read;
    }

    private static int? SlotSizeOf(long fileLength) =>
        fileLength == 0 || fileLength % (2 * Page) != 0 || fileLength > int.MaxValue ? null : (int)(fileLength / 2);

    /// <summary>The slot's record if it is intact; <paramref name="slot"/> starts at the slot (its padding may be cut off).</summary>
    private static Current? Verify(ReadOnlySpan<byte> slot, int index, int? slotSize = null)
    {
        var size = slotSize ?? slot.Length;
        if (slot.Length < HeaderLength || !slot.StartsWith(Magic)) return null;
        var sequence = BinaryPrimitives.ReadInt64LittleEndian(slot[4..]);
        var length = BinaryPrimitives.ReadInt32LittleEndian(slot[12..]);
        if (length < 0 || !Fits(size, length) || slot.Length < HeaderLength + length + HashLength) return null;
        Span<byte> hash = stackalloc byte[HashLength];
        SHA256.HashData(slot[..(HeaderLength + length)], hash);
        if (!hash.SequenceEqual(slot.Slice(HeaderLength + length, HashLength))) return null;
        return new Current(index, size, sequence, length, Convert.ToHexStringLower(slot.Slice(16, VersionLength)));
    }
}
