using System.Buffers;

namespace OrleansStream.Plan.Data;

/// <summary>
/// A write-only stream over a buffer rented from <see cref="ArrayPool{T}.Shared"/> (or a pool of the caller's). Serializers that must end in an
/// exactly sized <c>byte[]</c> write here and copy once (<see cref="ToArray"/>), instead of growing a MemoryStream by
/// doubling (each step a new array) and then copying it out anyway. Those that only pass the bytes on read them in place
/// (<see cref="Memory"/>) until the stream is disposed.
/// </summary>
internal sealed class PooledBufferStream : Stream, IMemoryOwner<byte>
{
    private readonly ArrayPool<byte> _pool;
    private byte[] _buffer;
    private int _length;

    /// <summary>Rents a buffer of at least <paramref name="capacity"/> bytes from the shared pool.</summary>
    public PooledBufferStream(int capacity) : this(capacity, ArrayPool<byte>.Shared)
    {
    }

    /// <summary>Rents a buffer of at least <paramref name="capacity"/> bytes from <paramref name="pool"/>.</summary>
    public PooledBufferStream(int capacity, ArrayPool<byte> pool)
    {
        _pool = pool;
        _buffer = pool.Rent(Math.Max(capacity, 256));
    }

    /// <inheritdoc/>
    public override bool CanRead => false;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => true;

    /// <inheritdoc/>
    public override long Length => _length;

    /// <inheritdoc/>
    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    /// <summary>The bytes written so far, in the rented buffer: valid until the stream is disposed.</summary>
    public Memory<byte> Memory => _buffer.AsMemory(0, _length);

    /// <summary>The bytes written so far, as a new array of exactly that length.</summary>
    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_buffer.Length - _length < buffer.Length) Grow(buffer.Length);
        buffer.CopyTo(_buffer.AsSpan(_length));
        _length += buffer.Length;
    }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override void WriteByte(byte value) => Write([value]);

    /// <inheritdoc/>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && _buffer.Length > 0)
        {
            _pool.Return(_buffer);
            _buffer = [];
            _length = 0;
        }
        base.Dispose(disposing);
    }

    private void Grow(int needed)
    {
        long size = Math.Max((long)_buffer.Length * 2, (long)_length + needed);
        if (size > Array.MaxLength) size = Math.Max(Array.MaxLength, _length + needed);
        var next = _pool.Rent(checked((int)size));
        _buffer.AsSpan(0, _length).CopyTo(next);
        _pool.Return(_buffer);
        _buffer = next;
    }
}
