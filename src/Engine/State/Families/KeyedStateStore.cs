using Apache.Arrow;
using System.Runtime.InteropServices;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Expressions.Kernels;

namespace OrleansStream.Engine.State.Families;

/// <summary>
/// The keyed state of one operator in one state partition (DESIGN.md §6): named column families the operator declares
/// (<see cref="GetValueState"/>, <see cref="GetListState"/>, <see cref="GetMapState"/>, as Spark's
/// <c>createColFamilyIfAbsent</c>), a <see cref="Timers"/> family ordered by time, and time-to-live expiry by processing
/// time (<see cref="ExpireTtl"/>). All of it is one <see cref="IVersionedState"/>, so <see cref="VersionedStateStore"/>
/// versions it (a delta per epoch, snapshots, clean-up) and rescales it by key group like any operator's state.
/// <para>
/// State rows (<see cref="StateSchema"/>): "__family" (the family's name), "__deleted", the grouping key's columns (the
/// routing columns: a row's key group is its key's, as the exchange routes it), "__entry" (a map entry's key; a timer's
/// mode and time), "__value" and "__expiry" (µs, null for never). Grouping keys are columns, so rescaling splits state
/// rows without decoding anything; values are bytes, because families hold user-shaped values of any type (the typed
/// handle above encodes them) and all families of an operator then share one schema and one file per version. The
/// aggregation's columnar <see cref="KeyTable"/> stays its own specialised state, where columns pay off.
/// </para>
/// Declare every family before loading (rows of an undeclared family fail the load). Not thread-safe.
/// </summary>
public sealed class KeyedStateStore : IVersionedState
{
    /// <summary>The family name column.</summary>
    public const string FamilyColumn = "__family";

    /// <summary>The entry column (map entry key, timer mode and time).</summary>
    public const string EntryColumn = "__entry";

    /// <summary>The value column.</summary>
    public const string ValueColumn = "__value";

    /// <summary>The expiry column (µs of processing time; null: never).</summary>
    public const string ExpiryColumn = "__expiry";

    private readonly Dictionary<string, StateFamily> _families = new(StringComparer.Ordinal);
    private readonly List<StateFamily> _ordered = [];
    private readonly KeyEncoder _encoder;
    private readonly int _keyCount;
    private readonly PriorityQueue<(StateFamily Family, StateKey Key, StateKey? Entry, long Expiry), long> _ttl = new();
    private readonly HashSet<string> _ignored = new(StringComparer.Ordinal);
    // The rows and key bytes of a delta, and of a snapshot, kept from epoch to epoch: at a million keys they are tens of MB
    // each time, which as new large objects every commit would cost page faults and full collections. A delta may be built
    // on a background thread while a snapshot is taken, so each has its own; taken while in use (one delta at a time).
    private RowBuffers? _deltaBuffers = new();
    private readonly RowBuffers _snapshotBuffers = new();
    // The column arrays of the last detached delta, back once its batch was encoded: the next one writes into them.
    private ColumnArrays? _deltaArrays = new();

    /// <summary>Creates an empty store for grouping keys of <paramref name="keySchema"/>.</summary>
    /// <exception cref="NotSupportedException">A key column's type cannot be a key.</exception>
    public KeyedStateStore(Schema keySchema)
    {
        ArgumentNullException.ThrowIfNull(keySchema);
        KeySchema = keySchema;
        _encoder = new KeyEncoder(keySchema);
        _keyCount = keySchema.FieldsList.Count;
        var fields = new List<Field> { new(FamilyColumn, StringType.Default, false), new(StateBatches.DeletedColumn, BooleanType.Default, false) };
        fields.AddRange(keySchema.FieldsList);
        fields.Add(new Field(EntryColumn, BinaryType.Default, true));
        fields.Add(new Field(ValueColumn, BinaryType.Default, true));
        fields.Add(new Field(ExpiryColumn, Int64Type.Default, true));
        StateSchema = new Schema(fields, null);
        StateRoutingColumns = Enumerable.Range(2, _keyCount).ToList();
        Timers = new TimerFamily(this);
        Declare(Timers);
    }

    /// <summary>The grouping key's schema.</summary>
    public Schema KeySchema { get; }

    /// <summary>The schema of <see cref="Delta"/> and <see cref="Snapshot"/>.</summary>
    public Schema StateSchema { get; }

    /// <inheritdoc />
    public IReadOnlyList<int> StateRoutingColumns { get; }

    /// <summary>The timers (always declared).</summary>
    public TimerFamily Timers { get; }

    /// <summary>The families in declaration order (the timers first).</summary>
    public IReadOnlyList<StateFamily> Families => _ordered;

    /// <summary>The epoch's batch timestamp (µs): values written now expire their family's time to live after it. Set it
    /// before each epoch (never the wall clock: a replayed epoch must expire the same values).</summary>
    public long BatchTimestampMicros { get; set; }

    /// <summary>Declares (or returns, when declared already) the value family <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is reserved, or taken by a family of another kind or time to live.</exception>
    public ValueStateFamily GetValueState(string name, TimeSpan? ttl = null) => GetOrDeclare(name, ttl, StateFamilyKind.Value, (n, t) => new ValueStateFamily(this, n, t));

    /// <summary>Declares (or returns) the list family <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is reserved, or taken by a family of another kind or time to live.</exception>
    public ListStateFamily GetListState(string name, TimeSpan? ttl = null) => GetOrDeclare(name, ttl, StateFamilyKind.List, (n, t) => new ListStateFamily(this, n, t));

    /// <summary>Declares (or returns) the map family <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is reserved, or taken by a family of another kind or time to live.</exception>
    public MapStateFamily GetMapState(string name, TimeSpan? ttl = null) => GetOrDeclare(name, ttl, StateFamilyKind.Map, (n, t) => new MapStateFamily(this, n, t));

    /// <summary>
    /// Drops the rows of family <paramref name="name"/>, which the operator does not declare, when loading (Spark's
    /// deleteIfExists of a state variable an earlier version of the processor kept): they are skipped, and the next snapshot
    /// no longer holds them.
    /// </summary>
    /// <exception cref="ArgumentException">The family is declared.</exception>
    public void IgnoreOnLoad(string name)
    {
        if (_families.ContainsKey(name)) throw new ArgumentException($"The state family '{name}' is declared; clear its keys instead.", nameof(name));
        _ignored.Add(name);
    }

    /// <summary>The grouping key of row <paramref name="row"/> of <paramref name="keyColumns"/> (one array per key field).</summary>
    public StateKey Key(IReadOnlyList<IArrowArray> keyColumns, int row) => new(_encoder.EncodeRow(keyColumns, row));

    /// <summary>The grouping keys of the first <paramref name="length"/> rows of <paramref name="keyColumns"/>.</summary>
    public StateKey[] Keys(IReadOnlyList<IArrowArray> keyColumns, int length)
    {
        _encoder.Encode(keyColumns, length);
        var keys = new StateKey[length];
        for (var r = 0; r < length; r++) keys[r] = new StateKey(_encoder.Key(r).ToArray());
        return keys;
    }

    /// <summary><paramref name="keys"/> as key columns (<see cref="KeySchema"/>), in order.</summary>
    public IArrowArray[] KeyColumns(IReadOnlyList<StateKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return _encoder.Decode(keys.Select(k => k.Array).ToList());
    }

    /// <summary>The key group of <paramref name="key"/> (as the exchange routes its rows).</summary>
    public static int KeyGroupOf(StateKey key, int numKeyGroups) => KeyGroups.OfStateKey(key.Bytes, numKeyGroups);

    /// <summary>
    /// Removes every value of a family with a time to live whose expiry is at or below <paramref name="nowMicros"/> (the
    /// batch timestamp); returns how many. A value written again since has a later expiry and stays.
    /// </summary>
    public int ExpireTtl(long nowMicros)
    {
        var expired = 0;
        while (_ttl.TryPeek(out var item, out var expiry) && expiry <= nowMicros)
        {
            _ttl.Dequeue();
            if (item.Family.ExpireIfStill(item.Key, item.Entry, item.Expiry)) expired++;
        }
        return expired;
    }

    /// <summary>The next time to live expiry (µs) still tracked, or null: an epoch may be due for it.</summary>
    public long? NextTtlExpiry => _ttl.TryPeek(out _, out var expiry) ? expiry : null;

    /// <inheritdoc />
    public RecordBatch Delta()
    {
        var count = 0;
        foreach (var family in _ordered) count += family.ChangedCount;
        return BuildDelta(count, null, rows =>
        {
            foreach (var family in _ordered) family.AppendDelta(rows);
        });
    }

    /// <inheritdoc />
    /// <remarks>Value and timer changes are handed over as they are (the values are never changed in place), so the delta's
    /// layout, its largest part, runs when it is built; list and map rows are read now, since the next epoch changes them.</remarks>
    public IDetachedDelta DetachDelta()
    {
        var count = 0;
        var parts = new Action<List<StateRow>>[_ordered.Count];
        for (var i = 0; i < parts.Length; i++)
        {
            count += _ordered[i].ChangedCount;
            parts[i] = _ordered[i].DetachDelta();
        }
        return new DetachedDelta(this, count, parts);
    }

    /// <inheritdoc />
    public RecordBatch Snapshot()
    {
        var rows = _snapshotBuffers.Rows;
        try
        {
            foreach (var family in _ordered) family.AppendSnapshot(rows);
            return Build(rows, _snapshotBuffers, null);
        }
        finally
        {
            rows.Clear();
        }
    }

    // Builds a delta of count rows that append lists, with the delta's buffers (or new ones while another delta holds them),
    // its columns in arrays (reused ones, or new when null).
    private RecordBatch BuildDelta(int count, ColumnArrays? arrays, Action<List<StateRow>> append)
    {
        var buffers = Interlocked.Exchange(ref _deltaBuffers, null) ?? new RowBuffers();
        buffers.Rows.EnsureCapacity(count);
        try
        {
            append(buffers.Rows);
            return Build(buffers.Rows, buffers, arrays);
        }
        finally
        {
            buffers.Rows.Clear();
            _deltaBuffers = buffers;
        }
    }

    /// <inheritdoc />
    public void MarkClean()
    {
        foreach (var family in _ordered) family.ClearChanges();
    }

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">A row belongs to a family that was not declared, or the batch has another layout.</exception>
    public void Apply(RecordBatch stateRows)
    {
        ArgumentNullException.ThrowIfNull(stateRows);
        if (stateRows.ColumnCount != StateSchema.FieldsList.Count)
            throw new InvalidDataException($"A keyed state batch needs {StateSchema.FieldsList.Count} columns but this one has {stateRows.ColumnCount}.");
        var n = stateRows.Length;
        if (n == 0) return;
        var families = (StringArray)stateRows.Column(0);
        var deleted = (BooleanArray)stateRows.Column(1);
        var keyColumns = new IArrowArray[_keyCount];
        for (var c = 0; c < _keyCount; c++) keyColumns[c] = stateRows.Column(2 + c);
        var entries = stateRows.Column(2 + _keyCount) as BinaryArray;
        var values = stateRows.Column(3 + _keyCount) as BinaryArray;
        var expiries = stateRows.Column(4 + _keyCount) as Int64Array;
        var keys = Keys(keyColumns, n);
        StateFamily? family = null;
        for (var r = 0; r < n; r++)
        {
            var name = families.GetString(r);
            if (family?.Name != name && !_families.TryGetValue(name, out family))
            {
                if (_ignored.Contains(name)) continue;
                throw new InvalidDataException($"The state holds rows of the family '{name}', which the operator did not declare (it declares {string.Join(", ", _families.Keys.Select(k => $"'{k}'"))}).");
            }
            var row = new StateRow(name, deleted.GetValue(r) == true, keys[r],
                entries is null || entries.IsNull(r) ? null : entries.GetBytes(r).ToArray(),
                values is null || values.IsNull(r) ? null : values.GetBytes(r).ToArray(),
                expiries?.GetValue(r) ?? long.MaxValue);
            family.Apply(row);
        }
    }

    internal void TrackTtl(StateFamily family, StateKey key, StateKey? entry, long expiry) => _ttl.Enqueue((family, key, entry, expiry), expiry);

    private T GetOrDeclare<T>(string name, TimeSpan? ttl, StateFamilyKind kind, Func<string, long?, T> create) where T : StateFamily
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.StartsWith("__", StringComparison.Ordinal)) throw new ArgumentException($"State family names starting with '__' are reserved: '{name}'.", nameof(name));
        if (ttl is { } t && t <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ttl), ttl, "A time to live must be positive.");
        long? ttlMicros = ttl is { } span ? span.Ticks / TimeSpan.TicksPerMicrosecond : null;
        if (_families.TryGetValue(name, out var existing))
        {
            if (existing is T same && existing.TtlMicros == ttlMicros) return same;
            throw new ArgumentException($"The state family '{name}' is declared already as {existing.Kind} state{(existing.TtlMicros is { } x ? $" with a time to live of {x} µs" : "")}; it cannot be {kind} state{(ttlMicros is { } y ? $" with a time to live of {y} µs" : "")} too.", nameof(name));
        }
        var family = create(name, ttlMicros);
        Declare(family);
        return family;
    }

    private void Declare(StateFamily family)
    {
        _families.Add(family.Name, family);
        _ordered.Add(family);
    }

    // Lays the rows out in columns in one pass (no builder per column, no per-row allocation): this runs on the commit path,
    // for every changed row of the epoch, and each row's value is a separate object in a large heap, so it is read once, not
    // measured first. The byte columns start at about the sizes the last delta (or snapshot) needed.
    private RecordBatch Build(List<StateRow> rows, RowBuffers buffers, ColumnArrays? arrays)
    {
        var n = rows.Count;
        if (n == 0) return ArrowValues.Empty(StateSchema);
        var span = CollectionsMarshal.AsSpan(rows);
        var sizes = buffers.Sizes;
        var family = new BinaryColumn(n, sizes.Names, arrays, ColumnArrays.Family);
        var entry = new BinaryColumn(n, sizes.Entries, arrays, ColumnArrays.Entry);
        var value = new BinaryColumn(n, sizes.Values, arrays, ColumnArrays.Value);
        var bitmapBytes = BitUtility.ByteCount(n);
        var deleted = ColumnArrays.Get(arrays, ColumnArrays.Deleted, bitmapBytes);
        deleted.AsSpan(0, bitmapBytes).Clear();
        var expiry = ColumnArrays.Get(arrays, ColumnArrays.Expiry, n * sizeof(long));
        var expiries = MemoryMarshal.Cast<byte, long>(expiry.AsSpan(0, n * sizeof(long)));
        byte[]? expiryValidity = null;
        var expiryNulls = 0;
        if (buffers.KeyStarts.Length < n) buffers.KeyStarts = new int[Math.Max(n, buffers.KeyStarts.Length * 2)];
        var keyAt = 0;
        // Rows come family by family: each family's name is encoded once, not once per row.
        string? lastFamily = null;
        byte[] name = [];
        for (var r = 0; r < n; r++)
        {
            ref readonly var row = ref span[r];
            if (!ReferenceEquals(row.Family, lastFamily)) (lastFamily, name) = (row.Family, System.Text.Encoding.UTF8.GetBytes(row.Family));
            family.Append(r, name);
            entry.Append(r, row.Entry);
            value.Append(r, row.Value);
            if (row.Deleted) BitUtility.SetBit(deleted, r);
            if (row.Deleted || row.Expiry == long.MaxValue)
            {
                expiryValidity ??= ColumnArrays.AllValid(arrays, ColumnArrays.ExpiryValidity, n);
                BitUtility.ClearBit(expiryValidity, r);
                expiryNulls++;
                expiries[r] = 0;
            }
            else expiries[r] = row.Expiry;
            var key = row.Key.Bytes;
            if (buffers.KeyData.Length < keyAt + key.Length) System.Array.Resize(ref buffers.KeyData, Math.Max(keyAt + key.Length, Math.Max(1024, buffers.KeyData.Length * 2)));
            buffers.KeyStarts[r] = keyAt;
            key.CopyTo(buffers.KeyData.AsSpan(keyAt));
            keyAt += key.Length;
        }
        buffers.Sizes = new ColumnSizes(Guess(family.Bytes), Guess(entry.Bytes), Guess(value.Bytes));
        // Buffers over exactly the rows' bytes: reused arrays may be longer, and a buffer is written to the file whole.
        var columns = new List<IArrowArray>(StateSchema.FieldsList.Count)
        {
            family.Build(StringType.Default),
            new BooleanArray(new ArrowBuffer(deleted.AsMemory(0, bitmapBytes)), ArrowBuffer.Empty, n, 0, 0),
        };
        columns.AddRange(_encoder.Decode(buffers.KeyData.AsSpan(0, keyAt), buffers.KeyStarts.AsSpan(0, n)));
        columns.Add(entry.Build(BinaryType.Default));
        columns.Add(value.Build(BinaryType.Default));
        columns.Add(ArrowArrayFactory.BuildArray(new ArrayData(Int64Type.Default, n, expiryNulls, 0,
            [expiryValidity is null ? ArrowBuffer.Empty : new ArrowBuffer(expiryValidity.AsMemory(0, bitmapBytes)), new ArrowBuffer(expiry.AsMemory(0, n * sizeof(long)))])));
        return new RecordBatch(StateSchema, columns, n);
    }

    // The next delta's first guess: the last one's size and an eighth, as deltas vary a little from epoch to epoch (one that
    // outgrows its guess doubles, a copy of all it wrote so far).
    private static int Guess(int lastBytes) => (int)Math.Min(System.Array.MaxLength, lastBytes + lastBytes / 8L + 1024);

    /// <summary>First guesses of the byte columns' sizes (from the last delta or snapshot).</summary>
    private readonly record struct ColumnSizes(int Names, int Entries, int Values);

    /// <summary>The rows of a delta or snapshot being built, its keys' bytes, and its byte columns' last sizes.</summary>
    private sealed class RowBuffers
    {
        public readonly List<StateRow> Rows = [];
        public byte[] KeyData = [];
        public int[] KeyStarts = [];
        public ColumnSizes Sizes;
    }

    /// <summary>A delta taken by <see cref="DetachDelta"/>: each family's part appends its rows when it is built.</summary>
    /// <remarks>Its batch is encoded and dropped before the next delta is built, so its columns are written into the arrays
    /// of the one before (given back on <see cref="Dispose"/>), not new ones each epoch.</remarks>
    private sealed class DetachedDelta(KeyedStateStore store, int length, Action<List<StateRow>>[] parts) : IDetachedDelta
    {
        private int _built;
        private ColumnArrays? _arrays;

        public int Length => length;

        public RecordBatch Build()
        {
            if (Interlocked.Exchange(ref _built, 1) != 0) throw new InvalidOperationException("A detached delta is built once.");
            if (length == 0) return ArrowValues.Empty(store.StateSchema);
            _arrays = Interlocked.Exchange(ref store._deltaArrays, null);
            return store.BuildDelta(length, _arrays, rows =>
            {
                foreach (var part in parts) part(rows);
            });
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _arrays, null) is { } arrays) store._deltaArrays = arrays;
        }
    }

    /// <summary>
    /// The arrays a detached delta's columns are written into, kept for the next one: at a million keys a delta's columns are
    /// tens of MB, which as new large objects every epoch cost page faults, zeroing and gen-2 collections. An array grows
    /// (and is kept grown) when a delta needs more; where there are no kept arrays (null), every column gets new ones.
    /// </summary>
    private sealed class ColumnArrays
    {
        // Slots: a binary column's offsets, data and validity from its first slot on, then the deleted bits and the expiries.
        public const int Family = 0, Entry = 3, Value = 6, Deleted = 9, Expiry = 10, ExpiryValidity = 11;

        private readonly byte[]?[] _kept = new byte[12][];

        /// <summary>An array of at least <paramref name="bytes"/> bytes of unspecified content (new ones are zeroed).</summary>
        public static byte[] Get(ColumnArrays? arrays, int slot, int bytes)
        {
            if (arrays is null) return new byte[bytes];
            var kept = arrays._kept[slot];
            if (kept is null || kept.Length < bytes) arrays._kept[slot] = kept = new byte[bytes];
            return kept;
        }

        /// <summary>A validity bitmap of <paramref name="length"/> rows, every row valid.</summary>
        public static byte[] AllValid(ColumnArrays? arrays, int slot, int length)
        {
            var bytes = BitUtility.ByteCount(length);
            var bits = Get(arrays, slot, bytes);
            bits.AsSpan(0, bytes).Fill(0xFF);
            return bits;
        }

        /// <summary>Keeps <paramref name="array"/>, grown from the slot's, for the next delta.</summary>
        public static void Grown(ColumnArrays? arrays, int slot, byte[] array)
        {
            if (arrays is not null) arrays._kept[slot] = array;
        }
    }

    /// <summary>A binary or string column written row by row into presized offsets and growing data (null for a null value).</summary>
    private sealed class BinaryColumn
    {
        private readonly int _length;
        private readonly ColumnArrays? _arrays;
        private readonly int _slot;
        private readonly byte[] _offsets;
        private byte[] _data;
        private byte[]? _validity;
        private int _nulls;
        private int _end;

        public BinaryColumn(int length, int bytes, ColumnArrays? arrays, int slot)
        {
            (_length, _arrays, _slot) = (length, arrays, slot);
            _offsets = ColumnArrays.Get(arrays, slot, (length + 1) * sizeof(int));
            MemoryMarshal.Cast<byte, int>(_offsets.AsSpan())[0] = 0;
            _data = ColumnArrays.Get(arrays, slot + 1, Math.Max(bytes, 16));
        }

        /// <summary>The data bytes written.</summary>
        public int Bytes => _end;

        public void Append(int row, byte[]? value)
        {
            if (value is null)
            {
                _validity ??= ColumnArrays.AllValid(_arrays, _slot + 2, _length);
                BitUtility.ClearBit(_validity, row);
                _nulls++;
            }
            else
            {
                // Arrow's 32-bit offsets hold at most 2 GB per column: past that, an overflow error rather than a wrapped offset.
                var end = checked(_end + value.Length);
                if (end > _data.Length)
                {
                    System.Array.Resize(ref _data, (int)Math.Min(System.Array.MaxLength, Math.Max(end, _data.Length * 2L)));
                    ColumnArrays.Grown(_arrays, _slot + 1, _data);
                }
                value.CopyTo(_data, _end);
                _end += value.Length;
            }
            MemoryMarshal.Cast<byte, int>(_offsets.AsSpan())[row + 1] = _end;
        }

        public IArrowArray Build(IArrowType type) => ArrowArrayFactory.BuildArray(new ArrayData(type, _length, _nulls, 0,
            [_validity is null ? ArrowBuffer.Empty : new ArrowBuffer(_validity.AsMemory(0, BitUtility.ByteCount(_length))),
                new ArrowBuffer(_offsets.AsMemory(0, (_length + 1) * sizeof(int))), new ArrowBuffer(_data.AsMemory(0, _end))]));
    }
}
