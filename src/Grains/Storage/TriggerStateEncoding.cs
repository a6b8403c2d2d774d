using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Orleans.Serialization;
using OrleansStream.Grains.Execution;
using OrleansStream.Interfaces.Execution;

namespace OrleansStream.Grains.Storage;

/// <summary>
/// The trigger's record (format "OST1"): the <see cref="TriggerState"/> without its logs and run, then the run, each offset
/// record and each commit, every part encoded on its own (Orleans' binary format, length-prefixed; commits as two int64s).
/// The trigger writes its whole record twice an epoch (write-ahead and commit), and all but one offset record and the run
/// are the same as in the write before: each part is encoded in its own session, so its bytes do not depend on what was
/// written before it, and the bytes of an offset record or a run, which never change once written, are kept with the object
/// and copied instead of encoded again (q7-agg's steady state: encoding the whole state was 5-7% of the process's CPU).
/// The record is still written whole, by one conditional write; records in the format before ("OSB1") are still read.
/// </summary>
internal sealed class TriggerStateEncoding(Serializer serializer)
{
    private static readonly byte[] Marker = "OST1"u8.ToArray();
    private static readonly SortedDictionary<long, OffsetRecord> NoOffsets = new();
    private static readonly SortedDictionary<long, CommitRecord> NoCommits = new();

    // Keyed by the instance: a record or run held by the state is never changed (both are immutable once written).
    private readonly ConditionalWeakTable<object, byte[]> _encoded = new();

    /// <summary>Whether <paramref name="data"/> is a record in this format.</summary>
    public static bool Handles(ReadOnlySpan<byte> data) => data.StartsWith(Marker);

    /// <summary>The record of <paramref name="state"/>, in an array of its own.</summary>
    public byte[] Encode(TriggerState state)
    {
        var parts = Parts(state);
        var data = new byte[parts.Length];
        Write(parts, state, data);
        return data;
    }

    /// <summary>The record of <paramref name="state"/>, in an array rented from the shared pool: dispose it once written.
    /// (The trigger writes its record twice an epoch, a few kilobytes each time.)</summary>
    public IMemoryOwner<byte> EncodeRented(TriggerState state)
    {
        var parts = Parts(state);
        var array = ArrayPool<byte>.Shared.Rent(parts.Length);
        Write(parts, state, array);
        return new Rented(array, parts.Length);
    }

    private RecordParts Parts(TriggerState state)
    {
        var core = serializer.SerializeToArray(WithoutLogs(state));
        var run = state.ActiveRun is null ? null : Encoded(state.ActiveRun);
        var offsets = new byte[state.Offsets.Count][];
        var i = 0;
        foreach (var record in state.Offsets.Values) offsets[i++] = Encoded(record);
        var length = Marker.Length + 4 + core.Length + 4 + (run?.Length ?? 0) + 4 + 4 + 16 * state.Commits.Count;
        foreach (var record in offsets) length += 4 + record.Length;
        return new RecordParts(core, run, offsets, length);
    }

    private static void Write(RecordParts parts, TriggerState state, Span<byte> span)
    {
        Marker.CopyTo(span);
        var at = Marker.Length;
        at = WritePart(span, at, parts.Core);
        at = WritePart(span, at, parts.Run);
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], parts.Offsets.Length);
        at += 4;
        foreach (var record in parts.Offsets) at = WritePart(span, at, record);
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], state.Commits.Count);
        at += 4;
        foreach (var commit in state.Commits.Values)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[at..], commit.BatchId);
            BinaryPrimitives.WriteInt64LittleEndian(span[(at + 8)..], commit.NextWatermarkMs);
            at += 16;
        }
    }

    /// <exception cref="InvalidDataException">The record is cut short or its parts do not add up.</exception>
    public TriggerState Decode(ReadOnlyMemory<byte> data)
    {
        var reader = new PartReader(data, Marker.Length);
        var state = Read<TriggerState>(reader.Part() ?? throw Invalid("no state"));
        state.Offsets = new SortedDictionary<long, OffsetRecord>();
        state.Commits = new SortedDictionary<long, CommitRecord>();
        if (reader.Part() is { } run) state.ActiveRun = Kept(Read<RunRequest>(run), run);
        for (var n = reader.Count(); n > 0; n--)
        {
            var part = reader.Part() ?? throw Invalid("an offset record is missing");
            var record = Kept(Read<OffsetRecord>(part), part);
            state.Offsets[record.BatchId] = record;
        }
        for (var n = reader.Count(); n > 0; n--)
        {
            var (batchId, nextWatermarkMs) = reader.Commit();
            state.Commits[batchId] = new CommitRecord(batchId, nextWatermarkMs);
        }
        if (!reader.AtEnd) throw Invalid("bytes after the last commit");
        return state;
    }

    private T Read<T>(ReadOnlyMemory<byte> part) where T : class =>
        serializer.Deserialize<T>(part) ?? throw Invalid($"a null {typeof(T).Name}");

    private static TriggerState WithoutLogs(TriggerState state) => new()
    {
        Offsets = NoOffsets,
        Commits = NoCommits,
        Sources = state.Sources,
        NumKeyGroups = state.NumKeyGroups,
        StatePartitions = state.StatePartitions,
        EventTimeMaxMs = state.EventTimeMaxMs,
        WatermarkPolicy = state.WatermarkPolicy,
        LastRunError = state.LastRunError,
    };

    private byte[] Encoded<T>(T value) where T : class =>
        _encoded.TryGetValue(value, out var bytes) ? bytes : Remember(value, serializer.SerializeToArray(value));

    private byte[] Remember<T>(T value, byte[] bytes) where T : class
    {
        _encoded.AddOrUpdate(value, bytes);
        return bytes;
    }

    // A decoded part keeps its bytes too: the first write after a restart copies them.
    private T Kept<T>(T value, ReadOnlyMemory<byte> bytes) where T : class
    {
        _encoded.AddOrUpdate(value, bytes.ToArray());
        return value;
    }

    private static int WritePart(Span<byte> span, int at, byte[]? part)
    {
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], part?.Length ?? -1);
        part?.CopyTo(span[(at + 4)..]);
        return at + 4 + (part?.Length ?? 0);
    }

    private static InvalidDataException Invalid(string what) => new($"Trigger record (OST1) is not whole: {what}.");

    // The encoded parts of a record, and its length.
    private readonly record struct RecordParts(byte[] Core, byte[]? Run, byte[][] Offsets, int Length);

    // A record in a rented array, given back once written.
    private sealed class Rented(byte[] array, int length) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => (_array ?? throw new ObjectDisposedException(nameof(Rented))).AsMemory(0, length);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } returned) ArrayPool<byte>.Shared.Return(returned);
        }
    }

    /// <summary>Reads the parts of a record in order, checking each length against what is left.</summary>
    private struct PartReader(ReadOnlyMemory<byte> data, int at)
    {
        private int _at = at;

        public readonly bool AtEnd => _at == data.Length;

        /// <summary>The next length-prefixed part; null for an absent one (length -1).</summary>
        public ReadOnlyMemory<byte>? Part()
        {
            var length = Int32();
            if (length == -1) return null;
            if (length < 0 || length > data.Length - _at) throw Invalid("a part runs past the end");
            var part = data.Slice(_at, length);
            _at += length;
            return part;
        }

        public int Count() => Int32() is var n && n >= 0 ? n : throw Invalid("a negative count");

        public (long BatchId, long NextWatermarkMs) Commit()
        {
            if (data.Length - _at < 16) throw Invalid("a commit runs past the end");
            var span = data.Span[_at..];
            _at += 16;
            return (BinaryPrimitives.ReadInt64LittleEndian(span), BinaryPrimitives.ReadInt64LittleEndian(span[8..]));
        }

        private int Int32()
        {
            if (data.Length - _at < 4) throw Invalid("cut short");
            var value = BinaryPrimitives.ReadInt32LittleEndian(data.Span[_at..]);
            _at += 4;
            return value;
        }
    }
}
