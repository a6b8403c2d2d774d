using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Operators.Join;

namespace OrleansStream.Engine.Tests.Operators.Join;

/// <summary>The join buffer's hash index: a probe finds exactly the live rows of an equal key (keys of one or two bigint
/// columns, kept by value, and string keys, encoded), null keys equal only null keys, and that holds across the index's
/// growth and the relinking after an eviction.</summary>
public class JoinRowBufferTests
{
    private const int Rows = 3000;

    // Row i: key columns (i % keys, i % 3 or null every seventh row) and time i.
    private static RecordBatch Batch(int from, int count, int keys, IArrowType keyType)
    {
        var a = new Int64Array.Builder();
        var s = new StringArray.Builder();
        var b = new Int64Array.Builder();
        var t = new Int64Array.Builder();
        for (var i = from; i < from + count; i++)
        {
            a.Append(i % keys);
            s.Append("k" + (i % keys));
            if (i % 7 == 0) b.AppendNull();
            else b.Append(i % 3);
            t.Append(i);
        }
        var first = keyType is StringType ? (IArrowArray)s.Build() : a.Build();
        var schema = new Schema([new Field("a", keyType, false), new Field("b", Int64Type.Default, true), new Field("t", Int64Type.Default, false)], null);
        return new RecordBatch(schema, [first, b.Build(), t.Build()], count);
    }

    private static string Key(RecordBatch batch, int[] keyColumns, int row) =>
        string.Join("|", keyColumns.Select(c => batch.Column(c).IsNull(row) ? "null" : batch.Column(c) switch
        {
            Int64Array l => l.GetValue(row)!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
            StringArray s => s.GetString(row),
            _ => throw new NotSupportedException(),
        }));

    [Theory]
    [InlineData("bigint", new[] { 0 })]
    [InlineData("bigint", new[] { 0, 1 })]
    [InlineData("string", new[] { 0 })]
    [InlineData("string", new[] { 0, 1 })]
    public void ProbeFindsExactlyTheLiveRowsOfEqualKeys(string type, int[] keyColumns)
    {
        IArrowType keyType = type == "string" ? StringType.Default : Int64Type.Default;
        var keySchema = new Schema(keyColumns.Select(c => new Field("k" + c, c == 0 ? keyType : Int64Type.Default, true)).ToList(), null);
        var buffer = new JoinRowBuffer(keyColumns, keySchema);
        // Three chunks (the index grows past its first buckets), then an eviction of the first two that relinks the rest.
        var chunks = new[] { Batch(0, Rows, 500, keyType), Batch(Rows, Rows, 700, keyType), Batch(2 * Rows, Rows, 900, keyType) };
        foreach (var chunk in chunks)
        {
            var times = Enumerable.Range(0, chunk.Length).Select(i => ((Int64Array)chunk.Column(2)).GetValue(i)!.Value).ToArray();
            buffer.Add(chunk, null, times, new bool[chunk.Length], null, isNew: true);
        }
        Assert.Equal(2 * Rows, buffer.Evict(2 * Rows - 1, null));
        Assert.Equal(Rows, buffer.LiveRows);

        var probe = Batch(0, 1200, 1100, keyType);
        var candidates = new JoinCandidates();
        buffer.Probe(buffer.ReadKeys(probe), default, candidates);
        var found = new List<string>();
        foreach (var (chunk, probeRows, rows) in candidates.ByChunk(buffer.Chunks.Count))
            for (var i = 0; i < rows.Length; i++)
            {
                var held = buffer.Chunks[chunk].Rows;
                Assert.Equal(Key(probe, keyColumns, probeRows[i]), Key(held, keyColumns, rows[i]));
                found.Add(probeRows[i] + ":" + ((Int64Array)held.Column(2)).GetValue(rows[i]));
            }
        // Expected: the live rows (the third chunk) of each probe row's key.
        var live = chunks[2];
        var byKey = Enumerable.Range(0, live.Length).ToLookup(r => Key(live, keyColumns, r), r => ((Int64Array)live.Column(2)).GetValue(r));
        var expected = new List<string>();
        for (var p = 0; p < probe.Length; p++)
            foreach (var time in byKey[Key(probe, keyColumns, p)]) expected.Add(p + ":" + time);
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Order(), found.Order());
    }
}
