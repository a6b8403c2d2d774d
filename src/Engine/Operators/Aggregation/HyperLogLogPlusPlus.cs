using System.Buffers.Binary;
using System.Numerics;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators.Aggregation;

/// <summary>
/// A HyperLogLog++ sketch for <c>approx_count_distinct</c> at Spark's default relative standard deviation 0.05
/// (precision p = 9, 512 registers).
/// </summary>
/// <remarks>
/// <para>Small sets stay in HLL++'s sparse form: the distinct (25-bit index, rank) pairs, estimated by linear counting
/// over 2^25 virtual registers, which is exact in practice up to the 128 entries the sparse form holds (then it converts to
/// the 512 dense registers, which take the same space). Dense sketches estimate by linear counting while that gives at
/// most 400 (Spark's switch-over point for p = 9) and above by Ertl's improved estimator ("New cardinality estimation
/// algorithms for HyperLogLog sketches", 2017), which needs no empirical bias tables.</para>
/// <para>Values are hashed by their value, never by object hash codes: integers (widened to 64 bits) through a bijective
/// 64-bit mix, doubles by their bits after folding -0.0 into 0.0 and every NaN into one, byte strings by MurmurHash64A.
/// So sketches built in different processes merge correctly. Sketches are mergeable (register-wise maximum) and
/// serialize to a compact binary form for the partial-aggregate column.</para>
/// </remarks>
public sealed class HyperLogLogPlusPlus
{
    /// <summary>The precision p: the sketch has 2^p registers.</summary>
    public const int Precision = 9;

    /// <summary>Number of dense registers (2^p).</summary>
    public const int RegisterCount = 1 << Precision;

    /// <summary>The relative standard deviation this precision is chosen for (Spark's default for approx_count_distinct).</summary>
    public const double RelativeStandardDeviation = 0.05;

    private const int SparsePrecision = 25;
    private const int MaxSparseEntries = RegisterCount / 4;   // 128 int entries = 512 bytes, the size of the dense registers
    private const int MaxRank = 64 - Precision + 1;           // dense register values are 0..56
    private const int MaxSparseRank = 64 - SparsePrecision + 1;
    private const double LinearCountingThreshold = 400;      // Spark's HyperLogLogPlusPlusHelper.THRESHOLDS for p = 9
    private const byte FormatSparse = 1;
    private const byte FormatDense = 2;
    private const ulong ValueSeed = 0x2545F4914F6CDD1DUL;

    private int[]? _sparse;
    private int _sparseCount;
    private byte[]? _registers;

    /// <summary>True when nothing has been added.</summary>
    public bool IsEmpty => _registers is null && _sparseCount == 0;

    /// <summary>True while the sketch is in the sparse (small-set) form.</summary>
    public bool IsSparse => _registers is null;

    /// <summary>Number of bytes <see cref="WriteTo"/> writes.</summary>
    public int SerializedSize => _registers is not null ? 2 + RegisterCount : 2 + sizeof(int) + _sparseCount * sizeof(int);

    /// <summary>Estimated memory held, in bytes.</summary>
    public long EstimatedBytes => 32 + (_registers?.Length ?? 0) + (_sparse?.Length ?? 0) * 4L;

    /// <summary>The hash of an integer value (any integral type, date or timestamp, widened to 64 bits).</summary>
    public static ulong HashInt64(long value) => KeyHash.Mix((ulong)value, ValueSeed);

    /// <summary>The hash of a floating-point value (floats widened to double); -0.0 hashes as 0.0 and all NaNs alike.</summary>
    public static ulong HashDouble(double value)
    {
        if (double.IsNaN(value)) value = double.NaN;
        else if (value == 0d) value = 0d;
        return HashInt64(BitConverter.DoubleToInt64Bits(value));
    }

    /// <summary>The hash of an unscaled decimal value.</summary>
    public static ulong HashDecimal(Int128 unscaled) => KeyHash.Mix((ulong)unscaled ^ KeyHash.Mix((ulong)(unscaled >> 64), ValueSeed), ValueSeed);

    /// <summary>The hash of a byte string (strings as UTF-8).</summary>
    public static ulong HashBytes(ReadOnlySpan<byte> value) => KeyHash.Hash(value, ValueSeed);

    /// <summary>Adds an integer value.</summary>
    public void Add(long value) => AddHash(HashInt64(value));

    /// <summary>Adds a floating-point value.</summary>
    public void Add(double value) => AddHash(HashDouble(value));

    /// <summary>Adds a byte string (strings as UTF-8).</summary>
    public void Add(ReadOnlySpan<byte> value) => AddHash(HashBytes(value));

    /// <summary>Adds a value by its 64-bit hash (see the Hash* methods).</summary>
    public void AddHash(ulong hash)
    {
        if (_registers is not null)
        {
            var idx = (int)(hash >> (64 - Precision));
            var rank = (byte)Math.Min(BitOperations.LeadingZeroCount(hash << Precision) + 1, MaxRank);
            if (rank > _registers[idx]) _registers[idx] = rank;
            return;
        }
        var sparseIdx = (int)(hash >> (64 - SparsePrecision));
        var sparseRank = Math.Min(BitOperations.LeadingZeroCount(hash << SparsePrecision) + 1, MaxSparseRank);
        InsertSparse((sparseIdx << 6) | sparseRank);
    }

    /// <summary>Merges another sketch into this one (the result estimates the union).</summary>
    public void Merge(HyperLogLogPlusPlus other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._registers is not null)
        {
            var registers = Dense();
            for (var i = 0; i < RegisterCount; i++)
                if (other._registers[i] > registers[i]) registers[i] = other._registers[i];
            return;
        }
        for (var i = 0; i < other._sparseCount; i++) MergeSparseEntry(other._sparse![i]);
    }

    /// <summary>Merges a sketch serialized by <see cref="WriteTo"/> without materialising it.</summary>
    /// <exception cref="FormatException">The bytes are not a sketch of this precision.</exception>
    public void Merge(ReadOnlySpan<byte> serialized)
    {
        if (serialized.Length < 2 || serialized[1] != Precision)
            throw new FormatException("Not a HyperLogLog++ sketch of precision 9.");
        switch (serialized[0])
        {
            case FormatDense when serialized.Length == 2 + RegisterCount:
            {
                var registers = Dense();
                var other = serialized[2..];
                for (var i = 0; i < RegisterCount; i++)
                    if (other[i] > registers[i]) registers[i] = other[i];
                return;
            }
            case FormatSparse when serialized.Length >= 2 + sizeof(int):
            {
                var count = BinaryPrimitives.ReadInt32LittleEndian(serialized[2..]);
                if (count < 0 || count > MaxSparseEntries || serialized.Length != 2 + sizeof(int) + count * sizeof(int)) break;
                if (IsEmpty)
                {
                    // Merging into an empty sketch (a new group in the state): take the sorted entries as they are.
                    var entries = new int[Math.Max(16, count)];
                    for (var i = 0; i < count; i++)
                    {
                        entries[i] = BinaryPrimitives.ReadInt32LittleEndian(serialized.Slice(6 + i * sizeof(int), sizeof(int)));
                        if (entries[i] < 0 || (i > 0 && entries[i] >> 6 <= entries[i - 1] >> 6)) throw new FormatException("Malformed HyperLogLog++ sketch.");
                    }
                    _sparse = entries;
                    _sparseCount = count;
                    return;
                }
                for (var i = 0; i < count; i++)
                    MergeSparseEntry(BinaryPrimitives.ReadInt32LittleEndian(serialized.Slice(6 + i * sizeof(int), sizeof(int))));
                return;
            }
        }
        throw new FormatException("Malformed HyperLogLog++ sketch.");
    }

    /// <summary>The estimated number of distinct values added, rounded to the nearest integer.</summary>
    public long Estimate()
    {
        if (_registers is null)
        {
            if (_sparseCount == 0) return 0;
            const double m = 1 << SparsePrecision;
            return (long)Math.Round(m * Math.Log(m / (m - _sparseCount)));
        }
        Span<int> histogram = stackalloc int[MaxRank + 1];
        foreach (var r in _registers) histogram[r]++;
        if (histogram[0] > 0)
        {
            var linear = RegisterCount * Math.Log((double)RegisterCount / histogram[0]);
            if (linear <= LinearCountingThreshold) return (long)Math.Round(linear);
        }
        return (long)Math.Round(ErtlEstimate(histogram));
    }

    /// <summary>Writes the sketch (format byte, precision, then the sparse entries or the dense registers).</summary>
    /// <returns>The number of bytes written (<see cref="SerializedSize"/>).</returns>
    public int WriteTo(Span<byte> destination)
    {
        var size = SerializedSize;
        if (destination.Length < size) throw new ArgumentException($"The destination needs {size} bytes.", nameof(destination));
        destination[1] = Precision;
        if (_registers is not null)
        {
            destination[0] = FormatDense;
            _registers.CopyTo(destination[2..]);
            return size;
        }
        destination[0] = FormatSparse;
        BinaryPrimitives.WriteInt32LittleEndian(destination[2..], _sparseCount);
        for (var i = 0; i < _sparseCount; i++)
            BinaryPrimitives.WriteInt32LittleEndian(destination.Slice(6 + i * sizeof(int), sizeof(int)), _sparse![i]);
        return size;
    }

    /// <summary>The serialized sketch as a new array.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[SerializedSize];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>A sketch read from <see cref="WriteTo"/>'s bytes.</summary>
    /// <exception cref="FormatException">The bytes are not a sketch of this precision.</exception>
    public static HyperLogLogPlusPlus FromBytes(ReadOnlySpan<byte> serialized)
    {
        var sketch = new HyperLogLogPlusPlus();
        sketch.Merge(serialized);
        return sketch;
    }

    /// <summary>Empties the sketch.</summary>
    public void Clear()
    {
        _registers = null;
        _sparse = null;
        _sparseCount = 0;
    }

    private void MergeSparseEntry(int entry)
    {
        if (_registers is null) InsertSparse(entry);
        else ApplyToDense(_registers, entry);
    }

    private void InsertSparse(int entry)
    {
        // Entries are sorted by index (the high bits), one per index with the largest rank seen.
        var idx = entry >> 6;
        int lo = 0, hi = _sparseCount - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var midIdx = _sparse![mid] >> 6;
            if (midIdx == idx)
            {
                if ((entry & 63) > (_sparse[mid] & 63)) _sparse[mid] = entry;
                return;
            }
            if (midIdx < idx) lo = mid + 1;
            else hi = mid - 1;
        }
        if (_sparseCount == MaxSparseEntries)
        {
            ApplyToDense(Dense(), entry);
            return;
        }
        // Start at 16 entries: most groups of a high-cardinality grouping see only a handful of values, and each regrowth is an
        // allocation and a copy on the hot path.
        if (_sparse is null || _sparseCount == _sparse.Length) System.Array.Resize(ref _sparse, Math.Max(16, _sparseCount * 2));
        System.Array.Copy(_sparse, lo, _sparse, lo + 1, _sparseCount - lo);
        _sparse[lo] = entry;
        _sparseCount++;
    }

    private byte[] Dense()
    {
        if (_registers is not null) return _registers;
        var registers = new byte[RegisterCount];
        for (var i = 0; i < _sparseCount; i++) ApplyToDense(registers, _sparse![i]);
        _registers = registers;
        _sparse = null;
        _sparseCount = 0;
        return registers;
    }

    /// <summary>The dense register update a sparse entry stands for: the 25-bit index's top 9 bits pick the register, and
    /// the rank counts leading zeros of the 16 bits below them, continuing into the stored rank when those are all zero.</summary>
    private static void ApplyToDense(byte[] registers, int entry)
    {
        var sparseIdx = entry >> 6;
        var idx = sparseIdx >> (SparsePrecision - Precision);
        var between = (uint)(sparseIdx & ((1 << (SparsePrecision - Precision)) - 1));
        var rank = between != 0
            ? BitOperations.LeadingZeroCount(between) - (32 - (SparsePrecision - Precision)) + 1
            : SparsePrecision - Precision + (entry & 63);
        if (rank > registers[idx]) registers[idx] = (byte)rank;
    }

    private static double ErtlEstimate(ReadOnlySpan<int> histogram)
    {
        const double m = RegisterCount;
        const int q = 64 - Precision;
        var z = m * Tau(1 - histogram[q + 1] / m);
        for (var k = q; k >= 1; k--) z = 0.5 * (z + histogram[k]);
        z += m * Sigma(histogram[0] / m);
        return 0.5 / Math.Log(2) * m * m / z;
    }

    private static double Sigma(double x)
    {
        if (x == 1) return double.PositiveInfinity;
        double y = 1, z = x, previous;
        do
        {
            x *= x;
            previous = z;
            z += x * y;
            y += y;
        } while (z != previous);
        return z;
    }

    private static double Tau(double x)
    {
        if (x == 0 || x == 1) return 0;
        double y = 1, z = 1 - x, previous;
        do
        {
            x = Math.Sqrt(x);
            previous = z;
            y *= 0.5;
            z -= (1 - x) * (1 - x) * y;
        } while (z != previous);
        return z / 3;
    }
}
