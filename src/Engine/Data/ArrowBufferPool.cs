using System.Buffers;

namespace OrleansStream.Engine.Data;

/// <summary>
/// The byte arrays behind the Arrow buffers of batches that have one owner (<see cref="BatchBuffers"/>), reused from batch to
/// batch: a source that builds a fresh 200,000-row epoch of columns every few milliseconds otherwise hands the GC large
/// arrays faster than it collects them (each one a large-object allocation, paid in page faults and gen-2 collections).
/// Counts the arrays rented and returned, so that a test sees none left out. Thread-safe.
/// </summary>
public sealed class ArrowBufferPool
{
    // Columns of up to 2^21 rows of eight bytes, or 16 MB of string data; a larger request is allocated unpooled.
    private const int MaxArrayBytes = 1 << 24;
    // Arrays kept per size: enough for the columns of the batches an epoch's source tasks hold at once.
    private const int MaxArraysPerSize = 64;

    private readonly ArrayPool<byte> _arrays = ArrayPool<byte>.Create(MaxArrayBytes, MaxArraysPerSize);
    private readonly CountingPool _counting;
    private long _rented, _returned;

    /// <summary>An empty pool.</summary>
    public ArrowBufferPool() => _counting = new CountingPool(this);

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
        Interlocked.Increment(ref _rented);
        return _arrays.Rent(bytes);
    }

    /// <summary>Takes back an array <see cref="Rent"/> gave; the caller no longer reads or writes it.</summary>
    internal void Return(byte[] array)
    {
        Interlocked.Increment(ref _returned);
        _arrays.Return(array);
    }

    // The pool as an ArrayPool, counted, for serializers that rent and grow their own buffer.
    private sealed class CountingPool(ArrowBufferPool owner) : ArrayPool<byte>
    {
        public override byte[] Rent(int minimumLength) => owner.Rent(minimumLength);

        public override void Return(byte[] array, bool clearArray = false) => owner.Return(array);
    }
}
