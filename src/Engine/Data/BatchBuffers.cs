using System.Runtime.CompilerServices;
using Apache.Arrow;

namespace OrleansStream.Engine.Data;

/// <summary>
/// The single owner of the pooled arrays behind one batch's columns. A reader that is done with a batch (nothing it made
/// from the batch still refers to its columns) calls <see cref="Release(RecordBatch)"/>, which hands the arrays back to their
/// <see cref="ArrowBufferPool"/>; a batch never released is collected as any other, its arrays with it. Operators that
/// pass input columns on (a projection keeps them, a filter that keeps every row too) make the owner's job the reader's:
/// only the reader knows when the last batch made from its input is gone. An owner of no batch (<see cref="ReleaseRented"/>)
/// holds the columns computed from batches that came without one, which the source task releases with them.
/// </summary>
public sealed class BatchBuffers
{
    private static readonly ConditionalWeakTable<RecordBatch, BatchBuffers> Owners = new();

    private readonly ArrowBufferPool _pool;
    private List<byte[]>? _arrays = new(8);

    /// <summary>An owner of arrays from <paramref name="pool"/>.</summary>
    public BatchBuffers(ArrowBufferPool pool) => _pool = pool ?? throw new ArgumentNullException(nameof(pool));

    /// <summary>An array of at least <paramref name="bytes"/> bytes, of unspecified content, owned until release.</summary>
    internal byte[] Rent(int bytes)
    {
        var array = _pool.Rent(bytes);
        (_arrays ?? throw new ObjectDisposedException(nameof(BatchBuffers))).Add(array);
        return array;
    }

    /// <summary>Returns <paramref name="array"/> (rented here and no longer referred to, e.g. outgrown) before the batch is released.</summary>
    internal void Return(byte[] array)
    {
        var arrays = _arrays ?? throw new ObjectDisposedException(nameof(BatchBuffers));
        if (!arrays.Remove(array)) throw new ArgumentException("The array was not rented by this owner.", nameof(array));
        _pool.Return(array);
    }

    /// <summary>
    /// <paramref name="length"/> bytes of an array rented here, of unspecified content, owned until release: for bytes a
    /// batch read from them will refer to (an Arrow IPC stream received, whose batch this owner then owns).
    /// </summary>
    public Memory<byte> RentBytes(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return Rent(length).AsMemory(0, length);
    }

    /// <summary>
    /// A copy of <paramref name="batch"/> whose every buffer (children's and dictionaries' too) is an array rented here,
    /// owned by this owner: a reader can keep it after the batch's own owner released the batch.
    /// </summary>
    public RecordBatch OwnedCopy(RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var columns = new IArrowArray[batch.ColumnCount];
        for (var c = 0; c < columns.Length; c++) columns[c] = ArrowArrayFactory.BuildArray(Copy(batch.Column(c).Data));
        return Own(new RecordBatch(batch.Schema, columns, batch.Length));
    }

    // Buffers are copied whole (a sliced array keeps its offset into them): a block copy each, whatever the type.
    private ArrayData Copy(ArrayData data)
    {
        var buffers = new ArrowBuffer[data.Buffers.Length];
        for (var b = 0; b < buffers.Length; b++)
        {
            var source = data.Buffers[b].Span;
            if (source.IsEmpty)
            {
                buffers[b] = ArrowBuffer.Empty;
                continue;
            }
            var array = Rent(source.Length);
            source.CopyTo(array);
            buffers[b] = new ArrowBuffer(array.AsMemory(0, source.Length));
        }
        var children = data.Children is { Length: > 0 } c ? System.Array.ConvertAll(c, Copy) : data.Children;
        return new ArrayData(data.DataType, data.Length, data.NullCount, data.Offset, buffers, children, data.Dictionary is { } d ? Copy(d) : null);
    }

    /// <summary>Makes this the owner of <paramref name="batch"/>'s arrays and returns the batch.</summary>
    public RecordBatch Own(RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Owners.Add(batch, this);
        return batch;
    }

    /// <summary>True when <paramref name="batch"/>'s columns live in pooled arrays not yet released.</summary>
    public static bool IsPooled(RecordBatch batch) => Of(batch) is not null;

    /// <summary>The owner of <paramref name="batch"/>'s pooled arrays, or null.</summary>
    public static BatchBuffers? Of(RecordBatch batch) => Owners.TryGetValue(batch, out var owner) ? owner : null;

    /// <summary>
    /// Hands the pooled arrays of <paramref name="batch"/> back; the batch and every column taken from it must not be read
    /// afterwards. Returns false (and does nothing) for a batch that owns no pooled arrays or was released already.
    /// </summary>
    public static bool Release(RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return Owners.TryGetValue(batch, out var owner) && Owners.Remove(batch) && owner.ReleaseRented();
    }

    /// <summary>
    /// Hands back every array rented here (and only those: a column this owner did not rent, such as a cached all-null
    /// stand-in, is never returned); nothing made of them may be read afterwards. Returns false when released already.
    /// </summary>
    public bool ReleaseRented()
    {
        var arrays = Interlocked.Exchange(ref _arrays, null);
        if (arrays is null) return false;
        foreach (var array in arrays) _pool.Return(array);
        return true;
    }
}
