using System.Buffers.Binary;
using System.Security.Cryptography;

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

    /// <summary>The slot that holds a record: its index, sequence number, data length and version (the ETag).</summary>
    public readonly record struct Current(int Slot, int SlotSize, long Sequence, int Length, string ETag)
    {
        public int DataOffset => Slot * SlotSize + HeaderLength;
    }

    /// <summary>The slot size of a new file for <paramref name="length"/> bytes: room for twice as many, so that a record
    /// that grows a little is still replaced in place.</summary>
    public static int SlotSizeFor(int length) => checked((HeaderLength + HashLength + 2 * length + Page - 1) / Page * Page);

    /// <summary>Whether <paramref name="length"/> bytes fit a slot of <paramref name="slotSize"/>.</summary>
    public static bool Fits(int slotSize, int length) => (long)HeaderLength + length + HashLength <= slotSize;

    /// <summary>A slot's content (without the padding after it): header, data, hash.</summary>
    public static byte[] Encode(long sequence, ReadOnlySpan<byte> version, ReadOnlySpan<byte> data)
    {
        var slot = new byte[HeaderLength + data.Length + HashLength];
        Magic.CopyTo(slot);
        BinaryPrimitives.WriteInt64LittleEndian(slot.AsSpan(4), sequence);
        BinaryPrimitives.WriteInt32LittleEndian(slot.AsSpan(12), data.Length);
        version.CopyTo(slot.AsSpan(16));
        data.CopyTo(slot.AsSpan(HeaderLength));
        SHA256.HashData(slot.AsSpan(0, HeaderLength + data.Length), slot.AsSpan(HeaderLength + data.Length));
        return slot;
    }

    /// <summary>The record a slotted file holds, or null when no slot is intact (or the file is not one).</summary>
    public static Current? Find(ReadOnlySpan<byte> file)
    {
        if (file.Length == 0 || file.Length % (2 * Page) != 0) return null;
        var slotSize = file.Length / 2;
        Current? best = null;
        for (var slot = 0; slot < 2; slot++)
            if (Read(file.Slice(slot * slotSize, slotSize), slot) is { } found && (best is null || found.Sequence > best.Value.Sequence))
                best = found;
        return best;
    }

    private static Current? Read(ReadOnlySpan<byte> slot, int index)
    {
        if (!slot.StartsWith(Magic)) return null;
        var sequence = BinaryPrimitives.ReadInt64LittleEndian(slot[4..]);
        var length = BinaryPrimitives.ReadInt32LittleEndian(slot[12..]);
        if (length < 0 || !Fits(slot.Length, length)) return null;
        Span<byte> hash = stackalloc byte[HashLength];
        SHA256.HashData(slot[..(HeaderLength + length)], hash);
        if (!hash.SequenceEqual(slot.Slice(HeaderLength + length, HashLength))) return null;
        return new Current(index, slot.Length, sequence, length, Convert.ToHexStringLower(slot.Slice(16, VersionLength)));
    }
}
