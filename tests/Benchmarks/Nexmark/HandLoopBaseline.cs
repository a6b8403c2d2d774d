using System.Runtime.InteropServices;
using Apache.Arrow;
using OrleansStream.Engine.Sources.Nexmark;
using OrleansStream.Plan.Types;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// Baseline (a), the ceiling: a hand-written single-threaded loop per query over the same generated Arrow columns (the
/// suite hands it the generator's batches of the columns the query reads, as the engine's source gets them), producing the
/// query's output columns batch by batch and, for aggregations, keeping per-window hash maps that it evicts by the same
/// watermark as the engine. Returns the number of result rows. As the .NET ceiling it allocates as little as a careful
/// hand-written loop would: each batch's output columns are written into buffers reused for the next batch (the batch it
/// built is counted and dropped first, as the engine returns a batch's pooled buffers once its sink is done), and an
/// evicted window's map is cleared and reused for the next window.
/// </summary>
internal static class HandLoopBaseline
{
    public static long Run(string query, IEnumerable<RecordBatch> batches) => query switch
    {
        "q0" => Q0(batches),
        "q1" => Q1(batches),
        "q2" => Q2(batches),
        "q5-agg" => Q5(batches),
        "q7-agg" => Q7(batches),
        "q11" or "q11-tws" => Q11(batches),
        "q12" => Q12(batches),
        "q14" => Q14(batches),
        "count-1m" => CountDistinctKeys(batches),
        _ => throw new ArgumentException($"No hand loop for {query}."),
    };

    private static readonly Schema Q0Schema = new([.. new[] { 0, 1, 2, 5, 6 }.Select(i => NexmarkSchemas.Bid.FieldsList[i])], null);

    // A projection of existing columns copies nothing in Arrow: the ceiling is building the output batch.
    private static long Q0(IEnumerable<RecordBatch> batches)
    {
        long rows = 0;
        foreach (var b in batches)
            rows += new RecordBatch(Q0Schema, [b.Column("auction"), b.Column("bidder"), b.Column("price"), b.Column("dateTime"), b.Column("extra")], b.Length).Length;
        return rows;
    }

    private static long Q1(IEnumerable<RecordBatch> batches)
    {
        long rows = 0;
        var output = new OutputBuffers(1);
        foreach (var b in batches)
        {
            var price = Int64(b, "price");
            var bytes = output.Rent(0, b.Length * sizeof(double));
            var euro = MemoryMarshal.Cast<byte, double>(bytes.Span);
            for (var i = 0; i < euro.Length; i++) euro[i] = price[i] * NexmarkQueries.DollarToEuro;
            rows += new RecordBatch.Builder().Append("auction", false, b.Column("auction")).Append("bidder", false, b.Column("bidder"))
                .Append("price", false, new DoubleArray(new ArrowBuffer(bytes), ArrowBuffer.Empty, b.Length, 0, 0))
                .Append("dateTime", false, b.Column("dateTime")).Append("extra", false, b.Column("extra")).Build().Length;
        }
        return rows;
    }

    private static long Q2(IEnumerable<RecordBatch> batches)
    {
        long rows = 0;
        var selection = new List<int>();
        var output = new OutputBuffers(2);
        foreach (var b in batches)
        {
            var auction = Int64(b, "auction");
            selection.Clear();
            for (var i = 0; i < auction.Length; i++) if (auction[i] % 123 == 0) selection.Add(i);
            var idx = CollectionsMarshal.AsSpan(selection);
            rows += new RecordBatch.Builder().Append("auction", false, Gather(auction, idx, output.Rent(0, idx.Length * sizeof(long))))
                .Append("price", false, Gather(Int64(b, "price"), idx, output.Rent(1, idx.Length * sizeof(long)))).Build().Length;
        }
        return rows;
    }

    private static long Q14(IEnumerable<RecordBatch> batches)
    {
        ReadOnlySpan<byte> day = "dayTime"u8, night = "nightTime"u8, other = "otherTime"u8;
        long rows = 0;
        var selection = new List<int>();
        foreach (var b in batches)
        {
            var price = Int64(b, "price");
            selection.Clear();
            for (var i = 0; i < price.Length; i++)
            {
                var euro = price[i] * NexmarkQueries.DollarToEuro;
                if (euro > 1_000_000.0 && euro < 50_000_000.0) selection.Add(i);
            }
            var idx = CollectionsMarshal.AsSpan(selection);
            var time = Int64(b, "dateTime");
            var extra = (StringArray)b.Column("extra");
            var euros = new double[idx.Length];
            var bucket = new Utf8ColumnWriter(idx.Length, 9);
            var counts = new int[idx.Length];
            var offsets = extra.ValueOffsets;
            for (var k = 0; k < idx.Length; k++)
            {
                var i = idx[k];
                euros[k] = price[i] * NexmarkQueries.DollarToEuro;
                var secondOfDay = Math.DivRem(time[i], 1_000_000L).Quotient % 86_400;
                bucket.Append(secondOfDay is >= 28_800 and < 68_400 ? day : secondOfDay < 25_200 || secondOfDay >= 72_000 ? night : other);
                counts[k] = offsets[i + 1] - offsets[i]; // the generator writes ASCII: bytes = characters
            }
            rows += new RecordBatch.Builder()
                .Append("auction", false, Int64Array(Gather(Int64(b, "auction"), idx))).Append("bidder", false, Int64Array(Gather(Int64(b, "bidder"), idx)))
                .Append("price", false, Doubles(euros)).Append("bidTimeType", false, bucket.Build())
                .Append("dateTime", false, Timestamps(Gather(time, idx))).Append("extra", false, Gather(extra, idx))
                .Append("c_counts", false, new Int32Array(new ArrowBuffer(MemoryMarshal.AsBytes(counts.AsSpan()).ToArray()), ArrowBuffer.Empty, counts.Length, 0, 0))
                .Build().Length;
        }
        return rows;
    }

    private static long Q5(IEnumerable<RecordBatch> batches)
    {
        // Per window start, the count per auction; a window is emitted and dropped once the watermark passes its end.
        var windows = new Dictionary<long, Dictionary<long, long>>();
        var spare = new Stack<Dictionary<long, long>>();
        long emitted = 0, maxTime = long.MinValue;
        const long size = NexmarkQueries.Q5SizeMicros, slide = NexmarkQueries.Q5SlideMicros;
        foreach (var b in batches)
        {
            var auction = Int64(b, "auction");
            var time = Int64(b, "dateTime");
            for (var i = 0; i < time.Length; i++)
            {
                var t = time[i];
                var lastStart = t - FloorMod(t, slide);
                for (var start = lastStart; start > t - size; start -= slide)
                {
                    if (!windows.TryGetValue(start, out var counts)) windows[start] = counts = Reuse(spare);
                    CollectionsMarshal.GetValueRefOrAddDefault(counts, auction[i], out _)++;
                }
                maxTime = Math.Max(maxTime, t);
            }
            emitted += Evict(windows, Watermark(maxTime), size, spare);
        }
        return emitted;
    }

    private static long Q7(IEnumerable<RecordBatch> batches)
    {
        var windows = new Dictionary<long, Dictionary<long, long>>();
        var spare = new Stack<Dictionary<long, long>>();
        long emitted = 0, maxTime = long.MinValue;
        const long size = NexmarkQueries.Q7SizeMicros;
        foreach (var b in batches)
        {
            var price = Int64(b, "price");
            var time = Int64(b, "dateTime");
            for (var i = 0; i < time.Length; i++)
            {
                var t = time[i];
                var start = t - FloorMod(t, size);
                if (!windows.TryGetValue(start, out var max))
                {
                    windows[start] = max = Reuse(spare);
                    max[0] = long.MinValue;
                }
                ref var m = ref CollectionsMarshal.GetValueRefOrNullRef(max, 0);
                if (price[i] > m) m = price[i];
                maxTime = Math.Max(maxTime, t);
            }
            emitted += Evict(windows, Watermark(maxTime), size, spare);
        }
        return emitted;
    }

    private static long Q11(IEnumerable<RecordBatch> batches)
    {
        // Open sessions per bidder; a session closes when a bid arrives a gap or more after its last bid, and is emitted
        // once the watermark passes its end (last bid + gap), as the engine's session window does.
        var open = new Dictionary<long, (long Start, long Last, long Count)>();
        var closed = new List<long>();
        long emitted = 0, maxTime = long.MinValue;
        const long gap = NexmarkQueries.Q11GapMicros;
        foreach (var b in batches)
        {
            var bidder = Int64(b, "bidder");
            var time = Int64(b, "dateTime");
            for (var i = 0; i < time.Length; i++)
            {
                var t = time[i];
                ref var s = ref CollectionsMarshal.GetValueRefOrAddDefault(open, bidder[i], out var exists);
                if (exists && t < s.Last + gap) s = (s.Start, Math.Max(s.Last, t), s.Count + 1);
                else
                {
                    if (exists) closed.Add(s.Last + gap);
                    s = (t, t, 1);
                }
                maxTime = Math.Max(maxTime, t);
            }
            var watermark = Watermark(maxTime);
            emitted += closed.RemoveAll(end => end <= watermark);
            foreach (var (key, s) in open)
                if (s.Last + gap <= watermark)
                {
                    open.Remove(key);
                    emitted++;
                }
        }
        return emitted;
    }

    private static long Q12(IEnumerable<RecordBatch> batches)
    {
        // Processing time is read once per batch, as the engine stamps each epoch once; windows close when it passes their end.
        var windows = new Dictionary<long, Dictionary<long, long>>();
        var spare = new Stack<Dictionary<long, long>>();
        long emitted = 0;
        const long size = NexmarkQueries.Q12SizeMicros;
        foreach (var b in batches)
        {
            var now = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
            emitted += Evict(windows, now, size, spare);
            var start = now - FloorMod(now, size);
            if (!windows.TryGetValue(start, out var counts)) windows[start] = counts = Reuse(spare);
            var bidder = Int64(b, "bidder");
            for (var i = 0; i < bidder.Length; i++) CollectionsMarshal.GetValueRefOrAddDefault(counts, bidder[i], out _)++;
        }
        return emitted + windows.Values.Sum(w => w.Count);
    }

    private static long CountDistinctKeys(IEnumerable<RecordBatch> batches)
    {
        var counts = new Dictionary<long, long>();
        foreach (var b in batches)
        {
            var auction = Int64(b, "auction");
            var bidder = Int64(b, "bidder");
            var price = Int64(b, "price");
            for (var i = 0; i < price.Length; i++)
                CollectionsMarshal.GetValueRefOrAddDefault(counts, Key(auction[i], bidder[i], price[i]), out _)++;
        }
        return counts.Count;
    }

    /// <summary>The grouped count's key, as <see cref="NexmarkQueries.KeySql"/> computes it.</summary>
    public static long Key(long auction, long bidder, long price) => (price * 1000003 + bidder * 7919 + auction) % NexmarkQueries.DistinctKeys;

    /// <summary>The engine's watermark: the largest event time, in whole milliseconds, minus the delay (µs).</summary>
    public static long Watermark(long maxTimeMicros) => Math.DivRem(maxTimeMicros, 1000L).Quotient * 1000 - NexmarkQueries.WatermarkDelayMicros;

    private static long Evict(Dictionary<long, Dictionary<long, long>> windows, long watermark, long size, Stack<Dictionary<long, long>> spare)
    {
        long emitted = 0;
        foreach (var (start, groups) in windows)
            if (start + size <= watermark)
            {
                emitted += groups.Count;
                windows.Remove(start);
                groups.Clear();
                spare.Push(groups);
            }
        return emitted;
    }

    // An evicted window's map keeps its capacity for the next window.
    private static Dictionary<long, long> Reuse(Stack<Dictionary<long, long>> spare) => spare.TryPop(out var map) ? map : [];

    internal static long FloorMod(long a, long b)
    {
        var m = a % b;
        return m < 0 ? m + b : m;
    }

    internal static ReadOnlySpan<long> Int64(RecordBatch b, string column) => b.Column(column) switch
    {
        Int64Array a => a.Values,
        TimestampArray t => t.Values,
        var other => throw new InvalidOperationException($"Column {column} is {other.Data.DataType.Name}."),
    };

    private static Int64Array Gather(ReadOnlySpan<long> values, ReadOnlySpan<int> indices, Memory<byte> into)
    {
        var result = MemoryMarshal.Cast<byte, long>(into.Span);
        for (var k = 0; k < indices.Length; k++) result[k] = values[indices[k]];
        return new Int64Array(new ArrowBuffer(into), ArrowBuffer.Empty, indices.Length, 0, 0);
    }

    private static long[] Gather(ReadOnlySpan<long> values, ReadOnlySpan<int> indices)
    {
        var result = new long[indices.Length];
        for (var k = 0; k < indices.Length; k++) result[k] = values[indices[k]];
        return result;
    }

    private static StringArray Gather(StringArray values, ReadOnlySpan<int> indices)
    {
        var offsets = values.ValueOffsets;
        var data = values.Values;
        var writer = new Utf8ColumnWriter(indices.Length, indices.Length == 0 ? 0 : (offsets[^1] - offsets[0]) / Math.Max(1, values.Length) + 1);
        foreach (var i in indices) writer.Append(data[offsets[i]..offsets[i + 1]]);
        return writer.Build();
    }

    internal static Int64Array Int64Array(long[] values) =>
        new(new ArrowBuffer(MemoryMarshal.AsBytes(values.AsSpan()).ToArray()), ArrowBuffer.Empty, values.Length, 0, 0);

    private static DoubleArray Doubles(double[] values) =>
        new(new ArrowBuffer(MemoryMarshal.AsBytes(values.AsSpan()).ToArray()), ArrowBuffer.Empty, values.Length, 0, 0);

    internal static TimestampArray Timestamps(long[] micros) =>
        new(DataTypes.Timestamp, new ArrowBuffer(MemoryMarshal.AsBytes(micros.AsSpan()).ToArray()), ArrowBuffer.Empty, micros.Length, 0, 0);

    /// <summary>A hand loop's output buffers, one per output column, reused batch after batch and grown only when a batch needs more.</summary>
    private sealed class OutputBuffers(int columns)
    {
        private readonly byte[][] _buffers = [.. Enumerable.Repeat(System.Array.Empty<byte>(), columns)];

        public Memory<byte> Rent(int column, int bytes)
        {
            ref var buffer = ref _buffers[column];
            if (buffer.Length < bytes) buffer = new byte[bytes];
            return buffer.AsMemory(0, bytes);
        }
    }
}
