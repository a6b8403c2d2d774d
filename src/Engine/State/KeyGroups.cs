using System.Runtime.CompilerServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;

namespace OrleansStream.Engine.State;

/// <summary>
/// Keyed routing (DESIGN §2): a row's key hashes to one of K key groups, and contiguous ranges of key groups belong to
/// each of N state partitions, so a partition owns whole key groups and their state moves with them when N changes.
/// The hash is MurmurHash64A over the <see cref="KeyEncoder"/> bytes, so a key lands in the same group in every process,
/// whichever batch or array it arrives in; keys of bigint/timestamp columns only get the same hash from their values,
/// without being encoded.
/// </summary>
public static class KeyGroups
{
    /// <summary>The default number of key groups K, fixed when a query first starts.</summary>
    public const int DefaultNumKeyGroups = 128;

    /// <summary>The key group routing gives the empty key, the one group of an aggregation without grouping columns: rows
    /// without routing columns go here unhashed (<see cref="KeyGroupPartitioner"/>), state rows are placed here when a
    /// partition loads its key groups (<see cref="OfStateKey"/>), so exactly one partition owns it.</summary>
    public const int EmptyKeyGroup = 0;

    [ThreadStatic]
    private static KeyEncoder? t_encoder;

    /// <summary>The key group of an encoded key (see <see cref="KeyEncoder"/>), in [0, <paramref name="numKeyGroups"/>).</summary>
    public static int Of(ReadOnlySpan<byte> encodedKey, int numKeyGroups)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numKeyGroups, 1);
        return FromHash(KeyHash.Hash(encodedKey), numKeyGroups);
    }

    /// <summary>Writes the key group of each of the first <paramref name="length"/> rows of <paramref name="keyColumns"/> to <paramref name="groups"/>.</summary>
    /// <exception cref="NotSupportedException">A key column's type cannot be a key.</exception>
    public static void Assign(IReadOnlyList<IArrowArray> keyColumns, int length, int numKeyGroups, Span<int> groups)
    {
        ArgumentNullException.ThrowIfNull(keyColumns);
        ArgumentOutOfRangeException.ThrowIfLessThan(numKeyGroups, 1);
        if (groups.Length < length) throw new ArgumentException($"The groups span holds {groups.Length} entries, fewer than {length}.", nameof(groups));
        if (IsInt64Key(keyColumns))
        {
            AssignInt64(keyColumns[0], length, numKeyGroups, groups);
            return;
        }
        if (FixedKeys.IsFixedKey(keyColumns))
        {
            AssignFixed(keyColumns, length, numKeyGroups, groups);
            return;
        }
        var encoder = EncoderFor(keyColumns);
        encoder.Encode(keyColumns, length);
        for (var r = 0; r < length; r++) groups[r] = FromHash(KeyHash.Hash(encoder.Key(r)), numKeyGroups);
    }

    /// <summary>True for a key of one bigint or timestamp column, which hashes without encoding
    /// (<see cref="KeyHash.HashInt64Key"/>).</summary>
    internal static bool IsInt64Key(IReadOnlyList<IArrowArray> keyColumns) =>
        keyColumns.Count == 1 && keyColumns[0].Data.DataType.TypeId is ArrowTypeId.Int64 or ArrowTypeId.Timestamp;

    /// <summary>The hash of each of the first <paramref name="length"/> rows of a bigint or timestamp column, equal to
    /// <see cref="KeyHash.Hash"/> of the row's encoded key.</summary>
    internal static void HashInt64(IArrowArray column, int length, Span<ulong> hashes)
    {
        var values = ArrowSpans.Values<long>(column)[..length];
        hashes = hashes[..length];
        var validity = ArrowSpans.Validity(column);
        if (validity.IsEmpty)
        {
            KeyHashLanes.HashInt64Keys(values, hashes);
            return;
        }
        var offset = column.Offset;
        for (var r = 0; r < values.Length; r++) hashes[r] = KeyHash.HashInt64Key(values[r], BitUtility.GetBit(validity, offset + r));
    }

    private static void AssignInt64(IArrowArray column, int length, int numKeyGroups, Span<int> groups)
    {
        var values = ArrowSpans.Values<long>(column)[..length];
        var validity = ArrowSpans.Validity(column);
        if (validity.IsEmpty && KeyHashLanes.IsAccelerated)
        {
            // Hashed a chunk at a time in vector lanes, the chunk's hashes kept in the L1 cache until grouped.
            Span<ulong> hashes = stackalloc ulong[Math.Min(length, FixedKeys.ChunkRows)];
            for (var start = 0; start < length; start += hashes.Length)
            {
                var n = Math.Min(hashes.Length, length - start);
                KeyHashLanes.HashInt64Keys(values.Slice(start, n), hashes);
                for (var r = 0; r < n; r++) groups[start + r] = FromHash(hashes[r], numKeyGroups);
            }
            return;
        }
        var offset = column.Offset;
        for (var r = 0; r < values.Length; r++)
        {
            var valid = validity.IsEmpty || BitUtility.GetBit(validity, offset + r);
            groups[r] = FromHash(KeyHash.HashInt64Key(values[r], valid), numKeyGroups);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AssignFixed(IReadOnlyList<IArrowArray> keyColumns, int length, int numKeyGroups, Span<int> groups)
    {
        var width = keyColumns.Count;
        var chunk = Math.Min(length, FixedKeys.ChunkRows);
        Span<long> values = stackalloc long[chunk * width];
        Span<byte> flags = stackalloc byte[chunk];
        Span<ulong> hashes = stackalloc ulong[chunk];
        for (var start = 0; start < length; start += chunk)
        {
            var n = Math.Min(chunk, length - start);
            FixedKeys.Load(keyColumns, start, values[..(n * width)], flags[..n], hashes[..n]);
            for (var r = 0; r < n; r++) groups[start + r] = FromHash(hashes[r], numKeyGroups);
        }
    }

    /// <summary>The state partition owning <paramref name="keyGroup"/>: partition p owns the contiguous key groups
    /// <see cref="KeyGroupRange"/>(p, ...).</summary>
    public static int PartitionOf(int keyGroup, int numKeyGroups, int numPartitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numKeyGroups, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(numPartitions, 1);
        if ((uint)keyGroup >= (uint)numKeyGroups) throw new ArgumentOutOfRangeException(nameof(keyGroup));
        return (int)((long)keyGroup * numPartitions / numKeyGroups);
    }

    /// <summary>The key groups [Start, End) owned by <paramref name="partition"/> (empty when there are more partitions than key groups).</summary>
    public static (int Start, int End) KeyGroupRange(int partition, int numKeyGroups, int numPartitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numKeyGroups, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(numPartitions, 1);
        if ((uint)partition >= (uint)numPartitions) throw new ArgumentOutOfRangeException(nameof(partition));
        // Smallest g with g * N / K >= p, i.e. ceil(p * K / N); consistent with PartitionOf's floor.
        static int Start(long p, long k, long n) => (int)((p * k + n - 1) / n);
        return (Start(partition, numKeyGroups, numPartitions), Start(partition + 1L, numKeyGroups, numPartitions));
    }

    /// <summary>The key group whose partition holds the state of an encoded key: <see cref="Of"/>, except for the empty key
    /// (no key columns, so its encoding is empty, while every key column encodes at least a marker byte), which routing
    /// puts in <see cref="EmptyKeyGroup"/> without hashing.</summary>
    public static int OfStateKey(ReadOnlySpan<byte> encodedKey, int numKeyGroups) =>
        encodedKey.IsEmpty ? EmptyKeyGroup : Of(encodedKey, numKeyGroups);

    /// <summary>Maps a 64-bit key hash to a key group by multiply-high, which is uniform and uses the hash's high bits
    /// (the key table's buckets use the low bits, so a partition's narrow key-group range does not crowd its buckets).</summary>
    internal static int FromHash(ulong hash, int numKeyGroups) => (int)Math.BigMul(hash, (ulong)numKeyGroups, out _);

    private static KeyEncoder EncoderFor(IReadOnlyList<IArrowArray> keyColumns)
    {
        // One encoder per thread, reused while the key types stay the same, so routing a batch allocates only when they change.
        var cached = t_encoder;
        if (cached is not null && Matches(cached.KeySchema, keyColumns)) return cached;
        var fields = new Field[keyColumns.Count];
        for (var c = 0; c < fields.Length; c++) fields[c] = new Field("k" + c, keyColumns[c].Data.DataType, true);
        return t_encoder = new KeyEncoder(new Schema(fields, null));
    }

    private static bool Matches(Schema schema, IReadOnlyList<IArrowArray> keyColumns)
    {
        var fields = schema.FieldsList;
        if (fields.Count != keyColumns.Count) return false;
        for (var c = 0; c < fields.Count; c++)
        {
            var expected = fields[c].DataType;
            var actual = keyColumns[c].Data.DataType;
            if (expected.TypeId != actual.TypeId) return false;
            if (expected is Decimal128Type de && actual is Decimal128Type da && de.Scale != da.Scale) return false;
            if (expected is TimestampType te && actual is TimestampType ta && te.Unit != ta.Unit) return false;
        }
        return true;
    }
}
