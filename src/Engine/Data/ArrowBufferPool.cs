using System.Buffers;
using System.Numerics;

namespace OrleansStream.Engine.Data;

/// <summary>
/// The byte arrays behind the Arrow buffers of batches that have one owner (<see cref="BatchBuffers"/>), reused from batch to
/// batch: a source that builds a fresh 200,000-row epoch of columns every few milliseconds otherwise hands the GC large
/// arrays faster than it collects them (each one a large-object allocation, paid in page faults and gen-2 collections).
/// Counts the arrays rented and returned, so that a test sees none left out. Thread-safe.
/// </summary>
/// <remarks>
/// Arrays come in power-of-two sizes from 16 bytes, as <see cref="ArrayPool{T}.Create(int, int)"/>'s do. A new one is
/// allocated uninitialised (its content is unspecified anyway) and, from the large-object size on, faulted in at once
/// (<see cref="PageAdvice.FaultIn{T}"/>) before its first writer fills it: a state file or snapshot column of a size not
/// pooled yet (a state growing from empty) took most of its encoding's time in page faults, one per 4 KB page.
/// </remarks>
public sealed class ArrowBufferPool
{
    // Columns of up to 2^21 rows of eight bytes, or 16 MB of string data; a larger request is allocated unpooled.
    private const int MaxArrayBytes = 1 << 24;
    private const int MinArrayBytes = 16;
    // Arrays kept per size: enough for the columns of the batches an epoch's source tasks hold at once.
    private const int MaxArraysPerSize = 64;
    // From the large-object size on, an array is faulted in when allocated.
    private const int FaultInBytes = 85_000;

    private readonly Bucket[] _buckets = new Bucket[BucketOf(MaxArrayBytes) + 1];
    private readonly CountingPool _counting;
    private long _rented, _returned;

    /// <summary>An empty pool.</summary>
    public ArrowBufferPool()
    {
        _counting = new CountingPool(this);
        for (var i = 0; i < _buckets.Length; i++) _buckets[i] = new Bucket(MinArrayBytes << i);
    }

    /// <summary>The process's pool: sources use it unless the host registers one of its own.</summary>
    public static ArrowBufferPool Shared { get; } = new();

    /// <summary>The pool <paramref name="services"/> registers, or <see cref="Shared"/> when it registers none.</summary>
    public static ArrowBufferPool Of(IServiceProvider? services) => services?.GetService(typeof(ArrowBufferPool)) as ArrowBufferPool ?? Shared;

    /// <summary>Arrays rented so far.</summary>
    public long Rented => Interlocked.Read(ref _rented);

    /// <summary>Arrays returned so far.</summary>
    public long Returned => Interlocked.Read(ref _returned);

    /// <summary>This pool as an <see cref="ArrayPool{T}"/> (counted as <see cref="Rent"/> and <see cref="Return"/> are), for
    /// serializers that rent and grow their own buffer.</summary>
    public ArrayPool<byte> Arrays => _counting;

    /// <summary>An array of at least <paramref name="bytes"/> bytes, of unspecified content.</summary>
    internal byte[] Rent(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Interlocked.Increment(ref _rented);
        if (bytes == 0) return [];
        if (bytes > MaxArrayBytes) return Allocate(bytes);
        var bucket = _buckets[BucketOf(bytes)];
        return bucket.TryTake() ?? Allocate(bucket.ArrayBytes);
    }

    /// <summary>Takes back an array <see cref="Rent"/> gave; the caller no longer reads or writes it. One of a size this
    /// pool does not keep (an unpooled large one, an empty one) is left to the GC.</summary>
    internal void Return(byte[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        Interlocked.Increment(ref _returned);
        if (array.Length is < MinArrayBytes or > MaxArrayBytes || !BitOperations.IsPow2(array.Length)) return;
        _buckets[BucketOf(array.Length)].TryKeep(array);
    }

    // The bucket of the smallest pooled size of at least bytes (1 to MaxArrayBytes).
    private static int BucketOf(int bytes) => BitOperations.Log2((uint)(bytes - 1) | (MinArrayBytes - 1)) - BitOperations.Log2(MinArrayBytes) + 1;

    private static byte[] Allocate(int bytes)
    {
        var array = GC.AllocateUninitializedArray<byte>(bytes);
        if (bytes >= FaultInBytes) PageAdvice.FaultIn(array);
        return array;
    }

    // The arrays of one size kept for reuse, newest first.
    private sealed class Bucket(int arrayBytes)
    {
        private readonly byte[]?[] _arrays = new byte[MaxArraysPerSize][];
        private int _count;

        public int ArrayBytes { get; } = arrayBytes;

        public byte[]? TryTake()
        {
            lock (_arrays)
            {
                if (_count == 0) return null;
                var array = _arrays[--_count];
                _arrays[_count] = null;
                return array;
            }
        }

        public void TryKeep(byte[] array)
        {
            lock (_arrays)
            {
                if (_count < _arrays.Length) _arrays[_count++] = array;
            }
        }
    }

    // The pool as an ArrayPool, counted, for serializers that rent and grow their own buffer.
    private sealed class CountingPool(ArrowBufferPool owner) : ArrayPool<byte>
    {
        public override byte[] Rent(int minimumLength) => owner.Rent(minimumLength);

        public override void Return(byte[] array, bool clearArray = false) => owner.Return(array);
    }
}
