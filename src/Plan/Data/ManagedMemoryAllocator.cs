using System.Buffers;
using Apache.Arrow.Memory;

namespace OrleansStream.Plan.Data;

/// <summary>
/// An Arrow allocator over managed arrays. Arrow's default allocator hands out native memory that a finalizer frees once
/// the owning array is unreachable; a kernel looping over a span of such a column (the JIT may consider the column itself
/// dead by then) could read freed memory. Managed memory is kept alive by the span itself, like the rest of the engine's
/// buffers (<c>ArrayFactory</c>).
/// </summary>
public sealed class ManagedMemoryAllocator : MemoryAllocator
{
    /// <summary>The shared instance.</summary>
    public static ManagedMemoryAllocator Instance { get; } = new();

    private ManagedMemoryAllocator() : base(DefaultAlignment) { }

    /// <inheritdoc />
    protected override IMemoryOwner<byte> AllocateInternal(int length, out int bytesAllocated)
    {
        bytesAllocated = length;
        return new Owner(new byte[length]);
    }

    private sealed class Owner(byte[] array) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory { get; } = array;

        public void Dispose() { }
    }
}
