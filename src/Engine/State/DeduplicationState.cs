using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;

namespace OrleansStream.Engine.State;

/// <summary>
/// The keyed state of <c>dropDuplicates</c> in one state partition: the set of keys seen, each with the event time
/// (microseconds) after which it may be forgotten, plus tracking of what changed since the last checkpoint. Not thread-safe.
/// </summary>
public sealed class DeduplicationState
{
    /// <summary>The name of the expiry column in <see cref="Delta"/> and <see cref="Snapshot"/>.</summary>
    public const string ExpiryColumn = "__expiry";

    private readonly KeyTable _keys;
    private readonly ChangeTracker _changes;
    private readonly KeyEncoder _applyEncoder;
    private readonly int _keyCount;
    private long[] _expiry = [];

    /// <summary>Creates an empty state for keys of <paramref name="keySchema"/>.</summary>
    /// <exception cref="NotSupportedException">A key column's type cannot be a key.</exception>
    public DeduplicationState(Schema keySchema)
    {
        ArgumentNullException.ThrowIfNull(keySchema);
        _keys = new KeyTable(keySchema);
        _changes = new ChangeTracker(keySchema);
        _applyEncoder = new KeyEncoder(keySchema);
        _keyCount = keySchema.FieldsList.Count;
        KeySchema = keySchema;
        DeltaSchema = StateBatches.Schema(keySchema, [new Field(ExpiryColumn, Int64Type.Default, true)]);
    }

    /// <summary>The key schema.</summary>
    public Schema KeySchema { get; }

    /// <summary>The schema of <see cref="Delta"/> and <see cref="Snapshot"/>: "__deleted" boolean, the key columns, "__expiry" bigint.</summary>
    public Schema DeltaSchema { get; }

    /// <summary>Number of keys held.</summary>
    public int Count => _keys.Count;

    /// <summary>The keys (slot ids index the expiry times).</summary>
    public KeyTable Keys => _keys;

    /// <summary>Estimated memory held, in bytes.</summary>
    public long EstimatedBytes => _keys.EstimatedBytes + _changes.EstimatedBytes + _expiry.Length * 8L;

    /// <summary>
    /// Sets <c>keep[r]</c> for each of the first <paramref name="length"/> rows: true when its key is neither in the state nor
    /// on an earlier row of this call. Kept keys are added with expiry <c>expiryMicros[r]</c> (pass <see cref="long.MaxValue"/>
    /// when there is no watermark, so they never expire).
    /// </summary>
    public void Filter(IReadOnlyList<IArrowArray> keyColumns, ReadOnlySpan<long> expiryMicros, int length, Span<bool> keep)
    {
        if (expiryMicros.Length < length || keep.Length < length)
            throw new ArgumentException($"The expiry and keep spans must hold {length} entries.");
        var slots = _keys.GetOrAdd(keyColumns, length, out var added);
        if (_expiry.Length < _keys.SlotBound) System.Array.Resize(ref _expiry, Math.Max(_keys.SlotBound, Math.Max(16, _expiry.Length * 2)));
        var trackRemovals = _changes.RemovedCount > 0;
        for (var r = 0; r < length; r++)
        {
            keep[r] = added[r];
            if (!added[r]) continue;
            var s = slots[r];
            _expiry[s] = expiryMicros[r];
            _changes.MarkDirty(s);
            if (trackRemovals) _changes.OnAdded(_keys.KeyBytes(s));
        }
    }

    /// <summary>Read only: the slot of each of the first <paramref name="length"/> keys of <paramref name="keyColumns"/> (columns of
    /// <see cref="KeySchema"/>), or -1 where the key was not seen (or expired); returns how many were found. For live lookups.</summary>
    public int Find(IReadOnlyList<IArrowArray> keyColumns, int length, Span<int> slots) => _keys.TryGet(keyColumns, length, slots);

    /// <summary>Read only: appends at most <paramref name="limit"/> live slots, in slot id order. For bounded scans.</summary>
    public void FirstLiveSlots(int limit, List<int> slots) => _keys.FirstLiveSlots(limit, slots);

    /// <summary>The expiry time of a live slot's key.</summary>
    public long ExpiryOf(int slot) => _keys.IsLive(slot) ? _expiry[slot] : throw new ArgumentOutOfRangeException(nameof(slot));

    /// <summary>Removes every key whose expiry is at most <paramref name="thresholdMicros"/> (the watermark); returns how many.</summary>
    public int Evict(long thresholdMicros)
    {
        var evicted = 0;
        for (var s = 0; s < _keys.SlotBound; s++)
        {
            if (!_keys.IsLive(s) || _expiry[s] > thresholdMicros) continue;
            _changes.OnRemoved(_keys.KeyBytes(s));
            _keys.Remove(s);
            evicted++;
        }
        return evicted;
    }

    /// <summary>A row per key added or removed since the last <see cref="MarkClean"/> (<see cref="DeltaSchema"/>): removed keys first
    /// (deleted = true, expiry null), then added keys in the order they were added.</summary>
    public RecordBatch Delta()
    {
        var live = new List<int>();
        _changes.ChangedLiveSlots(_keys, live);
        var removed = _changes.RemovedCount;
        return Build(removed, removed > 0 ? _changes.RemovedKeys() : null, live);
    }

    /// <summary>Every key (<see cref="DeltaSchema"/>, deleted = false), in slot id order.</summary>
    public RecordBatch Snapshot()
    {
        var live = new List<int>(_keys.Count);
        _keys.LiveSlots(live);
        return Build(0, null, live);
    }

    /// <summary>Forgets the changes recorded so far (call once a <see cref="Delta"/> is durably saved).</summary>
    public void MarkClean() => _changes.Clear();

    /// <summary>Loads a <see cref="Delta"/> or <see cref="Snapshot"/>: deleted rows remove their key, other rows add it or replace
    /// its expiry (a null expiry means never). Rows whose key group fails <paramref name="keepKeyGroup"/> are skipped. Loaded
    /// keys are not marked changed.</summary>
    public void Apply(RecordBatch deltaOrSnapshot, Func<int, bool>? keepKeyGroup = null, int numKeyGroups = KeyGroups.DefaultNumKeyGroups)
    {
        StateBatches.Check(DeltaSchema, deltaOrSnapshot);
        var n = deltaOrSnapshot.Length;
        var slots = new int[n];
        StateBatches.ResolveApply(_keys, _applyEncoder, deltaOrSnapshot, _keyCount, keepKeyGroup, numKeyGroups, slots, []);
        if (_expiry.Length < _keys.SlotBound) System.Array.Resize(ref _expiry, Math.Max(_keys.SlotBound, Math.Max(16, _expiry.Length * 2)));
        var column = deltaOrSnapshot.Column(1 + _keyCount);
        var allNull = ArrowSpans.AllNull(column);
        var values = allNull ? default : ArrowSpans.Values<long>(column);
        var validity = ArrowSpans.Validity(column);
        for (var r = 0; r < n; r++)
        {
            var s = slots[r];
            if (s < 0) continue;
            _expiry[s] = !allNull && ArrowSpans.IsValid(validity, column.Offset, r) ? values[r] : long.MaxValue;
        }
    }

    private RecordBatch Build(int removed, IArrowArray[]? removedKeys, List<int> live)
    {
        var span = CollectionsMarshal.AsSpan(live);
        var expiry = new FixedColumnWriter<long>(removed + live.Count);
        var values = expiry.Values;
        for (var i = 0; i < removed; i++) expiry.SetNull(i);
        for (var i = 0; i < span.Length; i++) values[removed + i] = _expiry[span[i]];
        return StateBatches.Build(DeltaSchema, removed, removedKeys, live.Count, _keys.KeyColumns(span), [expiry.Build(Int64Type.Default)]);
    }
}
